import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { packValues } from '@veridict/sdk'
import { compileCircom, type CompileCircomReturnType } from './circuit/compileCircom.js'
import { generateCircuit } from './circuit/generateCircuit.js'
import { circuitInput } from './circuit/publicSignals.js'
import { calculateWitness, failingConstraints, readR1cs, readSymbols, type R1cs } from './circuit/r1cs.js'
import { WitnessError } from './errors/circuit.js'
import { concatInputs, rowsFromLists, stageInputs } from './ir/stages.js'
import type { QuantizedBilinear, QuantizedModel, QuantizedStage } from './quantize/model.js'
import { signedBits } from './quantize/bounds.js'
import { runReference } from './reference/runReference.js'
import { seededRandom, TEST_BENEFICIARY, testDir } from './testing/opHarness.js'

/** BN254 scalar field: a "negative" number n is the field element P + n. */
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
const field = (v: bigint) => ((v % P) + P) % P
const signed = (v: bigint) => (v > P / 2n ? v - P : v)

/**
 * Stages for bilinearModel, without bit widths: bilinear rows are lists of (left, right) pairs of
 * indices into the concatenated input.
 */
type Spec = { inputs?: number[] } & (
  | { kind: 'linear'; rows: number[][]; weights: number[][]; bias: number[]; shift: number }
  | { kind: 'relu' }
  | { kind: 'bilinear'; rows: [number, number][][]; shift: number }
)

const rescale = (v: bigint, shift: number) => (shift === 0 ? v : (v + (1n << BigInt(shift - 1))) >> BigInt(shift))
const min = (v: bigint[]) => v.reduce((m, x) => (x < m ? x : m))
const max = (v: bigint[]) => v.reduce((m, x) => (x > m ? x : m))
const widest = (bounds: (readonly [bigint, bigint])[]) => bounds.reduce((m, [a, b]) => Math.max(m, signedBits(a, b)), 2)

/**
 * As testing/dagModels.ts's dagModel (bit widths from interval bounds over every input in range,
 * so the circuit has a witness for every valid input), for linear, relu and bilinear stages. A
 * product's bounds are its corners' (v * v: 0 to the larger square when 0 is in range).
 */
function bilinearModel(inputSize: number, inputBits: number, specs: Spec[]): QuantizedModel {
  const lo: bigint[][] = [new Array<bigint>(inputSize).fill(-(1n << BigInt(inputBits - 1)))]
  const hi: bigint[][] = [new Array<bigint>(inputSize).fill((1n << BigInt(inputBits - 1)) - 1n)]
  const widths = [inputBits]
  const stages = specs.map((spec, s): QuantizedStage => {
    const inputs = stageInputs(spec, s)
    const [l, h] = [concatInputs(lo, inputs), concatInputs(hi, inputs)]
    const base = { sources: [`${spec.kind}${s}`], inputs: spec.inputs }
    let stage: QuantizedStage
    let out: [bigint[], bigint[]]
    switch (spec.kind) {
      case 'linear': {
        const bounds = spec.rows.map((row, r) => {
          let [a, b] = [BigInt(spec.bias[r]!), BigInt(spec.bias[r]!)]
          row.forEach((i, k) => {
            const w = BigInt(spec.weights[r]![k]!)
            a += w * (w >= 0n ? l[i]! : h[i]!)
            b += w * (w >= 0n ? h[i]! : l[i]!)
          })
          return [rescale(a, spec.shift), rescale(b, spec.shift)] as const
        })
        out = [bounds.map((b) => b[0]), bounds.map((b) => b[1])]
        const weights = spec.weights.flat().map(BigInt)
        stage = { ...base, kind: 'linear', shape: [spec.rows.length], rows: rowsFromLists(spec.rows), weights, bias: spec.bias.map(BigInt), shift: spec.shift, bits: widest(bounds) }
        break
      }
      case 'relu':
        out = [l.map((v) => (v > 0n ? v : 0n)), h.map((v) => (v > 0n ? v : 0n))]
        stage = { ...base, kind: 'relu', shape: [l.length], bits: inputs.reduce((m, t) => Math.max(m, widths[t]!), 2) }
        break
      case 'bilinear': {
        const bounds = spec.rows.map((row) => {
          let [a, b] = [0n, 0n]
          for (const [i, j] of row) {
            const corners = [l[i]! * l[j]!, l[i]! * h[j]!, h[i]! * l[j]!, h[i]! * h[j]!]
            a += i !== j ? min(corners) : l[i]! <= 0n && h[i]! >= 0n ? 0n : min(corners.filter((v) => v >= 0n))
            b += max(corners)
          }
          return [rescale(a, spec.shift), rescale(b, spec.shift)] as const
        })
        out = [bounds.map((b) => b[0]), bounds.map((b) => b[1])]
        const pairs = spec.rows.flat()
        stage = {
          ...base,
          kind: 'bilinear',
          shape: [spec.rows.length],
          rows: { offsets: rowsFromLists(spec.rows.map((row) => row.map(() => 0))).offsets },
          left: Int32Array.from(pairs, (p) => p[0]),
          right: Int32Array.from(pairs, (p) => p[1]),
          shift: spec.shift,
          bits: widest(bounds),
        }
        break
      }
    }
    lo.push(out[0])
    hi.push(out[1])
    widths.push(stage.bits)
    return stage
  })
  const last = stages[stages.length - 1]!
  return { scale: 6, inputScale: 6, inputBits, inputShape: [inputSize], outputShape: last.shape, outputScale: 6, outputBits: last.bits, stages }
}

/** Row-major matrix product of an m×n matrix at `a` and an n×p matrix at `b` (offsets into the input): one row of n pairs per output. */
const matMulRows = (m: number, n: number, p: number, a: number, b: number): [number, number][][] =>
  Array.from({ length: m * p }, (_, o) => Array.from({ length: n }, (_, k): [number, number] => [a + Math.floor(o / p) * n + k, b + k * p + (o % p)]))

const MODELS = {
  /** relu(x) * x elementwise (shift 3), then a linear stage over (product ++ x). */
  elementwise: bilinearModel(4, 8, [
    { kind: 'relu', inputs: [0] },
    { kind: 'bilinear', inputs: [1, 0], rows: [0, 1, 2, 3].map((i): [number, number][] => [[i, 4 + i]]), shift: 3 },
    { kind: 'linear', inputs: [2, 0], rows: [[0, 1, 4], [2, 3, 5], [0, 3, 6, 7]], weights: [[3, -2, 40], [-1, 2, -30], [1, 1, -1, 25]], bias: [5, -7, 0], shift: 4 },
  ]),
  /** A 2×3 by 3×2 product of two computed tensors (a linear stage and a relu of another), shift 6; relu of the product reads its sign bits. */
  matMul: bilinearModel(5, 8, [
    { kind: 'linear', rows: [[0, 1], [1, 2], [2, 3], [3, 4], [4, 0], [0, 2]], weights: [[9, -5], [-7, 8], [6, 6], [-9, 3], [5, -8], [7, 7]], bias: [3, -9, 0, 12, -4, 1], shift: 3 },
    { kind: 'linear', rows: [[0, 4], [1, 3], [2, 0], [3, 1], [4, 2], [1, 4]], weights: [[4, 5], [-6, 7], [8, -3], [5, 5], [-7, -2], [3, -8]], bias: [0, 6, -5, 2, 9, -11], shift: 3 },
    { kind: 'relu' },
    { kind: 'bilinear', inputs: [1, 3], rows: matMulRows(2, 3, 2, 0, 6), shift: 6 },
    { kind: 'relu' },
    { kind: 'linear', inputs: [5, 4], rows: [[0, 1, 4, 5], [2, 3, 6, 7]], weights: [[2, -3, 1, 1], [-1, 4, -1, 2]], bias: [0, 3], shift: 2 },
  ]),
  /** x * x (same index both sides), a row with no pairs, sums of squares and of cross terms, shift 0; relu of it; then products of (relu ++ x) with shift 7. */
  squares: bilinearModel(4, 8, [
    { kind: 'bilinear', rows: [[[0, 0]], [], [[1, 1], [2, 2], [3, 3]], [[0, 1], [1, 0]], [[2, 3], [3, 3], [1, 2]]], shift: 0 },
    { kind: 'relu', inputs: [1] },
    { kind: 'bilinear', inputs: [2, 0], rows: [[[0, 5]], [[2, 6], [3, 7]], [[1, 8]], [[4, 4], [6, 6]], [[5, 5]]], shift: 7 },
  ]),
  /** A bilinear stage without any pairs (every output 0, circom has no empty arrays), read by a relu and a linear stage with x. */
  empty: bilinearModel(3, 8, [
    { kind: 'bilinear', rows: [[], []], shift: 2 },
    { kind: 'relu', inputs: [1, 0] },
    { kind: 'linear', inputs: [2, 1], rows: [[0, 2, 3], [1, 4, 5]], weights: [[5, 3, -1], [-2, 7, 3]], bias: [1, 0], shift: 1 },
  ]),
}

type Compiled = { circuit: CompileCircomReturnType; r1cs: R1cs; symbols: Map<string, number> }

async function compile(model: QuantizedModel, name: string, optimization: 0 | 1): Promise<Compiled> {
  const dir = await testDir(`bilinear-${name}`)
  const file = join(dir, 'model.circom')
  await writeFile(file, generateCircuit({ model, templateName: 'BilinearTest' }))
  const circuit = await compileCircom({ file, outDir: dir, optimization })
  return { circuit, r1cs: await readR1cs(circuit.r1cs), symbols: await readSymbols(circuit.sym) }
}

const inputSize = (model: QuantizedModel) => model.inputShape.reduce((a, b) => a * b, 1)

/** Inputs in range: all lowest, all highest, alternating both ways, zero, then uniformly random ones. */
function inputs(model: QuantizedModel, seed: number, randomCount: number): bigint[][] {
  const n = inputSize(model)
  const half = 1 << (model.inputBits - 1)
  const [lo, hi] = [BigInt(-half), BigInt(half - 1)]
  const rand = seededRandom(seed)
  return [
    new Array<bigint>(n).fill(lo),
    new Array<bigint>(n).fill(hi),
    Array.from({ length: n }, (_, i) => (i % 2 ? lo : hi)),
    Array.from({ length: n }, (_, i) => (i % 2 ? hi : lo)),
    new Array<bigint>(n).fill(0n),
    ...Array.from({ length: randomCount }, () => Array.from({ length: n }, () => BigInt(Math.floor(rand() * 2 * half) - half))),
  ]
}

const witnessInput = (model: QuantizedModel, input: readonly bigint[], output: readonly bigint[]) =>
  circuitInput({ inputWords: packValues(input, model.inputBits), outputWords: packValues(output, model.outputBits), beneficiary: TEST_BENEFICIARY })

/** The bilinear stages' outputs on `input`, as runReference computes them (tensor s + 1 = stage s's output). */
function bilinearOutputs(model: QuantizedModel, input: readonly bigint[]): Map<number, bigint[]> {
  const result = new Map<number, bigint[]>()
  model.stages.forEach((stage, s) => {
    if (stage.kind === 'bilinear') result.set(s, runReference({ ...model, outputShape: stage.shape, outputBits: stage.bits, stages: model.stages.slice(0, s + 1) }, input))
  })
  return result
}

describe.each(Object.entries(MODELS))('bilinear model "%s": the circuit computes runReference', (name, model) => {
  // As compileModel compiles (--O1), and unsimplified (--O0), where every named signal keeps its wire.
  let c: Compiled
  let plain: Compiled
  beforeAll(async () => {
    ;[c, plain] = await Promise.all([compile(model, name, 1), compile(model, `${name}-o0`, 0)])
  })

  test('one multiplication constraint per pair, setting its product signal', () => {
    const quadratic = plain.r1cs.constraints.filter(([a, b]) => a.size > 0 && b.size > 0)
    for (const [s, stage] of model.stages.entries()) {
      if (stage.kind !== 'bilinear') continue
      for (let t = 0; t < stage.left.length; t++) {
        const product = plain.symbols.get(`main.s${s}Prod[${t}]`)
        expect(product).toBeDefined()
        expect(quadratic.filter(([, , cc]) => cc.has(product!)).map(([a, b, cc]) => [a.size, b.size, [...cc.keys()]])).toEqual([[1, 1, [product]]])
      }
      if (stage.left.length === 0) expect(plain.symbols.has(`main.s${s}Prod[0]`)).toBe(false)
    }
  })

  test('on extreme and random inputs, with every constraint satisfied', async () => {
    const outputs = new Set<string>()
    const products = new Set<string>()
    for (const input of inputs(model, name.length + 7, 24)) {
      const reference = runReference(model, input)
      outputs.add(reference.join(','))
      // A witness exists only if the circuit's output packs to the given words: the reference's.
      const witnessInputs = witnessInput(model, input, reference)
      expect(failingConstraints(c.r1cs, await calculateWitness(c.circuit.wasm, witnessInputs))).toEqual([])
      const witness = await calculateWitness(plain.circuit.wasm, witnessInputs)
      expect(failingConstraints(plain.r1cs, witness)).toEqual([])
      const get = (signal: string) => {
        const id = plain.symbols.get(signal)
        if (id === undefined) throw new Error(`no signal ${signal} in the circuit`)
        return signed(witness[id]!)
      }
      // The values the circuit packs are the reference output.
      expect(reference.map((_, i) => get(`main.pack.values[${i}]`))).toEqual(reference)
      // Each bilinear stage's outputs, and their sign bits, are the reference's.
      for (const [s, values] of bilinearOutputs(model, input)) {
        products.add(values.join(','))
        expect(values.map((_, i) => get(`main.s${s}[${i}]`))).toEqual(values)
        expect(values.map((_, i) => get(`main.s${s}NonNeg[${i}]`))).toEqual(values.map((v) => (v >= 0n ? 1n : 0n)))
      }
    }
    // Not a constant function of the input (so the comparison means something).
    expect(outputs.size).toBeGreaterThan(4)
    if (name !== 'empty') expect(products.size).toBeGreaterThan(4)
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

describe('bilinear stages without simplification: products and outputs are bound to their inputs', () => {
  const model = MODELS.squares
  const input = [-5n, 17n, -128n, 90n]
  let c: Compiled
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
  /** The quadratic constraints (A and B both non-constant) whose C involves `signal`. */
  const multiplicationsOf = (signal: string) =>
    c.r1cs.constraints.flatMap(([a, b, cc], k) => (a.size > 0 && b.size > 0 && [...a.keys(), ...b.keys()].some((w) => w !== 0) && cc.has(wire(signal)) ? [k] : []))

  beforeAll(async () => {
    c = await compile(model, 'squares-tamper', 0)
    honest = await calculateWitness(c.circuit.wasm, witnessInput(model, input, runReference(model, input)))
    expect(failingConstraints(c.r1cs, honest)).toEqual([])
  })

  test('the honest witness holds the products x[left] * x[right]', () => {
    const get = (signal: string) => signed(honest[wire(signal)]!)
    // Stage 0 reads x: pairs (0,0) (1,1) (2,2) (3,3) (0,1) (1,0) (2,3) (3,3) (1,2).
    const [x0, x1, x2, x3] = input as [bigint, bigint, bigint, bigint]
    expect(Array.from({ length: 9 }, (_, t) => get(`main.s0Prod[${t}]`))).toEqual([x0 * x0, x1 * x1, x2 * x2, x3 * x3, x0 * x1, x1 * x0, x2 * x3, x3 * x3, x1 * x2])
    // shift 0: the outputs are the sums themselves, the empty row 0.
    expect(Array.from({ length: 5 }, (_, r) => get(`main.s0[${r}]`))).toEqual([x0 * x0, 0n, x1 * x1 + x2 * x2 + x3 * x3, 2n * x0 * x1, x2 * x3 + x3 * x3 + x1 * x2])
  })

  test('rejects a wrong product, alone or carried into the sum', () => {
    for (const t of [0, 4, 8]) {
      const failing = tamper({ [`main.s0Prod[${t}]`]: (v) => v + 1n })
      expect(failing.length).toBeGreaterThan(0)
      // The multiplication constraint itself fails, not just the wiring after it.
      expect(multiplicationsOf(`main.s0Prod[${t}]`).some((k) => failing.includes(k))).toBe(true)
    }
    // A product changed together with the Linear input it feeds and the sum it lands in: only the multiplication can tell.
    const failing = tamper({ 'main.s0Prod[0]': (v) => v + 1n, 'main.s0Linear.in[0]': (v) => v + 1n, 'main.s0Linear.out[0]': (v) => v + 1n })
    expect(failing.length).toBeGreaterThan(0)
    expect(multiplicationsOf('main.s0Prod[0]').some((k) => failing.includes(k))).toBe(true)
    // Stage 2 (shift 7) reads the concatenation relu ++ x.
    expect(tamper({ 'main.s2Prod[1]': (v) => v - 1n }).length).toBeGreaterThan(0)
  })

  test('rejects a wrong output value, sign bit or output word', () => {
    expect(tamper({ 'main.s0[2]': (v) => v + 1n }).length).toBeGreaterThan(0)
    // The empty row's output is pinned to 0.
    expect(tamper({ 'main.s0[1]': () => 1n }).length).toBeGreaterThan(0)
    expect(tamper({ 'main.s0NonNeg[3]': (v) => 1n - v }).length).toBeGreaterThan(0)
    expect(tamper({ 'main.s2[0]': (v) => v + 1n }).length).toBeGreaterThan(0)
    expect(tamper({ 'main.outWords[0]': (v) => v + 1n }).length).toBeGreaterThan(0)
  })
})

describe('generateCircuit rejects malformed bilinear stages', () => {
  const base = MODELS.squares
  const withStage0 = (edit: Partial<QuantizedBilinear>): QuantizedModel => ({ ...base, stages: [{ ...(base.stages[0] as QuantizedBilinear), ...edit }, ...base.stages.slice(1)] })

  test('an index past its input', () => {
    const left = Int32Array.from((base.stages[0] as QuantizedBilinear).left)
    left[2] = 4
    expect(() => generateCircuit({ model: withStage0({ left }), templateName: 'T' })).toThrow(/reads value 4 of an input of 4 values/)
  })

  test('offsets that do not match the outputs or pairs', () => {
    expect(() => generateCircuit({ model: withStage0({ right: new Int32Array(3) }), templateName: 'T' })).toThrow(/bilinear/)
    expect(() => generateCircuit({ model: withStage0({ rows: { offsets: Int32Array.from([0, 1, 1, 4, 6]) } }), templateName: 'T' })).toThrow(/bilinear/)
  })
})
