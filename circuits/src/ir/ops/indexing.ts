import { sizeOf } from '../../onnx/graph.js'
import { concatenatedReads, type LinearRows, linearStage, type NodeContext, normalizeAxis, type OpHandler, type OpTable, type Value } from './context.js'
import { flatIndex, gatherOver } from './geometry.js'

/** Gather by constant indices (a gather stage), or from a constant table by an activation of indices (a lookup). */
const gather: OpHandler = ({ ctx, single, emit, out }) => {
  const { node } = ctx
  if (ctx.isConst(0)) {
    // An embedding lookup: rows of a constant table picked by integer-valued indices (lowerLookup).
    const indices = single()
    const plan = lowerLookup(ctx, indices.shape)
    const differences = emit(linearStage(node.name, [plan.steps.length], { indices: plan.steps.map((s) => [s.position]), weights: plan.steps.map(() => [1]), bias: Float64Array.from(plan.steps, (s) => -s.row) }), [indices.tensor])
    const steps = emit({ kind: 'piecewise', sources: [node.name], shape: [plan.steps.length], fn: { name: 'stepAtLeast' }, prefixGroups: plan.groupSize }, [differences.tensor])
    out(emit(linearStage(node.name, plan.shape, plan.rows), [steps.tensor]))
    return
  }
  const lowered = lowerGather(ctx)
  out(emit({ kind: 'gather', sources: [node.name], shape: lowered.shape, index: lowered.index }, [single().tensor]))
}

/** Ops that pick and place elements: gathers (Concat, Split, Slice, Gather) and Pad (a linear stage, for its constant). */
export const indexingOps: OpTable = {
  Pad: ({ ctx, single, emit, out }) => {
    const lowered = lowerPad(ctx)
    out(emit(linearStage(ctx.node.name, lowered.shape, lowered.rows), [single().tensor]))
  },
  Concat: ({ ctx, inputs, emit, out }) => {
    const lowered = lowerConcat(ctx, inputs)
    out(emit({ kind: 'gather', sources: [ctx.node.name], shape: lowered.shape, index: lowered.index }, lowered.reads))
  },
  Split: ({ ctx, inputs, single, emit, out }) =>
    lowerSplit(ctx, single()).forEach((part, k) => out(emit({ kind: 'gather', sources: [ctx.node.name], shape: part.shape, index: part.index }, [inputs[0]!.tensor]), k)),
  Slice: ({ ctx, single, emit, out }) => {
    const lowered = lowerSlice(ctx)
    out(emit({ kind: 'gather', sources: [ctx.node.name], shape: lowered.shape, index: lowered.index }, [single().tensor]))
  },
  Gather: gather,
}

/** Pad (constant, reflect, edge) with constant pads: a linear stage whose padded rows are the constant (its bias) and the rest copy the input. */
function lowerPad(ctx: NodeContext): { shape: number[]; rows: LinearRows } {
  const shape = ctx.shape
  const rank = shape.length
  const mode = ctx.stringAttr('mode', 'constant')
  if (!['constant', 'reflect', 'edge'].includes(mode)) ctx.reject('mode', mode, 'constant, reflect or edge')
  let pads = ctx.opset >= 11 ? Array.from(ctx.constInput(1).data) : ctx.intsAttr('pads', [])
  const value = ctx.opset >= 11 ? (ctx.hasInput(2) ? (ctx.constInput(2).data[0] ?? 0) : 0) : ctx.floatAttr('value', 0)
  if (ctx.opset >= 18 && ctx.hasInput(3)) {
    // Pads for the listed axes only: spread them over every axis.
    const axes = Array.from(ctx.constInput(3).data, (a) => normalizeAxis(ctx, a, rank))
    const full = new Array<number>(2 * rank).fill(0)
    axes.forEach((a, k) => {
      full[a] = pads[k]!
      full[rank + a] = pads[axes.length + k]!
    })
    pads = full
  }
  if (pads.length !== 2 * rank) ctx.mismatch(`pads has ${pads.length} values for a rank-${rank} input (2 per axis)`)
  if (pads.some((p) => p < 0)) ctx.reject('pads', pads, 'non-negative pads (negative pads crop: use Slice)')
  const out = shape.map((d, i) => d + pads[i]! + pads[rank + i]!)
  const rows: LinearRows = { indices: [], weights: [], bias: new Float64Array(sizeOf(out)) }
  let r = 0
  gatherOver(out, (at) => {
    let inside = true
    const source = at.map((x, i) => {
      let v = x - pads[i]!
      const d = shape[i]!
      if (v >= 0 && v < d) return v
      inside = false
      if (mode === 'edge') return Math.min(Math.max(v, 0), d - 1)
      if (mode === 'reflect') {
        if (d === 1) return 0
        const period = 2 * (d - 1)
        v = ((v % period) + period) % period
        return v < d ? v : period - v
      }
      return v
    })
    if (inside || mode !== 'constant') {
      rows.indices.push([flatIndex(shape, source)])
      rows.weights.push([1])
    } else {
      rows.indices.push([])
      rows.weights.push([])
      rows.bias[r] = value
    }
    r++
    return 0
  })
  return { shape: out, rows }
}

/** Concat: a gather over the concatenation of the distinct input tensors. */
function lowerConcat(ctx: NodeContext, inputs: Value[]): { shape: number[]; index: Int32Array; reads: number[] } {
  const rank = inputs[0]!.shape.length
  if (ctx.attr('axis') === undefined) ctx.reject('axis', undefined, 'an axis (Concat requires it)')
  const axis = normalizeAxis(ctx, ctx.intAttr('axis', 0), rank)
  for (const v of inputs)
    if (v.shape.length !== rank || v.shape.some((d, i) => i !== axis && d !== inputs[0]!.shape[i]))
      ctx.mismatch(`inputs [${inputs.map((x) => x.shape.join(', ')).join('] and [')}] differ outside axis ${axis}`)
  const { reads, base } = concatenatedReads(inputs)
  const starts: number[] = []
  let along = 0
  for (const v of inputs) {
    starts.push(along)
    along += v.shape[axis]!
  }
  const shape = inputs[0]!.shape.map((d, i) => (i === axis ? along : d))
  const index = gatherOver(shape, (at) => {
    let k = starts.length - 1
    while (starts[k]! > at[axis]!) k--
    const v = inputs[k]!
    const local = at.map((x, i) => (i === axis ? x - starts[k]! : x))
    return base.get(v.tensor)! + flatIndex(v.shape, local)
  })
  return { shape, index, reads }
}

/** Split into parts along an axis: sizes from the `split` input (opset 13+) or attribute, else equal parts. */
function lowerSplit(ctx: NodeContext, value: Value): { shape: number[]; index: Int32Array }[] {
  const axis = normalizeAxis(ctx, ctx.intAttr('axis', 0), value.shape.length)
  const dim = value.shape[axis]!
  const parts = ctx.node.outputs.length
  let sizes: number[]
  if (ctx.hasInput(1)) sizes = Array.from(ctx.constInput(1).data)
  else if (ctx.attr('split') !== undefined) sizes = ctx.intsAttr('split', [])
  else {
    const each = Math.ceil(dim / parts)
    sizes = Array.from({ length: parts }, (_, k) => Math.max(0, Math.min(each, dim - k * each)))
  }
  if (sizes.length !== parts || sizes.reduce((a, b) => a + b, 0) !== dim || sizes.some((x) => x < 0))
    ctx.mismatch(`split sizes [${sizes.join(', ')}] do not divide axis ${axis} of size ${dim} into ${parts} outputs`)
  let start = 0
  return sizes.map((size) => {
    const shape = value.shape.map((d, i) => (i === axis ? size : d))
    const from = start
    start += size
    return { shape, index: gatherOver(shape, (at) => flatIndex(value.shape, at.map((x, i) => (i === axis ? x + from : x)))) }
  })
}

/** Slice with constant starts, ends, axes and steps (inputs from opset 10, attributes before), clamped as ONNX does. */
function lowerSlice(ctx: NodeContext): { shape: number[]; index: Int32Array } {
  const shape = ctx.shape
  const rank = shape.length
  const fromInputs = ctx.opset >= 10
  const starts = fromInputs ? Array.from(ctx.constInput(1).data) : ctx.intsAttr('starts', [])
  const ends = fromInputs ? Array.from(ctx.constInput(2).data) : ctx.intsAttr('ends', [])
  const axes = (fromInputs ? (ctx.hasInput(3) ? Array.from(ctx.constInput(3).data) : undefined) : ctx.attr('axes') !== undefined ? ctx.intsAttr('axes', []) : undefined) ?? starts.map((_, i) => i)
  const steps = fromInputs && ctx.hasInput(4) ? Array.from(ctx.constInput(4).data) : starts.map(() => 1)
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) ctx.mismatch('starts, ends, axes and steps must have the same length')
  const first = shape.map(() => 0)
  const step = shape.map(() => 1)
  const out = [...shape]
  axes.forEach((a, k) => {
    const axis = normalizeAxis(ctx, a, rank)
    const dim = shape[axis]!
    const st = steps[k]!
    if (st === 0) ctx.reject('steps', 0, 'nonzero steps')
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi)
    let b = starts[k]! < 0 ? starts[k]! + dim : starts[k]!
    let e = ends[k]! < 0 ? ends[k]! + dim : ends[k]!
    if (st > 0) {
      b = clamp(b, 0, dim)
      e = clamp(e, 0, dim)
      out[axis] = Math.max(0, Math.ceil((e - b) / st))
    } else {
      b = clamp(b, -1, dim - 1)
      e = clamp(e, -1, dim - 1)
      out[axis] = Math.max(0, Math.ceil((b - e) / -st))
    }
    first[axis] = b
    step[axis] = st
  })
  if (sizeOf(out) === 0) ctx.mismatch(`the slice of [${shape.join(', ')}] is empty`)
  return { shape: out, index: gatherOver(out, (at) => flatIndex(shape, at.map((x, i) => first[i]! + x * step[i]!))) }
}

/** Gather of an activation by constant indices along an axis (negative indices count from the end). */
function lowerGather(ctx: NodeContext): { shape: number[]; index: Int32Array } {
  const shape = ctx.shape
  const axis = normalizeAxis(ctx, ctx.intAttr('axis', 0), shape.length)
  const indices = ctx.constInput(1)
  const dim = shape[axis]!
  const picks = Array.from(indices.data, (v) => {
    const i = v < 0 ? v + dim : v
    if (!Number.isInteger(i) || i < 0 || i >= dim) ctx.mismatch(`index ${v} is out of range for axis ${axis} of size ${dim}`)
    return i
  })
  const out = [...shape.slice(0, axis), ...indices.dims, ...shape.slice(axis + 1)]
  const k = indices.dims.length
  return {
    shape: out,
    index: gatherOver(out, (at) => {
      const pick = picks[flatIndex(indices.dims, at.slice(axis, axis + k))]!
      return flatIndex(shape, [...at.slice(0, axis), pick, ...at.slice(axis + k)])
    }),
  }
}

/**
 * Gather from a constant table [V, ...] (axis 0) by an activation of indices: each index p picks
 * table row clamp(floor(idx), 0, V-1) (ONNX leaves out-of-range indices undefined; negative ones
 * count from the end there, here they pick row 0). With steps s_j = [idx >= j] (exact 0/1) for
 * j = 1 .. V-1, the row is T[0] + Σ_j s_j (T[j] - T[j-1]): V-1 steps per index and one linear
 * stage, no multiplication.
 */
function lowerLookup(ctx: NodeContext, indexShape: number[]): { steps: { position: number; row: number }[]; groupSize: number; shape: number[]; rows: LinearRows } {
  const table = ctx.constInput(0)
  if (ctx.intAttr('axis', 0) !== 0) ctx.reject('axis', ctx.intAttr('axis', 0), '0 (rows of the table)')
  const [rowsCount, ...rest] = table.dims
  if (rowsCount === undefined || rowsCount < 2) ctx.unsupported(`a lookup in a table of fewer than two rows ([${table.dims.join(', ')}]) is not supported`)
  const width = sizeOf(rest)
  const positions = sizeOf(indexShape)
  const steps: { position: number; row: number }[] = []
  for (let p = 0; p < positions; p++) for (let j = 1; j < rowsCount; j++) steps.push({ position: p, row: j })
  const rows: LinearRows = { indices: [], weights: [], bias: new Float64Array(positions * width) }
  for (let p = 0; p < positions; p++)
    for (let d = 0; d < width; d++) {
      const idx: number[] = []
      const wts: number[] = []
      for (let j = 1; j < rowsCount; j++) {
        const delta = table.data[j * width + d]! - table.data[(j - 1) * width + d]!
        if (delta === 0) continue
        idx.push(p * (rowsCount - 1) + j - 1)
        wts.push(delta)
      }
      rows.indices.push(idx)
      rows.weights.push(wts)
      rows.bias[p * width + d] = table.data[d]!
    }
  return { steps, groupSize: rowsCount - 1, shape: [...indexShape, ...rest], rows }
}
