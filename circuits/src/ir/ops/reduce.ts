import { sizeOf } from '../../onnx/graph.js'
import { rowsFromLists } from '../stages.js'
import { linearStage, normalizeAxis, type LinearRows, type NodeContext, type OpHandler, type OpTable } from './context.js'
import { flatIndex, gatherOver } from './geometry.js'

/** ReduceSum and ReduceMean (a linear stage), ReduceMax (a maxPool stage), ReduceMin (-max(-x)). */
const reduce: OpHandler = ({ ctx, single, emit, out }) => {
  const { node } = ctx
  const x = single()
  const { shape, groups } = reduceGroups(ctx)
  if (node.op === 'ReduceSum' || node.op === 'ReduceMean') {
    const rows: LinearRows = { indices: groups, weights: groups.map((g) => g.map(() => (node.op === 'ReduceSum' ? 1 : 1 / g.length))), bias: new Float64Array(groups.length) }
    out(emit(linearStage(node.name, shape, rows), [x.tensor]))
  } else if (node.op === 'ReduceMax') out(emit({ kind: 'maxPool', sources: [node.name], shape, windows: rowsFromLists(groups) }, [x.tensor]))
  else {
    // min(x) = -max(-x): the negations are linear stages.
    const n = sizeOf(x.shape)
    const negate = (size: number): LinearRows => ({ indices: Array.from({ length: size }, (_, i) => [i]), weights: Array.from({ length: size }, () => [-1]), bias: new Float64Array(size) })
    const negated = emit(linearStage(node.name, x.shape, negate(n)), [x.tensor])
    const max = emit({ kind: 'maxPool', sources: [node.name], shape, windows: rowsFromLists(groups) }, [negated.tensor])
    out(emit(linearStage(node.name, shape, negate(groups.length)), [max.tensor]))
  }
}

/** Reductions over axes. */
export const reduceOps: OpTable = { ReduceSum: reduce, ReduceMean: reduce, ReduceMax: reduce, ReduceMin: reduce }

/** The groups of input positions each output of a Reduce* op reads (axes from an input or attribute; keepdims; noop_with_empty_axes). */
function reduceGroups(ctx: NodeContext): { shape: number[]; groups: number[][] } {
  const shape = ctx.shape
  const rank = shape.length
  const axesInput = ctx.hasInput(1) ? Array.from(ctx.constInput(1).data) : undefined
  const listed = axesInput ?? (ctx.attr('axes') !== undefined ? ctx.intsAttr('axes', []) : [])
  if (listed.length === 0 && ctx.intAttr('noop_with_empty_axes', 0) === 1) ctx.unsupported('noop_with_empty_axes with no axes (an identity) is not supported')
  const axes = new Set(listed.length ? listed.map((a) => normalizeAxis(ctx, a, rank)) : shape.map((_, i) => i))
  const keep = ctx.intAttr('keepdims', 1) === 1
  const kept = shape.map((d, i) => (axes.has(i) ? 1 : d))
  const groups: number[][] = Array.from({ length: sizeOf(kept) }, () => [])
  gatherOver(shape, (at) => {
    groups[flatIndex(kept, at.map((x, i) => (axes.has(i) ? 0 : x)))]!.push(flatIndex(shape, at))
    return 0
  })
  return { shape: keep ? kept : shape.filter((_, i) => !axes.has(i)), groups }
}
