import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { REPO_ROOT } from '../circuit/paths.js'
import { lowerGraph } from '../ir/lower.js'
import { loadModel } from '../onnx/loadModel.js'
import { chooseQuantization } from '../quantize/calibrate.js'
import { quantizeIR } from '../quantize/quantize.js'
import { createCanonicalExecutor } from './canonicalExecutor.js'
import { quantizeInput, runReference } from './runReference.js'

const bundled = async (name: string) => {
  const bytes = await readFile(join(REPO_ROOT, 'circuits', 'models', `${name}.onnx`))
  const testSet = JSON.parse(await readFile(join(REPO_ROOT, 'circuits', 'models', `${name}.testset.json`), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
  return { ir: lowerGraph(loadModel(bytes)), testSet }
}

test('the float64 integer graph in onnxruntime equals the bigint reference on 300 held-out digits', async () => {
  const { ir, testSet } = await bundled('digits')
  const { model } = chooseQuantization(ir, { calibration: testSet.calibration.inputs })
  const executor = await createCanonicalExecutor({ model })
  expect(executor.engine).toBe('onnxruntime')
  for (const x of testSet.inputs.slice(0, 300)) {
    const q = quantizeInput(model, x)
    expect(await executor.run(q)).toEqual(runReference(model, q))
  }
})

test('falls back to the bigint executor when values could exceed 2^53, with the same results', async () => {
  const { ir, testSet } = await bundled('iris')
  const model = quantizeIR(ir, { scale: 24, inputScale: 20, inputBits: 24, maxBits: 80 })
  const executor = await createCanonicalExecutor({ model })
  expect(executor.engine).toBe('bigint')
  const q = quantizeInput(model, testSet.inputs[0]!)
  expect(await executor.run(q)).toEqual(runReference(model, q))
})

test('rejects an out-of-range or wrongly sized input like the reference executor', async () => {
  const { ir, testSet } = await bundled('iris')
  const { model } = chooseQuantization(ir, { calibration: testSet.calibration.inputs })
  const executor = await createCanonicalExecutor({ model })
  await expect(executor.run([0n, 0n, 0n])).rejects.toThrow('Expected 4 input values (shape [1, 4]), received 3.')
  await expect(executor.run([0n, 0n, 0n, 1n << 20n])).rejects.toThrow('Quantized input 3 is 1048576')
})
