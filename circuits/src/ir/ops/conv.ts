import { sizeOf } from '../../onnx/graph.js'
import { linearStage, type LinearRows, type NodeContext, type OpHandler, type OpTable } from './context.js'
import { flatIndex, forEachIndex, spatialOutput, windowAttributes } from './geometry.js'

const conv: OpHandler = ({ ctx, single, emit, out }) => {
  const lowered = ctx.node.op === 'Conv' ? lowerConv(ctx) : lowerConvTranspose(ctx)
  out(emit(linearStage(ctx.node.name, lowered.shape, lowered.rows), [single().tensor]))
}

/** Convolutions by constant weights: one linear stage each. */
export const convOps: OpTable = { Conv: conv, ConvTranspose: conv }

/** Conv over 1, 2 or 3 spatial axes (strides, pads, auto_pad, dilations, group): one linear row per output. */
function lowerConv(ctx: NodeContext): { shape: number[]; rows: LinearRows } {
  const weight = ctx.constInput(1)
  const rank = ctx.shape.length - 2
  if (rank < 1 || rank > 3 || weight.dims.length !== rank + 2)
    ctx.unsupported(`1-D, 2-D and 3-D convolutions are supported (an input of rank 3 to 5 and a weight of the same rank), got input [${ctx.shape.join(', ')}] and weight [${weight.dims.join(', ')}]`)
  const [n, c, ...spatial] = ctx.shape as [number, number, ...number[]]
  const [m, cg, ...kdims] = weight.dims as [number, number, ...number[]]
  const group = ctx.intAttr('group', 1)
  if (c % group !== 0 || m % group !== 0 || cg !== c / group)
    ctx.mismatch(`input channels ${c}, output channels ${m} and weight [${weight.dims.join(', ')}] do not fit group ${group}`)
  const kernel = ctx.intsAttr('kernel_shape', kdims)
  if (kernel.length !== rank || kernel.some((k, i) => k !== kdims[i])) ctx.mismatch(`kernel_shape [${kernel.join(', ')}] differs from the weight's [${kdims.join(', ')}]`)
  const win = windowAttributes(ctx, spatial, kernel)
  const outDims = spatialOutput(ctx, spatial, win, false)
  const bias = ctx.hasInput(2) ? ctx.constInput(2).data : undefined
  const mg = m / group
  const rows: LinearRows = { indices: [], weights: [], bias: new Float64Array(n * m * sizeOf(outDims)) }
  let r = 0
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < m; oc++) {
      const g = Math.floor(oc / mg)
      forEachIndex(outDims, (o) => {
        const idx: number[] = []
        const wts: number[] = []
        for (let ic = 0; ic < cg; ic++)
          forEachIndex(kdims, (k) => {
            const at = o.map((v, i) => v * win.strides[i]! - win.pads[i]! + k[i]! * win.dilations[i]!)
            if (at.some((v, i) => v < 0 || v >= spatial[i]!)) return
            const wv = weight.data[flatIndex(weight.dims, [oc, ic, ...k])]!
            if (wv === 0) return
            idx.push(flatIndex(ctx.shape, [b, g * cg + ic, ...at]))
            wts.push(wv)
          })
        rows.indices.push(idx)
        rows.weights.push(wts)
        rows.bias[r++] = bias ? bias[oc]! : 0
      })
    }
  return { shape: [n, m, ...outDims], rows }
}

/**
 * ConvTranspose in 1-D, 2-D or 3-D (strides, pads, dilations, output_padding, output_shape, group,
 * auto_pad) as one linear map: input position p with kernel tap k adds x·W to output position
 * p·stride - pad_begin + k·dilation, as the ONNX spec defines it; taps falling outside are dropped.
 */
function lowerConvTranspose(ctx: NodeContext): { shape: number[]; rows: LinearRows } {
  const weight = ctx.constInput(1)
  const rank = ctx.shape.length - 2
  if (rank < 1 || rank > 3 || weight.dims.length !== rank + 2)
    ctx.unsupported(`1-D, 2-D and 3-D transposed convolutions are supported (an input of rank 3 to 5 and a weight of the same rank), got input [${ctx.shape.join(', ')}] and weight [${weight.dims.join(', ')}]`)
  const [n, c, ...spatial] = ctx.shape as [number, number, ...number[]]
  const [wc, mg, ...kdims] = weight.dims as [number, number, ...number[]]
  const group = ctx.intAttr('group', 1)
  if (wc !== c || c % group !== 0) ctx.mismatch(`input channels ${c} and weight [${weight.dims.join(', ')}] do not fit group ${group} (the weight is [C, M/group, k...])`)
  const m = mg * group
  const cg = c / group
  const kernel = ctx.intsAttr('kernel_shape', kdims)
  if (kernel.length !== rank || kernel.some((k, i) => k !== kdims[i])) ctx.mismatch(`kernel_shape [${kernel.join(', ')}] differs from the weight's [${kdims.join(', ')}]`)
  const strides = ctx.intsAttr('strides', new Array(rank).fill(1))
  const dilations = ctx.intsAttr('dilations', new Array(rank).fill(1))
  const outputPadding = ctx.intsAttr('output_padding', new Array(rank).fill(0))
  if (strides.length !== rank || dilations.length !== rank || outputPadding.length !== rank) ctx.mismatch(`strides/dilations/output_padding must have ${rank} entries`)
  const span = (i: number) => strides[i]! * (spatial[i]! - 1) + outputPadding[i]! + (kdims[i]! - 1) * dilations[i]! + 1
  const autoPad = ctx.stringAttr('auto_pad', 'NOTSET')
  const outputShape = ctx.intsAttr('output_shape', [])
  let pads = ctx.intsAttr('pads', new Array(2 * rank).fill(0))
  if (autoPad === 'VALID') pads = new Array(2 * rank).fill(0)
  else if (outputShape.length > 0 || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    // The output size is given (output_shape), or in * stride (SAME_*): the padding makes up the
    // difference, the odd unit at the start except for SAME_UPPER (as onnxruntime splits it).
    const target = outputShape.length > 0 ? outputShape.slice(-rank) : spatial.map((d, i) => d * strides[i]!)
    if (target.length !== rank) ctx.mismatch(`output_shape [${outputShape.join(', ')}] does not give ${rank} spatial sizes`)
    pads = new Array(2 * rank).fill(0)
    for (let i = 0; i < rank; i++) {
      const total = span(i) - target[i]!
      if (total < 0) ctx.mismatch(`output_shape ${target[i]} on axis ${i} is larger than the ${span(i)} this transposed convolution produces`)
      const half = Math.floor(total / 2)
      ;[pads[i], pads[i + rank]] = autoPad === 'SAME_UPPER' ? [half, total - half] : [total - half, half]
    }
  } else if (autoPad !== 'NOTSET') ctx.reject('auto_pad', autoPad, 'NOTSET, VALID, SAME_UPPER, SAME_LOWER')
  if (pads.length !== 2 * rank) ctx.mismatch(`pads must have ${2 * rank} entries`)
  const outDims = spatial.map((_, i) => span(i) - pads[i]! - pads[i + rank]!)
  if (outDims.some((d) => d <= 0)) ctx.mismatch(`the output would be [${outDims.join(', ')}]: pads too large`)
  const bias = ctx.hasInput(2) ? ctx.constInput(2).data : undefined
  const outShape = [n, m, ...outDims]
  const total = sizeOf(outShape)
  const rows: LinearRows = { indices: Array.from({ length: total }, () => []), weights: Array.from({ length: total }, () => []), bias: new Float64Array(total) }
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < m; oc++) forEachIndex(outDims, (o) => (rows.bias[flatIndex(outShape, [b, oc, ...o])] = bias ? bias[oc]! : 0))
  for (let b = 0; b < n; b++)
    for (let ic = 0; ic < c; ic++) {
      const g = Math.floor(ic / cg)
      forEachIndex(spatial, (p) => {
        const from = flatIndex(ctx.shape, [b, ic, ...p])
        forEachIndex(kdims, (k) => {
          const at = p.map((v, i) => v * strides[i]! - pads[i]! + k[i]! * dilations[i]!)
          if (at.some((v, i) => v < 0 || v >= outDims[i]!)) return
          for (let j = 0; j < mg; j++) {
            const wv = weight.data[flatIndex(weight.dims, [ic, j, ...k])]!
            if (wv === 0) continue
            const row = flatIndex(outShape, [b, g * mg + j, ...at])
            rows.indices[row]!.push(from)
            rows.weights[row]!.push(wv)
          }
        })
      })
    }
  return { shape: outShape, rows }
}
