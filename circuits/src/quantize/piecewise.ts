import { PiecewiseSegmentsExceededError, UnsupportedGraphError } from '../errors/compile.js'
import { functionShape, type PiecewiseFunction } from '../ir/piecewiseFunctions.js'

/**
 * The integer parameters of a piecewise stage (model.ts, QuantizedPiecewise) and the exact range
 * of its outputs. On every input x:
 *   u = clamp(x, lo, lo + segments·2^segmentBits - 1) - lo;  k = u >> segmentBits;  t = u - k·2^segmentBits
 *   y = floor((c0[k] + c1[k]·t + c2[k]·t² + 2^(shift-1)) / 2^shift)
 */
export type PiecewiseParameters = { lo: bigint; segmentBits: number; segments: number; c0: bigint[]; c1: bigint[]; c2: bigint[]; shift: number; yMin: bigint; yMax: bigint }

/** A segment's integer quadratic may differ from f by this many output units (2^-scale) before the final rounding. */
export const FIT_TOLERANCE = 0.25
/** Where f is within this many output units of its limit, inputs are clamped (so clamping costs at most twice this). */
export const SATURATION_TOLERANCE = 0.25
/** Bound on the float error of a piecewise stage, in output units: rounding (1/2), fit and both clamps. */
export const PIECEWISE_ERROR_BOUND = 0.5 + FIT_TOLERANCE + 2 * SATURATION_TOLERANCE
/** Segments cost one selector signal each per element: more than this and the stage is refused. */
export const MAX_SEGMENTS = 256
/** The coefficients carry this many bits below the finest term (c2·t² at t < 2^segmentBits): shift = 2·segmentBits + this. */
const GUARD_BITS = 6
/** Beyond |x| = 1 every tail |f(x) - limit| of these functions shrinks monotonically. */
const TAIL_START = 1

/**
 * Chooses the clamp range, the segment width and the coefficients for fn on inputs in [xMin, xMax]
 * (integers at `inScale`), for outputs at `outScale`:
 * - the clamp range is [xMin, xMax], narrowed at each end where f has a limit to where f is
 *   within SATURATION_TOLERANCE output units of it;
 * - the segments are the widest power of two for which every segment's quadratic, with integer
 *   coefficients, stays within FIT_TOLERANCE of f at every integer input of the range (checked at
 *   each one), aligned so that the points where a derivative of f jumps are segment boundaries;
 * - each quadratic is a least-squares fit at the segment's integer inputs, scaled by 2^shift and rounded.
 * Every output is computed exactly once here, so yMin and yMax are the stage's exact output range.
 */
export function fitPiecewise({ fn, xMin, xMax, inScale, outScale, where }: { fn: PiecewiseFunction; xMin: bigint; xMax: bigint; inScale: number; outScale: number; where: string }): PiecewiseParameters {
  const shape = functionShape(fn)
  const target = (x: number) => shape.f(x / 2 ** inScale) * 2 ** outScale
  const [a, b] = clampRange(shape.limits, target, Number(xMin), Number(xMax), inScale, outScale)
  // Exp of a wide input range: refuse before any coefficient overflows float64 (the quantizer's
  // bit-width check then refuses anything past maxBits).
  const largest = Math.max(Math.abs(target(a)), Math.abs(target(b)))
  if (!(largest < 2 ** 200))
    throw new UnsupportedGraphError({ reason: `${where}: ${fn.name} reaches ${largest.toPrecision(3)} · 2^-${outScale} on inputs up to ${(b / 2 ** inScale).toPrecision(4)}: bound the input (e.g. a Clip before it)` })
  const kinks = [...shape.kinks.map((k) => Math.round(k * 2 ** inScale)), ...(shape.integerKinks ?? [])].filter((k) => k > a && k <= b)
  for (let w = Math.ceil(Math.log2(b - a + 1)); w >= 0; w--) {
    const size = 2 ** w
    // Segments start at lo + k·2^w: put a kink on a boundary (these functions have at most one).
    const lo = kinks.length > 0 ? kinks[0]! - Math.ceil((kinks[0]! - a) / size) * size : a
    const segments = Math.ceil((b - lo + 1) / size)
    if (segments > MAX_SEGMENTS) break
    if (kinks.some((k) => (k - lo) % size !== 0)) continue
    const shift = 2 * w + GUARD_BITS
    const fitted = fitSegments(target, lo, w, segments, shift)
    if (fitted) return { lo: BigInt(lo), segmentBits: w, segments, shift, ...fitted }
  }
  throw new PiecewiseSegmentsExceededError({ stage: where, fn: fn.name, from: a / 2 ** inScale, to: b / 2 ** inScale, maxSegments: MAX_SEGMENTS, tolerance: FIT_TOLERANCE, scale: outScale })
}

/**
 * [a, b]: [xMin, xMax] narrowed at each end that has a limit to where f is within
 * SATURATION_TOLERANCE of it (found by bisection over the monotone tail beyond |x| = TAIL_START).
 */
function clampRange(limits: [number | undefined, number | undefined], target: (x: number) => number, xMin: number, xMax: number, inScale: number, outScale: number): [number, number] {
  const tail = TAIL_START * 2 ** inScale
  const saturatedBeyond = (limit: number, direction: -1 | 1): number | undefined => {
    const saturated = (x: number) => Math.abs(target(x) - limit * 2 ** outScale) <= SATURATION_TOLERANCE
    // Invariant: `unsat` is not saturated (or is the tail start), `sat` is; the answer lies between.
    let unsat = direction * tail
    let sat = direction < 0 ? Math.min(xMin, unsat) : Math.max(xMax, unsat)
    if (saturated(unsat)) return unsat
    if (!saturated(sat)) return undefined
    while (Math.abs(sat - unsat) > 1) {
      const mid = Math.floor((sat + unsat) / 2)
      if (saturated(mid)) sat = mid
      else unsat = mid
    }
    return sat
  }
  const [low, high] = limits
  const a = low === undefined ? xMin : Math.max(xMin, saturatedBeyond(low, -1) ?? xMin)
  const b = high === undefined ? xMax : Math.min(xMax, saturatedBeyond(high, 1) ?? xMax)
  // Every input saturated at one end: the range shrinks to that end's first value.
  if (a > xMax) return [xMax, xMax]
  if (b < xMin) return [xMin, xMin]
  return [a, b]
}

/**
 * Least-squares quadratics for `segments` segments of 2^w inputs from lo, scaled by 2^shift and
 * rounded; undefined as soon as one input is further than FIT_TOLERANCE from the target.
 * Also returns the exact output range (every output computed in bigint).
 */
function fitSegments(target: (x: number) => number, lo: number, w: number, segments: number, shift: number): { c0: bigint[]; c1: bigint[]; c2: bigint[]; yMin: bigint; yMax: bigint } | undefined {
  const size = 2 ** w
  const c0: bigint[] = []
  const c1: bigint[] = []
  const c2: bigint[] = []
  const values = new Float64Array(size)
  for (let k = 0; k < segments; k++) {
    for (let t = 0; t < size; t++) values[t] = target(lo + k * size + t)
    const [p0, p1, p2] = leastSquaresQuadratic(values)
    const q = [p0, p1, p2].map((p) => BigInt(Math.round(p * 2 ** shift)))
    const [q0, q1, q2] = q.map(Number) as [number, number, number]
    for (let t = 0; t < size; t++) if (Math.abs((q0 + q1 * t + q2 * t * t) / 2 ** shift - values[t]!) > FIT_TOLERANCE) return undefined
    c0.push(q[0]!)
    c1.push(q[1]!)
    c2.push(q[2]!)
  }
  let yMin: bigint | undefined
  let yMax: bigint | undefined
  const half = 1n << BigInt(shift - 1)
  for (let k = 0; k < segments; k++)
    for (let t = 0n; t < BigInt(size); t++) {
      const y = (c0[k]! + c1[k]! * t + c2[k]! * t * t + half) >> BigInt(shift)
      if (yMin === undefined || y < yMin) yMin = y
      if (yMax === undefined || y > yMax) yMax = y
    }
  return { c0, c1, c2, yMin: yMin!, yMax: yMax! }
}

/**
 * p0 + p1·t + p2·t² closest (least squares) to values[t] at t = 0 .. n-1: a line through one or two
 * points. Solved in τ = t / n (well conditioned), then scaled back to t.
 */
function leastSquaresQuadratic(values: Float64Array): [number, number, number] {
  const n = values.length
  if (n === 1) return [values[0]!, 0, 0]
  if (n === 2) return [values[0]!, values[1]! - values[0]!, 0]
  // Normal equations for the basis 1, τ, τ².
  const m = [0, 0, 0, 0, 0].map(() => 0)
  const r = [0, 0, 0]
  for (let t = 0; t < n; t++) {
    const tau = t / n
    let power = 1
    for (let j = 0; j < 5; j++) {
      m[j]! += power
      if (j < 3) r[j]! += power * values[t]!
      power *= tau
    }
  }
  const [a0, a1, a2] = solve3([
    [m[0]!, m[1]!, m[2]!],
    [m[1]!, m[2]!, m[3]!],
    [m[2]!, m[3]!, m[4]!],
  ], r)
  return [a0, a1 / n, a2 / (n * n)]
}

/** Gaussian elimination with partial pivoting for a 3×3 system. */
function solve3(matrix: number[][], rhs: number[]): [number, number, number] {
  const a = matrix.map((row, i) => [...row, rhs[i]!])
  for (let col = 0; col < 3; col++) {
    let pivot = col
    for (let row = col + 1; row < 3; row++) if (Math.abs(a[row]![col]!) > Math.abs(a[pivot]![col]!)) pivot = row
    ;[a[col], a[pivot]] = [a[pivot]!, a[col]!]
    for (let row = col + 1; row < 3; row++) {
      const factor = a[row]![col]! / a[col]![col]!
      for (let j = col; j < 4; j++) a[row]![j]! -= factor * a[col]![j]!
    }
  }
  const x = [0, 0, 0]
  for (let row = 2; row >= 0; row--) {
    let sum = a[row]![3]!
    for (let j = row + 1; j < 3; j++) sum -= a[row]![j]! * x[j]!
    x[row] = sum / a[row]![row]!
  }
  return x as [number, number, number]
}
