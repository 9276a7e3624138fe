import { describe, expect, test } from 'vitest'
import { packValues } from '@veridict/sdk'
import { circuitInput } from './circuit/publicSignals.js'
import { calculateWitness } from './circuit/r1cs.js'
import { buildModel } from './onnx/buildModel.js'
import { quantizeInput, runReference } from './reference/runReference.js'
import { leakyReluCounterexampleOnnx } from './testing/counterexamples.js'
import { compileOpCase, randomArray, runOpCase, seededRandom, TEST_BENEFICIARY } from './testing/opHarness.js'

const SETTINGS = { scale: 8, inputScale: 7, inputBits: 9, maxBits: 64 }
const MIN = -(2 ** (SETTINGS.inputBits - 1)) / 2 ** SETTINGS.inputScale
const MAX = (2 ** (SETTINGS.inputBits - 1) - 1) / 2 ** SETTINGS.inputScale

/** Every input at the minimum, at the maximum, and alternating both ways. */
function extremeInputs(size: number): Float32Array[] {
  return [
    new Float32Array(size).fill(MIN),
    new Float32Array(size).fill(MAX),
    Float32Array.from({ length: size }, (_, i) => (i % 2 === 0 ? MIN : MAX)),
    Float32Array.from({ length: size }, (_, i) => (i % 2 === 0 ? MAX : MIN)),
  ]
}

describe('LeakyRelu with a negative slope, then Relu (a negative input becomes a positive output)', () => {
  const bytes = leakyReluCounterexampleOnnx()
  const compiled = compileOpCase(bytes, SETTINGS, 'leaky-negative')

  test('the honest output (positive where the pre-activation is negative) has a witness on extreme inputs', async () => {
    const c = await compiled
    for (const input of extremeInputs(3)) {
      const run = await runOpCase(c, input)
      expect(run.failing).toBe(0)
      expect(run.canonical).toEqual(run.reference)
      expect(run.canonical64).toEqual(run.reference)
      run.dequantized.forEach((v, i) => expect(Math.abs(v - run.onnxruntime[i]!)).toBeLessThan(0.02))
    }
  })

  test('rejects the output a sign-confused circuit gives: the values from negative pre-activations zeroed', async () => {
    const c = await compiled
    const gemmOnly = { ...c.model, stages: c.model.stages.slice(0, 1), outputBits: c.model.stages[0]!.bits }
    let forgeries = 0
    for (const input of extremeInputs(3)) {
      const q = quantizeInput(c.model, input)
      const preActivation = runReference(gemmOnly, q)
      const honest = runReference(c.model, q)
      const zeroed = honest.map((v, i) => (preActivation[i]! < 0n ? 0n : v))
      if (zeroed.every((v, i) => v === honest[i])) continue
      forgeries++
      const forged = circuitInput({ inputWords: packValues(q, c.model.inputBits), outputWords: packValues(zeroed, c.model.outputBits), beneficiary: TEST_BENEFICIARY })
      await expect(calculateWitness(c.circuit.wasm, forged)).rejects.toThrow('Assert Failed')
    }
    expect(forgeries).toBeGreaterThan(0)
  })
})

describe('sign bits passed between stages are the signs of the values they travel with', () => {
  test('Conv, LeakyRelu(-0.5), Transpose, Relu, Transpose, MaxPool, LeakyRelu(-2), Sub, LeakyRelu(-1.5), Relu, Relu', async () => {
    const rand = seededRandom(7)
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 1, 4, 4] }],
      outputs: [{ name: 'y', shape: [1, 2, 2, 2] }],
      initializers: [
        { name: 'W', dims: [2, 1, 2, 2], data: [0.5, -0.75, 0.25, -0.5, -0.5, 0.25, 0.75, 0.5] },
        { name: 'c', dims: [1], data: [0.5] },
      ],
      nodes: [
        { op: 'Conv', inputs: ['x', 'W'], outputs: ['c1'] },
        { op: 'LeakyRelu', inputs: ['c1'], outputs: ['l1'], attributes: { alpha: -0.5 } },
        { op: 'Transpose', inputs: ['l1'], outputs: ['t'], attributes: { perm: [0, 1, 3, 2] } },
        { op: 'Relu', inputs: ['t'], outputs: ['r1'] },
        { op: 'Transpose', inputs: ['r1'], outputs: ['t2'], attributes: { perm: [0, 1, 3, 2] } },
        { op: 'MaxPool', inputs: ['t2'], outputs: ['m'], attributes: { kernel_shape: [2, 2] } },
        { op: 'LeakyRelu', inputs: ['m'], outputs: ['l2'], attributes: { alpha: -2 } },
        { op: 'Sub', inputs: ['l2', 'c'], outputs: ['s'] },
        { op: 'LeakyRelu', inputs: ['s'], outputs: ['l3'], attributes: { alpha: -1.5 } },
        { op: 'Relu', inputs: ['l3'], outputs: ['r2'] },
        { op: 'Relu', inputs: ['r2'], outputs: ['y'] },
      ],
    })
    const c = await compileOpCase(bytes, SETTINGS, 'sign-chain')
    for (const input of [...extremeInputs(16), randomArray(rand, 16, MIN, MAX), randomArray(rand, 16, MIN, MAX)]) {
      const run = await runOpCase(c, input)
      expect(run.failing).toBe(0)
      expect(run.canonical).toEqual(run.reference)
      expect(run.canonical64).toEqual(run.reference)
      run.dequantized.forEach((v, i) => expect(Math.abs(v - run.onnxruntime[i]!)).toBeLessThan(0.05))
    }
  })
})
