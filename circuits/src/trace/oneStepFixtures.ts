import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodeAbiParameters, parseAbiParameters, type Hex } from 'viem'
import { REPO_ROOT } from '../circuit/paths.js'
import { lowerGraph } from '../ir/lower.js'
import { rowsFromLists, stageInputs } from '../ir/stages.js'
import type { ZooModelMetadata } from '../models/zooModels.js'
import type { BundledTestset } from '../models/bundledModels.js'
import { createRandom, type Random } from '../models/random.js'
import { BUNDLED_MODELS_DIRECTORY } from '../models/readBundledModel.js'
import { buildModel } from '../onnx/buildModel.js'
import { loadModel } from '../onnx/loadModel.js'
import { floorShift, signedBits } from '../quantize/bounds.js'
import { DEFAULT_MAX_BITS } from '../quantize/calibrate.js'
import { divideRound, sqrtFloor } from '../quantize/exact.js'
import type { QuantizedModel, QuantizedPiecewise, QuantizedStage } from '../quantize/model.js'
import { quantizeIR } from '../quantize/quantize.js'
import { quantizeInput, runTrace } from '../reference/runReference.js'
import { stageModule } from '../stages/index.js'
import { encodeRow } from './abi.js'
import { parametersCommitment, stageHeader, stageRow, tensorBits, tensorSizes, traceCommitment } from './commitments.js'
import { toHex } from './keccak.js'
import { STEP_INPUT_ABI, stepInput, stepInputTuple } from './stepInput.js'

/**
 * The fixtures OneStep.sol is tested against (contracts/test/fixtures/onestep/, written by `npm run
 * fixtures:onestep`, compared with a fresh generation by oneStepFixtures.test.ts):
 * - cases.json: abi.encode(bytes header, bytes row, int256[] xs, int256 expected) per case, the
 *   reference executor's output value for the input values xs at the row's positions ([x_r] for
 *   an elementwise kind, whose row is empty): random and edge cases of every kind.
 * - openings.json: abi.encode(bytes32 parametersRoot, uint256 stageCount, bytes32 traceRoot,
 *   uint256 stage, uint256 r, <the StepInput tuple>, int256 expected) per case: every stage of a
 *   small DAG model of all ten kinds (its first and last output values), and the largest row of
 *   every stage of the zoo's lenet5 and transformer.
 */

export type FixtureFile = { names: string[]; cases: Hex[] }

export const CASE_ABI = parseAbiParameters('bytes header, bytes row, int256[] xs, int256 expected')
export const OPENING_ABI = [
  ...parseAbiParameters('bytes32 parametersRoot, uint256 stageCount, bytes32 traceRoot, uint256 stage, uint256 r'),
  { ...STEP_INPUT_ABI[0], name: 'step' },
  ...parseAbiParameters('int256 expected'),
] as const

const SEED = 13

// ---------------------------------------------------------------------------------------------
// Models

/**
 * A small DAG of all ten kinds, compiled from ONNX: Gemm, Relu, a residual Add of the input,
 * LeakyRelu, a Concat, Sigmoid (piecewise), Mul of two activations (bilinear), a Transpose (gather),
 * ReduceMax (maxPool), Sqrt, Div of two activations, a second Concat and ArgMax.
 */
export function disputeDagModel(): QuantizedModel {
  const random = createRandom(SEED)
  const init = (name: string, dims: number[]) => ({ name, dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => random.next() - 0.5) })
  const bytes = buildModel({
    inputs: [{ name: 'x', shape: [1, 8] }],
    outputs: [{ name: 'y', shape: [1], type: 'int64' }],
    initializers: [init('W1', [8, 8]), init('b1', [8]), init('W2', [8, 8]), init('W3', [4, 16]), init('W4', [3, 8]), { name: 'shape', dims: [3], data: BigInt64Array.of(1n, 4n, 4n) }],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W1', 'b1'], outputs: ['h1'], attributes: { transB: 1 } },
      { op: 'Relu', inputs: ['h1'], outputs: ['r1'] },
      { op: 'Gemm', inputs: ['r1', 'W2'], outputs: ['g2'], attributes: { transB: 1 } },
      { op: 'Add', inputs: ['g2', 'x'], outputs: ['h2'] },
      { op: 'LeakyRelu', inputs: ['h2'], outputs: ['l2'], attributes: { alpha: 0.1 } },
      { op: 'Concat', inputs: ['l2', 'r1'], outputs: ['c'], attributes: { axis: 1 } },
      { op: 'Sigmoid', inputs: ['c'], outputs: ['s'] },
      { op: 'Mul', inputs: ['c', 's'], outputs: ['m'] },
      { op: 'Reshape', inputs: ['m', 'shape'], outputs: ['m3'] },
      { op: 'Transpose', inputs: ['m3'], outputs: ['t3'], attributes: { perm: [0, 2, 1] } },
      { op: 'ReduceMax', inputs: ['t3'], outputs: ['mx'], attributes: { axes: [2], keepdims: 0 } },
      { op: 'Relu', inputs: ['mx'], outputs: ['mr'] },
      { op: 'Sqrt', inputs: ['mr'], outputs: ['sq'] },
      { op: 'Gemm', inputs: ['c', 'W3'], outputs: ['g3'], attributes: { transB: 1 } },
      { op: 'Div', inputs: ['g3', 'sq'], outputs: ['d'] },
      { op: 'Concat', inputs: ['d', 'sq'], outputs: ['dc'], attributes: { axis: 1 } },
      { op: 'Gemm', inputs: ['dc', 'W4'], outputs: ['z'], attributes: { transB: 1 } },
      { op: 'ArgMax', inputs: ['z'], outputs: ['y'], attributes: { axis: 1, keepdims: 0 } },
    ],
  })
  return quantizeIR(lowerGraph(loadModel(bytes)), { scale: 8, inputScale: 7, inputBits: 9, maxBits: 64 })
}

/** A zoo model quantized with the settings its metadata records, and its first held-out input. */
export function zooModel(name: 'lenet5' | 'transformer'): { model: QuantizedModel; input: bigint[] } {
  const read = (file: string) => readFileSync(join(BUNDLED_MODELS_DIRECTORY, file))
  const metadata = JSON.parse(read(`${name}.json`).toString('utf8')) as ZooModelMetadata
  const testset = JSON.parse(read(metadata.testset).toString('utf8')) as BundledTestset
  const { scale, inputScale, inputBits } = metadata.quantized!
  const model = quantizeIR(lowerGraph(loadModel(new Uint8Array(read(`${name}.onnx`)))), { scale, inputScale, inputBits, maxBits: DEFAULT_MAX_BITS })
  return { model, input: quantizeInput(model, testset.inputs[0]!) }
}

// ---------------------------------------------------------------------------------------------
// Values

/** A uniform signed integer of `bits` bits. */
function randomSigned(random: Random, bits: number): bigint {
  let u = 0n
  for (let drawn = 0; drawn < bits; drawn += 32) u = (u << 32n) | BigInt(random.nextInt(2 ** 32))
  return BigInt.asUintN(bits, u) - (1n << BigInt(bits - 1))
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`
const minOf = (bits: number) => -(1n << BigInt(bits - 1))
const maxOf = (bits: number) => (1n << BigInt(bits - 1)) - 1n

/** The width of each position of stage s's concatenated input. */
function positionBits(model: QuantizedModel, s: number): number[] {
  const sizes = tensorSizes(model)
  const bits = tensorBits(model)
  return stageInputs(model.stages[s]!, s).flatMap((t) => new Array<number>(sizes[t]!).fill(bits[t]!))
}

function randomInput(random: Random, model: QuantizedModel, s: number): bigint[] {
  return positionBits(model, s).map((b) => randomSigned(random, b))
}

// ---------------------------------------------------------------------------------------------
// Synthetic one-stage models, each stage's declared width from interval bounds over its whole input range

type Interval = [bigint, bigint]
const hull = (values: bigint[]): Interval => [values.reduce((m, v) => (v < m ? v : m)), values.reduce((m, v) => (v > m ? v : m))]

/** A model of one stage reading `inputSize` values of `inBits` bits (its tensor 0). */
function oneStage(stage: QuantizedStage, inputSize: number, inBits: number): QuantizedModel {
  return { scale: 0, inputScale: 0, inputBits: inBits, inputShape: [inputSize], outputShape: stage.shape, outputScale: 0, outputBits: stage.bits, stages: [stage] }
}

const widthOf = (intervals: Interval[]) => intervals.reduce((m, [lo, hi]) => Math.max(m, signedBits(lo, hi)), 2)
const base = (kind: string, outCount: number) => ({ sources: [`synthetic ${kind}`], shape: [outCount] })

function linear(inBits: number, inputSize: number, rows: [number, bigint][][], bias: bigint[], shift: number): QuantizedModel {
  const [lo, hi] = [minOf(inBits), maxOf(inBits)]
  const bounds = rows.map((row, r): Interval => {
    let [a, b] = [bias[r]!, bias[r]!]
    for (const [, w] of row) [a, b] = [a + (w >= 0n ? w * lo : w * hi), b + (w >= 0n ? w * hi : w * lo)]
    return [floorShift(a, shift), floorShift(b, shift)]
  })
  const stage: QuantizedStage = {
    ...base('linear', rows.length),
    kind: 'linear',
    rows: rowsFromLists(rows.map((row) => row.map(([p]) => p))),
    weights: rows.flatMap((row) => row.map(([, w]) => w)),
    bias,
    shift,
    bits: widthOf(bounds),
  }
  return oneStage(stage, inputSize, inBits)
}

function leakyRelu(inBits: number, n: number, alpha: bigint, shift: number): QuantizedModel {
  const negBits = widthOf([hull([floorShift(alpha * minOf(inBits), shift), floorShift(alpha * maxOf(inBits), shift)])])
  return oneStage({ ...base('leakyRelu', n), kind: 'leakyRelu', alpha, shift, negBits, bits: Math.max(inBits, negBits) }, n, inBits)
}

function bilinear(inBits: number, inputSize: number, rows: [number, number][][], shift: number): QuantizedModel {
  const [lo, hi] = [minOf(inBits), maxOf(inBits)]
  const products = hull([lo * lo, lo * hi, hi * hi])
  const bounds = rows.map((row): Interval => [floorShift(BigInt(row.length) * products[0], shift), floorShift(BigInt(row.length) * products[1], shift)])
  const pairs = rows.flat()
  const stage: QuantizedStage = {
    ...base('bilinear', rows.length),
    kind: 'bilinear',
    rows: { offsets: rowsFromLists(rows.map((row) => row.map(() => 0))).offsets },
    left: Int32Array.from(pairs, ([l]) => l),
    right: Int32Array.from(pairs, ([, r]) => r),
    shift,
    bits: widthOf(bounds),
  }
  return oneStage(stage, inputSize, inBits)
}

function piecewise(inBits: number, lo: bigint, segmentBits: number, c: { c0: bigint[]; c1: bigint[]; c2: bigint[] }, shift: number): QuantizedModel {
  const segments = c.c0.length
  const stage: QuantizedPiecewise = { ...base('piecewise', 1), kind: 'piecewise', fn: { name: 'sigmoid' }, inBits, lo, segmentBits, segments, ...c, shift, bits: 2 }
  // Every u in the clamped range, so the declared width holds every output.
  const outputs: bigint[] = []
  for (let u = 0n; u < BigInt(segments) << BigInt(segmentBits); u++) outputs.push(stageModule('piecewise').reference(stage, [lo + u])[0]!)
  return oneStage({ ...stage, bits: widthOf([hull(outputs)]) }, 1, inBits)
}

function divide(inBits: number, inputSize: number, pairs: [number, number][], shift: number): QuantizedModel {
  const bounds = hull([divideRound(minOf(inBits), 1n, shift), divideRound(maxOf(inBits), 1n, shift)])
  const stage: QuantizedStage = { ...base('divide', pairs.length), kind: 'divide', numerator: Int32Array.from(pairs, ([a]) => a), denominator: Int32Array.from(pairs, ([, b]) => b), shift, bits: widthOf([bounds]) }
  return oneStage(stage, inputSize, inBits)
}

const relu = (inBits: number, n: number) => oneStage({ ...base('relu', n), kind: 'relu', bits: inBits }, n, inBits)
const sqrt = (inBits: number, n: number, shift: number) => oneStage({ ...base('sqrt', n), kind: 'sqrt', shift, bits: widthOf([[0n, sqrtFloor(maxOf(inBits), shift)]]) }, n, inBits)
const maxPool = (inBits: number, inputSize: number, windows: number[][]) => oneStage({ ...base('maxPool', windows.length), kind: 'maxPool', windows: rowsFromLists(windows), bits: inBits }, inputSize, inBits)
const argMax = (inBits: number, inputSize: number, groups: number[][]) =>
  oneStage({ ...base('argMax', groups.length), kind: 'argMax', groups: rowsFromLists(groups), inBits, bits: widthOf([[0n, BigInt(Math.max(...groups.map((g) => g.length)) - 1)]]) }, inputSize, inBits)
const gather = (inBits: number, inputSize: number, index: number[]) => oneStage({ ...base('gather', index.length), kind: 'gather', index: Int32Array.from(index), bits: inBits }, inputSize, inBits)

// ---------------------------------------------------------------------------------------------
// cases.json

/** One case: stage s of `model`, output value r, on the concatenated input x. */
type StepCase = { name: string; model: QuantizedModel; s: number; r: number; x: bigint[] }

function encodeCase({ model, s, r, x }: StepCase): Hex {
  const stage = model.stages[s]!
  const row = stageRow(model, s, r)
  const xs = (row?.positions ?? [r]).map((p) => x[p]!)
  const expected = (stageModule(stage.kind).reference as (stage: QuantizedStage, x: readonly bigint[]) => bigint[])(stage, x)[r]!
  return encodeAbiParameters(CASE_ABI, [toHex(stageHeader(model, s)), row ? toHex(encodeRow(row)) : '0x', xs, expected])
}

/** Random cases: output values of a stage of a model on inputs uniform over each position's width. */
function randomCases(random: Random, label: string, model: QuantizedModel, stages: number[], perStage: number): StepCase[] {
  const sizes = tensorSizes(model)
  return stages.flatMap((s) =>
    Array.from({ length: perStage }, (_, k) => {
      const r = k === 0 ? 0 : k === 1 ? sizes[s + 1]! - 1 : random.nextInt(sizes[s + 1]!)
      return { name: `${model.stages[s]!.kind}: ${label} stage ${s}, output ${r}, random input ${k + 1} of ${perStage}`, model, s, r, x: randomInput(random, model, s) }
    }),
  )
}

/** A case of a one-stage model at output r with the input x given (numbers or bigints). */
const at = (name: string, model: QuantizedModel, r: number, x: (bigint | number)[]): StepCase => ({ name, model, s: 0, r, x: x.map(BigInt) })

/** Random synthetic stages of every kind: widths, shifts (0 among them), row lengths and parameters drawn at random. */
function syntheticRandomCases(random: Random): StepCase[] {
  const cases: StepCase[] = []
  const pick = <T>(items: T[]) => items[random.nextInt(items.length)]!
  for (let k = 0; k < 6; k++) {
    const inBits = pick([2, 8, 9, 16, 24, 32, 48])
    const shift = pick([0, 1, 4, 8, 13])
    const n = 1 + random.nextInt(12)
    const input = () => Array.from({ length: n }, () => randomSigned(random, inBits))
    const positions = (count: number) => Array.from({ length: count }, () => random.nextInt(n))
    const label = `random synthetic ${k + 1}, ${inBits}-bit input, shift ${shift}`
    const x = input()
    cases.push(at(`linear: ${label}`, linear(inBits, n, [positions(1 + random.nextInt(8)).map((p) => [p, randomSigned(random, 1 + random.nextInt(20))])], [randomSigned(random, 24)], shift), 0, x))
    cases.push(at(`relu: ${label}`, relu(inBits, n), random.nextInt(n), x))
    cases.push(at(`leakyRelu: ${label}`, leakyRelu(inBits, n, randomSigned(random, 10), shift), random.nextInt(n), x))
    cases.push(at(`maxPool: ${label}`, maxPool(inBits, n, [positions(1 + random.nextInt(6))]), 0, x))
    cases.push(at(`argMax: ${label}`, argMax(inBits, n, [positions(1 + random.nextInt(6))]), 0, x))
    cases.push(at(`gather: ${label}`, gather(inBits, n, positions(3)), random.nextInt(3), x))
    const pairs = positions(2 * (1 + random.nextInt(5)))
    cases.push(at(`bilinear: ${label}`, bilinear(inBits, n, [pairs.flatMap((p, i) => (i % 2 === 0 ? [[p, pairs[i + 1]!] as [number, number]] : []))], shift), 0, x))
    cases.push(at(`divide: ${label}`, divide(inBits, n, [[random.nextInt(n), random.nextInt(n)]], shift), 0, x))
    cases.push(at(`sqrt: ${label}`, sqrt(inBits, n, shift), random.nextInt(n), x))
    const segments = 1 + random.nextInt(6)
    const segmentBits = random.nextInt(5)
    const coefficients = () => Array.from({ length: segments }, () => randomSigned(random, 12))
    const pieceBits = pick([8, 10, 12])
    cases.push(at(`piecewise: random synthetic ${k + 1}, ${plural(segments, 'segment')} of 2^${segmentBits}, shift ${shift}`, piecewise(pieceBits, randomSigned(random, pieceBits - 1), segmentBits, { c0: coefficients(), c1: coefficients(), c2: coefficients() }, shift), 0, [randomSigned(random, pieceBits)]))
  }
  return cases
}

/** Edge cases of every kind: extreme values at the declared widths, rounding at exactly one half, ties, clamps, zero and negative denominators, shift 0. */
function edgeCases(): StepCase[] {
  const cases: StepCase[] = []
  const lo16 = minOf(16)
  const hi16 = maxOf(16)
  // linear: round half up of a negative accumulator at exactly .5 (-1.5 -> -1, -0.5 -> 0), positive .5, shift 0, extremes, an empty row, wide values.
  const oneWeight = (w: bigint, bias: bigint, shift: number, bits = 16) => linear(bits, 1, [[[0, w]]], [bias], shift)
  cases.push(at('linear: accumulator -6 at shift 2 (-1.5) rounds half up to -1', oneWeight(1n, 0n, 2), 0, [-6]))
  cases.push(at('linear: accumulator -2 at shift 2 (-0.5) rounds half up to 0', oneWeight(1n, 0n, 2), 0, [-2]))
  cases.push(at('linear: accumulator -10 at shift 2 (-2.5) rounds half up to -2', oneWeight(1n, 0n, 2), 0, [-10]))
  cases.push(at('linear: accumulator -7 at shift 2 (-1.75) rounds to -2', oneWeight(1n, 0n, 2), 0, [-7]))
  cases.push(at('linear: accumulator 6 at shift 2 (1.5) rounds half up to 2', oneWeight(1n, 0n, 2), 0, [6]))
  cases.push(at('linear: accumulator -1 at shift 1 (-0.5) by a negative weight rounds to 0', oneWeight(-1n, 0n, 1), 0, [1]))
  cases.push(at('linear: accumulator -3 at shift 1 (-1.5) with a bias rounds to -1', oneWeight(1n, -5n, 1), 0, [2]))
  cases.push(at('linear: shift 0 leaves the accumulator as is', oneWeight(-3n, 7n, 0), 0, [-11]))
  cases.push(at('linear: a row without terms is its bias rounded', linear(8, 2, [[]], [-37n], 3), 0, [5, 6]))
  const extremeRow: [number, bigint][] = [[0, 32767n], [1, -32768n], [2, 32767n], [3, -32768n]]
  cases.push(at('linear: 16-bit weights on 16-bit extremes, largest accumulator', linear(16, 4, [extremeRow], [hi16], 8), 0, [hi16, lo16, hi16, lo16]))
  cases.push(at('linear: 16-bit weights on 16-bit extremes, smallest accumulator', linear(16, 4, [extremeRow], [lo16], 8), 0, [lo16, hi16, lo16, hi16]))
  cases.push(at('linear: 64-bit values and 40-bit weights (accumulator past 2^100)', linear(64, 2, [[[0, (1n << 40n) - 1n], [1, -(1n << 40n)]]], [-(1n << 62n)], 20), 0, [maxOf(64), minOf(64)]))
  cases.push(at('linear: one position read twice', linear(8, 1, [[[0, 5n], [0, -3n]]], [1n], 1), 0, [-128]))
  // relu
  for (const x of [0n, -1n, 1n, lo16, hi16]) cases.push(at(`relu: x = ${x} (16 bits)`, relu(16, 1), 0, [x]))
  cases.push(at('relu: 64-bit minimum', relu(64, 1), 0, [minOf(64)]))
  // leakyRelu: both branches, x = 0, negative alpha, shift 0, rounding at one half.
  cases.push(at('leakyRelu: x = 0 takes the positive branch', leakyRelu(16, 1, 26n, 8), 0, [0]))
  cases.push(at('leakyRelu: x = -1, alpha 26 at shift 8', leakyRelu(16, 1, 26n, 8), 0, [-1]))
  cases.push(at('leakyRelu: 16-bit minimum, alpha 26 at shift 8', leakyRelu(16, 1, 26n, 8), 0, [lo16]))
  cases.push(at('leakyRelu: 16-bit maximum passes through', leakyRelu(16, 1, 26n, 8), 0, [hi16]))
  cases.push(at('leakyRelu: negative alpha makes a negative input positive', leakyRelu(16, 1, -40n, 6), 0, [lo16]))
  cases.push(at('leakyRelu: alpha 1 at shift 1 on -1 (-0.5) rounds half up to 0', leakyRelu(8, 1, 1n, 1), 0, [-1]))
  cases.push(at('leakyRelu: alpha 3 at shift 1 on -1 (-1.5) rounds half up to -1', leakyRelu(8, 1, 3n, 1), 0, [-1]))
  cases.push(at('leakyRelu: shift 0 multiplies by alpha', leakyRelu(8, 1, 3n, 0), 0, [-100]))
  // maxPool: ties, the maximum first or last, all at the minimum, one-element window.
  cases.push(at('maxPool: all equal', maxPool(16, 4, [[0, 1, 2, 3]]), 0, [7, 7, 7, 7]))
  cases.push(at('maxPool: maximum first', maxPool(16, 4, [[0, 1, 2, 3]]), 0, [hi16, 5, -3, hi16 - 1n]))
  cases.push(at('maxPool: maximum last, tied with an earlier one', maxPool(16, 4, [[0, 1, 2, 3]]), 0, [-9, 12, -9, 12]))
  cases.push(at('maxPool: every value the 16-bit minimum', maxPool(16, 3, [[2, 0, 1]]), 0, [lo16, lo16, lo16]))
  cases.push(at('maxPool: one-element window', maxPool(16, 3, [[1]]), 0, [4, lo16, 9]))
  cases.push(at('maxPool: negative values only', maxPool(16, 3, [[0, 1, 2]]), 0, [-5, -2, -9]))
  // argMax: the first of tied maxima.
  cases.push(at('argMax: all equal -> 0', argMax(16, 4, [[0, 1, 2, 3]]), 0, [3, 3, 3, 3]))
  cases.push(at('argMax: tie between the second and the last -> 1', argMax(16, 4, [[0, 1, 2, 3]]), 0, [-1, 9, 2, 9]))
  cases.push(at('argMax: maximum last', argMax(16, 4, [[0, 1, 2, 3]]), 0, [lo16, lo16, lo16, hi16]))
  cases.push(at('argMax: maximum first, the rest at the minimum', argMax(16, 4, [[3, 2, 1, 0]]), 0, [lo16, lo16, lo16, 0]))
  cases.push(at('argMax: one-element group', argMax(16, 2, [[1]]), 0, [5, -5]))
  cases.push(at('argMax: group order differs from position order', argMax(8, 5, [[4, 0, 3]]), 0, [10, 0, 0, 10, 9]))
  // gather
  cases.push(at('gather: first position, 16-bit minimum', gather(16, 5, [0, 4, 2]), 0, [lo16, 1, 2, 3, hi16]))
  cases.push(at('gather: last position, 16-bit maximum', gather(16, 5, [0, 4, 2]), 1, [lo16, 1, 2, 3, hi16]))
  // bilinear: rounding at one half, shift 0, squares, extremes.
  cases.push(at('bilinear: -1 · 1 at shift 1 (-0.5) rounds half up to 0', bilinear(8, 2, [[[0, 1]]], 1), 0, [-1, 1]))
  cases.push(at('bilinear: -3 · 1 at shift 1 (-1.5) rounds half up to -1', bilinear(8, 2, [[[0, 1]]], 1), 0, [-3, 1]))
  cases.push(at('bilinear: shift 0 is the plain sum of products', bilinear(8, 4, [[[0, 1], [2, 3]]], 0), 0, [-7, 9, 11, -13]))
  cases.push(at('bilinear: square of the 16-bit minimum', bilinear(16, 1, [[[0, 0]]], 8), 0, [lo16]))
  cases.push(at('bilinear: extremes, the most negative sum', bilinear(16, 2, [[[0, 1], [1, 0]]], 4), 0, [lo16, hi16]))
  cases.push(at('bilinear: 32-bit extremes at shift 0', bilinear(32, 2, [[[0, 1], [0, 0], [1, 1]]], 0), 0, [minOf(32), maxOf(32)]))
  // piecewise: both clamp ends, segment edges, shift 0.
  const pw = piecewise(10, -96n, 5, { c0: [-300n, -120n, 40n, 250n, 400n, 512n], c1: [3n, 7n, -2n, 11n, 0n, -5n], c2: [1n, -1n, 2n, 0n, -3n, 1n] }, 4)
  for (const [label, x] of [
    ['below the clamp range', minOf(10)],
    ['one below the clamp range', -97n],
    ['at lo', -96n],
    ['last of segment 0', -65n],
    ['first of segment 1', -64n],
    ['first of segment 3', 0n],
    ['last of segment 4', 63n],
    ['at the top of the clamp range', 95n],
    ['above the clamp range', 96n],
    ['the 10-bit maximum', maxOf(10)],
  ] as const)
    cases.push(at(`piecewise: 6 segments of 2^5 from -96, ${label} (x = ${x})`, pw, 0, [x]))
  const pw0 = piecewise(8, -8n, 2, { c0: [5n, -6n, 7n, -8n], c1: [-3n, 2n, 1n, 0n], c2: [1n, 1n, -1n, 2n] }, 0)
  for (const x of [-128n, -8n, -5n, -4n, 7n, 127n]) cases.push(at(`piecewise: shift 0, 4 segments of 2^2 from -8, x = ${x}`, pw0, 0, [x]))
  const pw1 = piecewise(8, 0n, 0, { c0: [-1n, -3n], c1: [0n, 0n], c2: [0n, 0n] }, 1)
  cases.push(at('piecewise: segments of one value, -1 at shift 1 (-0.5) rounds half up to 0', pw1, 0, [0]))
  cases.push(at('piecewise: segments of one value, -3 at shift 1 (-1.5) rounds half up to -1', pw1, 0, [1]))
  // divide: zero and negative denominators (clamped to 1), rounding, shift 0, extremes.
  const div = (shift: number, bits = 16) => divide(bits, 2, [[0, 1]], shift)
  cases.push(at('divide: by 0 divides by 1', div(4), 0, [-37, 0]))
  cases.push(at('divide: by a negative denominator divides by 1', div(4), 0, [37, -5]))
  cases.push(at('divide: by the 16-bit minimum divides by 1', div(4), 0, [hi16, lo16]))
  cases.push(at('divide: by 1', div(4), 0, [lo16, 1]))
  cases.push(at('divide: -3 / 2 at shift 0 (-1.5) rounds half up to -1', div(0), 0, [-3, 2]))
  cases.push(at('divide: -1 / 2 at shift 0 (-0.5) rounds half up to 0', div(0), 0, [-1, 2]))
  cases.push(at('divide: 1 / 2 at shift 0 (0.5) rounds half up to 1', div(0), 0, [1, 2]))
  cases.push(at('divide: -5 / 3 at shift 0 (odd denominator, floor(3/2) = 1)', div(0), 0, [-5, 3]))
  cases.push(at('divide: 16-bit minimum / 16-bit maximum at shift 12', div(12), 0, [lo16, hi16]))
  cases.push(at('divide: 0 / 0', div(8), 0, [0, 0]))
  cases.push(at('divide: numerator and denominator at one position', divide(16, 1, [[0, 0]], 8), 0, [-300]))
  cases.push(at('divide: 48-bit minimum by 1 at shift 20', div(20, 48), 0, [minOf(48), 1]))
  // sqrt: negatives count as 0, perfect squares and one below, extremes, shift 0.
  for (const [label, x, shift] of [
    ['a negative input is 0', -5n, 6],
    ['the 16-bit minimum is 0', lo16, 6],
    ['0', 0n, 6],
    ['a perfect square at shift 0', 144n, 0],
    ['one below a perfect square at shift 0', 143n, 0],
    ['1 at shift 0', 1n, 0],
    ['the 16-bit maximum at shift 6', hi16, 6],
    ['2 at shift 1 (a perfect square after the shift)', 2n, 1],
  ] as const)
    cases.push(at(`sqrt: ${label}`, sqrt(16, 1, shift), 0, [x]))
  cases.push(at('sqrt: the 48-bit maximum at shift 20', sqrt(48, 1, 20), 0, [maxOf(48)]))
  return cases
}

/** cases.json: random cases on real stages (the DAG model, lenet5, transformer) and on synthetic ones, then the edge cases. */
export function oneStepCases(models = fixtureModels()): FixtureFile {
  const random = createRandom(SEED)
  const { dag, lenet5, transformer } = models
  const stagesOf = (model: QuantizedModel, kinds: string[]) => model.stages.flatMap((stage, s) => (kinds.includes(stage.kind) ? [s] : []))
  const cases = [
    ...randomCases(random, 'DAG model', dag, dag.stages.map((_, s) => s), 6),
    ...randomCases(random, 'transformer', transformer.model, stagesOf(transformer.model, ['piecewise', 'bilinear', 'divide', 'sqrt', 'maxPool', 'relu']), 3),
    ...randomCases(random, 'lenet5', lenet5.model, [0, 2, 6], 3),
    ...syntheticRandomCases(random),
    ...edgeCases(),
  ]
  return { names: cases.map((c) => c.name), cases: cases.map(encodeCase) }
}

// ---------------------------------------------------------------------------------------------
// openings.json

export type FixtureModels = { dag: QuantizedModel; lenet5: { model: QuantizedModel; input: bigint[] }; transformer: { model: QuantizedModel; input: bigint[] } }

export function fixtureModels(): FixtureModels {
  return { dag: disputeDagModel(), lenet5: zooModel('lenet5'), transformer: zooModel('transformer') }
}

function openingsOf(label: string, model: QuantizedModel, input: bigint[], picks: (sizes: number[]) => [number, number][]): { names: string[]; cases: Hex[] } {
  const tensors = runTrace(model, input)
  const trace = traceCommitment(model, tensors)
  const parameters = parametersCommitment(model)
  const names: string[] = []
  const cases: Hex[] = []
  for (const [s, r] of picks(tensorSizes(model))) {
    const step = stepInput(model, tensors, { trace, parameters }, s, r)
    names.push(`${label}: stage ${s} (${model.stages[s]!.kind}), output ${r}, ${plural(step.positions.length, 'position')} in ${plural(step.words.length, 'word')}`)
    cases.push(encodeAbiParameters(OPENING_ABI, [parameters.parametersRoot, BigInt(model.stages.length), trace.traceRoot, BigInt(s), BigInt(r), stepInputTuple(step), step.expected]))
  }
  return { names, cases }
}

/** Each stage's output value with the most positions (the first of them; 0 for an elementwise kind). */
function largestRows(model: QuantizedModel): (sizes: number[]) => [number, number][] {
  return (sizes) =>
    model.stages.map((_, s) => {
      let [best, most] = [0, -1]
      for (let r = 0; r < sizes[s + 1]!; r++) {
        const count = stageRow(model, s, r)?.positions.length ?? 0
        if (count > most) [best, most] = [r, count]
      }
      return [s, best]
    })
}

/** openings.json: every stage of the DAG model at its first and last output value, and the largest row of every stage of lenet5 and transformer. */
export function oneStepOpenings(models = fixtureModels()): FixtureFile {
  const random = createRandom(SEED + 1)
  const { dag, lenet5, transformer } = models
  const dagInput = Array.from({ length: tensorSizes(dag)[0]! }, () => randomSigned(random, dag.inputBits))
  const parts = [
    openingsOf('DAG model', dag, dagInput, (sizes) => dag.stages.flatMap((_, s): [number, number][] => (sizes[s + 1]! > 1 ? [[s, 0], [s, sizes[s + 1]! - 1]] : [[s, 0]]))),
    openingsOf('lenet5', lenet5.model, lenet5.input, largestRows(lenet5.model)),
    openingsOf('transformer', transformer.model, transformer.input, largestRows(transformer.model)),
  ]
  return { names: parts.flatMap((p) => p.names), cases: parts.flatMap((p) => p.cases) }
}

// ---------------------------------------------------------------------------------------------
// Files

/** contracts/test/fixtures/onestep. */
export const ONESTEP_FIXTURES_DIRECTORY = join(REPO_ROOT, 'contracts', 'test', 'fixtures', 'onestep')

/** A fixture file's text: names, then cases, one per line. */
export function serializeFixture(fixture: FixtureFile): string {
  return `{\n  "names": [\n${fixture.names.map((n) => `    ${JSON.stringify(n)}`).join(',\n')}\n  ],\n  "cases": [\n${fixture.cases.map((c) => `    "${c}"`).join(',\n')}\n  ]\n}\n`
}
