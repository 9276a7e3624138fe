import { sizeOf } from '../../onnx/graph.js'
import { broadcastIndex, broadcastShapes } from '../shapes.js'
import { linearStage, NodeContext, type LinearRows, type OpHandler, type OpTable, type Value } from './context.js'

/** Abs, Clip, PRelu, Max and Min: pre (linear) -> Relu -> post (linear over the Relu's outputs and the operand), every piece exact (piecewisePlan). */
const throughRelu: OpHandler = ({ ctx, inputs, emit, out, valueOf }) => {
  const { node } = ctx
  const emitPlan = (plan: ReturnType<typeof piecewisePlan>): Value => {
    if ('alias' in plan) return plan.alias
    const pre = emit(linearStage(node.name, [plan.pre.bias.length], plan.pre), plan.preReads)
    const relu = emit({ kind: 'relu', sources: [node.name], shape: [plan.pre.bias.length] }, [pre.tensor])
    return emit(linearStage(node.name, plan.shape, plan.post), [relu.tensor, ...plan.postReads])
  }
  const operands = node.inputs.filter((name) => name !== '')
  if ((node.op === 'Max' || node.op === 'Min') && operands.length > 2) {
    // Max / Min of more than two operands: of the first activation and each other operand in turn.
    const first = operands.findIndex((name) => !ctx.constants.has(name))
    let acc = inputs[0]!
    for (const [k, name] of operands.entries()) {
      if (k === first) continue
      const value = valueOf(name)
      const pair = new NodeContext({ ...node, inputs: [`${node.name}/running ${node.op}`, name] }, ctx.constants, acc.shape, ctx.opset)
      acc = emitPlan(piecewisePlan(pair, value ? [acc, value] : [acc]))
    }
    out(acc)
    return
  }
  out(emitPlan(piecewisePlan(ctx, inputs)))
}

/**
 * HardSigmoid(x) = clip(alpha x + beta, 0, 1) = relu(alpha x + beta) - relu(alpha x + beta - 1);
 * HardSwish(x) = x · HardSigmoid(x) with alpha 1/6, beta 1/2.
 */
const hardSigmoid: OpHandler = ({ ctx, single, emit, out }) => {
  const { node } = ctx
  const x = single()
  const n = sizeOf(x.shape)
  const [alpha, beta] = node.op === 'HardSwish' ? [1 / 6, 0.5] : [ctx.floatAttr('alpha', 0.2), ctx.floatAttr('beta', 0.5)]
  const pre: LinearRows = { indices: [], weights: [], bias: new Float64Array(2 * n) }
  const post: LinearRows = { indices: [], weights: [], bias: new Float64Array(n) }
  for (let k = 0; k < 2; k++)
    for (let i = 0; i < n; i++) {
      pre.indices.push([i])
      pre.weights.push([alpha])
      pre.bias[k * n + i] = beta - k
    }
  for (let i = 0; i < n; i++) {
    post.indices.push([i, n + i])
    post.weights.push([1, -1])
  }
  const a = emit(linearStage(node.name, [2 * n], pre), [x.tensor])
  const r = emit({ kind: 'relu', sources: [node.name], shape: [2 * n] }, [a.tensor])
  const hs = emit(linearStage(node.name, x.shape, post), [r.tensor])
  if (node.op === 'HardSigmoid') out(hs)
  else {
    const index = Int32Array.from({ length: n }, (_, i) => i)
    out(emit({ kind: 'bilinear', sources: [node.name], shape: x.shape, rows: { offsets: Int32Array.from({ length: n + 1 }, (_, i) => i) }, left: index, right: index.map((i) => n + i) }, [x.tensor, hs.tensor]))
  }
}

/** Piecewise-linear activations: Relu and LeakyRelu stages, the rest through linear stages and one Relu. */
export const activationOps: OpTable = {
  Relu: ({ ctx, single, emit, out }) => out(emit({ kind: 'relu', sources: [ctx.node.name], shape: ctx.shape }, [single().tensor])),
  LeakyRelu: ({ ctx, single, emit, out }) => out(emit({ kind: 'leakyRelu', sources: [ctx.node.name], shape: ctx.shape, alpha: ctx.floatAttr('alpha', 0.01) }, [single().tensor])),
  Neg: ({ ctx, single, emit, out }) => {
    const x = single()
    const n = sizeOf(x.shape)
    out(emit(linearStage(ctx.node.name, x.shape, { indices: Array.from({ length: n }, (_, i) => [i]), weights: Array.from({ length: n }, () => [-1]), bias: new Float64Array(n) }), [x.tensor]))
  },
  Abs: throughRelu,
  Clip: throughRelu,
  PRelu: throughRelu,
  Max: throughRelu,
  Min: throughRelu,
  HardSigmoid: hardSigmoid,
  HardSwish: hardSigmoid,
}

/**
 * Abs, Clip, PRelu, Max and Min as piecewise-linear maps through one Relu, so they need no
 * template of their own and inherit the linear and Relu stages' exactness and soundness:
 *   Abs(x) = relu(x) + relu(-x)                 Clip(x, lo, hi) = relu(x - lo) - relu(x - hi) + lo
 *   PRelu(x) = relu(x) - slope · relu(-x)        Max(a, b) = a + relu(b - a)     Min(a, b) = a - relu(a - b)
 * (Clip with one bound: relu(x - lo) + lo, or hi - relu(hi - x); no bound: the input.) `pre`
 * reads `preReads`; `post` reads the Relu's outputs, then `postReads`. Max / Min of more than two
 * operands, or of two constants, are not supported here.
 */
function piecewisePlan(ctx: NodeContext, inputs: Value[]): { alias: Value } | { shape: number[]; pre: LinearRows; preReads: number[]; post: LinearRows; postReads: number[] } {
  const op = ctx.node.op
  const x = inputs[0]!
  const n = sizeOf(x.shape)
  const rows = (count: number): LinearRows => ({ indices: Array.from({ length: count }, () => []), weights: Array.from({ length: count }, () => []), bias: new Float64Array(count) })
  const add = (r: LinearRows, row: number, index: number, weight: number) => {
    const at = r.indices[row]!.indexOf(index)
    if (at >= 0) r.weights[row]![at]! += weight
    else {
      r.indices[row]!.push(index)
      r.weights[row]!.push(weight)
    }
  }
  if (op === 'Abs' || op === 'PRelu') {
    if (inputs.length > 1) ctx.unsupported(`${op} with an activation as its slope is not supported; a constant slope is`)
    const slope = op === 'PRelu' ? ctx.constInput(1) : undefined
    if (slope && !broadcastShapes(x.shape, slope.dims)?.every((d, i) => d === x.shape[i])) ctx.mismatch(`slope [${slope.dims.join(', ')}] does not broadcast to [${x.shape.join(', ')}]`)
    const slopeIndex = slope ? broadcastIndex(x.shape, slope.dims) : undefined
    const pre = rows(2 * n)
    const post = rows(n)
    for (let i = 0; i < n; i++) {
      add(pre, i, i, 1)
      add(pre, n + i, i, -1)
      add(post, i, i, 1)
      add(post, i, n + i, slope ? -slope.data[slopeIndex![i]!]! : 1)
    }
    return { shape: x.shape, pre, preReads: [x.tensor], post, postReads: [] }
  }
  if (op === 'Clip') {
    const bound = (k: number, attr: string) => (ctx.opset >= 11 ? (ctx.hasInput(k) ? ctx.constInput(k).data[0] : undefined) : (ctx.attr(attr) as number | undefined))
    const [lo, hi] = [bound(1, 'min'), bound(2, 'max')]
    if (lo === undefined && hi === undefined) return { alias: x }
    if (lo !== undefined && hi !== undefined && lo > hi) ctx.reject('min', lo, `a minimum no larger than the maximum (${hi})`)
    const both = lo !== undefined && hi !== undefined
    const pre = rows(both ? 2 * n : n)
    const post = rows(n)
    for (let i = 0; i < n; i++) {
      if (lo !== undefined) {
        // relu(x - lo) + lo, less relu(x - hi) when there is a maximum too.
        add(pre, i, i, 1)
        pre.bias[i] = -lo
        add(post, i, i, 1)
        post.bias[i] = lo
        if (both) {
          add(pre, n + i, i, 1)
          pre.bias[n + i] = -hi!
          add(post, i, n + i, -1)
        }
      } else {
        // hi - relu(hi - x)
        add(pre, i, i, -1)
        pre.bias[i] = hi!
        add(post, i, i, -1)
        post.bias[i] = hi!
      }
    }
    return { shape: x.shape, pre, preReads: [x.tensor], post, postReads: [] }
  }
  // Max / Min of an activation and an activation or a constant.
  const constants = ctx.node.inputs.filter((name) => name !== '' && ctx.constants.has(name))
  if (inputs.length + constants.length !== 2) ctx.unsupported(`${op} of ${inputs.length + constants.length} operands is not supported; two are (an activation and an activation or a constant)`)
  const other = inputs[1]
  const c = other ? undefined : ctx.constants.get(constants[0]!)!
  const otherShape = other ? other.shape : c!.dims
  const shape = broadcastShapes(x.shape, otherShape)
  if (!shape) ctx.mismatch(`shapes [${x.shape.join(', ')}] and [${otherShape.join(', ')}] do not broadcast`)
  const m = sizeOf(shape)
  const xIndex = broadcastIndex(shape, x.shape)
  const oIndex = broadcastIndex(shape, otherShape)
  const same = other?.tensor === x.tensor
  const preReads = other && !same ? [x.tensor, other.tensor] : [x.tensor]
  const oBase = other && !same ? n : 0
  // Max: x + relu(o - x). Min: x - relu(x - o).
  const sign = op === 'Max' ? 1 : -1
  const pre = rows(m)
  const post = rows(m)
  for (let r = 0; r < m; r++) {
    add(pre, r, xIndex[r]!, -sign)
    if (other) add(pre, r, oBase + oIndex[r]!, sign)
    else pre.bias[r] = sign * c!.data[oIndex[r]!]!
    add(post, r, r, sign)
    add(post, r, m + xIndex[r]!, 1)
  }
  return { shape, pre, preReads, post, postReads: [x.tensor] }
}
