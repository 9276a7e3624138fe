import { ADAM_BETA1, ADAM_BETA2, adamStep, type AdamMoments, argMax, softmaxCrossEntropyGradient } from './mlp.js'
import type { Random } from './random.js'

/**
 * A small convolutional network trainer: enough of PyTorch's `nn` (Conv2d, MaxPool2d, AvgPool2d,
 * ReLU, BatchNorm2d, Flatten, Linear, residual blocks) to train the model zoo's CNNs on the
 * project's own data, deterministically, one sample at a time in double precision with float32
 * parameters (what the exported ONNX stores).
 *
 * Tensors are one sample's activations, `[channels, height, width]` row-major (`[features]` after
 * Flatten), exactly PyTorch's memory order, so Flatten is the identity and the exported
 * `Flatten -> Gemm` sees the same features the trainer did.
 */

/** `[channels, height, width]`, or `[features]` after Flatten. */
export type Shape = number[]

/** `nn.Conv2d`, stride 1; `padding` zeros on every side; weights `[out, in / groups, kernel, kernel]`. */
export type Conv2dLayer = {
  kind: 'conv2d'
  inChannels: number
  outChannels: number
  kernel: number
  padding: number
  groups: number
  weights: Float32Array
  bias: Float32Array
}

/** `nn.Linear`: weights `[outFeatures, inFeatures]`. */
export type LinearLayer = { kind: 'linear'; inFeatures: number; outFeatures: number; weights: Float32Array; bias: Float32Array }

/**
 * `nn.BatchNorm2d` as inference computes it: y = scale · (x - mean) / sqrt(variance + epsilon) + shift,
 * per channel. Trained as a per-channel affine map (scale, shift) with fixed statistics: the
 * trainer works one sample at a time, so there are no batch statistics; `mean` / `variance` are
 * set from the training data before training (see {@link calibrateBatchNorms}), and they matter
 * because they normalise what the block sees as BatchNorm would at the start.
 */
export type BatchNormLayer = {
  kind: 'batchNorm'
  channels: number
  scale: Float32Array
  shift: Float32Array
  mean: Float32Array
  variance: Float32Array
  epsilon: number
}

export type ReluLayer = { kind: 'relu' }
/** 2x2 window, stride 2, no padding (PyTorch's `MaxPool2d(2)` / `AvgPool2d(2)`); odd edges are dropped. */
export type PoolLayer = { kind: 'maxPool' | 'avgPool' }
export type FlattenLayer = { kind: 'flatten' }
/** y = x + body(x): the body must keep the shape (a ResNet basic block without downsampling). */
export type ResidualLayer = { kind: 'residual'; body: Layer[] }

export type Layer = Conv2dLayer | LinearLayer | BatchNormLayer | ReluLayer | PoolLayer | FlattenLayer | ResidualLayer

export type Cnn = { inputShape: Shape; layers: Layer[] }

export type LayerSpec =
  | { kind: 'conv2d'; outChannels: number; kernel: number; padding?: number | undefined; groups?: number | undefined }
  | { kind: 'linear'; outFeatures: number }
  | { kind: 'batchNorm' }
  | { kind: 'relu' }
  | { kind: 'maxPool' }
  | { kind: 'avgPool' }
  | { kind: 'flatten' }
  | { kind: 'residual'; body: LayerSpec[] }

export class CnnShapeError extends Error {
  override name = 'CnnShapeError'
}

/** He-normal (fan-in) weights, zero biases, identity BatchNorms, for layers such as LeNet-5's. */
export function createCnn(inputShape: Shape, specs: readonly LayerSpec[], random: Random): Cnn {
  const build = (specs: readonly LayerSpec[], shape: Shape): { layers: Layer[]; shape: Shape } => {
    const layers: Layer[] = []
    for (const spec of specs) {
      const layer = createLayer(spec, shape, random, build)
      layers.push(layer)
      shape = outputShapeOf(layer, shape)
    }
    return { layers, shape }
  }
  return { inputShape: [...inputShape], layers: build(specs, inputShape).layers }
}

function createLayer(
  spec: LayerSpec,
  shape: Shape,
  random: Random,
  build: (specs: readonly LayerSpec[], shape: Shape) => { layers: Layer[]; shape: Shape },
): Layer {
  const heNormal = (count: number, fanIn: number) => {
    const values = new Float32Array(count)
    const deviation = Math.sqrt(2 / fanIn)
    for (let index = 0; index < count; index++) values[index] = random.normal() * deviation
    return values
  }
  switch (spec.kind) {
    case 'conv2d': {
      if (shape.length !== 3) throw new CnnShapeError(`Conv2d needs a [channels, height, width] input, got [${shape.join(', ')}].`)
      const groups = spec.groups ?? 1
      const inChannels = shape[0]!
      if (inChannels % groups !== 0 || spec.outChannels % groups !== 0)
        throw new CnnShapeError(`Conv2d groups ${groups} must divide both ${inChannels} input and ${spec.outChannels} output channels.`)
      const fanIn = (inChannels / groups) * spec.kernel * spec.kernel
      return {
        kind: 'conv2d',
        inChannels,
        outChannels: spec.outChannels,
        kernel: spec.kernel,
        padding: spec.padding ?? 0,
        groups,
        weights: heNormal(spec.outChannels * fanIn, fanIn),
        bias: new Float32Array(spec.outChannels),
      }
    }
    case 'linear': {
      if (shape.length !== 1) throw new CnnShapeError(`Linear needs a flat input (add a flatten layer), got [${shape.join(', ')}].`)
      return { kind: 'linear', inFeatures: shape[0]!, outFeatures: spec.outFeatures, weights: heNormal(spec.outFeatures * shape[0]!, shape[0]!), bias: new Float32Array(spec.outFeatures) }
    }
    case 'batchNorm': {
      if (shape.length !== 3) throw new CnnShapeError(`BatchNorm2d needs a [channels, height, width] input, got [${shape.join(', ')}].`)
      const channels = shape[0]!
      return { kind: 'batchNorm', channels, scale: new Float32Array(channels).fill(1), shift: new Float32Array(channels), mean: new Float32Array(channels), variance: new Float32Array(channels).fill(1), epsilon: 1e-5 }
    }
    case 'residual': {
      const body = build(spec.body, shape)
      if (body.shape.join() !== shape.join()) throw new CnnShapeError(`A residual body must keep its input shape [${shape.join(', ')}], it gives [${body.shape.join(', ')}].`)
      return { kind: 'residual', body: body.layers }
    }
    default:
      return { kind: spec.kind }
  }
}

export function outputShapeOf(layer: Layer, shape: Shape): Shape {
  switch (layer.kind) {
    case 'conv2d':
      return [layer.outChannels, shape[1]! + 2 * layer.padding - layer.kernel + 1, shape[2]! + 2 * layer.padding - layer.kernel + 1]
    case 'linear':
      return [layer.outFeatures]
    case 'maxPool':
    case 'avgPool':
      return [shape[0]!, Math.floor(shape[1]! / 2), Math.floor(shape[2]! / 2)]
    case 'flatten':
      return [shape.reduce((product, dim) => product * dim, 1)]
    default:
      return shape
  }
}

const sizeOf = (shape: Shape) => shape.reduce((product, dim) => product * dim, 1)

/** Every trainable parameter array (weights, biases, BatchNorm scale / shift), in a fixed order. */
export function parametersOf(layers: readonly Layer[]): Float32Array[] {
  return layers.flatMap((layer): Float32Array[] => {
    if (layer.kind === 'conv2d' || layer.kind === 'linear') return [layer.weights, layer.bias]
    if (layer.kind === 'batchNorm') return [layer.scale, layer.shift]
    if (layer.kind === 'residual') return parametersOf(layer.body)
    return []
  })
}

export function parameterCountOf(cnn: Cnn): number {
  return parametersOf(cnn.layers).reduce((total, parameters) => total + parameters.length, 0)
}

/**
 * What one forward pass keeps for the backward pass: each layer's input and shape, the max-pool
 * winners, and the nested records of residual bodies.
 */
type Trace = { inputs: Float64Array[]; shapes: Shape[]; maxIndices: (Int32Array | undefined)[]; bodies: (Trace | undefined)[] }

function forwardLayers(layers: readonly Layer[], input: Float64Array, shape: Shape, trace?: Trace): { output: Float64Array; shape: Shape } {
  let activation = input
  for (const layer of layers) {
    const outShape = outputShapeOf(layer, shape)
    const output = new Float64Array(sizeOf(outShape))
    let maxIndex: Int32Array | undefined
    let body: Trace | undefined
    switch (layer.kind) {
      case 'conv2d':
        convForward(layer, activation, shape, output, outShape)
        break
      case 'linear':
        for (let unit = 0; unit < layer.outFeatures; unit++) {
          let sum: number = layer.bias[unit]!
          const row = unit * layer.inFeatures
          for (let feature = 0; feature < layer.inFeatures; feature++) sum += layer.weights[row + feature]! * activation[feature]!
          output[unit] = sum
        }
        break
      case 'batchNorm': {
        const area = shape[1]! * shape[2]!
        for (let channel = 0; channel < layer.channels; channel++) {
          const { multiplier, offset } = batchNormAffine(layer, channel)
          for (let index = channel * area; index < (channel + 1) * area; index++) output[index] = multiplier * activation[index]! + offset
        }
        break
      }
      case 'relu':
        for (let index = 0; index < output.length; index++) output[index] = activation[index]! > 0 ? activation[index]! : 0
        break
      case 'maxPool':
      case 'avgPool':
        maxIndex = poolForward(layer.kind, activation, shape, output, outShape)
        break
      case 'flatten':
        output.set(activation)
        break
      case 'residual': {
        body = trace ? { inputs: [], shapes: [], maxIndices: [], bodies: [] } : undefined
        const result = forwardLayers(layer.body, activation, shape, body)
        for (let index = 0; index < output.length; index++) output[index] = activation[index]! + result.output[index]!
        break
      }
    }
    if (trace) {
      trace.inputs.push(activation)
      trace.shapes.push(shape)
      trace.maxIndices.push(maxIndex)
      trace.bodies.push(body)
    }
    activation = output
    shape = outShape
  }
  return { output: activation, shape }
}

/**
 * Back-propagates `outputGradient` through `layers`, adding each parameter's gradient into
 * `gradients` (aligned with {@link parametersOf}, starting at `offset`). Returns the gradient
 * with respect to the layers' input, or nothing when `needInputGradient` is false (the first
 * layer's input is the data).
 */
function backwardLayers(
  layers: readonly Layer[],
  trace: Trace,
  outputGradient: Float64Array,
  gradients: Float64Array[],
  offset: number,
  needInputGradient: boolean,
): Float64Array | undefined {
  // Parameter slots of each layer, so layers can be walked backwards.
  const slots: number[] = []
  let slot = offset
  for (const layer of layers) {
    slots.push(slot)
    slot += parametersOf([layer]).length
  }
  let gradient: Float64Array | undefined = outputGradient
  for (let index = layers.length - 1; index >= 0 && gradient; index--) {
    const layer = layers[index]!
    const input = trace.inputs[index]!
    const shape = trace.shapes[index]!
    const wantInput = needInputGradient || index > 0
    const inputGradient: Float64Array | undefined = wantInput ? new Float64Array(input.length) : undefined
    const layerSlot = slots[index]!
    switch (layer.kind) {
      case 'conv2d':
        convBackward(layer, input, shape, gradient, gradients[layerSlot]!, gradients[layerSlot + 1]!, inputGradient)
        break
      case 'linear': {
        const weightGradient = gradients[layerSlot]!
        const biasGradient = gradients[layerSlot + 1]!
        for (let unit = 0; unit < layer.outFeatures; unit++) {
          const delta = gradient[unit]!
          if (delta === 0) continue
          biasGradient[unit]! += delta
          const row = unit * layer.inFeatures
          for (let feature = 0; feature < layer.inFeatures; feature++) weightGradient[row + feature]! += delta * input[feature]!
          if (inputGradient) for (let feature = 0; feature < layer.inFeatures; feature++) inputGradient[feature]! += delta * layer.weights[row + feature]!
        }
        break
      }
      case 'batchNorm': {
        const area = shape[1]! * shape[2]!
        const scaleGradient = gradients[layerSlot]!
        const shiftGradient = gradients[layerSlot + 1]!
        for (let channel = 0; channel < layer.channels; channel++) {
          const deviation = Math.sqrt(layer.variance[channel]! + layer.epsilon)
          const { multiplier } = batchNormAffine(layer, channel)
          let scaleSum = 0
          let shiftSum = 0
          for (let position = channel * area; position < (channel + 1) * area; position++) {
            scaleSum += gradient[position]! * ((input[position]! - layer.mean[channel]!) / deviation)
            shiftSum += gradient[position]!
            if (inputGradient) inputGradient[position] = gradient[position]! * multiplier
          }
          scaleGradient[channel]! += scaleSum
          shiftGradient[channel]! += shiftSum
        }
        break
      }
      case 'relu':
        if (inputGradient) for (let position = 0; position < input.length; position++) inputGradient[position] = input[position]! > 0 ? gradient[position]! : 0
        break
      case 'maxPool': {
        const winners = trace.maxIndices[index]!
        if (inputGradient) for (let position = 0; position < winners.length; position++) inputGradient[winners[position]!]! += gradient[position]!
        break
      }
      case 'avgPool':
        if (inputGradient) avgPoolBackward(shape, gradient, inputGradient)
        break
      case 'flatten':
        inputGradient?.set(gradient)
        break
      case 'residual': {
        // d(x + body(x)) = identity path + the body's own backward pass.
        const bodyGradient = backwardLayers(layer.body, trace.bodies[index]!, gradient, gradients, layerSlot, wantInput)
        if (inputGradient) for (let position = 0; position < inputGradient.length; position++) inputGradient[position] = gradient[position]! + bodyGradient![position]!
        break
      }
    }
    gradient = inputGradient
  }
  return gradient
}

/** The per-channel y = multiplier · x + offset that an inference-time BatchNorm computes. */
export function batchNormAffine(layer: BatchNormLayer, channel: number): { multiplier: number; offset: number } {
  const multiplier = layer.scale[channel]! / Math.sqrt(layer.variance[channel]! + layer.epsilon)
  return { multiplier, offset: layer.shift[channel]! - multiplier * layer.mean[channel]! }
}

function convForward(layer: Conv2dLayer, input: Float64Array, shape: Shape, output: Float64Array, outShape: Shape): void {
  const [, height, width] = shape as [number, number, number]
  const [, outHeight, outWidth] = outShape as [number, number, number]
  const { kernel, padding, groups } = layer
  const groupIn = layer.inChannels / groups
  const groupOut = layer.outChannels / groups
  for (let out = 0; out < layer.outChannels; out++) {
    const plane = out * outHeight * outWidth
    output.fill(layer.bias[out]!, plane, plane + outHeight * outWidth)
    const firstIn = Math.floor(out / groupOut) * groupIn
    for (let local = 0; local < groupIn; local++) {
      const inPlane = (firstIn + local) * height * width
      for (let ky = 0; ky < kernel; ky++)
        for (let kx = 0; kx < kernel; kx++) {
          const weight = layer.weights[((out * groupIn + local) * kernel + ky) * kernel + kx]!
          // Output rows / columns whose tap (y + ky - padding, x + kx - padding) lies inside the image.
          const yStart = Math.max(0, padding - ky)
          const yEnd = Math.min(outHeight, height + padding - ky)
          const xStart = Math.max(0, padding - kx)
          const xEnd = Math.min(outWidth, width + padding - kx)
          for (let y = yStart; y < yEnd; y++) {
            const outRow = plane + y * outWidth
            const inRow = inPlane + (y + ky - padding) * width + kx - padding
            for (let x = xStart; x < xEnd; x++) output[outRow + x]! += weight * input[inRow + x]!
          }
        }
    }
  }
}

function convBackward(
  layer: Conv2dLayer,
  input: Float64Array,
  shape: Shape,
  outputGradient: Float64Array,
  weightGradient: Float64Array,
  biasGradient: Float64Array,
  inputGradient: Float64Array | undefined,
): void {
  const [, height, width] = shape as [number, number, number]
  const outShape = outputShapeOf(layer, shape)
  const [, outHeight, outWidth] = outShape as [number, number, number]
  const { kernel, padding, groups } = layer
  const groupIn = layer.inChannels / groups
  const groupOut = layer.outChannels / groups
  for (let out = 0; out < layer.outChannels; out++) {
    const plane = out * outHeight * outWidth
    let biasSum = 0
    for (let position = plane; position < plane + outHeight * outWidth; position++) biasSum += outputGradient[position]!
    biasGradient[out]! += biasSum
    const firstIn = Math.floor(out / groupOut) * groupIn
    for (let local = 0; local < groupIn; local++) {
      const inPlane = (firstIn + local) * height * width
      for (let ky = 0; ky < kernel; ky++)
        for (let kx = 0; kx < kernel; kx++) {
          const weightIndex = ((out * groupIn + local) * kernel + ky) * kernel + kx
          const weight = layer.weights[weightIndex]!
          const yStart = Math.max(0, padding - ky)
          const yEnd = Math.min(outHeight, height + padding - ky)
          const xStart = Math.max(0, padding - kx)
          const xEnd = Math.min(outWidth, width + padding - kx)
          let weightSum = 0
          for (let y = yStart; y < yEnd; y++) {
            const outRow = plane + y * outWidth
            const inRow = inPlane + (y + ky - padding) * width + kx - padding
            for (let x = xStart; x < xEnd; x++) {
              const delta = outputGradient[outRow + x]!
              weightSum += delta * input[inRow + x]!
              if (inputGradient) inputGradient[inRow + x]! += delta * weight
            }
          }
          weightGradient[weightIndex]! += weightSum
        }
    }
  }
}

/** 2x2 stride-2 pooling; for max, returns the flat input index of each window's first maximum. */
function poolForward(kind: 'maxPool' | 'avgPool', input: Float64Array, shape: Shape, output: Float64Array, outShape: Shape): Int32Array | undefined {
  const [channels, height, width] = shape as [number, number, number]
  const [, outHeight, outWidth] = outShape as [number, number, number]
  const winners = kind === 'maxPool' ? new Int32Array(output.length) : undefined
  for (let channel = 0; channel < channels; channel++)
    for (let y = 0; y < outHeight; y++)
      for (let x = 0; x < outWidth; x++) {
        const topLeft = (channel * height + 2 * y) * width + 2 * x
        const window = [topLeft, topLeft + 1, topLeft + width, topLeft + width + 1]
        const position = (channel * outHeight + y) * outWidth + x
        if (winners) {
          let best = window[0]!
          for (const candidate of window) if (input[candidate]! > input[best]!) best = candidate
          winners[position] = best
          output[position] = input[best]!
        } else output[position] = (input[window[0]!]! + input[window[1]!]! + input[window[2]!]! + input[window[3]!]!) / 4
      }
  return winners
}

function avgPoolBackward(shape: Shape, outputGradient: Float64Array, inputGradient: Float64Array): void {
  const [channels, height, width] = shape as [number, number, number]
  const outHeight = Math.floor(height / 2)
  const outWidth = Math.floor(width / 2)
  for (let channel = 0; channel < channels; channel++)
    for (let y = 0; y < outHeight; y++)
      for (let x = 0; x < outWidth; x++) {
        const share = outputGradient[(channel * outHeight + y) * outWidth + x]! / 4
        const topLeft = (channel * height + 2 * y) * width + 2 * x
        inputGradient[topLeft]! += share
        inputGradient[topLeft + 1]! += share
        inputGradient[topLeft + width]! += share
        inputGradient[topLeft + width + 1]! += share
      }
}

/** Logits for one sample (`inputShape` values, row-major), in double precision. */
export function forwardCnn(cnn: Cnn, input: ArrayLike<number>): Float64Array {
  return forwardLayers(cnn.layers, Float64Array.from(input), cnn.inputShape).output
}

export type CnnLossGradientReturnType = { loss: number; logits: Float64Array; gradients: Float64Array[] }

/**
 * Softmax cross-entropy of one sample and its gradient with respect to every parameter array of
 * {@link parametersOf} (same order). What training sums over a batch; the unit test compares it
 * with finite differences.
 */
export function cnnLossGradient(cnn: Cnn, input: ArrayLike<number>, label: number, gradients?: Float64Array[]): CnnLossGradientReturnType {
  const sums = gradients ?? parametersOf(cnn.layers).map((parameters) => new Float64Array(parameters.length))
  const trace: Trace = { inputs: [], shapes: [], maxIndices: [], bodies: [] }
  const { output: logits } = forwardLayers(cnn.layers, Float64Array.from(input), cnn.inputShape, trace)
  const logitGradient = new Float64Array(logits.length)
  const loss = softmaxCrossEntropyGradient(logits, label, logitGradient)
  backwardLayers(cnn.layers, trace, logitGradient, sums, 0, false)
  return { loss, logits, gradients: sums }
}

/**
 * Sets every BatchNorm's `mean` / `variance` to its input's per-channel statistics over `inputs`
 * (layer by layer, each measured after the earlier ones are set), as PyTorch's running statistics
 * would settle to for the network at initialisation. Call before training.
 */
export function calibrateBatchNorms(cnn: Cnn, inputs: Float32Array, sampleCount: number): void {
  const featureCount = sizeOf(cnn.inputShape)
  const visit = (layers: Layer[], prefix: (sample: number) => { output: Float64Array; shape: Shape }) => {
    layers.forEach((layer, index) => {
      const before = (sample: number) => {
        const start = prefix(sample)
        return forwardLayers(layers.slice(0, index), start.output, start.shape)
      }
      if (layer.kind === 'residual') visit(layer.body, before)
      if (layer.kind !== 'batchNorm') return
      const sums = new Float64Array(layer.channels)
      const squares = new Float64Array(layer.channels)
      let area = 1
      for (let sample = 0; sample < sampleCount; sample++) {
        const { output, shape } = before(sample)
        area = shape[1]! * shape[2]!
        for (let position = 0; position < output.length; position++) {
          const channel = Math.floor(position / area)
          sums[channel]! += output[position]!
          squares[channel]! += output[position]! ** 2
        }
      }
      const count = sampleCount * area
      for (let channel = 0; channel < layer.channels; channel++) {
        const mean = sums[channel]! / count
        layer.mean[channel] = mean
        layer.variance[channel] = Math.max(squares[channel]! / count - mean * mean, 0)
      }
    })
  }
  visit(cnn.layers, (sample) => ({ output: Float64Array.from(inputs.subarray(sample * featureCount, (sample + 1) * featureCount)), shape: cnn.inputShape }))
}

export type TrainCnnParameters = {
  /** Training samples concatenated, `inputShape` float32 values each. */
  inputs: Float32Array
  labels: Uint8Array
  epochs: number
  batchSize: number
  /** Adam's peak step size; it follows a cosine decay to zero over the whole run. */
  learningRate: number
  /** Shuffles the sample order every epoch. */
  random: Random
  onEpoch?: ((epoch: number, meanLoss: number, trainAccuracy: number) => void) | undefined
}

export type TrainCnnReturnType = { epochLosses: number[]; epochAccuracies: number[] }

/**
 * Mini-batch Adam on softmax cross-entropy, in place, with mlp.ts's update rule and schedule. The
 * sample order within a batch is fixed and every sum runs in a fixed order, so the same call
 * always yields bit-identical weights.
 */
export function trainCnn(cnn: Cnn, parameters: TrainCnnParameters): TrainCnnReturnType {
  const { inputs, labels, epochs, batchSize, learningRate, random } = parameters
  const sampleCount = labels.length
  const featureCount = sizeOf(cnn.inputShape)
  const parameterArrays = parametersOf(cnn.layers)
  const gradients = parameterArrays.map((array) => new Float64Array(array.length))
  const moments: AdamMoments[] = parameterArrays.map((array) => ({ first: new Float32Array(array.length), second: new Float32Array(array.length) }))
  const order = Array.from({ length: sampleCount }, (_, index) => index)
  const totalSteps = epochs * Math.ceil(sampleCount / batchSize)
  const epochLosses: number[] = []
  const epochAccuracies: number[] = []
  let step = 0
  let beta1Power = 1
  let beta2Power = 1
  for (let epoch = 0; epoch < epochs; epoch++) {
    random.shuffle(order)
    let lossSum = 0
    let correct = 0
    for (let batchStart = 0; batchStart < sampleCount; batchStart += batchSize) {
      const batchEnd = Math.min(batchStart + batchSize, sampleCount)
      gradients.forEach((gradient) => gradient.fill(0))
      for (let position = batchStart; position < batchEnd; position++) {
        const sample = order[position]!
        const { loss, logits } = cnnLossGradient(cnn, inputs.subarray(sample * featureCount, (sample + 1) * featureCount), labels[sample]!, gradients)
        lossSum += loss
        if (argMax(logits) === labels[sample]) correct++
      }
      const rate = learningRate * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps))
      step++
      beta1Power *= ADAM_BETA1
      beta2Power *= ADAM_BETA2
      const update = { gradientScale: 1 / (batchEnd - batchStart), learningRate: rate, firstCorrection: 1 - beta1Power, secondCorrection: 1 - beta2Power }
      parameterArrays.forEach((array, index) => adamStep(array, gradients[index]!, moments[index]!, update))
    }
    epochLosses.push(lossSum / sampleCount)
    epochAccuracies.push(correct / sampleCount)
    parameters.onEpoch?.(epoch, lossSum / sampleCount, correct / sampleCount)
  }
  return { epochLosses, epochAccuracies }
}
