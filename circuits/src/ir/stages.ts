/**
 * The compiler's intermediate form: a model is a list of stages in topological order over flat
 * (row-major) tensors. Tensor 0 is the model's input and tensor s + 1 is stage s's output; the
 * model's output is the last stage's. A stage reads the concatenation, in the order listed, of
 * its `inputs` tensors (the previous tensor, [s], when `inputs` is absent: a chain), so its rows,
 * windows, groups and indices index into that concatenation. Every ONNX op lowers to one of these;
 * linear ops (Gemm, MatMul, Conv, pooling by average, BatchNormalization, Add/Sub/Mul/Div by
 * constants, Add/Sub of two activations) become one sparse `linear` stage, and a linear stage
 * whose only consumer is another is composed into it, so a circuit pays for one rescale per
 * chain of linear ops. Concat, Split, Slice and Gather are `gather` stages (pure wiring).
 */

import type { PiecewiseFunction } from './piecewiseFunctions.js'

/** Compressed sparse rows: row r reads `indices[offsets[r] .. offsets[r+1])`. */
export type SparseRows = { offsets: Int32Array; indices: Int32Array }

/** Fields every stage has: the ONNX nodes it came from, its output shape, the tensors it reads. */
export type StageBase = { sources: string[]; shape: number[]; inputs?: number[] | undefined }

export type LinearStage = StageBase & {
  kind: 'linear'
  shape: number[]
  rows: SparseRows
  weights: Float64Array
  bias: Float64Array
}

export type ReluStage = StageBase & { kind: 'relu' }
export type LeakyReluStage = StageBase & { kind: 'leakyRelu'; alpha: number }
/** Output r is the maximum of the inputs in window r (padding never wins, as in ONNX). */
export type MaxPoolStage = StageBase & { kind: 'maxPool'; windows: SparseRows }
/** Output r is the index (within group r, first on ties) of the group's largest input. */
export type ArgMaxStage = StageBase & { kind: 'argMax'; groups: SparseRows }
/** Output r is input `index[r]`: transposes and other pure data movement. */
export type GatherStage = StageBase & { kind: 'gather'; index: Int32Array }

/**
 * Output r is the sum over its pairs t of x[left[t]] · x[right[t]] (x the concatenated input):
 * Mul of two activations (one pair per output) and MatMul of two activations (one pair per term
 * of each dot product). `rows` groups pair positions t = offsets[r] .. offsets[r+1]-1.
 */
export type BilinearStage = StageBase & { kind: 'bilinear'; rows: { offsets: Int32Array }; left: Int32Array; right: Int32Array }

/**
 * Output r is fn(x[r]) for a smooth function fn (piecewiseFunctions.ts): Sigmoid, Tanh, Erf, Exp,
 * Softsign and the saturating parts of Softplus, Gelu, Elu and Selu. Quantized as a clamp, a range
 * decomposition into equal segments and one integer quadratic per segment (QuantizedPiecewise).
 */
export type PiecewiseStage = StageBase & {
  kind: 'piecewise'
  fn: PiecewiseFunction
  /**
   * The outputs are 0/1 steps in consecutive groups of this many, each group non-increasing (its
   * ones are a prefix: [id >= 1], [id >= 2], ... of an embedding lookup). A linear stage reading
   * them quantizes the prefix sums of each group's weights, not each weight (quantizeIR), so a
   * looked-up row is the table row rounded once, not the sum of rounded differences.
   */
  prefixGroups?: number | undefined
  /**
   * For a function without an upper limit (Exp): the largest input seen in calibration
   * (chooseQuantization sets it). Inputs above it plus a margin saturate; without it the clamp is
   * at the input's interval bound.
   */
  calibratedMax?: number | undefined
  /**
   * Bounds the input keeps by construction, in real units (a Softmax's x - max(x) is at most 0, its
   * sum of exponentials at least 1): the clamp range never reaches past them, so the function is
   * fitted only where it is evaluated.
   */
  domain?: { min?: number | undefined; max?: number | undefined } | undefined
}

/**
 * Output r is x[numerator[r]] / x[denominator[r]] (x the concatenated input): Div of two
 * activations, Reciprocal (a constant numerator from a linear stage), LayerNormalization. In real
 * numbers the float evaluator divides as it is; the integer form (QuantizedDivide) clamps the
 * denominator below at one unit of its fixed-point scale, so a denominator <= 0 divides by 2^-scale.
 */
export type DivideStage = StageBase & {
  kind: 'divide'
  numerator: Int32Array
  denominator: Int32Array
  /**
   * LayerNormalization's d / sqrt(Σ d² + c): each denominator is the square root (a sqrt stage) of
   * a linear stage that adds a constant c >= 0 to the sum of the squares of its row's numerators (a
   * bilinear stage), so |quotient| <= about 2 whatever the numerators' range. Quantization proves
   * a bound from that structure (quotientBoundOf) instead of dividing the numerators' worst case by 1.
   */
  rootSumOfSquares?: true | undefined
}

/** Output r is sqrt(max(x[r], 0)): Sqrt, LayerNormalization's standard deviation (QuantizedSqrt). */
export type SqrtStage = StageBase & { kind: 'sqrt' }

export type Stage = LinearStage | ReluStage | LeakyReluStage | MaxPoolStage | ArgMaxStage | GatherStage | BilinearStage | PiecewiseStage | DivideStage | SqrtStage

export type ModelIR = {
  inputShape: number[]
  outputShape: number[]
  stages: Stage[]
  /** ONNX ops in graph order, for the manifest. */
  ops: string[]
  notes: string[]
}

export function rowsFromLists(lists: readonly (readonly number[])[]): SparseRows {
  const offsets = new Int32Array(lists.length + 1)
  let total = 0
  lists.forEach((l, r) => {
    total += l.length
    offsets[r + 1] = total
  })
  const indices = new Int32Array(total)
  lists.forEach((l, r) => indices.set(l, offsets[r]!))
  return { offsets, indices }
}

/** The tensors stage `s` reads: its `inputs`, or the previous stage's output in a chain. */
export function stageInputs(stage: { inputs?: number[] | undefined }, s: number): number[] {
  return stage.inputs ?? [s]
}

/** Concatenates the tensors a stage reads (`tensors[t]` is tensor t). */
export function concatInputs<T>(tensors: readonly (readonly T[])[], inputs: readonly number[]): T[] {
  if (inputs.length === 1) return tensors[inputs[0]!] as T[]
  return inputs.flatMap((t) => tensors[t]!)
}
