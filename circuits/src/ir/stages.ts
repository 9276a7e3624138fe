/**
 * The compiler's intermediate form: a model is a chain of stages over one flat (row-major)
 * activation vector. Every ONNX op lowers to one of these; linear ops (Gemm, MatMul, Conv,
 * pooling by average, BatchNormalization, Add/Sub/Mul/Div by constants) become one sparse
 * `linear` stage, and consecutive linear stages are composed into one, so a circuit pays for
 * one rescale per chain of linear ops.
 */

/** Compressed sparse rows: row r reads `indices[offsets[r] .. offsets[r+1])`. */
export type SparseRows = { offsets: Int32Array; indices: Int32Array }

export type LinearStage = {
  kind: 'linear'
  sources: string[]
  shape: number[]
  rows: SparseRows
  weights: Float64Array
  bias: Float64Array
}

export type ReluStage = { kind: 'relu'; sources: string[]; shape: number[] }
export type LeakyReluStage = { kind: 'leakyRelu'; sources: string[]; shape: number[]; alpha: number }
/** Output r is the maximum of the inputs in window r (padding never wins, as in ONNX). */
export type MaxPoolStage = { kind: 'maxPool'; sources: string[]; shape: number[]; windows: SparseRows }
/** Output r is the index (within group r, first on ties) of the group's largest input. */
export type ArgMaxStage = { kind: 'argMax'; sources: string[]; shape: number[]; groups: SparseRows }
/** Output r is input `index[r]`: transposes and other pure data movement. */
export type GatherStage = { kind: 'gather'; sources: string[]; shape: number[]; index: Int32Array }

export type Stage = LinearStage | ReluStage | LeakyReluStage | MaxPoolStage | ArgMaxStage | GatherStage

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
