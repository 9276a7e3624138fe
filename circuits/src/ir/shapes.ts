import { sizeOf } from '../onnx/graph.js'

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length)
  let s = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s
    s *= shape[i]!
  }
  return strides
}

/** numpy/ONNX multidirectional broadcasting; undefined when the shapes do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length)
  const out: number[] = []
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1
    const db = b[b.length - rank + i] ?? 1
    if (da !== db && da !== 1 && db !== 1) return undefined
    out.push(Math.max(da, db))
  }
  return out
}

/** For each element of `outShape`, the flat index of the element of `inShape` broadcast onto it. */
export function broadcastIndex(outShape: readonly number[], inShape: readonly number[]): Int32Array {
  const n = sizeOf(outShape)
  const rank = outShape.length
  const inStrides = stridesOf(inShape)
  const index = new Int32Array(n)
  const coord = new Array<number>(rank).fill(0)
  for (let flat = 0; flat < n; flat++) {
    let src = 0
    for (let d = 0; d < inShape.length; d++) {
      const dim = inShape[d]!
      if (dim !== 1) src += coord[rank - inShape.length + d]! * inStrides[d]!
    }
    index[flat] = src
    for (let d = rank - 1; d >= 0; d--) {
      if (++coord[d]! < outShape[d]!) break
      coord[d] = 0
    }
  }
  return index
}

/** Output shape and, per output element, the input element of a transpose by `perm`. */
export function transposeIndex(shape: readonly number[], perm: readonly number[]): { shape: number[]; index: Int32Array } {
  const outShape = perm.map((p) => shape[p]!)
  const inStrides = stridesOf(shape)
  const n = sizeOf(shape)
  const index = new Int32Array(n)
  const coord = new Array<number>(shape.length).fill(0)
  for (let flat = 0; flat < n; flat++) {
    let src = 0
    for (let d = 0; d < perm.length; d++) src += coord[d]! * inStrides[perm[d]!]!
    index[flat] = src
    for (let d = perm.length - 1; d >= 0; d--) {
      if (++coord[d]! < outShape[d]!) break
      coord[d] = 0
    }
  }
  return { shape: outShape, index }
}
