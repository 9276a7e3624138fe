import { describe, expect, test } from 'vitest'
import { packValues } from '@veridict/sdk'
import { poolBeforeRescale } from './circuit/generateCircuit.js'
import { circuitInput } from './circuit/publicSignals.js'
import { calculateWitness, failingConstraints, readR1cs, readSymbols } from './circuit/r1cs.js'
import { buildModel } from './onnx/buildModel.js'
import { quantizeInput, runReference } from './reference/runReference.js'
import { compileOpCase, randomArray, runOpCase, seededRandom, TEST_BENEFICIARY } from './testing/opHarness.js'

/** BN254 scalar field: a "negative" number n is the field element P + n. */
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
const field = (v: bigint) => ((v % P) + P) % P
const signed = (v: bigint) => (v > P / 2n ? v - P : v)

/**
 * Conv -> ReLU -> MaxPool (and Conv -> MaxPool) as CNNs have it: the circuit pools the unrounded
 * accumulators and rescales only each window's maximum (generateCircuit's poolBeforeRescale). The
 * outputs must equal the reference executor's maxPool(relu(rescale(acc))) exactly, for fewer
 * constraints, and a wrong output must have no witness.
 */
const rand = seededRandom(41)
const SETTINGS = { scale: 8, inputScale: 6, inputBits: 8, maxBits: 64 }

function convPoolModel(relu: boolean) {
  return buildModel({
    inputs: [{ name: 'x', shape: [1, 1, 6, 6] }],
    outputs: [{ name: 'y', shape: [1, 3, 2, 2] }],
    initializers: [
      { name: 'W', dims: [3, 1, 3, 3], data: randomArray(rand, 27) },
      { name: 'B', dims: [3], data: randomArray(rand, 3, -0.2, 0.2) },
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['c'], attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      ...(relu ? [{ op: 'Relu', inputs: ['c'], outputs: ['r'] }] : []),
      { op: 'MaxPool', inputs: [relu ? 'r' : 'c'], outputs: ['y'], attributes: { kernel_shape: [3, 3], strides: [3, 3] } },
    ],
  })
}

describe.each([true, false])('Conv%s -> MaxPool: pooled before the rescale', (relu) => {
  const bytes = convPoolModel(relu)
  const pooled = compileOpCase(bytes, SETTINGS, 'pool-first')
  const plain = compileOpCase(bytes, SETTINGS, 'pool-first-off', {}, { poolBeforeRescale: false })

  test('the optimization applies, and the circuit equals the reference on extreme and random inputs with fewer constraints', async () => {
    const [c, off] = await Promise.all([pooled, plain])
    expect(poolBeforeRescale(c.model)).toEqual(new Set([0]))
    const constraints = ({ circuit }: typeof c) => circuit.stats.nonLinearConstraints + circuit.stats.linearConstraints
    expect(constraints(c)).toBeLessThan(constraints(off))
    for (const input of [new Float32Array(36).fill(1.99), new Float32Array(36).fill(-2), randomArray(rand, 36, -2, 2), randomArray(rand, 36, -2, 2)]) {
      const run = await runOpCase(c, input)
      expect(run.failing).toBe(0)
      expect(run.canonical).toEqual(run.reference)
    }
  })

  // One unsimplified compile (with the relu, the longer path) is enough for the tamper checks.
  test.runIf(relu)('tampering with the pooled maximum, its rescale or its relu breaks a constraint (unsimplified circuit)', async () => {
    const c = await compileOpCase(bytes, SETTINGS, 'pool-first-o0', {}, { optimization: 0 })
    const [r1cs, symbols] = await Promise.all([readR1cs(c.circuit.r1cs), readSymbols(c.circuit.sym)])
    const input = quantizeInput(c.model, Array.from(randomArray(rand, 36, -2, 2)))
    const reference = runReference(c.model, input)
    const honest = await calculateWitness(c.circuit.wasm, circuitInput({ inputWords: packValues(input, c.model.inputBits), outputWords: packValues(reference, c.model.outputBits), beneficiary: TEST_BENEFICIARY }))
    expect(failingConstraints(r1cs, honest)).toEqual([])
    const pool = relu ? 2 : 1
    const edits: [string, (v: bigint) => bigint][] = [
      [`main.s${pool}MaxPool.out[0]`, (v) => v + 1n],
      [`main.s${pool}MaxPool.out[3]`, (v) => v - (1n << 8n)],
      [`main.s${pool}Max[1]`, (v) => v + 1n],
      [`main.s${pool}MaxNonNeg[2]`, (v) => 1n - v],
      ...(relu ? [[`main.s${pool}Relu.out[0]`, (v: bigint) => v + 1n] as [string, (v: bigint) => bigint]] : []),
    ]
    for (const [signal, edit] of edits) {
      const wire = symbols.get(signal)
      if (wire === undefined) throw new Error(`no signal ${signal} in the circuit`)
      const witness = [...honest]
      witness[wire] = field(edit(signed(witness[wire]!)))
      expect(failingConstraints(r1cs, witness).length, signal).toBeGreaterThan(0)
    }
  })
})
