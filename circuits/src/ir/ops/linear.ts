import type { ConstTensor } from '../../onnx/graph.js'
import { sizeOf } from '../../onnx/graph.js'
import { broadcastIndex, broadcastShapes, transposeIndex } from '../shapes.js'
import { concatenatedReads, type LinearRows, linearStage, type NodeContext, type OpHandler, type OpTable, type Value } from './context.js'

/** Gemm and MatMul by a constant (a linear stage); MatMul of two activations (a bilinear stage). */
const matMul: OpHandler = ({ ctx, inputs, single, emit, out }) => {
  const { node } = ctx
  if (node.op === 'MatMul' && inputs.length === 2) {
    const lowered = lowerMatMulPair(ctx, inputs[0]!, inputs[1]!)
    out(emit({ kind: 'bilinear', sources: [node.name], shape: lowered.shape, rows: { offsets: lowered.offsets }, left: lowered.left, right: lowered.right }, lowered.reads))
    return
  }
  const lowered = node.op === 'Gemm' ? lowerGemm(ctx) : lowerMatMul(ctx)
  out(emit(linearStage(node.name, lowered.shape, lowered.rows), [single().tensor]))
}

/** Add, Sub, Mul, Div by a constant (a linear stage) or of two activations (linear, bilinear, divide). */
const elementwise: OpHandler = ({ ctx, inputs, single, emit, out }) => {
  const { node } = ctx
  if (inputs.length === 2) {
    if (node.op === 'Div') {
      // Exact division with a range-checked remainder (a divide stage); with broadcasting.
      const lowered = lowerMulPair(ctx, inputs[0]!, inputs[1]!)
      out(emit({ kind: 'divide', sources: [node.name], shape: lowered.shape, numerator: lowered.left, denominator: lowered.right }, lowered.reads))
      return
    }
    if (node.op === 'Mul') {
      const lowered = lowerMulPair(ctx, inputs[0]!, inputs[1]!)
      out(emit({ kind: 'bilinear', sources: [node.name], shape: lowered.shape, rows: { offsets: lowered.offsets }, left: lowered.left, right: lowered.right }, lowered.reads))
      return
    }
    const lowered = lowerElementwisePair(ctx, inputs[0]!, inputs[1]!)
    out(emit(linearStage(node.name, lowered.shape, lowered.rows), lowered.reads))
    return
  }
  const lowered = lowerElementwise(ctx)
  out(emit(linearStage(node.name, lowered.shape, lowered.rows), [single().tensor]))
}

const sum: OpHandler = ({ ctx, inputs, emit, out }) => {
  const lowered = lowerSum(ctx, inputs)
  out(emit(linearStage(ctx.node.name, lowered.shape, lowered.rows), lowered.reads))
}

/** Linear maps (and the products and quotients of two activations, which share their broadcasting). */
export const linearOps: OpTable = {
  Gemm: matMul,
  MatMul: matMul,
  Add: elementwise,
  Sub: elementwise,
  Mul: elementwise,
  Div: elementwise,
  Sum: sum,
  Mean: sum,
  BatchNormalization: ({ ctx, single, emit, out }) => out(emit(linearStage(ctx.node.name, ctx.shape, lowerBatchNorm(ctx)), [single().tensor])),
}

/** Rows of A·B where one operand is the activation (shape `act`) and the other a 2-D constant. */
function matmulRows(ctx: NodeContext, act: number[], constant: ConstTensor, actIsLeft: boolean, transConst: boolean, alpha: number): { shape: number[]; rows: LinearRows } {
  if (constant.dims.length !== 2 && !(constant.dims.length === 1 && !transConst))
    ctx.unsupported(`the constant operand must be 1-D or 2-D, got [${constant.dims.join(', ')}]`)
  const c2 = constant.dims.length === 1 ? (actIsLeft ? [constant.dims[0]!, 1] : [1, constant.dims[0]!]) : constant.dims
  const [c0, c1] = transConst ? [c2[1]!, c2[0]!] : [c2[0]!, c2[1]!]
  const cAt = (r: number, c: number) => (transConst ? constant.data[c * c2[1]! + r]! : constant.data[r * c2[1]! + c]!)
  const vectorAct = act.length === 1
  const a = vectorAct ? (actIsLeft ? [1, act[0]!] : [act[0]!, 1]) : act
  const batch = a.slice(0, -2)
  const [m, n] = [a[a.length - 2]!, a[a.length - 1]!]
  const rows: LinearRows = { indices: [], weights: [], bias: new Float64Array(0) }
  let outRows: number
  let outCols: number
  if (actIsLeft) {
    if (n !== c0) ctx.mismatch(`activation [${act.join(', ')}] times constant [${constant.dims.join(', ')}]: inner dimensions ${n} and ${c0} differ`)
    ;[outRows, outCols] = [m, c1]
  } else {
    if (c1 !== m) ctx.mismatch(`constant [${constant.dims.join(', ')}] times activation [${act.join(', ')}]: inner dimensions ${c1} and ${m} differ`)
    ;[outRows, outCols] = [c0, n]
  }
  const batches = sizeOf(batch)
  for (let b = 0; b < batches; b++) {
    const base = b * m * n
    for (let i = 0; i < outRows; i++) {
      for (let j = 0; j < outCols; j++) {
        const idx: number[] = []
        const w: number[] = []
        const inner = actIsLeft ? n : m
        for (let k = 0; k < inner; k++) {
          const weight = alpha * (actIsLeft ? cAt(k, j) : cAt(i, k))
          if (weight === 0) continue
          idx.push(base + (actIsLeft ? i * n + k : k * n + j))
          w.push(weight)
        }
        rows.indices.push(idx)
        rows.weights.push(w)
      }
    }
  }
  rows.bias = new Float64Array(rows.indices.length)
  let shape = [...batch, outRows, outCols]
  if (vectorAct) shape = actIsLeft ? [outCols] : [outRows]
  else if (constant.dims.length === 1) shape = actIsLeft ? [...batch, outRows] : [...batch, outCols]
  return { shape, rows }
}

function lowerMatMul(ctx: NodeContext): { shape: number[]; rows: LinearRows } {
  const actIsLeft = !ctx.isConst(0)
  return matmulRows(ctx, ctx.shape, ctx.constInput(actIsLeft ? 1 : 0), actIsLeft, false, 1)
}

function lowerGemm(ctx: NodeContext): { shape: number[]; rows: LinearRows } {
  if (ctx.shape.length !== 2) ctx.mismatch(`Gemm needs a 2-D activation, got [${ctx.shape.join(', ')}]`)
  const alpha = ctx.floatAttr('alpha', 1)
  const beta = ctx.floatAttr('beta', 1)
  const transA = ctx.intAttr('transA', 0) === 1
  const transB = ctx.intAttr('transB', 0) === 1
  const actIsLeft = !ctx.isConst(0)
  let act = ctx.shape
  let transposeAct: Int32Array | undefined
  if ((actIsLeft && transA) || (!actIsLeft && transB)) {
    const t = transposeIndex(act, [1, 0])
    act = t.shape
    transposeAct = t.index
  }
  const lowered = matmulRows(ctx, act, ctx.constInput(actIsLeft ? 1 : 0), actIsLeft, actIsLeft ? transB : transA, alpha)
  if (transposeAct) lowered.rows.indices = lowered.rows.indices.map((r) => r.map((i) => transposeAct[i]!))
  if (ctx.hasInput(2) && beta !== 0) {
    const c = ctx.constInput(2)
    if (!broadcastShapes(lowered.shape, c.dims)?.every((d, i) => d === lowered.shape[i]))
      ctx.mismatch(`bias C [${c.dims.join(', ')}] does not broadcast to the output [${lowered.shape.join(', ')}]`)
    const index = broadcastIndex(lowered.shape, c.dims)
    for (let r = 0; r < lowered.rows.bias.length; r++) lowered.rows.bias[r] = beta * c.data[index[r]!]!
  }
  return lowered
}

function lowerElementwise(ctx: NodeContext): { shape: number[]; rows: LinearRows } {
  const op = ctx.node.op
  const actFirst = !ctx.isConst(0)
  const c = ctx.constInput(actFirst ? 1 : 0)
  const shape = broadcastShapes(ctx.shape, c.dims)
  if (!shape) ctx.mismatch(`shapes [${ctx.shape.join(', ')}] and [${c.dims.join(', ')}] do not broadcast`)
  if (op === 'Div' && !actFirst) ctx.unsupported('dividing a constant by the activation is not linear')
  const xIndex = broadcastIndex(shape, ctx.shape)
  const cIndex = broadcastIndex(shape, c.dims)
  const rows: LinearRows = { indices: [], weights: [], bias: new Float64Array(xIndex.length) }
  for (let r = 0; r < xIndex.length; r++) {
    const cv = c.data[cIndex[r]!]!
    let w = 1
    let b = 0
    if (op === 'Add') b = cv
    else if (op === 'Sub') [w, b] = actFirst ? [1, -cv] : [-1, cv]
    else if (op === 'Mul') w = cv
    else {
      if (cv === 0) ctx.unsupported('division by a constant zero')
      w = 1 / cv
    }
    rows.indices.push(w === 0 ? [] : [xIndex[r]!])
    rows.weights.push(w === 0 ? [] : [w])
    rows.bias[r] = b
  }
  return { shape, rows }
}

/** Add / Sub of two activations (with broadcasting): one linear stage reading both tensors (or one, for x + x). */
function lowerElementwisePair(ctx: NodeContext, a: Value, b: Value): { shape: number[]; rows: LinearRows; reads: number[] } {
  const shape = broadcastShapes(a.shape, b.shape)
  if (!shape) ctx.mismatch(`shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] do not broadcast`)
  const same = a.tensor === b.tensor
  const reads = same ? [a.tensor] : [a.tensor, b.tensor]
  const offset = same ? 0 : sizeOf(a.shape)
  const aIndex = broadcastIndex(shape, a.shape)
  const bIndex = broadcastIndex(shape, b.shape)
  const sign = ctx.node.op === 'Sub' ? -1 : 1
  const rows: LinearRows = { indices: [], weights: [], bias: new Float64Array(aIndex.length) }
  for (let r = 0; r < aIndex.length; r++) {
    const [i, j] = [aIndex[r]!, bIndex[r]! + offset]
    if (i === j) {
      rows.indices.push(sign === 1 ? [i] : [])
      rows.weights.push(sign === 1 ? [2] : [])
    } else {
      rows.indices.push([i, j])
      rows.weights.push([1, sign])
    }
  }
  return { shape, rows, reads }
}

/** Sum / Mean of any number of activations and constants, broadcast together: one linear stage (constants go to its bias). */
function lowerSum(ctx: NodeContext, inputs: Value[]): { shape: number[]; rows: LinearRows; reads: number[] } {
  const operands = ctx.node.inputs.filter((name) => name !== '')
  let k = 0
  // Activation operands appear in `inputs` in the node's order.
  const shapes = operands.map((name) => ctx.constants.get(name)?.dims ?? inputs[k++]!.shape)
  let shape: number[] | undefined = shapes[0]!
  for (const other of shapes.slice(1)) shape = shape && broadcastShapes(shape, other)
  if (!shape) ctx.mismatch(`shapes ${shapes.map((d) => `[${d.join(', ')}]`).join(', ')} do not broadcast`)
  const { reads, base } = concatenatedReads(inputs)
  const weight = ctx.node.op === 'Mean' ? 1 / operands.length : 1
  const size = sizeOf(shape)
  const rows: LinearRows = { indices: Array.from({ length: size }, () => []), weights: Array.from({ length: size }, () => []), bias: new Float64Array(size) }
  let activation = 0
  for (const name of operands) {
    const constant = ctx.constants.get(name)
    const dims = constant?.dims ?? inputs[activation]!.shape
    const index = broadcastIndex(shape, dims)
    const value = constant ? undefined : inputs[activation++]!
    for (let r = 0; r < size; r++) {
      if (constant) rows.bias[r] = rows.bias[r]! + weight * constant.data[index[r]!]!
      else {
        const i = base.get(value!.tensor)! + index[r]!
        const at = rows.indices[r]!.indexOf(i)
        if (at >= 0) rows.weights[r]![at]! += weight
        else {
          rows.indices[r]!.push(i)
          rows.weights[r]!.push(weight)
        }
      }
    }
  }
  return { shape, rows, reads }
}

/** Where the two operands' values sit in the concatenation of the tensors a stage reads (one tensor when both are the same). */
function operandBases(a: Value, b: Value): { reads: number[]; aBase: number; bBase: number } {
  return a.tensor === b.tensor ? { reads: [a.tensor], aBase: 0, bBase: 0 } : { reads: [a.tensor, b.tensor], aBase: 0, bBase: sizeOf(a.shape) }
}

/** Mul of two activations (with broadcasting): one product per output. */
function lowerMulPair(ctx: NodeContext, a: Value, b: Value): { shape: number[]; offsets: Int32Array; left: Int32Array; right: Int32Array; reads: number[] } {
  const shape = broadcastShapes(a.shape, b.shape)
  if (!shape) ctx.mismatch(`shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] do not broadcast`)
  const { reads, aBase, bBase } = operandBases(a, b)
  const aIndex = broadcastIndex(shape, a.shape)
  const bIndex = broadcastIndex(shape, b.shape)
  return {
    shape,
    offsets: Int32Array.from({ length: aIndex.length + 1 }, (_, r) => r),
    left: aIndex.map((i) => i + aBase),
    right: bIndex.map((i) => i + bBase),
    reads,
  }
}

/** MatMul of two activations (numpy semantics: 1-D operands promoted, batch dimensions broadcast): one product per dot-product term. */
function lowerMatMulPair(ctx: NodeContext, a: Value, b: Value): { shape: number[]; offsets: Int32Array; left: Int32Array; right: Int32Array; reads: number[] } {
  const as = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape
  const bs = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape
  const [m, k] = [as[as.length - 2]!, as[as.length - 1]!]
  const [k2, n] = [bs[bs.length - 2]!, bs[bs.length - 1]!]
  if (k !== k2) ctx.mismatch(`[${a.shape.join(', ')}] times [${b.shape.join(', ')}]: inner dimensions ${k} and ${k2} differ`)
  const batch = broadcastShapes(as.slice(0, -2), bs.slice(0, -2))
  if (!batch) ctx.mismatch(`batch dimensions of [${a.shape.join(', ')}] and [${b.shape.join(', ')}] do not broadcast`)
  const { reads, aBase, bBase } = operandBases(a, b)
  const aBatch = broadcastIndex(batch, as.slice(0, -2))
  const bBatch = broadcastIndex(batch, bs.slice(0, -2))
  const left: number[] = []
  const right: number[] = []
  const offsets: number[] = [0]
  for (let p = 0; p < sizeOf(batch); p++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        for (let t = 0; t < k; t++) {
          left.push(aBase + aBatch[p]! * m * k + i * k + t)
          right.push(bBase + bBatch[p]! * k * n + t * n + j)
        }
        offsets.push(left.length)
      }
  let shape = [...batch, m, n]
  if (a.shape.length === 1) shape = shape.filter((_, d) => d !== shape.length - 2)
  if (b.shape.length === 1) shape = shape.slice(0, -1)
  return { shape, offsets: Int32Array.from(offsets), left: Int32Array.from(left), right: Int32Array.from(right), reads }
}

function lowerBatchNorm(ctx: NodeContext): LinearRows {
  if (ctx.intAttr('training_mode', 0) !== 0) ctx.reject('training_mode', 1, '0 (inference)')
  if (ctx.node.outputs.filter((o) => o !== '').length > 1) ctx.unsupported('only the inference form with one output is supported')
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => ctx.constInput(i).data)
  const eps = ctx.floatAttr('epsilon', 1e-5)
  const channels = ctx.shape[1]
  if (channels === undefined || scale!.length !== channels) ctx.mismatch(`expected ${channels} channel parameters, got ${scale!.length}`)
  const inner = sizeOf(ctx.shape.slice(2))
  const total = sizeOf(ctx.shape)
  const rows: LinearRows = { indices: [], weights: [], bias: new Float64Array(total) }
  for (let r = 0; r < total; r++) {
    const ch = Math.floor(r / inner) % channels
    const k = scale![ch]! / Math.sqrt(variance![ch]! + eps)
    rows.indices.push([r])
    rows.weights.push([k])
    rows.bias[r] = bias![ch]! - mean![ch]! * k
  }
  return rows
}
