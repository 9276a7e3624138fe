import { createHash } from 'node:crypto'
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
 * Builds a QuantizedModel stage by stage over explicit `inputs`, with each stage's declared bits
 * derived from its inputs' (so every value runReference produces stays within them). Each method
 * returns the index of the tensor the new stage writes.
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
  private width(inputs: number[]) {
    return inputs.reduce((total, t) => total + this.sizes[t]!, 0)
  }
  /** A linear stage: explicit rows of [position, weight], or random sparse rows with weights up to `weight`. */
  linear(inputs: number[], { size = 4, weight = 60, shift = 6, rows }: { size?: number; weight?: number; shift?: number; rows?: [number, number][][] } = {}): number {
    const width = this.width(inputs)
    const lists =
      rows ??
      Array.from({ length: size }, () => {
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
  leakyRelu(inputs: number[], { alpha = 13, shift = 6 } = {}): number {
    const bits = Math.max(...inputs.map((t) => this.bits[t]!))
    const negBits = bitsFor(Math.floor((Math.abs(alpha) * 2 ** (bits - 1) + 2 ** (shift - 1)) / 2 ** shift) + 1)
    return this.push({ kind: 'leakyRelu', sources: ['leakyRelu'], shape: [1, this.width(inputs)], inputs, bits: Math.max(bits, negBits), alpha: BigInt(alpha), shift, negBits })
  }
  /** Gather: `index`, or a random permutation of the concatenation. */
  gather(inputs: number[], index?: number[]): number {
    const width = this.width(inputs)
    const order = index ?? this.shuffle(Array.from({ length: width }, (_, i) => i))
    return this.push({ kind: 'gather', sources: ['gather'], shape: [1, order.length], inputs, bits: Math.max(...inputs.map((t) => this.bits[t]!)), index: Int32Array.from(order) })
  }
  /** Random windows (or groups) of 1 to 4 positions of the concatenation, of uneven lengths. */
  private windows(inputs: number[], count: number): number[][] {
    const width = this.width(inputs)
    return Array.from({ length: count }, () => Array.from({ length: this.int(1, Math.min(4, width)) }, () => this.int(0, width - 1)))
  }
  maxPool(inputs: number[], count = 5): number {
    return this.push({ kind: 'maxPool', sources: ['maxPool'], shape: [1, count], inputs, bits: Math.max(...inputs.map((t) => this.bits[t]!)), windows: rowsFromLists(this.windows(inputs, count)) })
  }
  argMax(inputs: number[], count = 3): number {
    const inBits = Math.max(...inputs.map((t) => this.bits[t]!))
    return this.push({ kind: 'argMax', sources: ['argMax'], shape: [1, count], inputs, bits: 4, inBits, groups: rowsFromLists(this.windows(inputs, count)) })
  }
  private shuffle(list: number[]): number[] {
    for (let i = list.length - 1; i > 0; i--) {
      const j = this.int(0, i)
      ;[list[i], list[j]] = [list[j]!, list[i]!]
    }
    return list
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
 * random in-range inputs, fed as values and as packed words, and expects runReference's output exactly.
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

describe('the integer graph of a DAG model equals runReference exactly', () => {
  test('a residual linear: y = rescale(relu(W x) + x) (inputs [2, 0])', async () => {
    for (const [bits, seed] of [
      [8, 1],
      [16, 2],
      [12, 3],
    ] as const) {
      const m = new ModelBuilder(6, bits, seed)
      const hidden = m.relu([m.linear([0], { size: 6 })])
      // Row r adds hidden r and input r: (r, w), (size + r, w).
      m.linear([hidden, 0], { rows: Array.from({ length: 6 }, (_, r) => [[r, 32], [6 + r, 32 + r]] as [number, number][]), shift: 5 })
      await expectExact(m.model(), { seed, words: bits !== 12 })
    }
  })

  test('a dense linear over a concatenation of three tensors, one of them the input', async () => {
    const m = new ModelBuilder(5, 8, 4)
    const a = m.linear([0], { size: 3 })
    const b = m.leakyRelu([a])
    m.linear([b, 0, a], { size: 4, shift: 7 })
    await expectExact(m.model(), { seed: 4, words: true })
  })

  test('a concatenation through a gather over two tensors, then a linear', async () => {
    const m = new ModelBuilder(4, 8, 5)
    const a = m.linear([0], { size: 3 })
    const b = m.relu([a])
    const c = m.gather([b, a])
    // Plain concatenation (the identity order) as well.
    const d = m.gather([c, a], [0, 1, 2, 3, 4, 5, 6, 7, 8])
    m.linear([d], { size: 2 })
    await expectExact(m.model(), { seed: 5, words: true })
  })

  test('a tensor read by two later stages', async () => {
    const m = new ModelBuilder(5, 16, 6)
    const a = m.linear([0], { size: 5, shift: 8 })
    const r = m.relu([a])
    const l = m.leakyRelu([a], { alpha: -21, shift: 5 })
    m.linear([r, l], { size: 3 })
    await expectExact(m.model(), { seed: 6, words: true })
  })

  test('relu, leakyRelu, maxPool and argMax each reading a concatenation of two tensors', async () => {
    const m = new ModelBuilder(6, 8, 7)
    const a = m.linear([0], { size: 4 })
    // A second stage reading the input: in the 'words' layout it gets the unpacked values.
    const b = m.linear([0], { size: 3, shift: 4 })
    const r = m.relu([a, b])
    const p = m.maxPool([r, a], 6)
    const l = m.leakyRelu([b, p], { alpha: 9, shift: 4 })
    m.argMax([l, a], 4)
    await expectExact(m.model(), { seed: 7, words: true })
  })

  test('a stage reading tensor 0 late in the model, in several kinds of stages', async () => {
    for (const [bits, seed] of [
      [8, 8],
      [16, 9],
    ] as const) {
      const m = new ModelBuilder(7, bits, seed)
      const a = m.relu([m.linear([0], { size: 5 })])
      const b = m.linear([a], { size: 4 })
      const g = m.gather([b, 0])
      const p = m.maxPool([0, g], 5)
      const l = m.leakyRelu([0, p])
      m.linear([l, 0], { size: 3 })
      await expectExact(m.model(), { seed, words: true })
    }
  })

  test("a first stage that is not linear keeps the 'values' layout; a later linear stage reads tensor 0 with it", async () => {
    const m = new ModelBuilder(6, 8, 10)
    const r = m.relu([0])
    const a = m.linear([r, 0], { size: 4 })
    m.argMax([a, 0], 2)
    await expectExact(m.model(), { seed: 10, words: false })
  })

  test('inputs held in float32 and float64 meet in one type, float64 where a bound needs it', async () => {
    // Weights up to 2^12 on 15-bit inputs: partial sums pass 2^24, so the first stage runs in
    // float64 even in float32 mode; its outputs (after a shift of 4) still need float64, those of the
    // second (after a shift of 12) fit float32.
    const m = new ModelBuilder(8, 15, 11)
    const wide = m.linear([0], { size: 4, weight: 4096, shift: 4 })
    const narrow = m.linear([0], { size: 4, weight: 4096, shift: 12 })
    const small = m.linear([0], { size: 3, weight: 8, shift: 8 })
    const r1 = m.relu([narrow, small])
    const r2 = m.relu([wide, small])
    const p = m.maxPool([r1, wide], 4)
    const g = m.gather([r2, p, r1])
    // A linear stage whose sums are small on its first (float32) input but pass 2^24 on its second.
    m.linear([small, g], { size: 3, weight: 64, shift: 6 })
    const model = m.model()
    expect(model.stages.map((s) => s.bits)).toEqual([25, 18, 12, 18, 25, 25, 25, 28])
    expect(buildIntegerGraph(model, { precision: 'float32' })!.stageTypes).toEqual(['double', 'double', 'float', 'float', 'double', 'double', 'double', 'double'])
    await expectExact(model, { seed: 11, words: false })
  })
})

test('chain graphs are byte-identical to those built before stages named their inputs', () => {
  // Hashes of the graphs the chain-only builder (commit 7f0ab10) wrote for these chain models.
  const hashes = new Map<string, string>()
  for (const [name, bits, seed] of [
    ['words8', 8, 21],
    ['words16', 16, 22],
    ['values12', 12, 23],
  ] as const) {
    const m = new ModelBuilder(9, bits, seed)
    const a = m.leakyRelu([m.relu([m.linear([0], { size: 7, weight: 120 })])], { alpha: 1000, shift: 4 })
    const p = m.maxPool([a], 5)
    const g = m.gather([p])
    const b = m.linear([g], { size: 6, weight: 3000, shift: 3 })
    m.argMax([m.leakyRelu([b], { alpha: 5000, shift: 8 })], 2)
    // The same stages with `inputs` absent (the chain form) and spelled out ([s]) build one graph.
    const explicit = m.model()
    const chain = { ...explicit, stages: explicit.stages.map(({ inputs: _, ...stage }) => stage as QuantizedStage) }
    for (const [precision, input] of MODES) {
      const bytes = buildIntegerGraph(chain, { precision, input })!.bytes
      expect(Buffer.from(buildIntegerGraph(explicit, { precision, input })!.bytes).equals(Buffer.from(bytes))).toBe(true)
      hashes.set(`${name} ${precision} ${input}`, createHash('sha256').update(bytes).digest('hex').slice(0, 16))
    }
  }
  expect(Object.fromEntries(hashes)).toEqual({
    'words8 float32 values': '4ec1a0aeb2fcafc9',
    'words8 float32 words': '2012ae7b8207913b',
    'words8 float64 values': 'bab65f36259728b3',
    'words8 float64 words': '650fa656e6e3552d',
    'words16 float32 values': '75f6c02639e2d0db',
    'words16 float32 words': 'ff2348bef235819c',
    'words16 float64 values': 'd624655975cf43d0',
    'words16 float64 words': 'ff2348bef235819c',
    'values12 float32 values': '099176b8ab3f746e',
    'values12 float32 words': '099176b8ab3f746e',
    'values12 float64 values': 'b50d99882ded75f4',
    'values12 float64 words': 'b50d99882ded75f4',
  })
})
