import type { SparseRows } from '../ir/stages.js'

/** SparseRows in quantized.json: plain arrays. */
export const rowsToJson = (rows: SparseRows) => ({ offsets: Array.from(rows.offsets), indices: Array.from(rows.indices) })
export const rowsFromJson = (rows: { offsets: number[]; indices: number[] }): SparseRows => ({
  offsets: Int32Array.from(rows.offsets),
  indices: Int32Array.from(rows.indices),
})
