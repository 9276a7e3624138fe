import { sizeOf } from '../../onnx/graph.js'
import type { NodeContext } from './context.js'

/** Output element k of a gather over `shape`, given its multi-index: `at(index)` says where it is read from. */
export function gatherOver(shape: readonly number[], at: (index: number[]) => number): Int32Array {
  const total = sizeOf(shape)
  const out = new Int32Array(total)
  const index = new Array<number>(shape.length).fill(0)
  for (let k = 0; k < total; k++) {
    out[k] = at(index)
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break
      index[d] = 0
    }
  }
  return out
}

export const flatIndex = (shape: readonly number[], index: readonly number[]) => index.reduce((acc, v, d) => acc * shape[d]! + v, 0)

/** Calls `fn` with every multi-index of `dims`, row-major. */
export function forEachIndex(dims: readonly number[], fn: (index: number[]) => void): void {
  if (dims.some((d) => d <= 0)) return
  const index = new Array<number>(dims.length).fill(0)
  for (;;) {
    fn(index)
    let d = dims.length - 1
    for (; d >= 0; d--) {
      if (++index[d]! < dims[d]!) break
      index[d] = 0
    }
    if (d < 0) return
  }
}

/** Window attributes over the spatial axes (pads: every axis's begin, then every axis's end). */
export type Window2D = { kernel: number[]; strides: number[]; dilations: number[]; pads: number[] }

export function spatialOutput(ctx: NodeContext, inDims: number[], w: Window2D, ceil: boolean): number[] {
  return inDims.map((d, i) => {
    const span = (w.kernel[i]! - 1) * w.dilations[i]! + 1
    const padded = d + w.pads[i]! + w.pads[i + inDims.length]!
    if (padded < span) ctx.mismatch(`kernel extent ${span} exceeds the padded input ${padded} on spatial axis ${i}`)
    let out = (ceil ? Math.ceil : Math.floor)((padded - span) / w.strides[i]!) + 1
    if (ceil && (out - 1) * w.strides[i]! >= d + w.pads[i]!) out--
    return out
  })
}

export function windowAttributes(ctx: NodeContext, spatial: number[], kernel: number[]): Window2D {
  const rank = spatial.length
  const strides = ctx.intsAttr('strides', new Array(rank).fill(1))
  const dilations = ctx.intsAttr('dilations', new Array(rank).fill(1))
  let pads = ctx.intsAttr('pads', new Array(rank * 2).fill(0))
  const autoPad = ctx.stringAttr('auto_pad', 'NOTSET')
  if (autoPad === 'VALID') pads = new Array(rank * 2).fill(0)
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(rank * 2).fill(0)
    spatial.forEach((d, i) => {
      const out = Math.ceil(d / strides[i]!)
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - d)
      const small = Math.floor(total / 2)
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small
      pads[i + rank] = total - pads[i]!
    })
  } else if (autoPad !== 'NOTSET') ctx.reject('auto_pad', autoPad, 'NOTSET, VALID, SAME_UPPER, SAME_LOWER')
  if (strides.length !== rank || dilations.length !== rank || pads.length !== rank * 2)
    ctx.mismatch(`strides/dilations/pads must have ${rank}/${rank}/${rank * 2} entries`)
  return { kernel, strides, dilations, pads }
}
