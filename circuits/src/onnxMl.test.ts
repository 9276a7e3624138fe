import { describe, expect, test } from 'vitest'
import { UnsupportedGraphError, UnsupportedOpError } from './errors/compile.js'
import { lowerGraph } from './ir/lower.js'
import { buildModel, type NodeInit, type ValueInfoInit } from './onnx/buildModel.js'
import { loadModel } from './onnx/loadModel.js'
import { compileOpCase, prepareOpCase, randomArray, runExecutors, runOpCase, seededRandom } from './testing/opHarness.js'

// The linear models scikit-learn's converters write (ONNX-ML LinearRegressor / LinearClassifier),
// compiled to the exact integer semantics and checked against onnxruntime running the same file.
const SETTINGS = { scale: 8, inputScale: 7, inputBits: 9, maxBits: 64 }
const rand = seededRandom(11)
const FEATURES = 4
const CLASSES = 3
const coefficients = Array.from(randomArray(rand, CLASSES * FEATURES, -1, 1))
const intercepts = Array.from(randomArray(rand, CLASSES, -0.5, 0.5))

const classifier = (post: string, outputs: ValueInfoInit[], extra: NodeInit[] = []) =>
  buildModel({
    inputs: [{ name: 'x', shape: [1, FEATURES] }],
    outputs,
    nodes: [
      {
        op: 'LinearClassifier',
        domain: 'ai.onnx.ml',
        inputs: ['x'],
        outputs: ['label', 'probabilities'],
        attributes: { coefficients: { floats: coefficients }, intercepts: { floats: intercepts }, classlabels_ints: [0, 1, 2], post_transform: post, multi_class: 0 },
      },
      ...extra,
    ],
  })
const labelAndScores: ValueInfoInit[] = [
  { name: 'label', shape: [1], type: 'int64' },
  { name: 'probabilities', shape: [1, CLASSES] },
]

/**
 * The reference and canonical executors against onnxruntime on random inputs; with `circuit`, the
 * circuit too (its output must equal the reference's). The stages ONNX-ML lowers to have circuit
 * tests of their own, so a circuit is compiled only for one case of each lowering.
 */
async function agrees(bytes: Uint8Array, output: string | undefined, tolerance: number, classes = false, circuit = false) {
  const withCircuit = circuit ? await compileOpCase(bytes, SETTINGS, 'onnxml', { output }) : undefined
  const compiled = withCircuit ?? (await prepareOpCase(bytes, SETTINGS, { output }))
  // A label is computed last, so the compiled output is a class index (not a copy of it).
  if (classes) expect(compiled.ir.stages.at(-1)!.kind).toBe('argMax')
  for (let trial = 0; trial < 4; trial++) {
    const input = randomArray(rand, FEATURES, -1.5, 1.5)
    const run = withCircuit ? await runOpCase(withCircuit, input) : await runExecutors(compiled, input)
    if ('failing' in run) expect(run.failing).toBe(0)
    expect(run.canonical).toEqual(run.reference)
    expect(run.canonical64).toEqual(run.reference)
    if (classes) expect(run.reference.map(Number)).toEqual(Array.from(run.onnxruntime))
    else run.dequantized.forEach((v, i) => expect(Math.abs(v - run.onnxruntime[i]!)).toBeLessThan(tolerance))
  }
  return compiled
}

describe('ONNX-ML linear models', () => {
  test('LinearRegressor with two targets: one linear stage, as onnxruntime computes it', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, FEATURES] }],
      outputs: [{ name: 'y', shape: [1, 2] }],
      nodes: [{ op: 'LinearRegressor', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['y'], attributes: { coefficients: { floats: coefficients.slice(0, 8) }, intercepts: { floats: [0.25, -0.5] }, targets: 2 } }],
    })
    const compiled = await agrees(bytes, undefined, 0.03, false, true)
    expect(compiled.ir.stages.map((s) => s.kind)).toEqual(['linear'])
  })

  for (const post of ['NONE', 'LOGISTIC', 'SOFTMAX'])
    test(`LinearClassifier (post_transform ${post}): its scores by default, its label with --output label`, async () => {
      const bytes = classifier(post, labelAndScores)
      await agrees(bytes, undefined, 0.05, false, post === 'LOGISTIC')
      await agrees(bytes, 'label', 0, true, post === 'SOFTMAX')
    })

  test("a ZipMap over the probabilities (scikit-learn's default) stands for them: the scores are compiled", async () => {
    const bytes = classifier('SOFTMAX', [{ name: 'label', shape: [1], type: 'int64' }, { name: 'output_probability', type: 'zipmap' }], [
      { op: 'ZipMap', domain: 'ai.onnx.ml', inputs: ['probabilities'], outputs: ['output_probability'], attributes: { classlabels_int64s: [0, 1, 2] } },
    ])
    const graph = loadModel(bytes)
    expect(graph.output.name).toBe('probabilities')
    expect(loadModel(bytes, { output: 'output_probability' }).output.name).toBe('probabilities')
    const ir = lowerGraph(graph)
    expect(ir.outputShape).toEqual([1, CLASSES])
    // The same classifier without the ZipMap, run by onnxruntime, is what these scores must match.
    await agrees(classifier('SOFTMAX', labelAndScores), 'probabilities', 0.05)
  })

  test('two float outputs and no choice: an error listing them and naming --output', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 2] }],
      outputs: [{ name: 'a', shape: [1, 2] }, { name: 'b', shape: [1, 2] }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['a'] }, { op: 'Neg', inputs: ['x'], outputs: ['b'] }],
    })
    expect(() => loadModel(bytes)).toThrow(UnsupportedGraphError)
    expect(() => loadModel(bytes)).toThrow(/2 outputs \(a, b\).*--output NAME/s)
    expect(() => loadModel(bytes, { output: 'c' })).toThrow(/no output "c".*a, b/s)
    expect(loadModel(bytes, { output: 'b' }).output.name).toBe('b')
  })

  for (const post of ['NONE', 'LOGISTIC'])
    test(`binary LinearClassifier with one row of coefficients (post_transform ${post}): [1 - p, p] as onnxruntime writes them, and label [s > 0]`, async () => {
      const bytes = buildModel({
        inputs: [{ name: 'x', shape: [1, FEATURES] }],
        outputs: [{ name: 'label', shape: [1], type: 'int64' }, { name: 'probabilities', shape: [1, 2] }],
        nodes: [{ op: 'LinearClassifier', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['label', 'probabilities'], attributes: { coefficients: { floats: coefficients.slice(0, FEATURES) }, intercepts: { floats: [0.1] }, classlabels_ints: [0, 1], post_transform: post } }],
      })
      const scores = await agrees(bytes, undefined, 0.05)
      expect(scores.ir.outputShape).toEqual([1, 2])
      await agrees(bytes, 'label', 0, true)
    })

  test('a binary classifier written oddly, and labels that are not 0..n-1, say what is supported', () => {
    const linear = (rows: number, intercepts: number[], labels: number[]) =>
      buildModel({
        inputs: [{ name: 'x', shape: [1, FEATURES] }],
        outputs: labelAndScores,
        nodes: [{ op: 'LinearClassifier', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['label', 'probabilities'], name: 'clf', attributes: { coefficients: { floats: coefficients.slice(0, rows * FEATURES) }, intercepts: { floats: intercepts }, classlabels_ints: labels } }],
      })
    expect(() => lowerGraph(loadModel(linear(1, [0], [0, 1, 2])))).toThrow(/"clf".*3 class labels for one row of coefficients/s)
    expect(() => lowerGraph(loadModel(linear(1, [], [0, 1])))).toThrow(/"clf".*exactly one intercept, not 0/s)
    const shifted = buildModel({
      inputs: [{ name: 'x', shape: [1, FEATURES] }],
      outputs: labelAndScores,
      nodes: [{ op: 'LinearClassifier', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['label', 'probabilities'], attributes: { coefficients: { floats: coefficients }, classlabels_ints: [3, 5, 7] } }],
    })
    // Its scores compile; its label (not an index) is not computed.
    expect(lowerGraph(loadModel(shifted)).outputShape).toEqual([1, CLASSES])
    expect(() => lowerGraph(loadModel(shifted, { output: 'label' }))).toThrow(/"label" is not computed/)
    expect(() => lowerGraph(loadModel(buildModel({ inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'y', shape: [1, 2] }], nodes: [{ op: 'Binarizer', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['y'] }] })))).toThrow(UnsupportedOpError)
  })
})

/**
 * A random ensemble of complete binary trees of `depth` over FEATURES features, in the attribute
 * layout of ONNX-ML TreeEnsemble* (node ids per tree in breadth-first order, leaves last).
 */
function forest({ trees, depth, outputs, modes }: { trees: number; depth: number; outputs: number; modes: string[] }) {
  const nodes = { treeids: [] as number[], nodeids: [] as number[], featureids: [] as number[], values: [] as number[], modes: [] as string[], truenodeids: [] as number[], falsenodeids: [] as number[] }
  const targets = { treeids: [] as number[], nodeids: [] as number[], ids: [] as number[], weights: [] as number[] }
  for (let tree = 0; tree < trees; tree++) {
    const internal = 2 ** depth - 1
    for (let id = 0; id < 2 ** (depth + 1) - 1; id++) {
      const leaf = id >= internal
      nodes.treeids.push(tree)
      nodes.nodeids.push(id)
      nodes.featureids.push(leaf ? 0 : Math.floor(rand() * FEATURES))
      nodes.values.push(leaf ? 0 : Math.round((rand() * 2 - 1) * 100) / 100)
      nodes.modes.push(leaf ? 'LEAF' : modes[Math.floor(rand() * modes.length)]!)
      nodes.truenodeids.push(leaf ? 0 : 2 * id + 1)
      nodes.falsenodeids.push(leaf ? 0 : 2 * id + 2)
      if (leaf)
        for (let o = 0; o < outputs; o++) {
          targets.treeids.push(tree)
          targets.nodeids.push(id)
          targets.ids.push(o)
          targets.weights.push(Math.round((rand() * 2 - 1) * 100) / 100)
        }
    }
  }
  const common = {
    nodes_treeids: nodes.treeids, nodes_nodeids: nodes.nodeids, nodes_featureids: nodes.featureids, nodes_values: { floats: nodes.values },
    nodes_modes: nodes.modes, nodes_truenodeids: nodes.truenodeids, nodes_falsenodeids: nodes.falsenodeids,
  }
  return { common, targets }
}

describe('ONNX-ML Normalizer', () => {
  for (const norm of ['MAX', 'L1', 'L2'])
    test(`${norm}: an exact division by the row's norm, as onnxruntime computes it`, async () => {
      // |x| + 0.5 keeps MAX's denominator positive (Veridict clamps a denominator to at least one unit).
      const bytes = buildModel({
        inputs: [{ name: 'x', shape: [1, FEATURES] }],
        outputs: [{ name: 'y', shape: [1, FEATURES] }],
        initializers: [{ name: 'half', dims: [1], data: [0.5] }],
        nodes: [
          { op: 'Abs', inputs: ['x'], outputs: ['a'] },
          { op: 'Add', inputs: ['a', 'half'], outputs: ['p'] },
          { op: 'Mul', inputs: ['p', 'x'], outputs: ['s'] },
          { op: 'Normalizer', domain: 'ai.onnx.ml', inputs: [norm === 'MAX' ? 'p' : 's'], outputs: ['y'], attributes: { norm } },
        ],
      })
      await agrees(bytes, undefined, 0.03)
    })
})

describe('ONNX-ML tree ensembles', () => {
  test('TreeEnsembleRegressor (every branch mode, SUM and AVERAGE): exact 0/1 tests, as onnxruntime computes it', async () => {
    for (const aggregate of ['SUM', 'AVERAGE']) {
      const { common, targets } = forest({ trees: 3, depth: 2, outputs: 2, modes: ['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT'] })
      const bytes = buildModel({
        inputs: [{ name: 'x', shape: [1, FEATURES] }],
        outputs: [{ name: 'y', shape: [1, 2] }],
        nodes: [{ op: 'TreeEnsembleRegressor', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['y'], attributes: { ...common, target_treeids: targets.treeids, target_nodeids: targets.nodeids, target_ids: targets.ids, target_weights: { floats: targets.weights }, n_targets: 2, aggregate_function: aggregate, base_values: { floats: [0.5, -0.25] } } }],
      })
      await agrees(bytes, undefined, 0.02, false, aggregate === 'SUM')
    }
  })

  test('TreeEnsembleClassifier with SOFTMAX scores and its label', async () => {
    const { common, targets } = forest({ trees: 4, depth: 3, outputs: CLASSES, modes: ['BRANCH_LEQ'] })
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, FEATURES] }],
      outputs: labelAndScores,
      nodes: [{ op: 'TreeEnsembleClassifier', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['label', 'probabilities'], attributes: { ...common, class_treeids: targets.treeids, class_nodeids: targets.nodeids, class_ids: targets.ids, class_weights: { floats: targets.weights }, classlabels_int64s: [0, 1, 2], post_transform: 'SOFTMAX' } }],
    })
    await agrees(bytes, undefined, 0.05, false, true)
    await agrees(bytes, 'label', 0, true)
  })

  /** A binary TreeEnsembleClassifier as XGBoost and LightGBM write it: weights for class 0 only, labels [0, 1]. */
  const binaryForest = (post: string, { positive = false, base = [0.25] }: { positive?: boolean; base?: number[] } = {}) => {
    const { common, targets } = forest({ trees: 4, depth: 3, outputs: 1, modes: ['BRANCH_LT'] })
    return buildModel({
      inputs: [{ name: 'x', shape: [1, FEATURES] }],
      outputs: [{ name: 'label', shape: [1], type: 'int64' }, { name: 'probabilities', shape: [1, 2] }],
      nodes: [
        {
          op: 'TreeEnsembleClassifier',
          domain: 'ai.onnx.ml',
          inputs: ['x'],
          outputs: ['label', 'probabilities'],
          name: 'trees',
          attributes: {
            ...common,
            class_treeids: targets.treeids,
            class_nodeids: targets.nodeids,
            class_ids: targets.ids,
            class_weights: { floats: targets.weights.map((w) => (positive ? Math.abs(w) / 2 : w)) },
            classlabels_int64s: [0, 1],
            post_transform: post,
            ...(base.length ? { base_values: { floats: base } } : {}),
          },
        },
      ],
    })
  }

  test("binary TreeEnsembleClassifier with weights for class 0 only (XGBoost's LOGISTIC): [1 - p, p] and label [s > 0], as onnxruntime computes them", async () => {
    const bytes = binaryForest('LOGISTIC')
    await agrees(bytes, undefined, 0.05, false, true)
    await agrees(bytes, 'label', 0, true, true)
  })

  test('binary TreeEnsembleClassifier without a transform: [-s, s] and label [s > 0]; with every weight at least 0, [1 - s, s] and label [s > 0.5]', async () => {
    await agrees(binaryForest('NONE', { base: [] }), undefined, 0.03)
    await agrees(binaryForest('NONE', { base: [] }), 'label', 0, true)
    const positive = binaryForest('NONE', { positive: true, base: [-0.5] })
    await agrees(positive, undefined, 0.03)
    await agrees(positive, 'label', 0, true)
  })

  test('TreeEnsembleClassifier with two classes, both weighted: its two scores, and label 1 when the second is above 0 (as onnxruntime labels it, not their ArgMax)', async () => {
    const twoClass = (post: string, { common, targets }: ReturnType<typeof forest>, base: number[] = []) =>
      buildModel({
        inputs: [{ name: 'x', shape: [1, FEATURES] }],
        outputs: [{ name: 'label', shape: [1], type: 'int64' }, { name: 'probabilities', shape: [1, 2] }],
        nodes: [{ op: 'TreeEnsembleClassifier', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['label', 'probabilities'], name: 'trees', attributes: { ...common, class_treeids: targets.treeids, class_nodeids: targets.nodeids, class_ids: targets.ids, class_weights: { floats: targets.weights }, classlabels_int64s: [0, 1], post_transform: post, ...(base.length ? { base_values: { floats: base } } : {}) } }],
      })
    const random = forest({ trees: 3, depth: 2, outputs: 2, modes: ['BRANCH_LEQ', 'BRANCH_GT'] })
    // One stump whose leaves score [0.3, 0.2] and [-0.4, -0.1]: the label is never the ArgMax.
    const stump = forest({ trees: 1, depth: 1, outputs: 2, modes: ['BRANCH_LEQ'] })
    stump.targets.weights.splice(0, 4, 0.3, 0.2, -0.4, -0.1)
    for (const post of ['NONE', 'LOGISTIC']) {
      await agrees(twoClass(post, random), undefined, 0.05)
      await agrees(twoClass(post, stump), 'label', 0, true)
    }
    expect(() => lowerGraph(loadModel(twoClass('NONE', random, [0.1, 0.2])))).toThrow(/"trees".*base_values for a two-class TreeEnsembleClassifier/s)
  })

  test('a binary TreeEnsembleClassifier with weights for class 1 only, or two base values, says what is supported', () => {
    const bytes = binaryForest('LOGISTIC', { base: [0.1, 0.2] })
    expect(() => lowerGraph(loadModel(bytes))).toThrow(UnsupportedOpError)
    expect(() => lowerGraph(loadModel(bytes))).toThrow(/"trees".*two base_values.*give one base value/s)
    const { common, targets } = forest({ trees: 1, depth: 1, outputs: 1, modes: ['BRANCH_LEQ'] })
    const classOne = buildModel({
      inputs: [{ name: 'x', shape: [1, FEATURES] }],
      outputs: labelAndScores,
      nodes: [{ op: 'TreeEnsembleClassifier', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['label', 'probabilities'], name: 'trees', attributes: { ...common, class_treeids: targets.treeids, class_nodeids: targets.nodeids, class_ids: targets.ids.map(() => 1), class_weights: { floats: targets.weights }, classlabels_int64s: [0, 1] } }],
    })
    expect(() => lowerGraph(loadModel(classOne))).toThrow(/"trees".*weights for class 1 only.*class 0/s)
  })
})
