import * as ort from 'onnxruntime-node'
import { buildModel, type InitializerInit, type NodeInit } from '../onnx/buildModel.js'
import { type AdamMoments, adamStep, argMax, softmaxCrossEntropyGradient } from './mlp.js'
import { createRandom, type Random } from './random.js'

/**
 * The model zoo's tiny transformer encoder (issue 12): token ids in, one class out. One pre-norm
 * encoder block as PyTorch's `nn.TransformerEncoderLayer(norm_first=True, activation='gelu')`
 * exports it at opset 17: an embedding lookup plus learned positions, LayerNorm, two-head
 * self-attention (Q Kᵀ / √d as torch.onnx writes it, Softmax, times V), a residual Add, LayerNorm, a GELU MLP (written as
 * PyTorch writes GELU: x · ½ (1 + erf(x / √2))), a residual Add, then a mean over the sequence and a
 * linear classifier.
 *
 * The encoder's weights are seeded (random features), the classifier is trained by this file's own
 * code on the encoder's float features (onnxruntime computes them) for a synthetic topic task.
 */
export type TransformerSpec = {
  vocabulary: number
  sequence: number
  width: number
  heads: number
  /** Width of the MLP's hidden layer. */
  hidden: number
  classes: number
  seed: number
}

export const TRANSFORMER_INPUT_NAME = 'tokens'
export const TRANSFORMER_OUTPUT_NAME = 'logits'
const FEATURES_NAME = 'pooled'

export type TransformerWeights = {
  spec: TransformerSpec
  /** Name -> [dims, data], in the order the graph uses them. */
  encoder: Map<string, { dims: number[]; data: Float32Array }>
  /** The classifier: [width, classes] and [classes]; absent until trained. */
  classifier?: { weights: Float32Array; bias: Float32Array } | undefined
}

/**
 * Encoder weights drawn as PyTorch initialises them (uniform ±1/√fan_in for projections, standard
 * normal embeddings, LayerNorm scale 1 and shift 0), from `spec.seed`.
 */
export function createTransformer(spec: TransformerSpec): TransformerWeights {
  const random = createRandom(spec.seed)
  const { vocabulary, sequence, width, hidden } = spec
  if (width % spec.heads !== 0) throw new Error(`The width ${width} is not a multiple of the ${spec.heads} heads.`)
  const encoder = new Map<string, { dims: number[]; data: Float32Array }>()
  const normal = (dims: number[], deviation: number) => ({ dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => random.normal() * deviation) })
  const uniform = (dims: number[], bound: number) => ({ dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (random.next() * 2 - 1) * bound) })
  const filled = (dims: number[], value: number) => ({ dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value) })
  encoder.set('embedding', normal([vocabulary, width], 1))
  encoder.set('positions', normal([1, sequence, width], 0.5))
  encoder.set('ln1.scale', filled([width], 1))
  encoder.set('ln1.bias', filled([width], 0))
  for (const projection of ['q', 'k', 'v', 'o']) {
    encoder.set(`attention.${projection}.weight`, uniform([width, width], 1 / Math.sqrt(width)))
    encoder.set(`attention.${projection}.bias`, uniform([width], 1 / Math.sqrt(width)))
  }
  encoder.set('ln2.scale', filled([width], 1))
  encoder.set('ln2.bias', filled([width], 0))
  encoder.set('mlp.up.weight', uniform([width, hidden], 1 / Math.sqrt(width)))
  encoder.set('mlp.up.bias', uniform([hidden], 1 / Math.sqrt(width)))
  encoder.set('mlp.down.weight', uniform([hidden, width], 1 / Math.sqrt(hidden)))
  encoder.set('mlp.down.bias', uniform([width], 1 / Math.sqrt(hidden)))
  return { spec, encoder }
}

/**
 * The ONNX graph (opset 17). Without a trained classifier the output is the pooled [1, width]
 * features the classifier is trained on.
 */
export function exportTransformer(model: TransformerWeights, { name, docString }: { name: string; docString?: string | undefined }): Uint8Array {
  const { sequence, width, heads, classes } = model.spec
  const headWidth = width / heads
  const initializers: InitializerInit[] = [...model.encoder].map(([tensorName, { dims, data }]) => ({ name: tensorName, dims, data }))
  const constant = (tensorName: string, dims: number[], data: number[]) => initializers.push({ name: tensorName, dims, data: Float32Array.from(data) })
  initializers.push({ name: 'shape.heads', dims: [4], data: BigInt64Array.from([1n, BigInt(sequence), BigInt(heads), BigInt(headWidth)]) })
  initializers.push({ name: 'shape.merged', dims: [3], data: BigInt64Array.from([1n, BigInt(sequence), BigInt(width)]) })
  // As torch.onnx exports scaled_dot_product_attention: q and kᵀ each times d^-1/4 before their MatMul.
  constant('attention.scale', [], [headWidth ** -0.25])
  constant('gelu.sqrt2', [], [Math.SQRT2])
  constant('gelu.one', [], [1])
  constant('gelu.half', [], [0.5])

  const nodes: NodeInit[] = [
    { op: 'Gather', inputs: ['embedding', TRANSFORMER_INPUT_NAME], outputs: ['embedded'], name: 'embed' },
    { op: 'Add', inputs: ['embedded', 'positions'], outputs: ['x0'], name: 'add_positions' },
    { op: 'LayerNormalization', inputs: ['x0', 'ln1.scale', 'ln1.bias'], outputs: ['h1'], name: 'ln1', attributes: { axis: -1, epsilon: 1e-5 } },
  ]
  // Q, K, V: [1, S, W] -> [1, S, H, D] -> [1, H, S, D] (K as [1, H, D, S]).
  for (const projection of ['q', 'k', 'v']) {
    nodes.push(
      { op: 'MatMul', inputs: ['h1', `attention.${projection}.weight`], outputs: [`${projection}.mm`], name: `${projection}_proj` },
      { op: 'Add', inputs: [`${projection}.mm`, `attention.${projection}.bias`], outputs: [`${projection}.flat`], name: `${projection}_bias` },
      { op: 'Reshape', inputs: [`${projection}.flat`, 'shape.heads'], outputs: [`${projection}.split`], name: `${projection}_split_heads` },
      {
        op: 'Transpose',
        inputs: [`${projection}.split`],
        outputs: [`${projection}.heads`],
        name: `${projection}_transpose`,
        attributes: { perm: projection === 'k' ? [0, 2, 3, 1] : [0, 2, 1, 3] },
      },
    )
  }
  nodes.push(
    { op: 'Mul', inputs: ['q.heads', 'attention.scale'], outputs: ['q.scaled'], name: 'q_scale' },
    { op: 'Mul', inputs: ['k.heads', 'attention.scale'], outputs: ['k.scaled'], name: 'k_scale' },
    { op: 'MatMul', inputs: ['q.scaled', 'k.scaled'], outputs: ['scores'], name: 'scores' },
    { op: 'Softmax', inputs: ['scores'], outputs: ['attention'], name: 'softmax', attributes: { axis: -1 } },
    { op: 'MatMul', inputs: ['attention', 'v.heads'], outputs: ['context.heads'], name: 'context' },
    { op: 'Transpose', inputs: ['context.heads'], outputs: ['context.split'], name: 'context_transpose', attributes: { perm: [0, 2, 1, 3] } },
    { op: 'Reshape', inputs: ['context.split', 'shape.merged'], outputs: ['context'], name: 'merge_heads' },
    { op: 'MatMul', inputs: ['context', 'attention.o.weight'], outputs: ['o.mm'], name: 'o_proj' },
    { op: 'Add', inputs: ['o.mm', 'attention.o.bias'], outputs: ['attended'], name: 'o_bias' },
    { op: 'Add', inputs: ['x0', 'attended'], outputs: ['x1'], name: 'residual1' },
    { op: 'LayerNormalization', inputs: ['x1', 'ln2.scale', 'ln2.bias'], outputs: ['h2'], name: 'ln2', attributes: { axis: -1, epsilon: 1e-5 } },
    { op: 'MatMul', inputs: ['h2', 'mlp.up.weight'], outputs: ['up.mm'], name: 'mlp_up' },
    { op: 'Add', inputs: ['up.mm', 'mlp.up.bias'], outputs: ['up'], name: 'mlp_up_bias' },
    { op: 'Div', inputs: ['up', 'gelu.sqrt2'], outputs: ['gelu.scaled'], name: 'gelu_div' },
    { op: 'Erf', inputs: ['gelu.scaled'], outputs: ['gelu.erf'], name: 'gelu_erf' },
    { op: 'Add', inputs: ['gelu.erf', 'gelu.one'], outputs: ['gelu.shifted'], name: 'gelu_add' },
    { op: 'Mul', inputs: ['up', 'gelu.shifted'], outputs: ['gelu.product'], name: 'gelu_mul' },
    { op: 'Mul', inputs: ['gelu.product', 'gelu.half'], outputs: ['gelu'], name: 'gelu_half' },
    { op: 'MatMul', inputs: ['gelu', 'mlp.down.weight'], outputs: ['down.mm'], name: 'mlp_down' },
    { op: 'Add', inputs: ['down.mm', 'mlp.down.bias'], outputs: ['mlp'], name: 'mlp_down_bias' },
    { op: 'Add', inputs: ['x1', 'mlp'], outputs: ['x2'], name: 'residual2' },
    { op: 'ReduceMean', inputs: ['x2'], outputs: ['pooled.kept'], name: 'pool', attributes: { axes: [1], keepdims: 0 } },
  )
  const outputs = [{ name: model.classifier ? TRANSFORMER_OUTPUT_NAME : FEATURES_NAME, shape: [1, model.classifier ? classes : width] }]
  if (model.classifier) {
    initializers.push({ name: 'classifier.weight', dims: [width, classes], data: model.classifier.weights })
    initializers.push({ name: 'classifier.bias', dims: [classes], data: model.classifier.bias })
    nodes.push({ op: 'Gemm', inputs: ['pooled.kept', 'classifier.weight', 'classifier.bias'], outputs: [TRANSFORMER_OUTPUT_NAME], name: 'classifier' })
  } else {
    nodes.push({ op: 'Identity', inputs: ['pooled.kept'], outputs: [FEATURES_NAME], name: 'features' })
  }
  return buildModel({
    name,
    opset: 17,
    docString,
    inputs: [{ name: TRANSFORMER_INPUT_NAME, shape: [1, sequence], type: 'int64' }],
    outputs,
    initializers,
    nodes,
  })
}

export type TopicTaskSpec = {
  /** Tokens per topic: topic t owns ids [t * topicTokens, (t + 1) * topicTokens). */
  topicTokens: number
  /** Chance that a token is drawn from the sequence's topic rather than from the whole vocabulary. */
  topicShare: number
}

/**
 * A synthetic text-classification task: each sequence has one topic (its label); each token is, with
 * probability `topicShare`, one of that topic's words, otherwise any word of the vocabulary.
 */
export function topicSequences(spec: TransformerSpec, task: TopicTaskSpec, count: number, random: Random): { inputs: number[][]; labels: number[] } {
  if (spec.classes * task.topicTokens > spec.vocabulary) throw new Error(`${spec.classes} topics of ${task.topicTokens} tokens do not fit a vocabulary of ${spec.vocabulary}.`)
  const inputs: number[][] = []
  const labels: number[] = []
  for (let sample = 0; sample < count; sample++) {
    const topic = random.nextInt(spec.classes)
    inputs.push(Array.from({ length: spec.sequence }, () => (random.next() < task.topicShare ? topic * task.topicTokens + random.nextInt(task.topicTokens) : random.nextInt(spec.vocabulary))))
    labels.push(topic)
  }
  return { inputs, labels }
}

/** Runs `onnx` (token ids in) with onnxruntime on each sequence and returns its single output per sequence. */
export async function runTokens(onnx: Uint8Array, sequences: readonly number[][]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(onnx)
  try {
    const results: Float32Array[] = []
    for (const tokens of sequences) {
      const output = await session.run({ [session.inputNames[0]!]: new ort.Tensor('int64', BigInt64Array.from(tokens.map(BigInt)), [1, tokens.length]) })
      results.push(Float32Array.from(output[session.outputNames[0]!]!.data as Float32Array))
    }
    return results
  } finally {
    await session.release()
  }
}

export type TrainClassifierParameters = { epochs: number; learningRate: number; random: Random; batchSize: number }

/**
 * Softmax regression on fixed features (Adam, cosine-decayed rate, seeded shuffles), written into
 * `model.classifier`. Returns the last epoch's mean loss.
 */
export function trainClassifier(model: TransformerWeights, features: readonly Float32Array[], labels: readonly number[], { epochs, learningRate, random, batchSize }: TrainClassifierParameters): number {
  const { width, classes } = model.spec
  const parameters = new Float32Array(width * classes + classes)
  const moments: AdamMoments = { first: new Float32Array(parameters.length), second: new Float32Array(parameters.length) }
  const gradients = new Float64Array(parameters.length)
  const logits = new Float64Array(classes)
  const logitGradient = new Float64Array(classes)
  const order = Array.from(features, (_, index) => index)
  let step = 0
  let meanLoss = Number.NaN
  const totalSteps = epochs * Math.ceil(order.length / batchSize)
  for (let epoch = 0; epoch < epochs; epoch++) {
    random.shuffle(order)
    let lossSum = 0
    for (let start = 0; start < order.length; start += batchSize) {
      gradients.fill(0)
      const batch = order.slice(start, start + batchSize)
      for (const sample of batch) {
        const feature = features[sample]!
        for (let c = 0; c < classes; c++) {
          let sum = parameters[width * classes + c]!
          for (let f = 0; f < width; f++) sum += feature[f]! * parameters[f * classes + c]!
          logits[c] = sum
        }
        lossSum += softmaxCrossEntropyGradient(logits, labels[sample]!, logitGradient)
        for (let c = 0; c < classes; c++) {
          for (let f = 0; f < width; f++) gradients[f * classes + c]! += feature[f]! * logitGradient[c]!
          gradients[width * classes + c]! += logitGradient[c]!
        }
      }
      step++
      const rate = (learningRate * (1 + Math.cos((Math.PI * (step - 1)) / totalSteps))) / 2
      adamStep(parameters, gradients, moments, { gradientScale: 1 / batch.length, learningRate: rate, firstCorrection: 1 - 0.9 ** step, secondCorrection: 1 - 0.999 ** step })
    }
    meanLoss = lossSum / order.length
  }
  model.classifier = { weights: parameters.slice(0, width * classes), bias: parameters.slice(width * classes) }
  return meanLoss
}

/** Share of `features` the trained classifier labels correctly, computed in float64 here (not onnxruntime). */
export function classifierAccuracy(model: TransformerWeights, features: readonly Float32Array[], labels: readonly number[]): number {
  const { width, classes } = model.spec
  const classifier = model.classifier
  if (!classifier) throw new Error('The transformer has no trained classifier yet.')
  let correct = 0
  features.forEach((feature, sample) => {
    const logits = Array.from({ length: classes }, (_, c) => classifier.bias[c]! + Array.from({ length: width }, (_, f) => feature[f]! * classifier.weights[f * classes + c]!).reduce((a, b) => a + b, 0))
    if (argMax(logits) === labels[sample]) correct++
  })
  return correct / features.length
}

/** What buildTransformerClassifier needs: the architecture (with the encoder's seed), the task and the training of the classifier. */
export type TransformerBuildSpec = {
  name: string
  docString: string
  transformer: TransformerSpec
  task: TopicTaskSpec
  /** Seeds the sequences and the classifier's shuffles. */
  dataSeed: number
  trainSize: number
  testSize: number
  calibrationSize: number
  classifier: { epochs: number; learningRate: number; batchSize: number }
}

export type TransformerClassifierReturnType = {
  onnx: Uint8Array
  model: TransformerWeights
  train: { inputs: number[][]; labels: number[] }
  test: { inputs: number[][]; labels: number[] }
  /** The first `calibrationSize` training sequences. */
  calibration: { inputs: number[][]; labels: number[] }
  finalLoss: number
  /** onnxruntime's accuracy on the exported file. */
  trainAccuracy: number
  testAccuracy: number
}

/**
 * Builds a transformer classifier deterministically: seeded encoder, synthetic topic sequences,
 * the classifier trained on the encoder's onnxruntime features, then the whole graph exported and
 * measured with onnxruntime.
 */
export async function buildTransformerClassifier(spec: TransformerBuildSpec, trainSamples = spec.trainSize): Promise<TransformerClassifierReturnType> {
  const model = createTransformer(spec.transformer)
  const random = createRandom(spec.dataSeed)
  const train = topicSequences(spec.transformer, spec.task, spec.trainSize, random)
  const test = topicSequences(spec.transformer, spec.task, spec.testSize, random)
  const trained = { inputs: train.inputs.slice(0, trainSamples), labels: train.labels.slice(0, trainSamples) }
  const features = await runTokens(exportTransformer(model, { name: spec.name }), trained.inputs)
  const finalLoss = trainClassifier(model, features, trained.labels, { ...spec.classifier, random })
  const onnx = exportTransformer(model, { name: spec.name, docString: spec.docString })
  const accuracyOn = async ({ inputs, labels }: { inputs: number[][]; labels: number[] }) => {
    const logits = await runTokens(onnx, inputs)
    return logits.filter((row, i) => argMax(row) === labels[i]).length / labels.length
  }
  const calibration = { inputs: train.inputs.slice(0, spec.calibrationSize), labels: train.labels.slice(0, spec.calibrationSize) }
  return { onnx, model, train, test, calibration, finalLoss, trainAccuracy: await accuracyOn(train), testAccuracy: await accuracyOn(test) }
}
