import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { packValues } from '@veridict/sdk'
import { compileCircom } from './circuit/compileCircom.js'
import { generateCircuit } from './circuit/generateCircuit.js'
import { circuitInput } from './circuit/publicSignals.js'
import { calculateWitness, failingConstraints, readR1cs } from './circuit/r1cs.js'
import { lowerGraph } from './ir/lower.js'
import { buildModel } from './onnx/buildModel.js'
import { loadModel } from './onnx/loadModel.js'
import { quantizeIR } from './quantize/quantize.js'
import { quantizeInput, runReference } from './reference/runReference.js'
import { randomArray, seededRandom, testDir, TEST_BENEFICIARY } from './testing/opHarness.js'

// A linear stage with more weights than one Linear component may take (circom writes one
// WebAssembly function per component, and V8 caps a function's size) is split over several:
// same constraints, same outputs. Shown here with a small cap on a 32 -> 40 -> 10 MLP.
const rand = seededRandom(5)
const bytes = buildModel({
  inputs: [{ name: 'x', shape: [1, 32] }],
  outputs: [{ name: 'y', shape: [1, 10] }],
  initializers: [
    { name: 'W1', dims: [40, 32], data: randomArray(rand, 1280, -0.5, 0.5) },
    { name: 'b1', dims: [40], data: randomArray(rand, 40, -0.5, 0.5) },
    { name: 'W2', dims: [10, 40], data: randomArray(rand, 400, -0.5, 0.5) },
  ],
  nodes: [
    { op: 'Gemm', inputs: ['x', 'W1', 'b1'], outputs: ['h'], attributes: { transB: 1 } },
    { op: 'Relu', inputs: ['h'], outputs: ['r'] },
    { op: 'Gemm', inputs: ['r', 'W2'], outputs: ['y'], attributes: { transB: 1 } },
  ],
})
const model = quantizeIR(lowerGraph(loadModel(bytes)), { scale: 8, inputScale: 7, inputBits: 9, maxBits: 64 })

async function compiled(linearChunkWeights: number | undefined) {
  const dir = await testDir('linear-chunks')
  const file = join(dir, 'model.circom')
  const text = generateCircuit({ model, templateName: 'Chunked', linearChunkWeights })
  await writeFile(file, text)
  return { text, circuit: await compileCircom({ file, outDir: dir, optimization: 1 }) }
}

describe('large linear stages are split over several Linear components', () => {
  test('with a cap of 300 weights: the 1,280-weight stage becomes 5 components, the 400-weight one 2; same constraints and outputs', async () => {
    const [whole, split] = await Promise.all([compiled(undefined), compiled(300)])
    expect(whole.text).not.toMatch(/Linear\d+ = Linear/)
    expect(split.text.match(/component s0Linear\d+ = Linear/g)).toHaveLength(5)
    expect(split.text.match(/component s2Linear\d+ = Linear/g)).toHaveLength(2)
    expect(split.circuit.stats.nonLinearConstraints).toBe(whole.circuit.stats.nonLinearConstraints)
    const r1cs = await readR1cs(split.circuit.r1cs)
    for (let trial = 0; trial < 3; trial++) {
      const q = quantizeInput(model, randomArray(rand, 32, -1, 1))
      const reference = runReference(model, q)
      const input = circuitInput({ inputWords: packValues(q, model.inputBits), outputWords: packValues(reference, model.outputBits), beneficiary: TEST_BENEFICIARY })
      expect(failingConstraints(r1cs, await calculateWitness(split.circuit.wasm, input))).toHaveLength(0)
      // A wrong output word has no witness in the split circuit either.
      const wrong = [...reference]
      wrong[0] = wrong[0]! + 1n
      await expect(calculateWitness(split.circuit.wasm, circuitInput({ inputWords: packValues(q, model.inputBits), outputWords: packValues(wrong, model.outputBits), beneficiary: TEST_BENEFICIARY }))).rejects.toThrow()
    }
  })
})
