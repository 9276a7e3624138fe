import type { ConstTensor, OnnxNode } from '../onnx/graph.js'
import { sizeOf } from '../onnx/graph.js'
import { NodeContext, normalizeAxis } from './ops/context.js'
import { reshapeTarget, squeezeShape } from './ops/shape.js'
import { broadcastIndex, broadcastShapes, transposeIndex } from './shapes.js'

/** Evaluates a node whose inputs are all constants (weights pre-processing in exported graphs). */
export function foldConstantNode(node: OnnxNode, constants: Map<string, ConstTensor>, opset: number): void {
  const ctx = new NodeContext(node, constants, [], opset)
  const x = () => ctx.constInput(0)
  let out: ConstTensor
  switch (node.op) {
    case 'Identity':
    case 'Dropout':
      out = x()
      break
    case 'Transpose': {
      const t = x()
      const perm = ctx.intsAttr('perm', t.dims.map((_, i) => t.dims.length - 1 - i))
      const tr = transposeIndex(t.dims, perm)
      out = { dims: tr.shape, data: Float64Array.from(tr.index, (i) => t.data[i]!) }
      break
    }
    case 'Reshape':
    case 'Flatten':
    case 'Squeeze':
    case 'Unsqueeze': {
      const t = x()
      const shaped = new NodeContext(node, constants, t.dims, opset)
      const dims =
        node.op === 'Reshape'
          ? reshapeTarget(shaped, ctx.constInput(1).data, ctx.intAttr('allowzero', 0) === 1)
          : node.op === 'Flatten'
            ? (() => {
                const axis = normalizeAxis(shaped, ctx.intAttr('axis', 1), t.dims.length + 1)
                return [sizeOf(t.dims.slice(0, axis)), sizeOf(t.dims.slice(axis))]
              })()
            : squeezeShape(shaped, node.op === 'Squeeze')
      out = { dims, data: t.data }
      break
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': {
      const [a, b] = [x(), ctx.constInput(1)]
      const dims = broadcastShapes(a.dims, b.dims) ?? ctx.mismatch(`shapes [${a.dims.join(', ')}] and [${b.dims.join(', ')}] do not broadcast`)
      const ai = broadcastIndex(dims, a.dims)
      const bi = broadcastIndex(dims, b.dims)
      const f = { Add: (p: number, q: number) => p + q, Sub: (p: number, q: number) => p - q, Mul: (p: number, q: number) => p * q, Div: (p: number, q: number) => p / q }[node.op]
      out = { dims, data: Float64Array.from(ai, (i, r) => f(a.data[i]!, b.data[bi[r]!]!)) }
      break
    }
    default:
      return ctx.unsupported('this op is supported on constants only as Identity, Transpose, Reshape, Flatten, Squeeze, Unsqueeze, Add, Sub, Mul or Div')
  }
  for (const name of node.outputs) if (name) constants.set(name, out)
}
