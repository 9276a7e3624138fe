import { sizeOf } from '../../onnx/graph.js'
import { broadcastIndex, broadcastShapes, stridesOf } from '../shapes.js'
import { rowsFromLists } from '../stages.js'
import { linearStage, normalizeAxis, type LinearRows, type NodeContext, type NodeLowering, type OpHandler, type OpTable, type Value } from './context.js'

/**
 * LayerNormalization over the axes from `axis` on: d = x - mean(x) (linear), the sum of d²
 * (bilinear), then Σ d² + n·epsilon (linear), its sqrt, d / sqrt (divide), then √n·scale and bias (linear).
 */
const layerNormalization: OpHandler = ({ ctx, single, emit, out, readers }) => {
  const { node } = ctx
  const x = single()
  if (node.outputs.slice(1).some((name) => name && readers(name).length > 0)) ctx.unsupported('the Mean and InvStdDev outputs of LayerNormalization are not supported')
  const axis = normalizeAxis(ctx, ctx.intAttr('axis', -1), x.shape.length)
  const n = sizeOf(x.shape.slice(axis))
  const groups = sizeOf(x.shape.slice(0, axis))
  const epsilon = ctx.floatAttr('epsilon', 1e-5)
  const perPosition = (i: number, fallback: number): Float64Array => {
    if (!ctx.hasInput(i)) return new Float64Array(n).fill(fallback)
    const t = ctx.constInput(i)
    if (t.dims.length > x.shape.length - axis || !broadcastShapes(x.shape.slice(axis), t.dims)?.every((d, k) => d === x.shape[axis + k]))
      ctx.mismatch(`input ${i} of shape [${t.dims.join(', ')}] does not broadcast to the normalized shape [${x.shape.slice(axis).join(', ')}]`)
    const index = broadcastIndex(x.shape.slice(axis), t.dims)
    return Float64Array.from(index, (j) => t.data[j]!)
  }
  const gamma = perPosition(1, 1)
  const beta = perPosition(2, 0)
  const total = groups * n
  const centered: LinearRows = { indices: [], weights: [], bias: new Float64Array(total) }
  for (let g = 0; g < groups; g++)
    for (let j = 0; j < n; j++) {
      centered.indices.push(Array.from({ length: n }, (_, k) => g * n + k))
      centered.weights.push(Array.from({ length: n }, (_, k) => (k === j ? 1 : 0) - 1 / n))
    }
  const d = emit(linearStage(node.name, x.shape, centered), [x.tensor])
  const pairs = Int32Array.from({ length: total }, (_, i) => i)
  const squares = emit({ kind: 'bilinear', sources: [node.name], shape: [groups], rows: { offsets: Int32Array.from({ length: groups + 1 }, (_, g) => g * n) }, left: pairs, right: pairs }, [d.tensor])
  // Σ d² + n·epsilon = n·(variance + epsilon): the 1/n moves into the scale (times √n), so the
  // quotient d / sqrt(Σ d² + c) is at most about 2 in magnitude and quantization can bound it tightly.
  const sumPlus = emit(linearStage(node.name, [groups], { indices: Array.from({ length: groups }, (_, g) => [g]), weights: Array.from({ length: groups }, () => [1]), bias: new Float64Array(groups).fill(n * epsilon) }), [squares.tensor])
  const root = emit({ kind: 'sqrt', sources: [node.name], shape: [groups] }, [sumPlus.tensor])
  const normalized = emit({ kind: 'divide', sources: [node.name], shape: x.shape, numerator: pairs, denominator: Int32Array.from({ length: total }, (_, i) => total + Math.floor(i / n)), rootSumOfSquares: true }, [d.tensor, root.tensor])
  const rootN = Math.sqrt(n)
  out(emit(linearStage(node.name, x.shape, { indices: Array.from({ length: total }, (_, i) => [i]), weights: Array.from({ length: total }, (_, i) => [rootN * gamma[i % n]!]), bias: Float64Array.from({ length: total }, (_, i) => beta[i % n]!) }), [normalized.tensor]))
}

/** Softmax and LogSoftmax: computed inside the model; dropped at its end or just before a final ArgMax. */
const softmax: OpHandler = (lowering) => {
  const { ctx, single, out, readers, note } = lowering
  const { node } = ctx
  const after = readers(node.outputs[0] ?? '')
  if (!(after.length === 0 || (after.length === 1 && after[0]!.op === 'ArgMax'))) {
    // Inside the model (attention weights, a gate): computed, as lowerSoftmax says.
    out(node.op === 'Softmax' ? emitSoftmax(lowering, single(), lowerSoftmax(ctx)) : emitSoftmax(lowering, single(), lowerSoftmax(ctx), true))
    return
  }
  note(
    after.length === 0
      ? `${node.op} "${node.name}" at the end was dropped: outputs are the logits before it (it does not change the ranking of classes).`
      : `${node.op} "${node.name}" before ArgMax was dropped: it does not change which class is largest.`,
  )
  out(single())
}

/** Normalizations over an axis or a group of axes. */
export const normalizationOps: OpTable = { LayerNormalization: layerNormalization, Softmax: softmax, LogSoftmax: softmax }

/**
 * Softmax of x over the groups of `plan` (lowerSoftmax says how): its probabilities; with `log`,
 * LogSoftmax: (x - max) - ln Σ exp(x - max), the log a piecewise stage on [1, group size].
 */
export function emitSoftmax({ ctx, emit }: NodeLowering, x: Value, plan: SoftmaxGroups, log = false): Value {
  const { node } = ctx
  const n = sizeOf(x.shape)
  const groups = plan.groups.length
  const max = emit({ kind: 'maxPool', sources: [node.name], shape: [groups], windows: rowsFromLists(plan.groups) }, [x.tensor])
  // Element i less its group's value (read after the n elements): x - max, then x - max - ln Σ.
  const lessGroup: LinearRows = { indices: Array.from({ length: n }, (_, i) => [i, n + plan.groupOf[i]!]), weights: Array.from({ length: n }, () => [1, -1]), bias: new Float64Array(n) }
  const shifted = emit(linearStage(node.name, x.shape, lessGroup), [x.tensor, max.tensor])
  const exp = emit({ kind: 'piecewise', sources: [node.name], shape: x.shape, fn: { name: 'exp' }, domain: { max: 0 } }, [shifted.tensor])
  const sum = emit(linearStage(node.name, [groups], { indices: plan.groups, weights: plan.groups.map((g) => g.map(() => 1)), bias: new Float64Array(groups) }), [exp.tensor])
  if (log) {
    const logSum = emit({ kind: 'piecewise', sources: [node.name], shape: [groups], fn: { name: 'log' }, domain: { min: 1, max: plan.size } }, [sum.tensor])
    return emit(linearStage(node.name, x.shape, lessGroup), [shifted.tensor, logSum.tensor])
  }
  const inverse = emit({ kind: 'piecewise', sources: [node.name], shape: [groups], fn: { name: 'reciprocal' }, domain: { min: 1, max: plan.size } }, [sum.tensor])
  return emit({ kind: 'bilinear', sources: [node.name], shape: x.shape, rows: { offsets: Int32Array.from({ length: n + 1 }, (_, i) => i) }, left: Int32Array.from({ length: n }, (_, i) => i), right: Int32Array.from(plan.groupOf, (g) => n + g) }, [exp.tensor, inverse.tensor])
}

/**
 * The groups a Softmax normalizes over (opset 13+: the `axis` dimension alone, default -1; before
 * 13: the input coerced to 2-D at `axis`, default 1, each row a group), as index lists, with each
 * element's group. It is computed as exp(x - max) · 1/Σ exp(x - max) per group: a maxPool over
 * each group, a linear x - max (at most 0, so Exp is fitted on (-∞, 0] only), a piecewise Exp, a
 * linear sum (at least 1: the largest element contributes e^0 = 1, which Exp's fit reproduces
 * exactly), a piecewise reciprocal on [1, group size], and a bilinear product. Error against float:
 * Exp's and the reciprocal's bounds (PIECEWISE_ERROR_BOUND each, times the other factor, at most 1)
 * plus the product's rounding.
 */
export type SoftmaxGroups = { groups: number[][]; groupOf: Int32Array; size: number }

/** Groups of `size` consecutive elements (a Softmax over the last axis of a row-major tensor). */
export function lastAxisGroups(total: number, size: number): SoftmaxGroups {
  const groups = Array.from({ length: total / size }, (_, g) => Array.from({ length: size }, (_, k) => g * size + k))
  return { groups, groupOf: Int32Array.from({ length: total }, (_, i) => Math.floor(i / size)), size }
}

function lowerSoftmax(ctx: NodeContext): SoftmaxGroups {
  const rank = ctx.shape.length
  const n = sizeOf(ctx.shape)
  const axis = normalizeAxis(ctx, ctx.intAttr('axis', ctx.opset >= 13 ? -1 : 1), rank)
  const groupOf = new Int32Array(n)
  const groups: number[][] = []
  if (ctx.opset >= 13) {
    const strides = stridesOf(ctx.shape)
    const size = ctx.shape[axis]!
    for (let i = 0; i < n; i++) {
      // The group of element i: its index with the axis coordinate set to 0.
      const base = i - (Math.floor(i / strides[axis]!) % size) * strides[axis]!
      groupOf[i] = base
    }
    const ids = new Map<number, number>()
    for (let i = 0; i < n; i++) {
      let g = ids.get(groupOf[i]!)
      if (g === undefined) {
        g = groups.length
        ids.set(groupOf[i]!, g)
        groups.push([])
      }
      groups[g]!.push(i)
      groupOf[i] = g
    }
    return { groups, groupOf, size }
  }
  return lastAxisGroups(n, sizeOf(ctx.shape.slice(axis)))
}
