import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { packValues } from '@veridict/sdk'
import { compileCircom, type CompileCircomReturnType } from './circuit/compileCircom.js'
import { generateCircuit } from './circuit/generateCircuit.js'
import { circuitInput } from './circuit/publicSignals.js'
import { calculateWitness, failingConstraints, readR1cs, readSymbols, type R1cs } from './circuit/r1cs.js'
import { WitnessError } from './errors/circuit.js'
import type { QuantizedModel } from './quantize/model.js'
import { runReference } from './reference/runReference.js'
import { DAG_MODELS } from './testing/dagModels.js'
import { seededRandom, TEST_BENEFICIARY, testDir } from './testing/opHarness.js'

/** BN254 scalar field: a "negative" number n is the field element P + n. */
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
const field = (v: bigint) => ((v % P) + P) % P
const signed = (v: bigint) => (v > P / 2n ? v - P : v)

type Compiled = { circuit: CompileCircomReturnType; r1cs: R1cs; symbols: Map<string, number> }

async function compile(model: QuantizedModel, name: string, optimization: 0 | 1): Promise<Compiled> {
  const dir = await testDir(`dag-${name}`)
  const file = join(dir, 'model.circom')
  await writeFile(file, generateCircuit({ model, templateName: 'DagTest' }))
  const circuit = await compileCircom({ file, outDir: dir, optimization })
  return { circuit, r1cs: await readR1cs(circuit.r1cs), symbols: await readSymbols(circuit.sym) }
}

const inputSize = (model: QuantizedModel) => model.inputShape.reduce((a, b) => a * b, 1)

/** Inputs in range: all lowest, all highest, alternating, zero, then uniformly random ones. */
function inputs(model: QuantizedModel, seed: number, randomCount: number): bigint[][] {
  const n = inputSize(model)
  const half = 1 << (model.inputBits - 1)
  const [lo, hi] = [BigInt(-half), BigInt(half - 1)]
  const rand = seededRandom(seed)
  return [
    new Array<bigint>(n).fill(lo),
    new Array<bigint>(n).fill(hi),
    Array.from({ length: n }, (_, i) => (i % 2 ? lo : hi)),
    new Array<bigint>(n).fill(0n),
    ...Array.from({ length: randomCount }, () => Array.from({ length: n }, () => BigInt(Math.floor(rand() * 2 * half) - half))),
  ]
}

const witnessInput = (model: QuantizedModel, input: readonly bigint[], output: readonly bigint[]) =>
  circuitInput({ inputWords: packValues(input, model.inputBits), outputWords: packValues(output, model.outputBits), beneficiary: TEST_BENEFICIARY })

describe.each(Object.entries(DAG_MODELS))('DAG model "%s": the circuit computes runReference', (name, model) => {
  // As compileModel compiles (--O1), and unsimplified (--O0), where every named signal keeps its wire.
  let c: Compiled
  let plain: Compiled
  beforeAll(async () => {
    ;[c, plain] = await Promise.all([compile(model, name, 1), compile(model, `${name}-o0`, 0)])
  })

  test('on extreme and random inputs, with every constraint satisfied', async () => {
    const outputs = new Set<string>()
    for (const input of inputs(model, name.length, 24)) {
      const reference = runReference(model, input)
      outputs.add(reference.join(','))
      // A witness exists only if the circuit's output packs to the given words: the reference's.
      const witnessInputs = witnessInput(model, input, reference)
      expect(failingConstraints(c.r1cs, await calculateWitness(c.circuit.wasm, witnessInputs))).toEqual([])
      const witness = await calculateWitness(plain.circuit.wasm, witnessInputs)
      expect(failingConstraints(plain.r1cs, witness)).toEqual([])
      // The values the circuit packs are the reference output.
      expect(reference.map((_, i) => signed(witness[plain.symbols.get(`main.pack.values[${i}]`)!]!))).toEqual(reference)
    }
    // Not a constant function of the input (so the comparison means something).
    expect(outputs.size).toBeGreaterThan(4)
  })

  test('has no witness for a wrong output word', async () => {
    for (const input of inputs(model, 99, 3)) {
      const reference = runReference(model, input)
      for (const k of [0, reference.length - 1]) {
        const wrong = reference.map((v, i) => (i === k ? (v > 0n ? v - 1n : v + 1n) : v))
        await expect(calculateWitness(c.circuit.wasm, witnessInput(model, input, wrong))).rejects.toBeInstanceOf(WitnessError)
      }
    }
  })
})

describe('DAG model "residual" without simplification: concatenations are bound to what they concatenate', () => {
  const model = DAG_MODELS.residual
  let c: Compiled
  // Negative inputs, so some Relu inputs and sign bits of the concatenations are 0.
  const input = [-5n, 17n, -128n, 90n]
  let honest: bigint[]
  const wire = (signal: string) => {
    const id = c.symbols.get(signal)
    if (id === undefined) throw new Error(`no signal ${signal} in the circuit`)
    return id
  }
  const tamper = (edits: Record<string, (v: bigint) => bigint>) => {
    const witness = [...honest]
    for (const [signal, edit] of Object.entries(edits)) witness[wire(signal)] = field(edit(signed(witness[wire(signal)]!)))
    return failingConstraints(c.r1cs, witness)
  }

  beforeAll(async () => {
    c = await compile(model, 'residual-tamper', 0)
    honest = await calculateWitness(c.circuit.wasm, witnessInput(model, input, runReference(model, input)))
    expect(failingConstraints(c.r1cs, honest)).toEqual([])
  })

  test('each concatenated sign bit is the sign of the value at its place', () => {
    const get = (signal: string) => signed(honest[wire(signal)]!)
    // relu(y ++ x) and leakyRelu(relu(x) ++ y): 8 values each.
    for (const stage of [2, 3]) {
      const size = 8
      const bits = Array.from({ length: size }, (_, i) => get(`main.s${stage}InNonNeg[${i}]`))
      const values = Array.from({ length: size }, (_, i) => get(`main.s${stage}In[${i}]`))
      expect(bits).toEqual(values.map((v) => (v >= 0n ? 1n : 0n)))
    }
    // The x half of relu(y ++ x) is the input, negative where it is.
    expect(Array.from({ length: 4 }, (_, i) => get(`main.s2In[${4 + i}]`))).toEqual(input)
  })

  test('rejects a flipped sign bit in a concatenation (a negative input passed through a Relu)', () => {
    // x[0] = -5 sits at place 4 of relu(y ++ x).
    expect(tamper({ 'main.s2InNonNeg[4]': () => 1n, 'main.s2Relu.nonNeg[4]': () => 1n, 'main.s2Relu.out[4]': () => -5n }).length).toBeGreaterThan(0)
    expect(tamper({ 'main.s2InNonNeg[4]': () => 1n }).length).toBeGreaterThan(0)
  })

  test('rejects a changed value in a concatenation', () => {
    expect(tamper({ 'main.s1In[5]': (v) => v + 1n }).length).toBeGreaterThan(0)
    expect(tamper({ 'main.s4In[11]': (v) => v - 1n }).length).toBeGreaterThan(0)
  })

  test('rejects a wrong output word', () => {
    expect(tamper({ 'main.outWords[0]': (v) => v + 1n }).length).toBeGreaterThan(0)
  })
})
