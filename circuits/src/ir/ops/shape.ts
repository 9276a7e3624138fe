import { sizeOf } from '../../onnx/graph.js'
import { broadcastIndex, broadcastShapes, transposeIndex } from '../shapes.js'
import { normalizeAxis, type NodeContext, type OpHandler, type OpTable } from './context.js'
import { flatIndex, gatherOver } from './geometry.js'

/** Ops that only rename a value (the same tensor, maybe another shape): lowering looks through them. */
export const SHAPE_OPS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout'])

const identity: OpHandler = ({ ctx, single, out }) => {
  if (ctx.node.outputs.length > 1 && ctx.node.outputs[1]) ctx.unsupported('the mask output of Dropout is not supported')
  out(single())
}

const squeeze: OpHandler = ({ ctx, single, out }) => out({ tensor: single().tensor, shape: squeezeShape(ctx, ctx.node.op === 'Squeeze') })

/** Expand (broadcast to a constant shape) and Tile (constant repeats per axis): a gather. */
const expandOrTile: OpHandler = ({ ctx, single, emit, out }) => {
  const x = single()
  const target = Array.from(ctx.constInput(1).data)
  let shape: number[]
  let index: Int32Array
  if (ctx.node.op === 'Expand') {
    shape = broadcastShapes(x.shape, target) ?? ctx.mismatch(`[${x.shape.join(', ')}] does not broadcast to [${target.join(', ')}]`)
    index = broadcastIndex(shape, x.shape)
  } else {
    if (target.length !== x.shape.length || target.some((r) => !Number.isInteger(r) || r < 1)) ctx.mismatch(`repeats [${target.join(', ')}] must be one positive integer per axis of [${x.shape.join(', ')}]`)
    shape = x.shape.map((d, i) => d * target[i]!)
    index = gatherOver(shape, (at) => flatIndex(x.shape, at.map((v, i) => v % x.shape[i]!)))
  }
  out(emit({ kind: 'gather', sources: [ctx.node.name], shape, index }, [x.tensor]))
}

/** Shape ops: the SHAPE_OPS rename a value; Transpose, Expand and Tile are gathers. */
export const shapeOps: OpTable = {
  Identity: identity,
  Dropout: identity,
  Reshape: ({ ctx, single, out }) => out({ tensor: single().tensor, shape: reshapeTarget(ctx, ctx.constInput(1).data, ctx.intAttr('allowzero', 0) === 1) }),
  Flatten: ({ ctx, single, out }) => {
    const axis = normalizeAxis(ctx, ctx.intAttr('axis', 1), ctx.shape.length + 1)
    out({ tensor: single().tensor, shape: [sizeOf(ctx.shape.slice(0, axis)), sizeOf(ctx.shape.slice(axis))] })
  },
  Squeeze: squeeze,
  Unsqueeze: squeeze,
  Transpose: ({ ctx, single, emit, out }) => {
    const perm = ctx.intsAttr('perm', ctx.shape.map((_, i) => ctx.shape.length - 1 - i))
    const t = transposeIndex(ctx.shape, perm)
    out(emit({ kind: 'gather', sources: [ctx.node.name], shape: t.shape, index: t.index }, [single().tensor]))
  },
  Expand: expandOrTile,
  Tile: expandOrTile,
}

export function reshapeTarget(ctx: NodeContext, target: Float64Array, allowZero: boolean): number[] {
  const total = sizeOf(ctx.shape)
  const shape = Array.from(target, (d, i) => (d === 0 && !allowZero ? (ctx.shape[i] ?? ctx.mismatch(`dimension ${i} is 0 (copy) but the input has rank ${ctx.shape.length}`)) : d))
  const unknown = shape.indexOf(-1)
  if (unknown >= 0) {
    const known = sizeOf(shape.filter((_, i) => i !== unknown))
    if (known === 0 || total % known !== 0) ctx.mismatch(`cannot infer -1 in [${Array.from(target).join(', ')}] for ${total} values`)
    shape[unknown] = total / known
  }
  if (sizeOf(shape) !== total) ctx.mismatch(`cannot reshape [${ctx.shape.join(', ')}] into [${shape.join(', ')}]`)
  return shape
}

export function squeezeShape(ctx: NodeContext, squeeze: boolean): number[] {
  const axes = ctx.hasInput(1) ? Array.from(ctx.constInput(1).data) : ctx.intsAttr('axes', [])
  if (squeeze) {
    const rank = ctx.shape.length
    const drop = new Set(axes.length > 0 ? axes.map((a) => normalizeAxis(ctx, a, rank)) : ctx.shape.flatMap((d, i) => (d === 1 ? [i] : [])))
    for (const a of drop) if (ctx.shape[a] !== 1) ctx.mismatch(`cannot squeeze axis ${a} of size ${ctx.shape[a]}`)
    return ctx.shape.filter((_, i) => !drop.has(i))
  }
  const rank = ctx.shape.length + axes.length
  const add = new Set(axes.map((a) => normalizeAxis(ctx, a, rank)))
  const out: number[] = []
  let k = 0
  for (let i = 0; i < rank; i++) out.push(add.has(i) ? 1 : ctx.shape[k++]!)
  return out
}
