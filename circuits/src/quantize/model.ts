import type { PiecewiseFunction } from '../ir/piecewiseFunctions.js'
import type { SparseRows } from '../ir/stages.js'

/** `inputs` as in the IR (stages.ts): tensor 0 is the input, s + 1 stage s's output; absent means [s]. */
type Common = { sources: string[]; shape: number[]; inputs?: number[] | undefined; /** Declared signed bit width of this stage's output values. */ bits: number }

/**
 * acc = Σ w·x + bias (all integers), then y = floor((acc + 2^(shift-1)) / 2^shift): round half up.
 * The circuit range-checks y to `bits` signed bits and the remainder to `shift` bits.
 */
export type QuantizedLinear = Common & { kind: 'linear'; rows: SparseRows; weights: bigint[]; bias: bigint[]; shift: number }
export type QuantizedRelu = Common & { kind: 'relu' }
/** y = x for x >= 0, else floor((alpha·x + 2^(shift-1)) / 2^shift), that branch range-checked to `negBits`. */
export type QuantizedLeakyRelu = Common & { kind: 'leakyRelu'; alpha: bigint; shift: number; negBits: number }
export type QuantizedMaxPool = Common & { kind: 'maxPool'; windows: SparseRows }
/** Output: index of the first maximum in each group; comparisons run on `inBits`-bit inputs. */
export type QuantizedArgMax = Common & { kind: 'argMax'; groups: SparseRows; inBits: number }
export type QuantizedGather = Common & { kind: 'gather'; index: Int32Array }

/**
 * acc_r = Σ x[left[t]] · x[right[t]] over the row's pairs, then y = floor((acc + 2^(shift-1)) / 2^shift)
 * (round half up; no rescale when shift is 0). The circuit range-checks y to `bits` signed bits
 * and the remainder to `shift` bits, as for linear stages.
 */
export type QuantizedBilinear = Common & { kind: 'bilinear'; rows: { offsets: Int32Array }; left: Int32Array; right: Int32Array; shift: number }

/**
 * A smooth function by range decomposition and one quadratic per segment (piecewise.ts), on each
 * input x (an integer of `inBits` signed bits):
 *   u = clamp(x, lo, lo + segments·2^segmentBits - 1) - lo;  k = u >> segmentBits;  t = u - k·2^segmentBits
 *   y = floor((c0[k] + c1[k]·t + c2[k]·t² + 2^(shift-1)) / 2^shift)
 * The circuit proves the clamp with two comparisons, u with its bits, k with a one-hot selector,
 * and the rescale as linear stages do (remainder in [0, 2^shift), y in `bits` signed bits).
 */
export type QuantizedPiecewise = Common & {
  kind: 'piecewise'
  /** The function, for the manifest and for readers: the integers below are what is computed. */
  fn: PiecewiseFunction
  inBits: number
  lo: bigint
  segmentBits: number
  segments: number
  c0: bigint[]
  c1: bigint[]
  c2: bigint[]
  shift: number
}

/**
 * Exact division with round half up, on a = x[numerator[r]] and b = x[denominator[r]]:
 *   b' = max(b, 1)   (the denominator clamped below at one unit: b <= 0 divides by 1)
 *   y  = floor((a·2^shift + floor(b'/2)) / b')
 * shift = model scale + the denominator's scale - the numerator's, so y lands at the model scale.
 * The circuit proves it as 2·a·2^shift + b' = q·2b' + r with 0 <= r < 2b' (the same quotient:
 * floor((2A + b')/(2b')) = floor((A + floor(b'/2))/b') for every b' >= 1), the clamp by a comparison.
 */
export type QuantizedDivide = Common & { kind: 'divide'; numerator: Int32Array; denominator: Int32Array; shift: number }

/**
 * Integer square root: y = floor(sqrt(max(x, 0)·2^shift)) (a negative input counts as 0), shift =
 * 2·model scale - the input's scale so y lands at the model scale. The circuit proves
 * y² <= x'·2^shift < (y + 1)² by range checks and x' by a comparison.
 */
export type QuantizedSqrt = Common & { kind: 'sqrt'; shift: number }

export type QuantizedStage = QuantizedLinear | QuantizedRelu | QuantizedLeakyRelu | QuantizedMaxPool | QuantizedArgMax | QuantizedGather | QuantizedBilinear | QuantizedPiecewise | QuantizedDivide | QuantizedSqrt

/** The integer model: what the circuit computes and the reference executor reproduces exactly. */
export type QuantizedModel = {
  /** Fixed-point exponent of weights and activations: q = round(x · 2^scale). */
  scale: number
  inputScale: number
  inputBits: number
  inputShape: number[]
  outputShape: number[]
  /** Exponent to divide outputs by (0 for class indices). */
  outputScale: number
  outputBits: number
  stages: QuantizedStage[]
}

export type QuantizationSettings = { scale: number; inputScale: number; inputBits: number; maxBits: number }
