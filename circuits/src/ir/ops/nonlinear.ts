import { sizeOf } from '../../onnx/graph.js'
import type { PiecewiseFunction } from '../piecewiseFunctions.js'
import { linearStage, type LinearRows, type NodeContext, type OpHandler, type OpTable } from './context.js'

/** Sigmoid, Tanh, Erf, Exp, Softsign: one piecewise stage. */
const piecewise: OpHandler = ({ ctx, single, emit, out }) => {
  const fn = ({ Sigmoid: { name: 'sigmoid' }, Tanh: { name: 'tanh' }, Erf: { name: 'erf' }, Exp: { name: 'exp' }, Softsign: { name: 'softsign' } } as const)[ctx.node.op as 'Sigmoid' | 'Tanh' | 'Erf' | 'Exp' | 'Softsign']
  out(emit({ kind: 'piecewise', sources: [ctx.node.name], shape: ctx.shape, fn }, [single().tensor]))
}

/**
 * Softplus, Gelu, Elu, Selu: f(x) = a·relu(x) + g(x) with g saturating at both ends: a Relu and a
 * piecewise stage of the same input, then one linear stage adding them.
 */
const growing: OpHandler = ({ ctx, single, emit, out }) => {
  const { node } = ctx
  const x = single()
  const n = sizeOf(x.shape)
  const { a, fn } = growingActivation(ctx)
  const relu = emit({ kind: 'relu', sources: [node.name], shape: x.shape }, [x.tensor])
  const g = emit({ kind: 'piecewise', sources: [node.name], shape: x.shape, fn }, [x.tensor])
  const sum: LinearRows = { indices: Array.from({ length: n }, (_, i) => [i, n + i]), weights: Array.from({ length: n }, () => [a, 1]), bias: new Float64Array(n) }
  out(emit(linearStage(node.name, x.shape, sum), [relu.tensor, g.tensor]))
}

/** Smooth activations (piecewise-polynomial stages) and the exact Sqrt and Reciprocal. */
export const nonlinearOps: OpTable = {
  Sigmoid: piecewise,
  Tanh: piecewise,
  Erf: piecewise,
  Exp: piecewise,
  Softsign: piecewise,
  Softplus: growing,
  Gelu: growing,
  Elu: growing,
  Selu: growing,
  Sqrt: ({ ctx, single, emit, out }) => out(emit({ kind: 'sqrt', sources: [ctx.node.name], shape: ctx.shape }, [single().tensor])),
  Reciprocal: ({ ctx, single, emit, out }) => {
    // 1 / x: a linear stage of constant ones (no weights, bias 1) as the numerator, then a divide.
    const x = single()
    const n = sizeOf(x.shape)
    const ones = emit(linearStage(ctx.node.name, x.shape, { indices: Array.from({ length: n }, () => []), weights: Array.from({ length: n }, () => []), bias: new Float64Array(n).fill(1) }), [x.tensor])
    out(emit({ kind: 'divide', sources: [ctx.node.name], shape: x.shape, numerator: Int32Array.from({ length: n }, (_, i) => i), denominator: Int32Array.from({ length: n }, (_, i) => n + i) }, [ones.tensor, x.tensor]))
  },
}

/** Softplus, Gelu, Elu, Selu as a·relu(x) + g(x), g the piecewise part that tends to constants at both ends. */
function growingActivation(ctx: NodeContext): { a: number; fn: PiecewiseFunction } {
  switch (ctx.node.op) {
    case 'Softplus':
      return { a: 1, fn: { name: 'softplusExcess' } }
    case 'Gelu': {
      const approximate = ctx.stringAttr('approximate', 'none')
      if (approximate !== 'none' && approximate !== 'tanh') ctx.reject('approximate', approximate, '"none" or "tanh"')
      return { a: 1, fn: { name: 'geluExcess', approximate } }
    }
    case 'Elu':
      return { a: 1, fn: { name: 'expm1Negative', scale: ctx.floatAttr('alpha', 1) } }
    case 'Selu': {
      const gamma = ctx.floatAttr('gamma', 1.05070102214813232421875)
      return { a: gamma, fn: { name: 'expm1Negative', scale: gamma * ctx.floatAttr('alpha', 1.67326319217681884765625) } }
    }
    default:
      return ctx.unsupported('not a growing activation')
  }
}
