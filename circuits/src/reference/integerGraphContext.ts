import type { NodeInit } from '../onnx/buildModel.js'
import type { SparseRows } from '../ir/stages.js'

/**
 * What buildIntegerGraph (integerGraph.ts) shares with each stage kind's canonical-graph lowering
 * (circuits/src/stages/<kind>): the exactness limits, and the context a stage emits its nodes in.
 */

/** Below these magnitudes every integer (and dyadic partial sum scaled from one) is exact. */
export const EXACT_LIMIT = { float: 2 ** 24, double: 2 ** 53 } as const
/** Dense weight matrices above this many entries are left to the bigint executor. */
export const MAX_DENSE_ENTRIES = 4_000_000
/** ONNX TensorProto data types for Cast. */
export const CAST_TO = { float: 1, double: 11 } as const

export type FloatType = 'float' | 'double'

/** A tensor of the model in the graph: its value's name and element type, raw word slots or values, its size and largest magnitude. */
export type GraphTensor = { name: string; type: FloatType; raw: boolean; size: number; bound: number }

export type IntegerGraphContext = {
  /** The stage's output value name (`s<index>`); its helper values are named `${out}_...`. */
  out: string
  /** The stage's output size. */
  next: number
  /** The tensors the stage reads, their total size and largest magnitude. */
  read: readonly GraphTensor[]
  size: number
  bound: number
  /** The first stage reading the raw input word slots ('words' layout): value i sits at slotOf(i), offset by inputOffset. */
  fromWords: boolean
  slotOf: (i: number) => number
  inputOffset: number
  nodes: NodeInit[]
  /** Adds an initializer and returns its name. */
  constant: (name: string, dims: number[], data: Float32Array | Float64Array | BigInt64Array) => string
  values: (type: FloatType, data: number[]) => Float32Array | Float64Array
  /** The stage's input in `type` (cast and concatenated as needed). */
  inputIn: (type: FloatType) => string
  /** The inputs' type when they share one, else the narrowest exact one for their bound. */
  commonType: () => FloatType
  /** float32 where the precision allows it and `magnitude` is below 2^24, else float64. */
  typeFor: (magnitude: number) => FloatType
}

/**
 * Rows of different lengths as one [rows × width] index table: short rows repeat their first
 * index, which changes neither a maximum nor the first position of a maximum.
 */
export function paddedRows({ offsets, indices }: SparseRows): { index: BigInt64Array; width: number } {
  const rows = offsets.length - 1
  let width = 1
  for (let r = 0; r < rows; r++) width = Math.max(width, offsets[r + 1]! - offsets[r]!)
  const index = new BigInt64Array(rows * width)
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < width; k++) {
      const t = offsets[r]! + k
      index[r * width + k] = BigInt(indices[t < offsets[r + 1]! ? t : offsets[r]!]!)
    }
  return { index, width }
}
