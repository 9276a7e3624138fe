import type { Standardization } from './exportMlp.js'
import type { Random } from './random.js'

/** p(class 1 | x) = sigmoid(weights · x + bias), on raw features. */
export type LogisticRegression = { weights: Float32Array; bias: Float32Array }

export type TrainLogisticRegressionParameters = {
  /** Samples concatenated, `featureCount` values each. */
  inputs: Float64Array
  labels: Uint8Array
  featureCount: number
  epochs: number
  batchSize: number
  learningRate: number
  /** L2 penalty on the weights (not the bias), per sample. */
  l2: number
  /** Seeds the initial weights and the per-epoch shuffles. */
  random: Random
  onEpoch?: ((epoch: number, meanLoss: number) => void) | undefined
}

export type TrainLogisticRegressionReturnType = { model: LogisticRegression; standardization: Standardization; epochLosses: number[] }

/**
 * Mini-batch gradient descent on the log loss, in float64, on features standardized with the
 * training set's mean and deviation; the standardization is then folded into the weights
 * (w / deviation, bias - Σ w·mean / deviation), so the model takes raw features. Deterministic for
 * a given `random`.
 */
export function trainLogisticRegression({ inputs, labels, featureCount, epochs, batchSize, learningRate, l2, random, onEpoch }: TrainLogisticRegressionParameters): TrainLogisticRegressionReturnType {
  const samples = labels.length
  const standardization = standardizationOf(inputs, featureCount)
  const x = Float64Array.from(inputs, (value, index) => (value - standardization.mean[index % featureCount]!) / standardization.deviation[index % featureCount]!)
  const weights = Float64Array.from({ length: featureCount }, () => 0.01 * random.normal())
  let bias = 0
  const order = Array.from({ length: samples }, (_, index) => index)
  const gradient = new Float64Array(featureCount)
  const epochLosses: number[] = []
  for (let epoch = 0; epoch < epochs; epoch++) {
    random.shuffle(order)
    let loss = 0
    for (let start = 0; start < samples; start += batchSize) {
      const batch = order.slice(start, start + batchSize)
      gradient.fill(0)
      let biasGradient = 0
      for (const sample of batch) {
        let z = bias
        for (let feature = 0; feature < featureCount; feature++) z += weights[feature]! * x[sample * featureCount + feature]!
        const p = sigmoid(z)
        const label = labels[sample]!
        loss += label === 1 ? -Math.log(Math.max(p, 1e-12)) : -Math.log(Math.max(1 - p, 1e-12))
        const error = p - label
        for (let feature = 0; feature < featureCount; feature++) gradient[feature]! += error * x[sample * featureCount + feature]!
        biasGradient += error
      }
      for (let feature = 0; feature < featureCount; feature++) weights[feature]! -= (learningRate * (gradient[feature]! + l2 * batch.length * weights[feature]!)) / batch.length
      bias -= (learningRate * biasGradient) / batch.length
    }
    epochLosses.push(loss / samples)
    onEpoch?.(epoch, loss / samples)
  }
  const raw = Float32Array.from(weights, (weight, feature) => weight / standardization.deviation[feature]!)
  const shift = weights.reduce((sum, weight, feature) => sum + (weight * standardization.mean[feature]!) / standardization.deviation[feature]!, 0)
  return { model: { weights: raw, bias: Float32Array.of(bias - shift) }, standardization, epochLosses }
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))
}

function standardizationOf(inputs: Float64Array, featureCount: number): Standardization {
  const samples = inputs.length / featureCount
  const mean = new Float64Array(featureCount)
  const deviation = new Float64Array(featureCount)
  inputs.forEach((value, index) => (mean[index % featureCount]! += value / samples))
  inputs.forEach((value, index) => (deviation[index % featureCount]! += (value - mean[index % featureCount]!) ** 2 / samples))
  deviation.forEach((variance, feature) => (deviation[feature] = Math.sqrt(variance) || 1))
  return { mean, deviation }
}
