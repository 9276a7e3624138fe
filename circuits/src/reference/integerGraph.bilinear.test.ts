import { describe, expect, test } from 'vitest'
import { packValues } from '@veridict/sdk'
import { rowsFromLists } from '../ir/stages.js'
import type { QuantizedModel, QuantizedStage } from '../quantize/model.js'
import { seededRandom } from '../testing/opHarness.js'
import { createCanonicalExecutor } from './canonicalExecutor.js'
import { buildIntegerGraph, type IntegerGraphInput, type IntegerGraphPrecision } from './integerGraph.js'
import { runReference } from './runReference.js'

/** The signed bit width that holds every integer of magnitude at most `magnitude`. */
const bitsFor = (magnitude: number) => {
  let bits = 2
  while (2 ** (bits - 1) <= magnitude) bits++
  return bits
}

/**
 * Builds a QuantizedModel stage by stage over explicit `inputs` (as in integerGraph.dag.test.ts),
 * each stage's declared bits derived from its inputs' magnitude bounds, so every value runReference
 * produces stays within them. Each method returns the index of the tensor the new stage writes.
 */
class ModelBuilder {
  readonly sizes: number[]
  readonly bits: number[]
  readonly stages: QuantizedStage[] = []
  readonly random: () => number
  constructor(
    readonly inputSize: number,
    readonly inputBits: number,
    seed: number,
  ) {
    this.sizes = [inputSize]
    this.bits = [inputBits]
    this.random = seededRandom(seed)
  }
  private int(lo: number, hi: number) {
    return lo + Math.floor(this.random() * (hi - lo + 1))
  }
  private push(stage: QuantizedStage): number {
    this.stages.push(stage)
    this.sizes.push(stage.shape.reduce((a, b) => a * b, 1))
    this.bits.push(stage.bits)
    return this.stages.length
  }
  /** Each concatenated position's largest magnitude. */
  private bounds(inputs: number[]): number[] {
    return inputs.flatMap((t) => new Array<number>(this.sizes[t]!).fill(2 ** (this.bits[t]! - 1)))
  }
  width(inputs: number[]) {
    return inputs.reduce((total, t) => total + this.sizes[t]!, 0)
  }
  /** A linear stage with random sparse rows and weights up to `weight`. */
  linear(inputs: number[], { size = 4, weight = 60, shift = 6 }: { size?: number; weight?: number; shift?: number } = {}): number {
    const width = this.width(inputs)
    const lists = Array.from({ length: size }, () => {
      const row: [number, number][] = []
      for (let i = 0; i < width; i++) if (this.random() < 0.7) row.push([i, this.int(-weight, weight)])
      return row.length > 0 ? row : [[this.int(0, width - 1), weight] as [number, number]]
    })
    const bias = lists.map(() => BigInt(this.int(-4 * weight, 4 * weight)))
    const bounds = this.bounds(inputs)
    const half = shift > 0 ? 2 ** (shift - 1) : 0
    let largest = 0
    lists.forEach((row, r) => {
      const acc = Math.abs(Number(bias[r]!)) + half + row.reduce((sum, [i, w]) => sum + Math.abs(w) * bounds[i]!, 0)
      largest = Math.max(largest, Math.floor(acc / 2 ** shift) + 1)
    })
    return this.push({
      kind: 'linear',
      sources: [`linear${this.stages.length}`],
      shape: [1, lists.length],
      inputs,
      bits: bitsFor(largest),
      rows: rowsFromLists(lists.map((row) => row.map(([i]) => i))),
      weights: lists.flatMap((row) => row.map(([, w]) => BigInt(w))),
      bias,
      shift,
    })
  }
  relu(inputs: number[]): number {
    return this.push({ kind: 'relu', sources: ['relu'], shape: [1, this.width(inputs)], inputs, bits: Math.max(...inputs.map((t) => this.bits[t]!)) })
  }
  gather(inputs: number[], index: number[]): number {
    return this.push({ kind: 'gather', sources: ['gather'], shape: [1, index.length], inputs, bits: Math.max(...inputs.map((t) => this.bits[t]!)), index: Int32Array.from(index) })
  }
  /** A bilinear stage: row r sums the products of its [left, right] position pairs of the concatenation. */
  bilinear(inputs: number[], rows: [number, number][][], { shift = 0 }: { shift?: number } = {}): number {
    const bounds = this.bounds(inputs)
    const half = shift > 0 ? 2 ** (shift - 1) : 0
    let largest = 1
    for (const row of rows) {
      const acc = half + row.reduce((sum, [l, r]) => sum + bounds[l]! * bounds[r]!, 0)
      largest = Math.max(largest, Math.floor(acc / 2 ** shift) + 1)
    }
    return this.push({
      kind: 'bilinear',
      sources: [`bilinear${this.stages.length}`],
      shape: [1, rows.length],
      inputs,
      bits: bitsFor(largest),
      rows: { offsets: rowsFromLists(rows.map((row) => row.map(() => 0))).offsets },
      left: Int32Array.from(rows.flatMap((row) => row.map(([l]) => l))),
      right: Int32Array.from(rows.flatMap((row) => row.map(([, r]) => r))),
      shift,
    })
  }
  model(): QuantizedModel {
    const last = this.stages.length
    return {
      scale: 6,
      inputScale: 6,
      inputBits: this.inputBits,
      inputShape: [1, this.inputSize],
      outputShape: [1, this.sizes[last]!],
      outputScale: 6,
      outputBits: this.bits[last]!,
      stages: this.stages,
    }
  }
}

/** Elementwise products: value i of the first `n` positions times value i of the next `n`. */
const elementwise = (n: number, offset = n): [number, number][][] => Array.from({ length: n }, (_, i) => [[i, offset + i]])

/** The [m × n] by [n × p] matrix product of two row-major matrices, the first at position 0 of the concatenation, the second at `at`. */
const matmul = (m: number, n: number, p: number, at: number): [number, number][][] =>
  Array.from({ length: m * p }, (_, o) => {
    const [i, j] = [Math.floor(o / p), o % p]
    return Array.from({ length: n }, (_, k) => [i * n + k, at + k * p + j] as [number, number])
  })

/** Mostly random in-range inputs; the first two at the top and bottom of the range, some at the edges. */
function randomInputs(count: number, bits: number, trials: number, seed: number): bigint[][] {
  const random = seededRandom(seed)
  const lo = -(2 ** (bits - 1))
  const hi = 2 ** (bits - 1) - 1
  return Array.from({ length: trials }, (_, trial) =>
    Array.from({ length: count }, () => {
      if (trial === 0) return BigInt(hi)
      if (trial === 1) return BigInt(lo)
      const r = random()
      return BigInt(r < 0.15 ? lo : r < 0.3 ? hi : lo + Math.floor(random() * 2 ** bits))
    }),
  )
}

const MODES = [
  ['float32', 'values'],
  ['float32', 'words'],
  ['float64', 'values'],
  ['float64', 'words'],
] as const satisfies readonly (readonly [IntegerGraphPrecision, IntegerGraphInput])[]

/**
 * Runs the model's integer graph in onnxruntime, in both precisions and both input layouts, on
 * random and extreme in-range inputs, fed as values and as packed words, and expects runReference's
 * output exactly. `words`: whether the model allows the 'words' layout (a linear first stage).
 */
async function expectExact(model: QuantizedModel, { seed, trials = 48, words }: { seed: number; trials?: number; words: boolean }) {
  const count = model.inputShape.reduce((a, b) => a * b, 1)
  const inputs = randomInputs(count, model.inputBits, trials, seed)
  const expected = inputs.map((q) => runReference(model, q))
  for (const [precision, input] of MODES) {
    const graph = buildIntegerGraph(model, { precision, input })
    expect(graph, `${precision} ${input}`).toBeDefined()
    const layout = input === 'words' && words ? 'words' : 'values'
    expect(graph!.input).toBe(layout)
    if (precision === 'float64') expect(graph!.stageTypes.every((type) => type === 'double')).toBe(true)
    const executor = await createCanonicalExecutor({ model, precision, input })
    expect([executor.engine, executor.input]).toEqual(['onnxruntime', layout])
    for (const [i, q] of inputs.entries()) {
      expect(await executor.run(q), `${precision} ${input} input ${i}`).toEqual(expected[i])
      if (model.inputBits <= 32) expect(await executor.runWords(packValues(q, model.inputBits)), `${precision} ${input} words ${i}`).toEqual(expected[i])
    }
  }
}

/** Whether the graph contains a node of this op type (op types are stored as plain strings). */
const hasOp = (model: QuantizedModel, op: string) => Buffer.from(buildIntegerGraph(model)!.bytes).includes(op)

describe('the integer graph of a bilinear stage equals runReference exactly', () => {
  test('an elementwise product relu(a) * a of a computed tensor, shift 0 and shift > 0', async () => {
    for (const [bits, shift, seed] of [
      [8, 0, 1],
      [8, 6, 2],
      [16, 9, 3],
      [12, 3, 4],
    ] as const) {
      const m = new ModelBuilder(5, bits, seed)
      const a = m.linear([0], { size: 4 })
      m.bilinear([m.relu([a]), a], elementwise(4), { shift })
      const model = m.model()
      // One pair per row: no summation at all.
      expect(hasOp(model, 'ReduceSum') || hasOp(model, 'Reshape')).toBe(false)
      await expectExact(model, { seed, words: bits !== 12 })
    }
  })

  test('a 2x3 by 3x2 matrix product of two computed tensors (ReduceSum over rows of 3 pairs)', async () => {
    for (const [shift, seed] of [
      [0, 5],
      [7, 6],
    ] as const) {
      const m = new ModelBuilder(6, 8, seed)
      const a = m.linear([0], { size: 6, weight: 40 })
      const b = m.relu([m.linear([0], { size: 6, weight: 40, shift: 5 })])
      m.bilinear([a, b], matmul(2, 3, 2, 6), { shift })
      const model = m.model()
      expect(model.stages.at(-1)!.shape).toEqual([1, 4])
      expect(hasOp(model, 'ReduceSum')).toBe(true)
      await expectExact(model, { seed, words: true })
    }
  })

  test('x * x and x_i * x_j of the input itself (the first stage, and a later one in the words layout)', async () => {
    // Squares of the input as the first stage: the 'values' layout.
    const square = new ModelBuilder(6, 8, 7)
    square.bilinear([0], elementwise(6, 0))
    await expectExact(square.model(), { seed: 7, words: false })
    // A later stage reading tensor 0 (unpacked from the words) with a computed tensor: x^T x as a
    // 1x6 by 6x1 product (a row of 6 pairs, the same index both sides), then x · a elementwise.
    const m = new ModelBuilder(6, 16, 8)
    const a = m.linear([0], { size: 6, weight: 30, shift: 8 })
    const s = m.bilinear([0, a], [Array.from({ length: 6 }, (_, i) => [i, i] as [number, number]), ...elementwise(6)], { shift: 4 })
    m.gather([s], [6, 0, 1])
    await expectExact(m.model(), { seed: 8, words: true })
  })

  test('rows with no pairs output 0 (a Gemm over rows of unequal lengths), shift 0 and shift > 0', async () => {
    for (const [shift, seed] of [
      [0, 9],
      [5, 10],
    ] as const) {
      const m = new ModelBuilder(5, 8, seed)
      const a = m.linear([0], { size: 4 })
      const rows: [number, number][][] = [[[0, 4], [1, 5]], [], [[2, 2]], [], [[3, 7], [0, 8], [1, 6]]]
      m.bilinear([a, 0], rows, { shift })
      const model = m.model()
      expect(hasOp(model, 'Gemm')).toBe(true)
      expect(hasOp(model, 'ReduceSum')).toBe(false)
      await expectExact(model, { seed, words: true })
      const zero = await createCanonicalExecutor({ model })
      const out = await zero.run(randomInputs(5, 8, 1, seed)[0]!)
      expect([out[1], out[3]]).toEqual([0n, 0n])
    }
  })

  test('a stage with no pairs at all outputs zeros; so does one with only empty rows feeding a later stage', async () => {
    for (const shift of [0, 3]) {
      const m = new ModelBuilder(4, 8, 11)
      const a = m.linear([0], { size: 3 })
      const z = m.bilinear([a], [[], [], []], { shift })
      m.bilinear([z, a], elementwise(3), { shift })
      await expectExact(m.model(), { seed: 11, trials: 8, words: true })
      // The empty stage as the model's output.
      const last = new ModelBuilder(4, 8, 12)
      last.bilinear([last.linear([0], { size: 3 })], [[], []], { shift })
      await expectExact(last.model(), { seed: 12, trials: 8, words: true })
    }
  })

  test('float32 where every row bound stays below 2^24, float64 where one reaches it', async () => {
    // 12-bit inputs (bound 2^11): products up to 2^22, so 3 pairs a row reach 3 · 2^22 < 2^24 (float32)
    // and 4 pairs 2^24 (float64), in float32 mode; the extreme inputs (all -2^11) reach both bounds.
    const m = new ModelBuilder(8, 12, 13)
    const three = m.bilinear([0], [Array.from({ length: 3 }, (_, i) => [i, i + 3] as [number, number]), [[6, 7]]], { shift: 0 })
    const four = m.bilinear([0], [Array.from({ length: 4 }, (_, i) => [i, 7 - i] as [number, number])], { shift: 0 })
    // A stage reading a float32 tensor, a float64 one and the input (products up to 2^50: float64).
    const mixed = m.bilinear([three, four, 0], [[[0, 3]], [[1, 4]], [[2, 2]]], { shift: 20 })
    m.relu([mixed, 0])
    const model = m.model()
    expect(model.stages.map((s) => s.bits)).toEqual([25, 26, 32, 32])
    expect(buildIntegerGraph(model, { precision: 'float32' })!.stageTypes).toEqual(['float', 'double', 'double', 'double'])
    await expectExact(model, { seed: 13, words: false })
    // Shifting a product of two float32 tensors: float32 where the sum and half stay below 2^24.
    const n = new ModelBuilder(4, 8, 14)
    const small = n.linear([0], { size: 4, weight: 8, shift: 4 })
    n.bilinear([small], [[[0, 1], [2, 3]], [[1, 1]]], { shift: 6 })
    expect(buildIntegerGraph(n.model(), { precision: 'float32' })!.stageTypes).toEqual(['float', 'float'])
    await expectExact(n.model(), { seed: 14, words: true })
  })

  test('float64 up to 2^53; undefined (the bigint engine) where a row bound could reach 2^53', async () => {
    // 27-bit inputs: one product of two reaches 2^52 (exact in float64), two 2^53 (undefined).
    const m = new ModelBuilder(3, 27, 15)
    m.bilinear([0], [[[0, 1]], [[2, 2]], [[1, 0]]], { shift: 20 })
    expect(buildIntegerGraph(m.model(), { precision: 'float32' })!.stageTypes).toEqual(['double'])
    await expectExact(m.model(), { seed: 15, trials: 24, words: false })
    const wide = new ModelBuilder(3, 27, 16)
    wide.bilinear([0], [[[0, 1], [2, 2]]], { shift: 24 })
    for (const [precision, input] of MODES) expect(buildIntegerGraph(wide.model(), { precision, input })).toBeUndefined()
    const executor = await createCanonicalExecutor({ model: wide.model() })
    expect(executor.engine).toBe('bigint')
    const q = randomInputs(3, 27, 1, 16)[0]!
    expect(await executor.run(q)).toEqual(runReference(wide.model(), q))
  })

  test('a Gemm over more than MAX_DENSE_ENTRIES entries is left to the bigint engine; equal rows of the same size are not', () => {
    // 2001 rows of 1 pair and one of 2: 2003 pairs × 2002 rows > 4,000,000 dense entries.
    const rows = Array.from({ length: 2001 }, (_, r): [number, number][] => [[r % 4, (r + 1) % 4]])
    const uneven = new ModelBuilder(4, 8, 17)
    uneven.bilinear([0], [...rows, [[0, 0], [1, 1]]])
    expect(buildIntegerGraph(uneven.model())).toBeUndefined()
    const even = new ModelBuilder(4, 8, 18)
    even.bilinear([0], [...rows.map((row) => [...row, [2, 3] as [number, number]]), [[0, 0], [1, 1]]])
    expect(buildIntegerGraph(even.model())).toBeDefined()
  })
})
