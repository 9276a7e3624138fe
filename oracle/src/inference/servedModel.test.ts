import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { ensureCompiledModel, runReference, runTrace, traceCommitment } from '@veridict/circuits'
import { testDir } from '@veridict/circuits/testing'
import { packValues } from '@veridict/sdk'
import { createLogger } from '../logger.js'
import { REPO_ROOT, compileIris } from '../testing/harness.js'
import { ServedModel } from './servedModel.js'

const logger = createLogger('silent')

test('a circuit model: request words and quantized values give the reference output; the float output waits until asked for', async () => {
  const { dir, testInputs } = await compileIris()
  const model = await ServedModel.load(dir, 'cpu', logger)
  expect([model.canonical?.engine, model.canonical?.precision, model.session.binding]).toEqual(['onnxruntime', 'float32', 'native'])
  let floatRuns = 0
  const run = model.session.run
  model.session.run = (feeds) => ((floatRuns += 1), run(feeds))
  for (const x of testInputs.slice(0, 20)) {
    const q = model.quantize(x)
    const words = packValues(q, model.manifest.input.bits)
    const fromWords = await model.inferWords(words)
    const fromValues = await model.infer(q)
    expect(fromWords.output).toEqual(runReference(model.quantized, q))
    expect(fromValues.output).toEqual(fromWords.output)
    expect([fromValues.inputWords, fromValues.outputWords, fromValues.outputHash]).toEqual([words, fromWords.outputWords, fromWords.outputHash])
    expect(floatRuns).toBe(0)
    const float = await fromWords.floatOutput
    expect(floatRuns).toBe(1)
    expect(await fromWords.floatOutput).toBe(float)
    model.dequantize(fromWords.output).forEach((v, i) => expect(Math.abs(v - float[i]!)).toBeLessThan(0.1))
    floatRuns = 0
  }
})

test('an attested-only model runs the same exact integer graph as a proved one: every node attests the same output and trace root', async () => {
  const testset = JSON.parse(await readFile(join(REPO_ROOT, 'circuits/models/digits.testset.json'), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
  const { dir } = await ensureCompiledModel({ onnx: join(REPO_ROOT, 'circuits/models/digits.onnx'), name: 'digits', calibration: testset.calibration.inputs, circuit: false })
  const model = await ServedModel.load(dir, 'cpu', logger)
  expect(model.canonical.engine).toBe('onnxruntime')
  for (const x of testset.inputs.slice(0, 20)) {
    const q = model.quantize(x)
    const words = packValues(q, model.manifest.input.bits)
    const result = await model.inferWords(words, { trace: true })
    const tensors = runTrace(model.quantized, q)
    expect(result.output).toEqual(tensors.at(-1))
    expect(result.traceRoot).toBe(traceCommitment(model.quantized, tensors).traceRoot)
    expect((await model.inferWords(words)).output).toEqual(result.output)
    expect((await model.infer(q)).output).toEqual(result.output)
    // The float output stays available (the API shows it), computed on first use.
    expect(await result.floatOutput).toEqual(await model.runSession(q))
  }
})

test('bad words or values are refused with the reason, before anything runs', async () => {
  const { dir } = await compileIris()
  const model = await ServedModel.load(dir, 'cpu', logger)
  await expect(model.inferWords([])).rejects.toThrow('Expected 1 packed words for 4 values of 10 bits, received 0.')
  await expect(model.inferWords([1n << 60n])).rejects.toThrow('Packed word 0')
  await expect(model.infer([0n, 0n, 0n, 512n])).rejects.toThrow('Value 512 at index 3 does not fit in 10 signed bits.')
  await expect(model.infer([0n, 0n, 0n])).rejects.toThrow('takes 4 values')
})

test('a folder whose weights are not the ones its manifest commits to is refused at load', async () => {
  const { dir } = await compileIris()
  const copy = await testDir('served-tampered')
  await cp(dir, copy, { recursive: true })
  const path = join(copy, 'quantized.json')
  const quantized = JSON.parse(await readFile(path, 'utf8')) as { stages: { kind: string; bias?: string[] }[] }
  const linear = quantized.stages.find((s) => s.kind === 'linear')!
  linear.bias![0] = String(BigInt(linear.bias![0]!) + 1n)
  await writeFile(path, JSON.stringify(quantized))
  await expect(ServedModel.load(copy, 'cpu', logger)).rejects.toThrow(/commits to parameter root 0x[0-9a-f]{64} \(\d+ stages\), the manifest says/)
})
