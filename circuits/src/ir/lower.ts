import { ShapeMismatchError, UnsupportedAttributeError, UnsupportedGraphError, UnsupportedOpError } from '../errors/compile.js'
import type { AttributeValue, ConstTensor, OnnxGraph, OnnxNode } from '../onnx/graph.js'
import { sizeOf } from '../onnx/graph.js'
import { fuseGraph } from '../onnx/fuse.js'
import { broadcastIndex, broadcastShapes, stridesOf, transposeIndex } from './shapes.js'
import type { PiecewiseFunction } from './piecewiseFunctions.js'
import { rowsFromLists, type ModelIR, type SparseRows, type Stage } from './stages.js'

/** A linear stage under construction: per output element, its (input index, weight) terms. */
type LinearRows = { indices: number[][]; weights: number[][]; bias: Float64Array }

const SHAPE_OPS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout'])

/** An activation value during lowering: the tensor holding it (0 = input, s + 1 = stage s) and its shape (shape ops only change this). */
type Value = { tensor: number; shape: number[] }

/**
 * Lowers an ONNX graph (nodes in topological order, as ONNX requires) into the compiler's stages
 * (see stages.ts): any DAG of supported ops with static shapes. Shape ops only rename a value;
 * each other op appends stages that read the tensors of its activation inputs; constant-only
 * subgraphs are folded. Linear and gather stages with a single consumer are then composed into
 * that consumer (fuseStages).
 */
export function lowerGraph(exported: OnnxGraph): ModelIR {
  // The ops as the file has them (the manifest lists these), before fusions rewrite formulas.
  const ops = exported.nodes.map((node) => node.op)
  const { graph, notes } = fuseGraph(exported)
  const constants = new Map(graph.constants)
  const stages: Stage[] = []
  const values = new Map<string, Value>([[graph.input.name, { tensor: 0, shape: [...graph.input.shape] }]])
  // Softmax outputs dropped because only an ArgMax (or nothing) reads them: their value is their input's.
  const consumers = new Map<string, OnnxNode[]>()
  for (const node of graph.nodes) for (const name of node.inputs) if (name) consumers.set(name, [...(consumers.get(name) ?? []), node])
  /** The non-shape ops that read `name`, looking through shape ops. */
  const readers = (name: string): OnnxNode[] => (consumers.get(name) ?? []).flatMap((n) => (SHAPE_OPS.has(n.op) ? readers(n.outputs[0] ?? '') : [n]))
  const argMaxTensors = new Set<number>()

  for (const node of graph.nodes) {
    const activationInputs = node.inputs.filter((name) => name !== '' && !constants.has(name))
    if (activationInputs.length === 0) {
      foldConstantNode(node, constants, graph.opset)
      continue
    }
    const inputs = activationInputs.map((name) => {
      const value = values.get(name)
      if (!value) throw new UnsupportedGraphError({ reason: `node "${node.name}" (${node.op}) reads "${name}", which is neither the model input, a constant nor the output of an earlier node` })
      if (argMaxTensors.has(value.tensor) && !SHAPE_OPS.has(node.op))
        throw new UnsupportedGraphError({ reason: `node "${node.name}" (${node.op}) reads the output of an ArgMax, which must be the model's output` })
      return value
    })
    const first = inputs[0]!
    const ctx = new NodeContext(node, constants, first.shape, graph.opset)
    /** Appends a stage reading `reads` (tensor ids) and returns its value. */
    const emit = (stage: Stage, reads: number[], shape = stage.shape): Value => {
      stages.push({ ...stage, inputs: reads })
      return { tensor: stages.length, shape }
    }
    /**
     * Softmax of x over the groups of `plan` (lowerSoftmax says how): its probabilities; with `log`,
     * LogSoftmax: (x - max) - ln Σ exp(x - max), the log a piecewise stage on [1, group size].
     */
    const emitSoftmax = (x: Value, plan: SoftmaxGroups, log = false): Value => {
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
     * An ONNX-ML model's outputs from its scores (last axis: classes or targets): post_transform
     * (LOGISTIC: a sigmoid each; SOFTMAX: over each row) as output 0 of a regressor or 1 of a
     * classifier, whose output 0 is the ArgMax of the scores when its labels are 0 .. n-1 (every
     * supported post_transform keeps their order); with `labelOfSecondScore` (a two-class tree
     * ensemble, as onnxruntime labels it) it is 1 when the second score is above 0. A binary
     * classifier with one score s per row goes to emitBinaryOutputs.
     */
    const emitModelOutputs = (scores: Value, classes: number, post: 'NONE' | 'LOGISTIC' | 'SOFTMAX', classifier: boolean, labelsAreIndices: boolean, binary?: BinaryScores, labelOfSecondScore = false): void => {
      if (binary) return emitBinaryOutputs(scores, post, labelsAreIndices, binary)
      const groups = lastAxisGroups(sizeOf(scores.shape), classes)
      const transform = () =>
        out(
          post === 'LOGISTIC'
            ? emit({ kind: 'piecewise', sources: [node.name], shape: scores.shape, fn: { name: 'sigmoid' } }, [scores.tensor])
            : post === 'SOFTMAX'
              ? emitSoftmax(scores, groups)
              : scores,
          classifier ? 1 : 0,
        )
      if (!classifier) return transform()
      emitClassifierOutputs(labelsAreIndices, transform, () => {
        // The ArgMax of [0, second score] in each row: its first maximum wins a tie, so 1 only when the score is above 0.
        const n = sizeOf(scores.shape)
        const second = (i: number) => i % classes === 1
        const candidates = labelOfSecondScore ? emit(linearStage(node.name, scores.shape, { indices: Array.from({ length: n }, (_, i) => (second(i) ? [i] : [])), weights: Array.from({ length: n }, (_, i) => (second(i) ? [1] : [])), bias: new Float64Array(n) }), [scores.tensor]) : scores
        return emit({ kind: 'argMax', sources: [node.name], shape: scores.shape.slice(0, -1), groups: rowsFromLists(groups.groups) }, [candidates.tensor])
      })
    }
    /**
     * A binary classifier's outputs from its one score s per row, as onnxruntime writes them: the
     * label is 1 when s > threshold (an ArgMax over [threshold, s], whose first maximum wins a
     * tie), and the two scores are [1 - p, p] or [-p, p] with p = s, or p = sigmoid(s) under
     * LOGISTIC (then always [1 - p, p]). SOFTMAX leaves a single score as it is.
     */
    const emitBinaryOutputs = (scores: Value, post: 'NONE' | 'LOGISTIC' | 'SOFTMAX', labelsAreIndices: boolean, { threshold, complement }: BinaryScores): void => {
      const rows = sizeOf(scores.shape)
      const shape = [...scores.shape.slice(0, -1), 2]
      /** Two values per row from one: [a·x + b, x]. */
      const pairs = (a: number, b: number): LinearRows => ({
        indices: Array.from({ length: 2 * rows }, (_, i) => (i % 2 === 0 && a === 0 ? [] : [i >> 1])),
        weights: Array.from({ length: 2 * rows }, (_, i) => (i % 2 === 0 ? (a === 0 ? [] : [a]) : [1])),
        bias: Float64Array.from({ length: 2 * rows }, (_, i) => (i % 2 === 0 ? b : 0)),
      })
      const transform = () => {
        const p = post === 'LOGISTIC' ? emit({ kind: 'piecewise', sources: [node.name], shape: scores.shape, fn: { name: 'sigmoid' } }, [scores.tensor]) : scores
        out(emit(linearStage(node.name, shape, complement || post === 'LOGISTIC' ? pairs(-1, 1) : pairs(-1, 0)), [p.tensor]), 1)
      }
      emitClassifierOutputs(labelsAreIndices, transform, () => {
        const candidates = emit(linearStage(node.name, shape, pairs(0, threshold)), [scores.tensor])
        return emit({ kind: 'argMax', sources: [node.name], shape: scores.shape.slice(0, -1), groups: rowsFromLists(Array.from({ length: rows }, (_, r) => [2 * r, 2 * r + 1])) }, [candidates.tensor])
      })
    }
    /**
     * A classifier's scores (output 1) and, when its labels are indices, its label (output 0), the
     * graph's output emitted last: an output computed before others is copied to the end (a
     * gather), and a label copied so no longer reads as a class index.
     */
    const emitClassifierOutputs = (labelsAreIndices: boolean, scores: () => void, label: () => Value): void => {
      const emitLabel = () => {
        if (!labelsAreIndices) return
        const value = label()
        argMaxTensors.add(value.tensor)
        out(value, 0)
      }
      if (node.outputs[0] === graph.output.name) {
        scores()
        emitLabel()
      } else {
        emitLabel()
        scores()
      }
    }
    const single = () => {
      if (inputs.length > 1) ctx.unsupported(`${node.op} of ${inputs.length} activations ("${activationInputs.join('", "')}") is not supported: one operand must be a constant`)
      return first
    }
    const out = (value: Value, k = 0) => {
      const name = node.outputs[k]
      if (name) values.set(name, value)
    }
    switch (node.op) {
      case 'Identity':
      case 'Dropout':
        if (node.outputs.length > 1 && node.outputs[1]) ctx.unsupported('the mask output of Dropout is not supported')
        out(single())
        break
      case 'Reshape':
        out({ tensor: single().tensor, shape: reshapeTarget(ctx, ctx.constInput(1).data, ctx.intAttr('allowzero', 0) === 1) })
        break
      case 'Flatten': {
        const axis = normalizeAxis(ctx, ctx.intAttr('axis', 1), ctx.shape.length + 1)
        out({ tensor: single().tensor, shape: [sizeOf(ctx.shape.slice(0, axis)), sizeOf(ctx.shape.slice(axis))] })
        break
      }
      case 'Squeeze':
      case 'Unsqueeze':
        out({ tensor: single().tensor, shape: squeezeShape(ctx, node.op === 'Squeeze') })
        break
      case 'Transpose': {
        const perm = ctx.intsAttr('perm', ctx.shape.map((_, i) => ctx.shape.length - 1 - i))
        const t = transposeIndex(ctx.shape, perm)
        out(emit({ kind: 'gather', sources: [node.name], shape: t.shape, index: t.index }, [single().tensor]))
        break
      }
      case 'Relu':
        out(emit({ kind: 'relu', sources: [node.name], shape: ctx.shape }, [single().tensor]))
        break
      case 'LeakyRelu':
        out(emit({ kind: 'leakyRelu', sources: [node.name], shape: ctx.shape, alpha: ctx.floatAttr('alpha', 0.01) }, [single().tensor]))
        break
      case 'Neg': {
        const x = single()
        const n = sizeOf(x.shape)
        out(emit(linearStage(node.name, x.shape, { indices: Array.from({ length: n }, (_, i) => [i]), weights: Array.from({ length: n }, () => [-1]), bias: new Float64Array(n) }), [x.tensor]))
        break
      }
      case 'Abs':
      case 'Clip':
      case 'PRelu':
      case 'Max':
      case 'Min': {
        // pre (linear) -> Relu -> post (linear over the Relu's outputs and the operand): every piece exact.
        const emitPlan = (plan: ReturnType<typeof piecewisePlan>): Value => {
          if ('alias' in plan) return plan.alias
          const pre = emit(linearStage(node.name, [plan.pre.bias.length], plan.pre), plan.preReads)
          const relu = emit({ kind: 'relu', sources: [node.name], shape: [plan.pre.bias.length] }, [pre.tensor])
          return emit(linearStage(node.name, plan.shape, plan.post), [relu.tensor, ...plan.postReads])
        }
        const operands = node.inputs.filter((name) => name !== '')
        if ((node.op === 'Max' || node.op === 'Min') && operands.length > 2) {
          // Max / Min of more than two operands: of the first activation and each other operand in turn.
          const first = operands.indexOf(activationInputs[0]!)
          let acc = inputs[0]!
          for (const [k, name] of operands.entries()) {
            if (k === first) continue
            const value = values.get(name)
            const pair = new NodeContext({ ...node, inputs: [`${node.name}/running ${node.op}`, name] }, constants, acc.shape, graph.opset)
            acc = emitPlan(piecewisePlan(pair, value ? [acc, value] : [acc]))
          }
          out(acc)
          break
        }
        out(emitPlan(piecewisePlan(ctx, inputs)))
        break
      }
      case 'Gemm':
      case 'MatMul': {
        if (node.op === 'MatMul' && inputs.length === 2) {
          const lowered = lowerMatMulPair(ctx, inputs[0]!, inputs[1]!)
          out(emit({ kind: 'bilinear', sources: [node.name], shape: lowered.shape, rows: { offsets: lowered.offsets }, left: lowered.left, right: lowered.right }, lowered.reads))
          break
        }
        const lowered = node.op === 'Gemm' ? lowerGemm(ctx) : lowerMatMul(ctx)
        out(emit(linearStage(node.name, lowered.shape, lowered.rows), [single().tensor]))
        break
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div': {
        if (inputs.length === 2) {
          if (node.op === 'Div') {
            // Exact division with a range-checked remainder (a divide stage); with broadcasting.
            const lowered = lowerMulPair(ctx, inputs[0]!, inputs[1]!)
            out(emit({ kind: 'divide', sources: [node.name], shape: lowered.shape, numerator: lowered.left, denominator: lowered.right }, lowered.reads))
            break
          }
          if (node.op === 'Mul') {
            const lowered = lowerMulPair(ctx, inputs[0]!, inputs[1]!)
            out(emit({ kind: 'bilinear', sources: [node.name], shape: lowered.shape, rows: { offsets: lowered.offsets }, left: lowered.left, right: lowered.right }, lowered.reads))
            break
          }
          const lowered = lowerElementwisePair(ctx, inputs[0]!, inputs[1]!)
          out(emit(linearStage(node.name, lowered.shape, lowered.rows), lowered.reads))
          break
        }
        const lowered = lowerElementwise(ctx)
        out(emit(linearStage(node.name, lowered.shape, lowered.rows), [single().tensor]))
        break
      }
      case 'BatchNormalization':
        out(emit(linearStage(node.name, ctx.shape, lowerBatchNorm(ctx)), [single().tensor]))
        break
      case 'Conv':
      case 'ConvTranspose': {
        const lowered = node.op === 'Conv' ? lowerConv(ctx) : lowerConvTranspose(ctx)
        out(emit(linearStage(node.name, lowered.shape, lowered.rows), [single().tensor]))
        break
      }
      case 'AveragePool':
      case 'GlobalAveragePool':
      case 'MaxPool': {
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
        break
      }
      case 'Resize':
      case 'Upsample': {
        const lowered = lowerResizeNearest(ctx)
        out(emit({ kind: 'gather', sources: [node.name], shape: lowered.shape, index: lowered.index }, [single().tensor]))
        break
      }
      case 'Expand':
      case 'Tile': {
        const x = single()
        const target = Array.from(ctx.constInput(1).data)
        let shape: number[]
        let index: Int32Array
        if (node.op === 'Expand') {
          shape = broadcastShapes(x.shape, target) ?? ctx.mismatch(`[${x.shape.join(', ')}] does not broadcast to [${target.join(', ')}]`)
          index = broadcastIndex(shape, x.shape)
        } else {
          if (target.length !== x.shape.length || target.some((r) => !Number.isInteger(r) || r < 1)) ctx.mismatch(`repeats [${target.join(', ')}] must be one positive integer per axis of [${x.shape.join(', ')}]`)
          shape = x.shape.map((d, i) => d * target[i]!)
          index = gatherOver(shape, (at) => flatIndex(x.shape, at.map((v, i) => v % x.shape[i]!)))
        }
        out(emit({ kind: 'gather', sources: [node.name], shape, index }, [x.tensor]))
        break
      }
      case 'Sum':
      case 'Mean': {
        const lowered = lowerSum(ctx, inputs)
        out(emit(linearStage(node.name, lowered.shape, lowered.rows), lowered.reads))
        break
      }
      case 'Sqrt':
        out(emit({ kind: 'sqrt', sources: [node.name], shape: ctx.shape }, [single().tensor]))
        break
      case 'Reciprocal': {
        // 1 / x: a linear stage of constant ones (no weights, bias 1) as the numerator, then a divide.
        const x = single()
        const n = sizeOf(x.shape)
        const ones = emit(linearStage(node.name, x.shape, { indices: Array.from({ length: n }, () => []), weights: Array.from({ length: n }, () => []), bias: new Float64Array(n).fill(1) }), [x.tensor])
        out(emit({ kind: 'divide', sources: [node.name], shape: x.shape, numerator: Int32Array.from({ length: n }, (_, i) => i), denominator: Int32Array.from({ length: n }, (_, i) => n + i) }, [ones.tensor, x.tensor]))
        break
      }
      case 'LayerNormalization': {
        // Over the axes from `axis` on: d = x - mean(x) (linear), the sum of d² (bilinear), then
        // Σ d² + n·epsilon (linear), its sqrt, d / sqrt (divide), then √n·scale and bias (linear).
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
        break
      }
      case 'Sigmoid':
      case 'Tanh':
      case 'Erf':
      case 'Exp':
      case 'Softsign': {
        const fn = ({ Sigmoid: { name: 'sigmoid' }, Tanh: { name: 'tanh' }, Erf: { name: 'erf' }, Exp: { name: 'exp' }, Softsign: { name: 'softsign' } } as const)[node.op]
        out(emit({ kind: 'piecewise', sources: [node.name], shape: ctx.shape, fn }, [single().tensor]))
        break
      }
      case 'Softplus':
      case 'Gelu':
      case 'Elu':
      case 'Selu': {
        // f(x) = a·relu(x) + g(x) with g saturating at both ends: a Relu and a piecewise stage of
        // the same input, then one linear stage adding them.
        const x = single()
        const n = sizeOf(x.shape)
        const { a, fn } = growingActivation(ctx)
        const relu = emit({ kind: 'relu', sources: [node.name], shape: x.shape }, [x.tensor])
        const g = emit({ kind: 'piecewise', sources: [node.name], shape: x.shape, fn }, [x.tensor])
        const sum: LinearRows = { indices: Array.from({ length: n }, (_, i) => [i, n + i]), weights: Array.from({ length: n }, () => [a, 1]), bias: new Float64Array(n) }
        out(emit(linearStage(node.name, x.shape, sum), [relu.tensor, g.tensor]))
        break
      }
      case 'HardSigmoid':
      case 'HardSwish': {
        // HardSigmoid(x) = clip(alpha x + beta, 0, 1) = relu(alpha x + beta) - relu(alpha x + beta - 1);
        // HardSwish(x) = x · HardSigmoid(x) with alpha 1/6, beta 1/2.
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
        break
      }
      case 'ReduceSum':
      case 'ReduceMean':
      case 'ReduceMax':
      case 'ReduceMin': {
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
        break
      }
      case 'Pad': {
        const lowered = lowerPad(ctx)
        out(emit(linearStage(node.name, lowered.shape, lowered.rows), [single().tensor]))
        break
      }
      case 'Concat': {
        const lowered = lowerConcat(ctx, inputs)
        out(emit({ kind: 'gather', sources: [node.name], shape: lowered.shape, index: lowered.index }, lowered.reads))
        break
      }
      case 'Split':
        lowerSplit(ctx, single()).forEach((part, k) => out(emit({ kind: 'gather', sources: [node.name], shape: part.shape, index: part.index }, [first.tensor]), k))
        break
      case 'Slice': {
        const lowered = lowerSlice(ctx)
        out(emit({ kind: 'gather', sources: [node.name], shape: lowered.shape, index: lowered.index }, [single().tensor]))
        break
      }
      case 'Gather': {
        if (ctx.isConst(0)) {
          // An embedding lookup: rows of a constant table picked by integer-valued indices (lowerLookup).
          const indices = single()
          const plan = lowerLookup(ctx, indices.shape)
          const differences = emit(linearStage(node.name, [plan.steps.length], { indices: plan.steps.map((s) => [s.position]), weights: plan.steps.map(() => [1]), bias: Float64Array.from(plan.steps, (s) => -s.row) }), [indices.tensor])
          const steps = emit({ kind: 'piecewise', sources: [node.name], shape: [plan.steps.length], fn: { name: 'stepAtLeast' }, prefixGroups: plan.groupSize }, [differences.tensor])
          out(emit(linearStage(node.name, plan.shape, plan.rows), [steps.tensor]))
          break
        }
        const lowered = lowerGather(ctx)
        out(emit({ kind: 'gather', sources: [node.name], shape: lowered.shape, index: lowered.index }, [single().tensor]))
        break
      }
      case 'Softmax':
      case 'LogSoftmax': {
        const after = readers(node.outputs[0] ?? '')
        if (!(after.length === 0 || (after.length === 1 && after[0]!.op === 'ArgMax'))) {
          // Inside the model (attention weights, a gate): computed, as lowerSoftmax says.
          out(node.op === 'Softmax' ? emitSoftmax(single(), lowerSoftmax(ctx)) : emitSoftmax(single(), lowerSoftmax(ctx), true))
          break
        }
        if (!(after.length === 0 || (after.length === 1 && after[0]!.op === 'ArgMax')))
          ctx.unsupported(`${node.op} is supported only as the last op (or just before a final ArgMax), where it is dropped`)
        notes.push(
          after.length === 0
            ? `${node.op} "${node.name}" at the end was dropped: outputs are the logits before it (it does not change the ranking of classes).`
            : `${node.op} "${node.name}" before ArgMax was dropped: it does not change which class is largest.`,
        )
        out(single())
        break
      }
      case 'LinearRegressor':
      case 'LinearClassifier': {
        const x = single()
        const model = lowerLinearModel(ctx)
        const scores = emit(linearStage(node.name, model.shape, model.rows), [x.tensor])
        emitModelOutputs(scores, model.classes, model.post, node.op === 'LinearClassifier', model.labelsAreIndices, model.binary)
        break
      }
      case 'TreeEnsembleRegressor':
      case 'TreeEnsembleClassifier': {
        const x = single()
        const plan = lowerTreeEnsemble(ctx)
        // 1. Each decision node's test as a step of (feature - threshold), exactly 0 or 1: [x > t]
        // for the strict ones, [x >= t] for the others, each kind one linear and one piecewise stage.
        const position = new Int32Array(plan.tests.length)
        const steps: number[] = []
        for (const strict of [true, false]) {
          const tests = plan.tests.flatMap((t, i) => (t.strict === strict ? [i] : []))
          if (tests.length === 0) continue
          const offset = steps.length ? sizeOf(stages[steps[0]! - 1]!.shape) : 0
          tests.forEach((t, k) => (position[t] = offset + k))
          const differences = emit(linearStage(node.name, [tests.length], { indices: tests.map((t) => [plan.tests[t]!.feature]), weights: tests.map(() => [1]), bias: Float64Array.from(tests, (t) => -plan.tests[t]!.threshold) }), [x.tensor])
          steps.push(emit({ kind: 'piecewise', sources: [node.name], shape: [tests.length], fn: { name: strict ? 'stepAbove' : 'stepAtLeast' } }, [differences.tensor]).tensor)
        }
        // 2. A leaf is reached when every test on its path went its way: the sum of those outcomes
        // less (depth - 1) is then 1, else at most 0; one more step makes it 0 or 1.
        const leaves = plan.leaves.filter((l) => l.path.length > 0)
        const reach = emit(
          linearStage(node.name, [leaves.length], {
            indices: leaves.map((l) => l.path.map((p) => position[p.node]!)),
            // A test's step is 1 when its "true" branch is taken for GT / GTE and 0 for LT / LEQ.
            weights: leaves.map((l) => l.path.map((p) => (p.taken === plan.tests[p.node]!.trueWhenStep ? 1 : -1))),
            bias: Float64Array.from(leaves, (l) => l.path.filter((p) => p.taken !== plan.tests[p.node]!.trueWhenStep).length - (l.path.length - 1)),
          }),
          steps,
        )
        const reached = emit({ kind: 'piecewise', sources: [node.name], shape: [leaves.length], fn: { name: 'stepAbove' } }, [reach.tensor])
        // 3. Each output: base value + the weights of the leaves reached (single-leaf trees are constants).
        const outputs = plan.outputs
        const rows: LinearRows = { indices: [], weights: [], bias: Float64Array.from(plan.base) }
        for (let o = 0; o < outputs; o++) {
          const indices: number[] = []
          const weights: number[] = []
          leaves.forEach((l, i) => {
            const w = l.weights[o] ?? 0
            if (w !== 0) {
              indices.push(i)
              weights.push(w * plan.factor)
            }
          })
          rows.indices.push(indices)
          rows.weights.push(weights)
          for (const l of plan.leaves) if (l.path.length === 0) rows.bias[o]! += (l.weights[o] ?? 0) * plan.factor
        }
        const scores = emit(linearStage(node.name, [...ctx.shape.slice(0, -1), outputs], rows), [reached.tensor])
        emitModelOutputs(scores, outputs, plan.post, node.op === 'TreeEnsembleClassifier', plan.labelsAreIndices, plan.binary, plan.labelOfSecondScore)
        break
      }
      case 'Normalizer': {
        // ONNX-ML Normalizer over the last axis: x / max(x) (MAX), x / Σ|x| (L1), x / sqrt(Σx²) (L2),
        // the division exact (a divide stage, its denominator clamped to at least one unit).
        const x = single()
        const norm = ctx.stringAttr('norm', 'MAX')
        const n = x.shape[x.shape.length - 1]!
        const total = sizeOf(x.shape)
        const groups = lastAxisGroups(total, n)
        if (norm !== 'MAX' && norm !== 'L1' && norm !== 'L2') ctx.reject('norm', norm, 'MAX, L1 or L2')
        let denominator: Value
        if (norm === 'MAX') denominator = emit({ kind: 'maxPool', sources: [node.name], shape: [groups.groups.length], windows: rowsFromLists(groups.groups) }, [x.tensor])
        else if (norm === 'L1') {
          // Σ|x| = Σ relu(x) + relu(-x).
          const both = emit(linearStage(node.name, [2 * total], { indices: Array.from({ length: 2 * total }, (_, i) => [i % total]), weights: Array.from({ length: 2 * total }, (_, i) => [i < total ? 1 : -1]), bias: new Float64Array(2 * total) }), [x.tensor])
          const relu = emit({ kind: 'relu', sources: [node.name], shape: [2 * total] }, [both.tensor])
          denominator = emit(linearStage(node.name, [groups.groups.length], { indices: groups.groups.map((g) => [...g, ...g.map((i) => total + i)]), weights: groups.groups.map((g) => new Array<number>(2 * g.length).fill(1)), bias: new Float64Array(groups.groups.length) }), [relu.tensor])
        } else {
          const squares = emit({ kind: 'bilinear', sources: [node.name], shape: [groups.groups.length], rows: { offsets: Int32Array.from({ length: groups.groups.length + 1 }, (_, g) => g * n) }, left: Int32Array.from({ length: total }, (_, i) => i), right: Int32Array.from({ length: total }, (_, i) => i) }, [x.tensor])
          denominator = emit({ kind: 'sqrt', sources: [node.name], shape: [groups.groups.length] }, [squares.tensor])
        }
        out(emit({ kind: 'divide', sources: [node.name], shape: x.shape, numerator: Int32Array.from({ length: total }, (_, i) => i), denominator: Int32Array.from(groups.groupOf, (g) => total + g) }, [x.tensor, denominator.tensor]))
        break
      }
      case 'ZipMap':
        // A classifier's scores as a sequence of maps: the loader compiles the scores themselves.
        break
      case 'Cast': {
        const to = ctx.intAttr('to', 1)
        // float, double: the values stay as they are (the compiler works on reals until it quantizes).
        if (to !== 1 && to !== 11) ctx.reject('to', to, '1 (float) or 11 (double)')
        out(single())
        break
      }
      case 'ArgMax': {
        const lowered = lowerArgMax(ctx)
        const value = emit({ kind: 'argMax', sources: [node.name], shape: lowered.shape, groups: lowered.groups }, [single().tensor])
        argMaxTensors.add(value.tensor)
        out(value)
        break
      }
      default:
        throw new UnsupportedOpError({ node: node.name, op: node.op })
    }
  }

  const output = values.get(graph.output.name)
  if (!output) throw new UnsupportedGraphError({ reason: `the graph output "${graph.output.name}" is not computed by any supported node` })
  if (stages.length === 0 || output.tensor === 0)
    throw new UnsupportedGraphError({ reason: 'the model computes nothing from its input', details: 'Only shape ops were found.' })
  // The output must be the last tensor: an output computed earlier (others computed after it and unused) is copied last.
  if (output.tensor !== stages.length) stages.push({ kind: 'gather', sources: [graph.output.name], shape: output.shape, index: Int32Array.from({ length: sizeOf(output.shape) }, (_, i) => i), inputs: [output.tensor] })
  return { inputShape: [...graph.input.shape], outputShape: output.shape, stages: fuseStages(pruneUnused(stages)), ops, notes }
}

/** Drops stages whose output nothing reads (a Split part never used, a dead branch), renumbering tensors. */
function pruneUnused(stages: Stage[]): Stage[] {
  const live = new Array<boolean>(stages.length + 1).fill(false)
  live[stages.length] = true
  for (let s = stages.length - 1; s >= 0; s--) if (live[s + 1]) for (const t of stages[s]!.inputs!) live[t] = true
  return renumber(stages, (s) => live[s + 1]!)
}

/** Keeps the stages `keep` accepts, renumbering the tensors the others read (a dropped stage's output must be unread). */
function renumber(stages: Stage[], keep: (s: number) => boolean): Stage[] {
  const id = new Array<number>(stages.length + 1).fill(-1)
  id[0] = 0
  const kept: Stage[] = []
  stages.forEach((stage, s) => {
    if (!keep(s)) return
    kept.push({ ...stage, inputs: stage.inputs!.map((t) => id[t]!) })
    id[s + 1] = kept.length
  })
  return kept
}

/**
 * Composes a linear or gather stage whose output only one stage reads, that one reading nothing
 * else, into its reader where that is exact and free (linear then linear, gather then linear,
 * gather then gather); then drops `inputs` where a stage reads just the previous tensor, so a
 * chain model's IR is what it always was.
 */
function fuseStages(input: Stage[]): Stage[] {
  const stages = [...input]
  const readers = new Array<number>(stages.length + 1).fill(0)
  for (const stage of stages) for (const t of stage.inputs!) readers[t]!++
  const removed = new Set<number>()
  stages.forEach((stage, s) => {
    const [t] = stage.inputs!
    if (stage.inputs!.length !== 1 || t === 0 || readers[t!] !== 1) return
    const p = t! - 1
    const prev = stages[p]!
    let fused: Stage | undefined
    if (prev.kind === 'linear' && stage.kind === 'linear') fused = composeLinear(prev, stage)
    else if (prev.kind === 'gather' && stage.kind === 'linear') fused = { ...stage, sources: [...prev.sources, ...stage.sources], rows: { offsets: stage.rows.offsets, indices: stage.rows.indices.map((i) => prev.index[i]!) } }
    else if (prev.kind === 'gather' && stage.kind === 'gather') fused = { ...stage, sources: [...prev.sources, ...stage.sources], index: stage.index.map((i) => prev.index[i]!) }
    else if (prev.kind === 'linear' && stage.kind === 'gather') fused = pickRows(prev, stage)
    else if (prev.kind === 'gather' && stage.kind === 'bilinear') fused = { ...stage, sources: [...prev.sources, ...stage.sources], left: stage.left.map((i) => prev.index[i]!), right: stage.right.map((i) => prev.index[i]!) }
    if (!fused) return
    stages[s] = { ...fused, inputs: prev.inputs }
    removed.add(p)
  })
  return renumber(stages, (s) => !removed.has(s)).map((stage, s) => {
    if (stage.inputs!.length === 1 && stage.inputs![0] === s) {
      const { inputs: _inputs, ...chain } = stage
      return chain as Stage
    }
    return stage
  })
}

class NodeContext {
  constructor(
    readonly node: OnnxNode,
    readonly constants: Map<string, ConstTensor>,
    readonly shape: number[],
    readonly opset: number,
  ) {}

  unsupported(reason: string): never {
    throw new UnsupportedOpError({ node: this.node.name, op: this.node.op, reason })
  }

  mismatch(reason: string): never {
    throw new ShapeMismatchError({ node: this.node.name, op: this.node.op, reason })
  }

  isConst(i: number): boolean {
    const name = this.node.inputs[i]
    return name !== undefined && name !== '' && this.constants.has(name)
  }

  hasInput(i: number): boolean {
    const name = this.node.inputs[i]
    return name !== undefined && name !== ''
  }

  constInput(i: number): ConstTensor {
    const name = this.node.inputs[i]
    const value = name ? this.constants.get(name) : undefined
    if (!value) this.unsupported(`input ${i} ("${name ?? ''}") must be a constant (an initializer or a Constant node)`)
    return value
  }

  attr(name: string): AttributeValue | undefined {
    return this.node.attributes[name]
  }

  intAttr(name: string, fallback: number): number {
    const v = this.attr(name)
    return typeof v === 'number' ? v : fallback
  }

  floatAttr(name: string, fallback: number): number {
    return this.intAttr(name, fallback)
  }

  intsAttr(name: string, fallback: number[]): number[] {
    const v = this.attr(name)
    return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : fallback
  }

  stringsAttr(name: string): string[] | undefined {
    const v = this.attr(name)
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined
  }

  stringAttr(name: string, fallback: string): string {
    const v = this.attr(name)
    return typeof v === 'string' ? v : fallback
  }

  reject(attribute: string, value: unknown, supported: string): never {
    throw new UnsupportedAttributeError({ node: this.node.name, op: this.node.op, attribute, value, supported })
  }
}

function normalizeAxis(ctx: NodeContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis
  if (a < 0 || a >= rank) ctx.reject('axis', axis, `an axis in [${-rank}, ${rank - 1}]`)
  return a
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

function linearStage(source: string, shape: number[], rows: LinearRows): Stage {
  const offsets = new Int32Array(rows.indices.length + 1)
  let total = 0
  rows.indices.forEach((r, i) => {
    total += r.length
    offsets[i + 1] = total
  })
  const indices = new Int32Array(total)
  const weights = new Float64Array(total)
  rows.indices.forEach((r, i) => {
    indices.set(r, offsets[i]!)
    weights.set(rows.weights[i]!, offsets[i]!)
  })
  return { kind: 'linear', sources: [source], shape, rows: { offsets, indices }, weights, bias: rows.bias }
}

/** A gather of a linear stage's outputs: the same linear map with the picked rows (a row may be picked twice). */
function pickRows(linear: Extract<Stage, { kind: 'linear' }>, gather: Extract<Stage, { kind: 'gather' }>): Stage {
  const { offsets, indices } = linear.rows
  const rows: LinearRows = { indices: [], weights: [], bias: new Float64Array(gather.index.length) }
  gather.index.forEach((r, k) => {
    rows.indices.push(Array.from(indices.subarray(offsets[r]!, offsets[r + 1]!)))
    rows.weights.push(Array.from(linear.weights.subarray(offsets[r]!, offsets[r + 1]!)))
    rows.bias[k] = linear.bias[r]!
  })
  return { ...linearStage('', gather.shape, rows), sources: [...linear.sources, ...gather.sources] }
}

/** second(first(x)) as one linear map: weights multiply, biases carry through. */
function composeLinear(first: Extract<Stage, { kind: 'linear' }>, second: Extract<Stage, { kind: 'linear' }>): Stage {
  const inSize = first.rows.indices.reduce((m, i) => Math.max(m, i + 1), 0)
  const dense = new Float64Array(inSize)
  const touched = new Uint8Array(inSize)
  const rows: LinearRows = { indices: [], weights: [], bias: new Float64Array(second.bias.length) }
  for (let r = 0; r < second.bias.length; r++) {
    const used: number[] = []
    let bias = second.bias[r]!
    for (let t = second.rows.offsets[r]!; t < second.rows.offsets[r + 1]!; t++) {
      const k = second.rows.indices[t]!
      const w = second.weights[t]!
      bias += w * first.bias[k]!
      for (let u = first.rows.offsets[k]!; u < first.rows.offsets[k + 1]!; u++) {
        const i = first.rows.indices[u]!
        if (!touched[i]) {
          touched[i] = 1
          used.push(i)
        }
        dense[i] = dense[i]! + w * first.weights[u]!
      }
    }
    used.sort((a, b) => a - b)
    rows.indices.push(used)
    rows.weights.push(used.map((i) => dense[i]!))
    for (const i of used) {
      dense[i] = 0
      touched[i] = 0
    }
    rows.bias[r] = bias
  }
  const composed = linearStage('', second.shape, rows)
  return { ...composed, sources: [...first.sources, ...second.sources] }
}

function reshapeTarget(ctx: NodeContext, target: Float64Array, allowZero: boolean): number[] {
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

function squeezeShape(ctx: NodeContext, squeeze: boolean): number[] {
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

/** Sum / Mean of any number of activations and constants, broadcast together: one linear stage (constants go to its bias). */
function lowerSum(ctx: NodeContext, inputs: Value[]): { shape: number[]; rows: LinearRows; reads: number[] } {
  const operands = ctx.node.inputs.filter((name) => name !== '')
  let k = 0
  // Activation operands appear in `inputs` in the node's order.
  const shapes = operands.map((name) => ctx.constants.get(name)?.dims ?? inputs[k++]!.shape)
  let shape: number[] | undefined = shapes[0]!
  for (const other of shapes.slice(1)) shape = shape && broadcastShapes(shape, other)
  if (!shape) ctx.mismatch(`shapes ${shapes.map((d) => `[${d.join(', ')}]`).join(', ')} do not broadcast`)
  const reads = [...new Set(inputs.map((v) => v.tensor))]
  const base = new Map<number, number>()
  let offset = 0
  for (const t of reads) {
    base.set(t, offset)
    offset += sizeOf(inputs.find((v) => v.tensor === t)!.shape)
  }
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

/** Output element k of a gather over `shape`, given its multi-index: `at(index)` says where it is read from. */
function gatherOver(shape: readonly number[], at: (index: number[]) => number): Int32Array {
  const total = sizeOf(shape)
  const out = new Int32Array(total)
  const index = new Array<number>(shape.length).fill(0)
  for (let k = 0; k < total; k++) {
    out[k] = at(index)
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break
      index[d] = 0
    }
  }
  return out
}

const flatIndex = (shape: readonly number[], index: readonly number[]) => index.reduce((acc, v, d) => acc * shape[d]! + v, 0)

/** Concat: a gather over the concatenation of the distinct input tensors. */
function lowerConcat(ctx: NodeContext, inputs: Value[]): { shape: number[]; index: Int32Array; reads: number[] } {
  const rank = inputs[0]!.shape.length
  if (ctx.attr('axis') === undefined) ctx.reject('axis', undefined, 'an axis (Concat requires it)')
  const axis = normalizeAxis(ctx, ctx.intAttr('axis', 0), rank)
  for (const v of inputs)
    if (v.shape.length !== rank || v.shape.some((d, i) => i !== axis && d !== inputs[0]!.shape[i]))
      ctx.mismatch(`inputs [${inputs.map((x) => x.shape.join(', ')).join('] and [')}] differ outside axis ${axis}`)
  const reads = [...new Set(inputs.map((v) => v.tensor))]
  const base = new Map<number, number>()
  let offset = 0
  for (const t of reads) {
    base.set(t, offset)
    offset += sizeOf(inputs.find((v) => v.tensor === t)!.shape)
  }
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

/** Window attributes over the spatial axes (pads: every axis's begin, then every axis's end). */
type Window2D = { kernel: number[]; strides: number[]; dilations: number[]; pads: number[] }

function spatialOutput(ctx: NodeContext, inDims: number[], w: Window2D, ceil: boolean): number[] {
  return inDims.map((d, i) => {
    const span = (w.kernel[i]! - 1) * w.dilations[i]! + 1
    const padded = d + w.pads[i]! + w.pads[i + inDims.length]!
    if (padded < span) ctx.mismatch(`kernel extent ${span} exceeds the padded input ${padded} on spatial axis ${i}`)
    let out = (ceil ? Math.ceil : Math.floor)((padded - span) / w.strides[i]!) + 1
    if (ceil && (out - 1) * w.strides[i]! >= d + w.pads[i]!) out--
    return out
  })
}

function windowAttributes(ctx: NodeContext, spatial: number[], kernel: number[]): Window2D {
  const rank = spatial.length
  const strides = ctx.intsAttr('strides', new Array(rank).fill(1))
  const dilations = ctx.intsAttr('dilations', new Array(rank).fill(1))
  let pads = ctx.intsAttr('pads', new Array(rank * 2).fill(0))
  const autoPad = ctx.stringAttr('auto_pad', 'NOTSET')
  if (autoPad === 'VALID') pads = new Array(rank * 2).fill(0)
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(rank * 2).fill(0)
    spatial.forEach((d, i) => {
      const out = Math.ceil(d / strides[i]!)
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - d)
      const small = Math.floor(total / 2)
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small
      pads[i + rank] = total - pads[i]!
    })
  } else if (autoPad !== 'NOTSET') ctx.reject('auto_pad', autoPad, 'NOTSET, VALID, SAME_UPPER, SAME_LOWER')
  if (strides.length !== rank || dilations.length !== rank || pads.length !== rank * 2)
    ctx.mismatch(`strides/dilations/pads must have ${rank}/${rank}/${rank * 2} entries`)
  return { kernel, strides, dilations, pads }
}

/** Calls `fn` with every multi-index of `dims`, row-major. */
function forEachIndex(dims: readonly number[], fn: (index: number[]) => void): void {
  if (dims.some((d) => d <= 0)) return
  const index = new Array<number>(dims.length).fill(0)
  for (;;) {
    fn(index)
    let d = dims.length - 1
    for (; d >= 0; d--) {
      if (++index[d]! < dims[d]!) break
      index[d] = 0
    }
    if (d < 0) return
  }
}

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
 * The groups a Softmax normalizes over (opset 13+: the `axis` dimension alone, default -1; before
 * 13: the input coerced to 2-D at `axis`, default 1, each row a group), as index lists, with each
 * element's group. It is computed as exp(x - max) · 1/Σ exp(x - max) per group: a maxPool over
 * each group, a linear x - max (at most 0, so Exp is fitted on (-∞, 0] only), a piecewise Exp, a
 * linear sum (at least 1: the largest element contributes e^0 = 1, which Exp's fit reproduces
 * exactly), a piecewise reciprocal on [1, group size], and a bilinear product. Error against float:
 * Exp's and the reciprocal's bounds (PIECEWISE_ERROR_BOUND each, times the other factor, at most 1)
 * plus the product's rounding.
 */
type SoftmaxGroups = { groups: number[][]; groupOf: Int32Array; size: number }

/** Groups of `size` consecutive elements (a Softmax over the last axis of a row-major tensor). */
function lastAxisGroups(total: number, size: number): SoftmaxGroups {
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

type TreeTest = { feature: number; threshold: number; strict: boolean; trueWhenStep: boolean }
/**
 * A binary classifier that scores one class (s per row) and onnxruntime's reading of it: label 1
 * when s > threshold; second score 1 - s (complement) or -s.
 */
type BinaryScores = { threshold: number; complement: boolean }
type TreeLeaf = { path: { node: number; taken: boolean }[]; weights: number[] }

/**
 * ONNX-ML TreeEnsembleRegressor / TreeEnsembleClassifier (scikit-learn's trees and forests, XGBoost
 * and LightGBM as their converters write them), one sample ([1, features]). Every decision node
 * becomes an exact 0/1 step of feature - threshold: [x > t] for BRANCH_LEQ and BRANCH_GT,
 * [x >= t] for BRANCH_LT and BRANCH_GTE (on the quantized values, so a feature within half a unit
 * of a threshold may go the other way than in float). A leaf is reached when all tests on its path
 * went its way; the outputs are base values plus the weights of the leaves reached (AVERAGE divides
 * by the number of trees), then post_transform NONE, LOGISTIC or SOFTMAX (classifiers).
 *
 * A binary classifier whose weights are all for class 0 (XGBoost's and LightGBM's, with
 * post_transform LOGISTIC) has one score s = base_values[0] + Σ weights, read as onnxruntime
 * does: when every weight is at least 0, label [s > 0.5] and scores [1 - p, p]; otherwise label
 * [s > 0] and scores [-p, p] (NONE, SOFTMAX) or [1 - p, p] (LOGISTIC); p = s, or sigmoid(s) under
 * LOGISTIC. A two-class ensemble with weights for both classes keeps its two scores, but
 * onnxruntime labels it 1 when the second is above 0 (labelOfSecondScore), not by their ArgMax.
 */
function lowerTreeEnsemble(ctx: NodeContext): {
  tests: TreeTest[]
  leaves: TreeLeaf[]
  outputs: number
  base: number[]
  factor: number
  post: 'NONE' | 'LOGISTIC' | 'SOFTMAX'
  labelsAreIndices: boolean
  binary?: BinaryScores | undefined
  labelOfSecondScore: boolean
} {
  const classifier = ctx.node.op === 'TreeEnsembleClassifier'
  const features = ctx.shape[ctx.shape.length - 1]!
  if (sizeOf(ctx.shape) !== features) ctx.unsupported(`a ${ctx.node.op} over a batch of ${sizeOf(ctx.shape) / features} samples is not supported: one sample ([1, features])`)
  const treeIds = ctx.intsAttr('nodes_treeids', [])
  const nodeIds = ctx.intsAttr('nodes_nodeids', [])
  const featureIds = ctx.intsAttr('nodes_featureids', [])
  const values = ctx.intsAttr('nodes_values', [])
  const modes = ctx.stringsAttr('nodes_modes') ?? []
  const trueIds = ctx.intsAttr('nodes_truenodeids', [])
  const falseIds = ctx.intsAttr('nodes_falsenodeids', [])
  const n = treeIds.length
  if ([nodeIds, featureIds, values, modes, trueIds, falseIds].some((a) => a.length !== n)) ctx.mismatch('the nodes_* attributes differ in length')
  const prefix = classifier ? 'class' : 'target'
  const targetTrees = ctx.intsAttr(`${prefix}_treeids`, [])
  const targetNodes = ctx.intsAttr(`${prefix}_nodeids`, [])
  const targetIds = ctx.intsAttr(`${prefix}_ids`, [])
  const targetWeights = ctx.intsAttr(`${prefix}_weights`, [])
  if ([targetNodes, targetIds, targetWeights].some((a) => a.length !== targetTrees.length)) ctx.mismatch(`the ${prefix}_* attributes differ in length`)
  const labels = classifier ? (ctx.stringsAttr('classlabels_strings') ?? ctx.intsAttr('classlabels_int64s', [])) : []
  const weightedClasses = new Set(targetIds)
  const binary = classifier && labels.length === 2 && weightedClasses.size === 1 && weightedClasses.has(0)
  const outputs = classifier ? (binary ? 1 : labels.length) : ctx.intAttr('n_targets', 1)
  if (classifier && !binary && weightedClasses.size < labels.length)
    ctx.unsupported(
      labels.length === 2
        ? `a binary TreeEnsembleClassifier with weights for class ${[...weightedClasses].join(', ') || 'none'} only is not supported: write them for class 0 (as XGBoost and LightGBM do) or for both classes`
        : `a TreeEnsembleClassifier with weights for ${weightedClasses.size} of its ${labels.length} classes is not supported: export weights for each class`,
    )
  const post = ctx.stringAttr('post_transform', 'NONE')
  if (post !== 'NONE' && !(classifier && (post === 'LOGISTIC' || post === 'SOFTMAX'))) ctx.reject('post_transform', post, classifier ? 'NONE, LOGISTIC or SOFTMAX' : 'NONE')
  const aggregate = classifier ? 'SUM' : ctx.stringAttr('aggregate_function', 'SUM')
  if (aggregate !== 'SUM' && aggregate !== 'AVERAGE') ctx.reject('aggregate_function', aggregate, 'SUM or AVERAGE')
  const base = ctx.intsAttr('base_values', [])
  const twoClasses = classifier && labels.length === 2 && !binary
  if (binary && base.length === 2)
    ctx.unsupported('two base_values for a binary TreeEnsembleClassifier with weights for class 0 only are not supported (onnxruntime then reads it as two classes, one never scored): give one base value')
  if (twoClasses && base.length !== 0)
    ctx.unsupported(`base_values for a two-class TreeEnsembleClassifier are not supported (onnxruntime then scores class 1 as class 0's score plus base_values[1]): fold them into the leaf weights`)
  if (base.length !== 0 && base.length !== outputs) ctx.mismatch(`base_values has ${base.length} values for ${outputs} outputs`)

  const key = (tree: number, id: number) => `${tree}:${id}`
  const index = new Map<string, number>()
  for (let i = 0; i < n; i++) index.set(key(treeIds[i]!, nodeIds[i]!), i)
  const tests: TreeTest[] = []
  const testOf = new Map<number, number>()
  for (let i = 0; i < n; i++) {
    const mode = modes[i]!
    if (mode === 'LEAF') continue
    if (!['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT'].includes(mode)) ctx.reject('nodes_modes', mode, 'BRANCH_LEQ, BRANCH_LT, BRANCH_GTE, BRANCH_GT or LEAF')
    if (featureIds[i]! < 0 || featureIds[i]! >= features) ctx.mismatch(`node ${nodeIds[i]} of tree ${treeIds[i]} tests feature ${featureIds[i]} of ${features}`)
    testOf.set(i, tests.length)
    // The step is [x > t] (LEQ, GT) or [x >= t] (LT, GTE); the true branch is taken when it is 1 for GT / GTE.
    tests.push({ feature: featureIds[i]!, threshold: values[i]!, strict: mode === 'BRANCH_LEQ' || mode === 'BRANCH_GT', trueWhenStep: mode === 'BRANCH_GT' || mode === 'BRANCH_GTE' })
  }
  const weightsOf = new Map<number, number[]>()
  const secondClassLeaves = new Set<number>()
  for (let t = 0; t < targetTrees.length; t++) {
    const i = index.get(key(targetTrees[t]!, targetNodes[t]!))
    if (i === undefined || modes[i] !== 'LEAF') ctx.mismatch(`${prefix} weight ${t} names node ${targetNodes[t]} of tree ${targetTrees[t]}, which is not a leaf`)
    const w = weightsOf.get(i) ?? new Array<number>(outputs).fill(0)
    if (targetIds[t]! < 0 || targetIds[t]! >= outputs) ctx.mismatch(`${prefix}_ids names output ${targetIds[t]} of ${outputs}`)
    w[targetIds[t]!]! += targetWeights[t]!
    weightsOf.set(i, w)
    if (targetIds[t] === 1) secondClassLeaves.add(i)
  }
  const leaves: TreeLeaf[] = []
  let weightlessLeaf = false
  let leafWithoutSecondClass = false
  const trees = [...new Set(treeIds)]
  for (const tree of trees) {
    const root = nodeIds.reduce((best, id, i) => (treeIds[i] === tree && (best === undefined || id < best) ? id : best), undefined as number | undefined)!
    const walk = (id: number, path: TreeLeaf['path'], depth: number) => {
      const i = index.get(key(tree, id))
      if (i === undefined) ctx.mismatch(`tree ${tree} refers to node ${id}, which it does not define`)
      if (depth > 64) ctx.unsupported(`tree ${tree} is deeper than 64 levels (or has a cycle)`)
      if (modes[i] === 'LEAF') {
        weightlessLeaf ||= !weightsOf.has(i)
        leafWithoutSecondClass ||= !secondClassLeaves.has(i)
        leaves.push({ path, weights: weightsOf.get(i) ?? new Array<number>(outputs).fill(0) })
        return
      }
      walk(trueIds[i]!, [...path, { node: testOf.get(i)!, taken: true }], depth + 1)
      walk(falseIds[i]!, [...path, { node: testOf.get(i)!, taken: false }], depth + 1)
    }
    walk(root, [], 0)
  }
  // onnxruntime labels a binary sample whose leaves carry no weight by 0, not by its base value.
  if (binary && weightlessLeaf && (base[0] ?? 0) !== 0) ctx.unsupported('a binary TreeEnsembleClassifier with a base value and a leaf without a class weight is not supported: give every leaf a weight (0 if need be)')
  // A sample that reaches no weight for class 1 is scored by onnxruntime as a one-class model.
  if (twoClasses && leafWithoutSecondClass) ctx.unsupported('a two-class TreeEnsembleClassifier with a leaf without a weight for class 1 is not supported: give every leaf a class-1 weight (0 if need be)')
  const labelsAreIndices = classifier && labels.every((l, i) => l === i)
  return {
    tests,
    leaves,
    outputs,
    base: base.length ? base : new Array<number>(outputs).fill(0),
    factor: aggregate === 'AVERAGE' ? 1 / trees.length : 1,
    post: post as 'NONE' | 'LOGISTIC' | 'SOFTMAX',
    labelsAreIndices,
    binary: binary ? (targetWeights.every((w) => w >= 0) ? { threshold: 0.5, complement: true } : { threshold: 0, complement: false }) : undefined,
    labelOfSecondScore: twoClasses,
  }
}

/**
 * ONNX-ML LinearRegressor / LinearClassifier (what scikit-learn's linear models export): scores =
 * X · coefficientsᵀ + intercepts over the last axis, one linear stage. A classifier's post_transform
 * NONE, LOGISTIC (a piecewise sigmoid per score) or SOFTMAX (over each row's scores) applies to the
 * scores output; its label output is the ArgMax of the scores (every supported post_transform keeps
 * their order), given when the class labels are 0 .. classes-1 (the label then is the index).
 * A binary classifier with one row of coefficients scores class 1 only, read as onnxruntime
 * does: label [s > 0], scores [1 - p, p] with p = s, or sigmoid(s) under LOGISTIC.
 */
function lowerLinearModel(ctx: NodeContext): {
  shape: number[]
  rows: LinearRows
  classes: number
  post: 'NONE' | 'LOGISTIC' | 'SOFTMAX'
  labelsAreIndices: boolean
  binary?: BinaryScores | undefined
} {
  const classifier = ctx.node.op === 'LinearClassifier'
  const features = ctx.shape[ctx.shape.length - 1]!
  const batch = sizeOf(ctx.shape) / features
  const coefficients = ctx.intsAttr('coefficients', [])
  if (coefficients.length === 0 || coefficients.length % features !== 0) ctx.mismatch(`coefficients has ${coefficients.length} values, not a multiple of the ${features} input features`)
  const classes = coefficients.length / features
  const intercepts = ctx.intsAttr('intercepts', [])
  if (intercepts.length !== 0 && intercepts.length !== classes) ctx.mismatch(`intercepts has ${intercepts.length} values for ${classes} ${classifier ? 'classes' : 'targets'}`)
  const post = ctx.stringAttr('post_transform', 'NONE')
  let labelsAreIndices = false
  let binary: BinaryScores | undefined
  if (classifier) {
    if (ctx.intAttr('multi_class', 0) !== 0) ctx.reject('multi_class', ctx.intAttr('multi_class', 0), '0')
    const labels = ctx.stringsAttr('classlabels_strings') ?? ctx.intsAttr('classlabels_ints', [])
    if (classes === 1) {
      if (labels.length !== 2) ctx.mismatch(`${labels.length} class labels for one row of coefficients (a binary classifier, which has 2)`)
      // onnxruntime counts a LinearClassifier's classes by its intercepts.
      if (intercepts.length !== 1) ctx.mismatch(`a binary LinearClassifier needs exactly one intercept, not ${intercepts.length}`)
      binary = { threshold: 0, complement: true }
    } else if (labels.length !== classes) ctx.mismatch(`${labels.length} class labels for ${classes} rows of coefficients`)
    labelsAreIndices = labels.every((l, i) => l === i)
    if (post !== 'NONE' && post !== 'LOGISTIC' && post !== 'SOFTMAX') ctx.reject('post_transform', post, 'NONE, LOGISTIC or SOFTMAX')
  } else {
    if (ctx.intAttr('targets', 1) !== classes) ctx.mismatch(`targets is ${ctx.intAttr('targets', 1)} but coefficients hold ${classes} rows`)
    if (post !== 'NONE') ctx.reject('post_transform', post, 'NONE')
  }
  const rows: LinearRows = { indices: [], weights: [], bias: new Float64Array(batch * classes) }
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < classes; c++) {
      rows.indices.push(Array.from({ length: features }, (_, f) => b * features + f))
      rows.weights.push(coefficients.slice(c * features, (c + 1) * features))
      rows.bias[b * classes + c] = intercepts[c] ?? 0
    }
  return { shape: [...ctx.shape.slice(0, -1), classes], rows, classes, post: post as 'NONE' | 'LOGISTIC' | 'SOFTMAX', labelsAreIndices, binary }
}

function lowerArgMax(ctx: NodeContext): { shape: number[]; groups: SparseRows } {
  if (ctx.intAttr('select_last_index', 0) !== 0) ctx.reject('select_last_index', 1, '0 (the first maximum wins)')
  const rank = ctx.shape.length
  const axis = normalizeAxis(ctx, ctx.intAttr('axis', 0), rank)
  const keep = ctx.intAttr('keepdims', 1) === 1
  const strides = stridesOf(ctx.shape)
  const outShape = ctx.shape.map((d, i) => (i === axis ? 1 : d))
  const total = sizeOf(outShape)
  const outStrides = stridesOf(outShape)
  const lists: number[][] = []
  for (let r = 0; r < total; r++) {
    let base = 0
    let rest = r
    for (let d = 0; d < rank; d++) {
      const coord = Math.floor(rest / outStrides[d]!)
      rest -= coord * outStrides[d]!
      base += coord * strides[d]!
    }
    lists.push(Array.from({ length: ctx.shape[axis]! }, (_, k) => base + k * strides[axis]!))
  }
  return { shape: keep ? outShape : outShape.filter((_, i) => i !== axis), groups: rowsFromLists(lists) }
}

/** Evaluates a node whose inputs are all constants (weights pre-processing in exported graphs). */
function foldConstantNode(node: OnnxNode, constants: Map<string, ConstTensor>, opset: number): void {
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
