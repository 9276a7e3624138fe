import { sizeOf } from '../../onnx/graph.js'
import { stridesOf } from '../shapes.js'
import { rowsFromLists, type SparseRows } from '../stages.js'
import { linearStage, normalizeAxis, type LinearRows, type NodeContext, type NodeLowering, type OpHandler, type OpTable, type Value } from './context.js'
import { emitSoftmax, lastAxisGroups } from './normalization.js'

const linearModel: OpHandler = (lowering) => {
  const { ctx, single, emit } = lowering
  const x = single()
  const model = lowerLinearModel(ctx)
  const scores = emit(linearStage(ctx.node.name, model.shape, model.rows), [x.tensor])
  emitModelOutputs(lowering, scores, model.classes, model.post, ctx.node.op === 'LinearClassifier', model.labelsAreIndices, model.binary)
}

const treeEnsemble: OpHandler = (lowering) => {
  const { ctx, single, emit } = lowering
  const { node } = ctx
  const x = single()
  const plan = lowerTreeEnsemble(ctx)
  // 1. Each decision node's test as a step of (feature - threshold), exactly 0 or 1: [x > t]
  // for the strict ones, [x >= t] for the others, each kind one linear and one piecewise stage.
  const position = new Int32Array(plan.tests.length)
  const steps: Value[] = []
  for (const strict of [true, false]) {
    const tests = plan.tests.flatMap((t, i) => (t.strict === strict ? [i] : []))
    if (tests.length === 0) continue
    const offset = steps.length ? sizeOf(steps[0]!.shape) : 0
    tests.forEach((t, k) => (position[t] = offset + k))
    const differences = emit(linearStage(node.name, [tests.length], { indices: tests.map((t) => [plan.tests[t]!.feature]), weights: tests.map(() => [1]), bias: Float64Array.from(tests, (t) => -plan.tests[t]!.threshold) }), [x.tensor])
    steps.push(emit({ kind: 'piecewise', sources: [node.name], shape: [tests.length], fn: { name: strict ? 'stepAbove' : 'stepAtLeast' } }, [differences.tensor]))
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
    steps.map((s) => s.tensor),
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
  emitModelOutputs(lowering, scores, outputs, plan.post, node.op === 'TreeEnsembleClassifier', plan.labelsAreIndices, plan.binary, plan.labelOfSecondScore)
}

/**
 * ONNX-ML Normalizer over the last axis: x / max(x) (MAX), x / Σ|x| (L1), x / sqrt(Σx²) (L2),
 * the division exact (a divide stage, its denominator clamped to at least one unit).
 */
const normalizer: OpHandler = ({ ctx, single, emit, out }) => {
  const { node } = ctx
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
}

/** The ai.onnx.ml models (linear models, tree ensembles, Normalizer, ZipMap) and what their graphs use around them (Cast, ArgMax). */
export const mlOps: OpTable = {
  LinearRegressor: linearModel,
  LinearClassifier: linearModel,
  TreeEnsembleRegressor: treeEnsemble,
  TreeEnsembleClassifier: treeEnsemble,
  Normalizer: normalizer,
  // A classifier's scores as a sequence of maps: the loader compiles the scores themselves.
  ZipMap: () => {},
  Cast: ({ ctx, single, out }) => {
    const to = ctx.intAttr('to', 1)
    // float, double: the values stay as they are (the compiler works on reals until it quantizes).
    if (to !== 1 && to !== 11) ctx.reject('to', to, '1 (float) or 11 (double)')
    out(single())
  },
  ArgMax: ({ ctx, single, emit, out, markArgMax }) => {
    const lowered = lowerArgMax(ctx)
    const value = emit({ kind: 'argMax', sources: [ctx.node.name], shape: lowered.shape, groups: lowered.groups }, [single().tensor])
    markArgMax(value)
    out(value)
  },
}

/**
 * An ONNX-ML model's outputs from its scores (last axis: classes or targets): post_transform
 * (LOGISTIC: a sigmoid each; SOFTMAX: over each row) as output 0 of a regressor or 1 of a
 * classifier, whose output 0 is the ArgMax of the scores when its labels are 0 .. n-1 (every
 * supported post_transform keeps their order); with `labelOfSecondScore` (a two-class tree
 * ensemble, as onnxruntime labels it) it is 1 when the second score is above 0. A binary
 * classifier with one score s per row goes to emitBinaryOutputs.
 */
function emitModelOutputs(lowering: NodeLowering, scores: Value, classes: number, post: 'NONE' | 'LOGISTIC' | 'SOFTMAX', classifier: boolean, labelsAreIndices: boolean, binary?: BinaryScores, labelOfSecondScore = false): void {
  const { ctx, emit, out } = lowering
  const { node } = ctx
  if (binary) return emitBinaryOutputs(lowering, scores, post, labelsAreIndices, binary)
  const groups = lastAxisGroups(sizeOf(scores.shape), classes)
  const transform = () =>
    out(
      post === 'LOGISTIC'
        ? emit({ kind: 'piecewise', sources: [node.name], shape: scores.shape, fn: { name: 'sigmoid' } }, [scores.tensor])
        : post === 'SOFTMAX'
          ? emitSoftmax(lowering, scores, groups)
          : scores,
      classifier ? 1 : 0,
    )
  if (!classifier) return transform()
  emitClassifierOutputs(lowering, labelsAreIndices, transform, () => {
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
function emitBinaryOutputs(lowering: NodeLowering, scores: Value, post: 'NONE' | 'LOGISTIC' | 'SOFTMAX', labelsAreIndices: boolean, { threshold, complement }: BinaryScores): void {
  const { ctx, emit, out } = lowering
  const { node } = ctx
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
  emitClassifierOutputs(lowering, labelsAreIndices, transform, () => {
    const candidates = emit(linearStage(node.name, shape, pairs(0, threshold)), [scores.tensor])
    return emit({ kind: 'argMax', sources: [node.name], shape: scores.shape.slice(0, -1), groups: rowsFromLists(Array.from({ length: rows }, (_, r) => [2 * r, 2 * r + 1])) }, [candidates.tensor])
  })
}

/**
 * A classifier's scores (output 1) and, when its labels are indices, its label (output 0), the
 * graph's output emitted last: an output computed before others is copied to the end (a
 * gather), and a label copied so no longer reads as a class index.
 */
function emitClassifierOutputs({ ctx, out, markArgMax, graphOutput }: NodeLowering, labelsAreIndices: boolean, scores: () => void, label: () => Value): void {
  const emitLabel = () => {
    if (!labelsAreIndices) return
    const value = label()
    markArgMax(value)
    out(value, 0)
  }
  if (ctx.node.outputs[0] === graphOutput) {
    scores()
    emitLabel()
  } else {
    emitLabel()
    scores()
  }
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
