import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { describe, expect, test } from 'vitest'
import { compileModel } from '../compile/compileModel.js'
import { prove } from '../prove/prove.js'
import { verify } from '../prove/verify.js'
import { setupModel } from '../setup/setupModel.js'
import { TEST_BENEFICIARY, testDir } from '../testing/opHarness.js'
import { evaluateOnnx } from './evaluateOnnx.js'
import { TREES_LABEL_NAME } from './exportBoostedTrees.js'
import { measureQuantized } from './measureQuantized.js'
import { classOfFloatOutput, classOfQuantizedOutput, inputTensor } from './readClass.js'
import { readZooModel, trainZooModel, ZOO_MODELS, type ZooModelName } from './zooModels.js'

/**
 * The committed zoo models: each file is what its metadata describes, and the compiler turns it,
 * as is, into an integer model that agrees with onnxruntime's float output on the held-out samples
 * at least as often as the metadata records (a compiler change that loses agreement fails here).
 */
describe.each(ZOO_MODELS.map((spec) => spec.name as ZooModelName))('zoo model %s', (name) => {
  const { onnx, metadata, testset } = readZooModel(name)

  test('the committed ONNX file is the one measured: its hash and onnxruntime accuracy match the metadata', async () => {
    expect(createHash('sha256').update(onnx).digest('hex')).toBe(metadata.sha256)
    expect(testset.inputs.length).toBe(metadata.dataset.testSize)
    expect(testset.inputs.every((input) => input.length === metadata.input.shape.reduce((product, dim) => product * dim, 1))).toBe(true)
    const inputType = metadata.input.dtype === 'float32' ? undefined : metadata.input.dtype
    const { accuracy } = await evaluateOnnx(onnx, { inputs: Float64Array.from(testset.inputs.flat()), labels: Uint8Array.from(testset.labels), inputShape: metadata.input.shape, inputType, output: metadata.output.name })
    expect(accuracy).toBe(metadata.accuracy.test)
  })

  test('compiles as is; the canonical integer output equals the reference executor and agrees with float at the recorded rate', async () => {
    const recorded = metadata.quantized
    expect(recorded, `${name}.json has no quantized measurement: run npm run models:zoo -- ${name} --measure-only`).toBeDefined()
    const measured = await measureQuantized({ onnx, testset, output: metadata.output.name, referenceSamples: 4 })
    expect(measured.model.inputShape).toEqual(metadata.input.shape)
    expect(measured.floatAccuracy).toBe(metadata.accuracy.test)
    expect(measured.agreement).toBeGreaterThanOrEqual(recorded!.agreement)
    expect(measured.quantizedAccuracy).toBeGreaterThanOrEqual(recorded!.quantizedAccuracy)
  }, 600_000)
})

describe('zoo models built without MNIST (tabular, transformer)', () => {
  for (const spec of ZOO_MODELS.filter((spec) => spec.kind !== 'cnn'))
    test(`${spec.name} retrains to the committed bytes (seeded, deterministic)`, async () => {
      const { onnx, metadata } = await trainZooModel(spec)
      expect(createHash('sha256').update(onnx).digest('hex')).toBe(readZooModel(spec.name as ZooModelName).metadata.sha256)
      expect(metadata.accuracy.test).toBe(readZooModel(spec.name as ZooModelName).metadata.accuracy.test)
    })

  test("credit-gbt's label output compiles to a class index within a point of float accuracy", async () => {
    const { onnx, metadata, testset } = readZooModel('credit-gbt')
    const measured = await measureQuantized({ onnx, testset, output: TREES_LABEL_NAME })
    expect(measured.model.stages.at(-1)!.kind).toBe('argMax')
    expect(measured.floatAccuracy).toBe(metadata.accuracy.test)
    // Only the class is calibrated then, so inputs get 2^-6 steps (not the 2^-8 the probabilities
    // need): a feature within 1/128 of a threshold may take the other branch (99.2% agreement when written).
    expect(measured.agreement).toBeGreaterThanOrEqual(0.99)
    expect(measured.floatAccuracy - measured.quantizedAccuracy).toBeLessThanOrEqual(0.01)
  })

  test('the logistic regression loses at most a point of accuracy to quantization; the trees beat it on the held-out applicants', () => {
    const logistic = readZooModel('credit-logreg').metadata
    const trees = readZooModel('credit-gbt').metadata
    for (const { quantized, accuracy } of [logistic, trees]) expect(accuracy.test - quantized!.quantizedAccuracy).toBeLessThanOrEqual(0.01)
    expect(trees.accuracy.test).toBeGreaterThan(logistic.accuracy.test)
  })
})

/**
 * The whole path for the zoo model whose setup fits a test run (536 constraints, a power-12 ptau):
 * compile with a circuit, set up, prove held-out applicants, verify, and the proved class is
 * onnxruntime's float class. The others are set up and proved by `npm run bench:compiler` (their
 * setups take 1 to 32 minutes on 2 cores).
 */
test('credit-logreg compiles to a circuit, sets up, proves and verifies; the proved class is the float class', async () => {
  const { onnx, metadata, testset } = readZooModel('credit-logreg')
  const dir = await testDir('zoo-credit-logreg')
  const onnxPath = join(dir, 'credit-logreg.onnx')
  await writeFile(onnxPath, onnx)
  const compiled = await compileModel({ onnx: onnxPath, outDir: join(dir, 'model'), calibration: testset.calibration.inputs })
  expect(compiled.manifest.circuit!.constraints).toBeLessThan(1000)
  await setupModel({ dir: join(dir, 'model') })
  const session = await ort.InferenceSession.create(onnx)
  for (const sample of testset.inputs.slice(0, 3)) {
    const proved = await prove({ dir: join(dir, 'model'), input: { values: sample }, beneficiary: TEST_BENEFICIARY })
    expect(await verify({ dir: join(dir, 'model'), proof: proved.proof, publicSignals: proved.publicSignals })).toBe(true)
    const float = await session.run({ [session.inputNames[0]!]: inputTensor(sample, metadata.input.shape) }, [metadata.output.name])
    expect(classOfQuantizedOutput(proved.output, compiled.manifest.output)).toBe(classOfFloatOutput(float[metadata.output.name]!))
  }
}, 300_000)
