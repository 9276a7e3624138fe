import { describe, expect, test } from 'vitest'
import { type Cnn, cnnLossGradient, createCnn, type LayerSpec, parametersOf, trainCnn } from './cnn.js'
import { createRandom } from './random.js'

/** Every layer kind the trainer has: padded, grouped (depthwise) and 1x1 convolutions, BatchNorm, a residual block, both pools. */
const EVERY_LAYER: LayerSpec[] = [
  { kind: 'conv2d', outChannels: 3, kernel: 3, padding: 1 },
  { kind: 'batchNorm' },
  { kind: 'relu' },
  {
    kind: 'residual',
    body: [
      { kind: 'conv2d', outChannels: 3, kernel: 3, padding: 1, groups: 3 },
      { kind: 'batchNorm' },
      { kind: 'relu' },
      { kind: 'conv2d', outChannels: 3, kernel: 1 },
    ],
  },
  { kind: 'maxPool' },
  { kind: 'conv2d', outChannels: 6, kernel: 2, groups: 3 },
  { kind: 'relu' },
  { kind: 'avgPool' },
  { kind: 'flatten' },
  { kind: 'linear', outFeatures: 4 },
]

/** A small network with non-trivial biases and BatchNorm statistics, so every gradient term is exercised. */
function smallCnn(seed: number): Cnn {
  const random = createRandom(seed)
  const cnn = createCnn([2, 6, 6], EVERY_LAYER, random)
  const visit = (layers: Cnn['layers']) =>
    layers.forEach((layer) => {
      if (layer.kind === 'conv2d' || layer.kind === 'linear') layer.bias.forEach((_, index) => (layer.bias[index] = 0.2 * random.normal()))
      if (layer.kind === 'batchNorm')
        for (let channel = 0; channel < layer.channels; channel++) {
          layer.mean[channel] = 0.3 * random.normal()
          layer.variance[channel] = 0.5 + random.next()
          layer.scale[channel] = 1 + 0.3 * random.normal()
          layer.shift[channel] = 0.2 * random.normal()
        }
      if (layer.kind === 'residual') visit(layer.body)
    })
  visit(cnn.layers)
  return cnn
}

describe('cnn', () => {
  test('back-propagated gradients equal central finite differences for every parameter', () => {
    const cnn = smallCnn(21)
    const random = createRandom(22)
    const input = Float64Array.from({ length: 72 }, () => random.normal())
    const label = 2
    const { gradients } = cnnLossGradient(cnn, input, label)
    const parameters = parametersOf(cnn.layers)
    expect(parameters.length).toBe(gradients.length)
    let checked = 0
    let worst = 0
    parameters.forEach((array, arrayIndex) => {
      for (let index = 0; index < array.length; index++) {
        const original = array[index]!
        array[index] = original + 1e-4
        const plus = array[index]!
        const lossPlus = cnnLossGradient(cnn, input, label).loss
        array[index] = original - 1e-4
        const minus = array[index]!
        const lossMinus = cnnLossGradient(cnn, input, label).loss
        array[index] = original
        // Divide by the float32 step actually taken, so parameter rounding does not count as error.
        const numeric = (lossPlus - lossMinus) / (plus - minus)
        const analytic = gradients[arrayIndex]![index]!
        const error = Math.abs(analytic - numeric) / (1e-6 + Math.abs(numeric))
        worst = Math.max(worst, error)
        expect(error, `parameter array ${arrayIndex}, index ${index}: analytic ${analytic}, numeric ${numeric}`).toBeLessThan(1e-4)
        checked++
      }
    })
    expect(checked).toBeGreaterThan(150)
    expect(worst).toBeLessThan(1e-4)
  })

  test('training is deterministic for a seed and lowers the loss', () => {
    const random = createRandom(8)
    const sampleCount = 64
    const inputs = new Float32Array(sampleCount * 72)
    const labels = new Uint8Array(sampleCount)
    // Class = the quadrant of the first channel holding the brightest pixel: learnable, not trivial.
    for (let sample = 0; sample < sampleCount; sample++) {
      labels[sample] = sample % 4
      for (let pixel = 0; pixel < 72; pixel++) inputs[sample * 72 + pixel] = 0.3 * random.next()
      const row = (labels[sample]! >> 1) * 3 + random.nextInt(3)
      const column = (labels[sample]! & 1) * 3 + random.nextInt(3)
      inputs[sample * 72 + row * 6 + column] = 1
    }
    const run = () => {
      const cnn = smallCnn(9)
      const result = trainCnn(cnn, { inputs, labels, epochs: 30, batchSize: 8, learningRate: 0.01, random: createRandom(10) })
      return { result, parameters: parametersOf(cnn.layers) }
    }
    const first = run()
    const second = run()
    expect(second.parameters).toEqual(first.parameters)
    expect(first.result.epochLosses.at(-1)!).toBeLessThan(first.result.epochLosses[0]! / 2)
  })
})
