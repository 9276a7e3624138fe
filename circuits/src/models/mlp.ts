import type { Random } from './random.js'

/** A fully connected layer stored as PyTorch stores `nn.Linear`: weights row-major [outputSize][inputSize]. */
export type DenseLayer = {
  inputSize: number
  outputSize: number
  weights: Float32Array
  bias: Float32Array
}

/** Dense layers with ReLU between them and raw logits out. */
export type Mlp = { layers: DenseLayer[] }

/** He-normal weights and zero biases for layer sizes such as `[784, 56, 10]`. */
export function createMlp(sizes: readonly number[], random: Random): Mlp {
  const layers: DenseLayer[] = []
  for (let index = 1; index < sizes.length; index++) {
    const inputSize = sizes[index - 1]!
    const outputSize = sizes[index]!
    const deviation = Math.sqrt(2 / inputSize)
    const weights = new Float32Array(inputSize * outputSize)
    for (let weight = 0; weight < weights.length; weight++) weights[weight] = random.normal() * deviation
    layers.push({ inputSize, outputSize, weights, bias: new Float32Array(outputSize) })
  }
  return { layers }
}

/** Logits for one sample, accumulated in double precision from float32 parameters. */
export function forwardMlp(mlp: Mlp, input: ArrayLike<number>): Float64Array {
  let activation: ArrayLike<number> = input
  mlp.layers.forEach((layer, index) => {
    const output = denseForward(layer, activation)
    if (index < mlp.layers.length - 1) for (let unit = 0; unit < output.length; unit++) output[unit] = Math.max(0, output[unit]!)
    activation = output
  })
  return activation as Float64Array
}

export function argMax(values: ArrayLike<number>): number {
  let best = 0
  for (let index = 1; index < values.length; index++) if (values[index]! > values[best]!) best = index
  return best
}

export type TrainMlpParameters = {
  /** Training samples concatenated, `featureCount` float32 values each. */
  inputs: Float32Array
  labels: Uint8Array
  epochs: number
  batchSize: number
  /** Adam's peak step size; it follows a cosine decay to zero over the whole run. */
  learningRate: number
  /** Shuffles the sample order every epoch. */
  random: Random
  onEpoch?: ((epoch: number, meanLoss: number) => void) | undefined
}

export type TrainMlpReturnType = { epochLosses: number[] }

export const ADAM_BETA1 = 0.9
export const ADAM_BETA2 = 0.999
const ADAM_EPSILON = 1e-8

/** Adam's running first and second moments of one parameter array. */
export type AdamMoments = { first: Float32Array; second: Float32Array }

/**
 * Mini-batch Adam on softmax cross-entropy, in place. Every operation is a deterministic function
 * of the inputs and `random`, so the same call always yields bit-identical weights.
 */
export function trainMlp(mlp: Mlp, parameters: TrainMlpParameters): TrainMlpReturnType {
  const { inputs, labels, epochs, batchSize, learningRate, random } = parameters
  const sampleCount = labels.length
  const featureCount = mlp.layers[0]!.inputSize
  const layers = mlp.layers
  const lastLayer = layers.length - 1

  const weightGradients = layers.map((layer) => new Float64Array(layer.weights.length))
  const biasGradients = layers.map((layer) => new Float64Array(layer.bias.length))
  const weightMoments = layers.map((layer) => ({ first: new Float32Array(layer.weights.length), second: new Float32Array(layer.weights.length) }))
  const biasMoments = layers.map((layer) => ({ first: new Float32Array(layer.bias.length), second: new Float32Array(layer.bias.length) }))
  // activations[0] is the input; activations[l + 1] is layer l's output (after ReLU except the last).
  const activations = [new Float64Array(featureCount), ...layers.map((layer) => new Float64Array(layer.outputSize))]
  const deltas = layers.map((layer) => new Float64Array(layer.outputSize))

  const order = Array.from({ length: sampleCount }, (_, index) => index)
  const stepsPerEpoch = Math.ceil(sampleCount / batchSize)
  const totalSteps = epochs * stepsPerEpoch
  const epochLosses: number[] = []
  let step = 0
  // Running powers of the betas (multiplication only, so no libm function sits in the update).
  let beta1Power = 1
  let beta2Power = 1

  for (let epoch = 0; epoch < epochs; epoch++) {
    random.shuffle(order)
    let lossSum = 0
    for (let batchStart = 0; batchStart < sampleCount; batchStart += batchSize) {
      const batchEnd = Math.min(batchStart + batchSize, sampleCount)
      weightGradients.forEach((gradient) => gradient.fill(0))
      biasGradients.forEach((gradient) => gradient.fill(0))

      for (let position = batchStart; position < batchEnd; position++) {
        const sample = order[position]!
        const input = activations[0]!
        for (let feature = 0; feature < featureCount; feature++) input[feature] = inputs[sample * featureCount + feature]!
        for (let index = 0; index <= lastLayer; index++) {
          denseForward(layers[index]!, activations[index]!, activations[index + 1])
          if (index < lastLayer) {
            const output = activations[index + 1]!
            for (let unit = 0; unit < output.length; unit++) if (output[unit]! < 0) output[unit] = 0
          }
        }
        lossSum += softmaxCrossEntropyGradient(activations[lastLayer + 1]!, labels[sample]!, deltas[lastLayer]!)

        for (let index = lastLayer; index >= 0; index--) {
          const layer = layers[index]!
          const delta = deltas[index]!
          const layerInput = activations[index]!
          const weightGradient = weightGradients[index]!
          const biasGradient = biasGradients[index]!
          const previousDelta = index > 0 ? deltas[index - 1]! : undefined
          previousDelta?.fill(0)
          for (let unit = 0; unit < layer.outputSize; unit++) {
            const unitDelta = delta[unit]!
            if (unitDelta === 0) continue
            biasGradient[unit]! += unitDelta
            const row = unit * layer.inputSize
            for (let feature = 0; feature < layer.inputSize; feature++) weightGradient[row + feature]! += unitDelta * layerInput[feature]!
            if (previousDelta)
              for (let feature = 0; feature < layer.inputSize; feature++) previousDelta[feature]! += unitDelta * layer.weights[row + feature]!
          }
          // ReLU passes gradient only where its output was positive.
          if (previousDelta) for (let feature = 0; feature < layer.inputSize; feature++) if (layerInput[feature]! <= 0) previousDelta[feature] = 0
        }
      }

      const rate = learningRate * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps))
      step++
      beta1Power *= ADAM_BETA1
      beta2Power *= ADAM_BETA2
      const update = { gradientScale: 1 / (batchEnd - batchStart), learningRate: rate, firstCorrection: 1 - beta1Power, secondCorrection: 1 - beta2Power }
      layers.forEach((layer, index) => {
        adamStep(layer.weights, weightGradients[index]!, weightMoments[index]!, update)
        adamStep(layer.bias, biasGradients[index]!, biasMoments[index]!, update)
      })
    }
    const meanLoss = lossSum / sampleCount
    epochLosses.push(meanLoss)
    parameters.onEpoch?.(epoch, meanLoss)
  }
  return { epochLosses }
}

function denseForward(layer: DenseLayer, input: ArrayLike<number>, output = new Float64Array(layer.outputSize)): Float64Array {
  for (let unit = 0; unit < layer.outputSize; unit++) {
    let sum = layer.bias[unit]!
    const row = unit * layer.inputSize
    for (let feature = 0; feature < layer.inputSize; feature++) sum += layer.weights[row + feature]! * input[feature]!
    output[unit] = sum
  }
  return output
}

/** Writes d(loss)/d(logits) = softmax - onehot into `gradient` and returns the loss. */
export function softmaxCrossEntropyGradient(logits: Float64Array, label: number, gradient: Float64Array): number {
  let max = -Infinity
  for (const logit of logits) if (logit > max) max = logit
  let sum = 0
  for (let index = 0; index < logits.length; index++) {
    gradient[index] = Math.exp(logits[index]! - max)
    sum += gradient[index]!
  }
  for (let index = 0; index < logits.length; index++) gradient[index]! /= sum
  const loss = -Math.log(Math.max(gradient[label]!, 1e-300))
  gradient[label]! -= 1
  return loss
}

/** One Adam update of `parameters` from summed `gradients` (times `gradientScale`), in place; shared by the MLP and CNN trainers. */
export function adamStep(
  parameters: Float32Array,
  gradients: Float64Array,
  moments: AdamMoments,
  { gradientScale, learningRate, firstCorrection, secondCorrection }: { gradientScale: number; learningRate: number; firstCorrection: number; secondCorrection: number },
): void {
  for (let index = 0; index < parameters.length; index++) {
    const gradient = gradients[index]! * gradientScale
    const first = ADAM_BETA1 * moments.first[index]! + (1 - ADAM_BETA1) * gradient
    const second = ADAM_BETA2 * moments.second[index]! + (1 - ADAM_BETA2) * gradient * gradient
    moments.first[index] = first
    moments.second[index] = second
    parameters[index]! -= (learningRate * (first / firstCorrection)) / (Math.sqrt(second / secondCorrection) + ADAM_EPSILON)
  }
}
