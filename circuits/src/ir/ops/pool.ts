import { rowsFromLists } from '../stages.js'
import { linearStage, type LinearRows, type NodeContext, type OpHandler, type OpTable } from './context.js'
import { flatIndex, forEachIndex, gatherOver, spatialOutput, windowAttributes, type Window2D } from './geometry.js'

/** MaxPool (a maxPool stage), AveragePool and GlobalAveragePool (a linear stage). */
const pooling: OpHandler = ({ ctx, single, emit, out }) => {
  const { node } = ctx
  const pool = poolWindows(ctx, node.op === 'GlobalAveragePool')
  const reads = [single().tensor]
  if (node.op === 'MaxPool') {
    if (node.outputs.length > 1 && node.outputs[1]) ctx.unsupported('the Indices output of MaxPool is not supported')
    out(emit({ kind: 'maxPool', sources: [node.name], shape: pool.shape, windows: rowsFromLists(pool.windows.map((w) => w.inside)) }, reads))
  } else {
    const includePad = node.op === 'AveragePool' && ctx.intAttr('count_include_pad', 0) === 1
    const rows: LinearRows = { indices: [], weights: [], bias: new Float64Array(pool.windows.length) }
    for (const w of pool.windows) {
      const count = includePad ? w.padded : w.inside.length
      rows.indices.push(w.inside)
      rows.weights.push(w.inside.map(() => 1 / count))
    }
    out(emit(linearStage(node.name, pool.shape, rows), reads))
  }
}

const resize: OpHandler = ({ ctx, single, emit, out }) => {
  const lowered = lowerResizeNearest(ctx)
  out(emit({ kind: 'gather', sources: [ctx.node.name], shape: lowered.shape, index: lowered.index }, [single().tensor]))
}

/** Pooling over spatial windows, and nearest-neighbour resizing (a gather). */
export const poolOps: OpTable = {
  MaxPool: pooling,
  AveragePool: pooling,
  GlobalAveragePool: pooling,
  Resize: resize,
  Upsample: resize,
}

/** Pooling windows over 1, 2 or 3 spatial axes: the input positions inside each, and how many positions count with padding. */
function poolWindows(ctx: NodeContext, global: boolean): { shape: number[]; windows: { inside: number[]; padded: number }[] } {
  const rank = ctx.shape.length - 2
  if (rank < 1 || rank > 3) ctx.unsupported(`1-D, 2-D and 3-D pooling is supported (an input of rank 3 to 5), got [${ctx.shape.join(', ')}]`)
  const [n, c, ...spatial] = ctx.shape as [number, number, ...number[]]
  let win: Window2D
  let ceil = false
  if (global) win = { kernel: spatial, strides: spatial.map(() => 1), dilations: spatial.map(() => 1), pads: [...spatial, ...spatial].map(() => 0) }
  else {
    const kernel = ctx.intsAttr('kernel_shape', [])
    if (kernel.length !== rank) ctx.reject('kernel_shape', kernel, `${rank} spatial sizes`)
    win = windowAttributes(ctx, spatial, kernel)
    ceil = ctx.intAttr('ceil_mode', 0) === 1
  }
  const outDims = spatialOutput(ctx, spatial, win, ceil)
  const windows: { inside: number[]; padded: number }[] = []
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      forEachIndex(outDims, (o) => {
        const inside: number[] = []
        let padded = 0
        forEachIndex(win.kernel, (k) => {
          const at = o.map((v, i) => v * win.strides[i]! - win.pads[i]! + k[i]! * win.dilations[i]!)
          if (at.every((v, i) => v < spatial[i]! + win.pads[rank + i]!)) padded++
          if (at.every((v, i) => v >= 0 && v < spatial[i]!)) inside.push(flatIndex(ctx.shape, [b, ch, ...at]))
        })
        if (inside.length === 0) ctx.mismatch(`pooling window (${o.join(', ')}) lies entirely in the padding`)
        windows.push({ inside, padded })
      })
  return { shape: [n, c, ...outDims], windows }
}

/**
 * Resize / Upsample in `nearest` mode (a gather): output sizes from `sizes` or `scales`, source
 * coordinates by coordinate_transformation_mode (half_pixel, asymmetric, align_corners,
 * pytorch_half_pixel) and nearest_mode (round_prefer_floor, round_prefer_ceil, floor, ceil), as
 * the ONNX spec computes them. Linear and cubic modes are not supported yet.
 */
function lowerResizeNearest(ctx: NodeContext): { shape: number[]; index: Int32Array } {
  const shape = ctx.shape
  const rank = shape.length
  const mode = ctx.stringAttr('mode', 'nearest')
  if (mode !== 'nearest') ctx.reject('mode', mode, 'nearest (linear and cubic resizing are not supported yet)')
  const upsample = ctx.node.op === 'Upsample'
  const sizesInput = !upsample && ctx.hasInput(3) ? Array.from(ctx.constInput(3).data) : undefined
  const scalesInput = upsample ? (ctx.opset >= 9 ? Array.from(ctx.constInput(1).data) : ctx.intsAttr('scales', [])) : ctx.hasInput(2) ? Array.from(ctx.constInput(2).data) : undefined
  let scales: number[]
  let out: number[]
  if (sizesInput && sizesInput.length) {
    if (sizesInput.length !== rank) ctx.mismatch(`sizes has ${sizesInput.length} values for a rank-${rank} input`)
    out = sizesInput
    scales = out.map((o, i) => o / shape[i]!)
  } else if (scalesInput && scalesInput.length) {
    if (scalesInput.length !== rank) ctx.mismatch(`scales has ${scalesInput.length} values for a rank-${rank} input`)
    scales = scalesInput
    out = shape.map((d, i) => Math.floor(d * scales[i]!))
  } else ctx.mismatch('Resize needs constant scales or sizes')
  const transform = upsample ? 'asymmetric' : ctx.stringAttr('coordinate_transformation_mode', 'half_pixel')
  const nearest = upsample ? 'floor' : ctx.stringAttr('nearest_mode', 'round_prefer_floor')
  const source = (o: number, i: number): number => {
    const [inD, outD, sc] = [shape[i]!, out[i]!, scales[i]!]
    let x: number
    if (transform === 'asymmetric') x = o / sc
    else if (transform === 'half_pixel') x = (o + 0.5) / sc - 0.5
    else if (transform === 'pytorch_half_pixel') x = outD > 1 ? (o + 0.5) / sc - 0.5 : 0
    else if (transform === 'align_corners') x = outD === 1 ? 0 : (o * (inD - 1)) / (outD - 1)
    else return ctx.reject('coordinate_transformation_mode', transform, 'half_pixel, asymmetric, align_corners or pytorch_half_pixel')
    let k: number
    if (nearest === 'floor') k = Math.floor(x)
    else if (nearest === 'ceil') k = Math.ceil(x)
    else if (nearest === 'round_prefer_floor') k = x - Math.floor(x) === 0.5 ? Math.floor(x) : Math.round(x)
    else if (nearest === 'round_prefer_ceil') k = Math.round(x)
    else return ctx.reject('nearest_mode', nearest, 'round_prefer_floor, round_prefer_ceil, floor or ceil')
    return Math.min(Math.max(k, 0), inD - 1)
  }
  return { shape: out, index: gatherOver(out, (at) => flatIndex(shape, at.map(source))) }
}
