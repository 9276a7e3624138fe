import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { evaluateOnnx } from './evaluateOnnx.js'
import { measureQuantized } from './measureQuantized.js'
import { readZooModel, ZOO_MODELS, type ZooModelName } from './zooModels.js'

/**
 * The committed zoo models: each file is what its metadata describes, and the compiler turns it,
 * as is, into an integer model that agrees with onnxruntime's float output on the held-out digits
 * at least as often as the metadata records (a compiler change that loses agreement fails here).
 */
describe.each(ZOO_MODELS.map((spec) => spec.name as ZooModelName))('zoo model %s', (name) => {
  const { onnx, metadata, testset } = readZooModel(name)

  test('the committed ONNX file is the one measured: its hash and onnxruntime accuracy match the metadata', async () => {
    expect(createHash('sha256').update(onnx).digest('hex')).toBe(metadata.sha256)
    expect(testset.inputs.length).toBe(metadata.dataset.testSize)
    expect(testset.inputs.every((input) => input.length === metadata.input.shape.reduce((product, dim) => product * dim, 1))).toBe(true)
    const { accuracy } = await evaluateOnnx(onnx, { inputs: Float64Array.from(testset.inputs.flat()), labels: Uint8Array.from(testset.labels), inputShape: metadata.input.shape })
    expect(accuracy).toBe(metadata.accuracy.test)
  })

  test('compiles as is; the canonical integer output equals the reference executor and agrees with float at the recorded rate', async () => {
    const recorded = metadata.quantized
    expect(recorded, `${name}.json has no quantized measurement: run npm run models:zoo -- ${name} --measure-only`).toBeDefined()
    const measured = await measureQuantized({ onnx, testset, referenceSamples: 4 })
    expect(measured.model.inputShape).toEqual(metadata.input.shape)
    expect(measured.floatAccuracy).toBe(metadata.accuracy.test)
    expect(measured.agreement).toBeGreaterThanOrEqual(recorded!.agreement)
    expect(measured.quantizedAccuracy).toBeGreaterThanOrEqual(recorded!.quantizedAccuracy)
  }, 600_000)
})
