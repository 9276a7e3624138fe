import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TrainBoostedTreesParameters } from './boostedTrees.js'
import type { BundledTestset } from './bundledModels.js'
import type { LayerSpec } from './cnn.js'
import type { QuantizedAccuracy } from './measureQuantized.js'
import { BUNDLED_MODELS_DIRECTORY } from './readBundledModel.js'
import { trainCnnZooModel } from './trainCnnZooModel.js'
import { trainBoostedTreesZooModel, trainLogisticRegressionZooModel } from './trainTabularZooModels.js'
import { trainTransformerZooModel } from './trainTransformerZooModel.js'
import type { TopicTaskSpec, TransformerSpec } from './transformer.js'

/**
 * The model zoo (issue 12): classifiers the compiler benchmark runs, each trained by the project's
 * own code, seeded and deterministic. A spec's `kind` says which trainer builds it (ZOO_TRAINERS):
 * convolutional networks on MNIST (cnn.ts), and a logistic regression and gradient-boosted trees
 * on the synthetic credit data (creditDataset.ts). Every kind writes the same three files and
 * metadata, and its output names a class as readClass.ts reads it (scores, one probability, or a
 * label), so zoo.test.ts, `npm run models:zoo` and the compiler benchmark treat them alike.
 */
type ZooModelSpecBase = {
  name: string
  description: string
  /** Seeds weight initialisation and the shuffles or subsamples of training. */
  seed: number
  calibrationSize: number
  /** The graph output compiled when the model has several (default: the one loadModel picks). */
  output?: string | undefined
}

export type CnnZooModelSpec = ZooModelSpecBase & {
  kind: 'cnn'
  /** Side of the square grey image: 28, or 14 (2x2 block means, as the `digits` model). */
  side: 28 | 14
  layers: LayerSpec[]
  /**
   * Trains on the first this-many samples of the shuffled training split: one JS thread on 2
   * shared cores trains LeNet-5 at roughly a few hundred samples a second.
   */
  trainSamples: number
  epochs: number
  batchSize: number
  learningRate: number
}

/** The synthetic credit data (creditDataset.ts): `trainSize` training samples, then `testSize` held out. */
export type CreditDataSpec = { seed: number; trainSize: number; testSize: number }

export type LogisticRegressionZooModelSpec = ZooModelSpecBase & {
  kind: 'logisticRegression'
  data: CreditDataSpec
  epochs: number
  batchSize: number
  learningRate: number
  l2: number
}

/** The boosting hyperparameters are trainBoostedTrees' own. */
export type BoostedTreesZooModelSpec = ZooModelSpecBase & {
  kind: 'boostedTrees'
  data: CreditDataSpec
} & Pick<TrainBoostedTreesParameters, 'trees' | 'maxDepth' | 'learningRate' | 'l2' | 'minChildWeight' | 'subsample' | 'bins'>

export type TransformerZooModelSpec = ZooModelSpecBase & {
  kind: 'transformer'
  /** The architecture; `seed` (the spec's) draws the encoder's weights. */
  transformer: Omit<TransformerSpec, 'seed'>
  task: TopicTaskSpec
  /** Seeds the sequences and the classifier's shuffles. */
  dataSeed: number
  trainSize: number
  testSize: number
  classifier: { epochs: number; learningRate: number; batchSize: number }
}

export type ZooModelSpec = CnnZooModelSpec | LogisticRegressionZooModelSpec | BoostedTreesZooModelSpec | TransformerZooModelSpec

/** The credit data every tabular zoo model shares, so their held-out accuracies compare directly. */
const CREDIT_DATA: CreditDataSpec = { seed: 2024, trainSize: 2000, testSize: 500 }

/** Both LeNet-5 layouts train alike (same seed, samples and schedule), so their accuracies compare directly. */
const LENET5_TRAINING = { seed: 17, trainSamples: 9001, epochs: 3, batchSize: 32, learningRate: 0.002, calibrationSize: 64 } as const

export const ZOO_MODELS: readonly ZooModelSpec[] = [
  {
    kind: 'cnn',
    name: 'lenet5',
    description: 'LeNet-5 with ReLU and max pooling on 28x28 MNIST: conv 6@5x5 (pad 2), pool, conv 16@5x5, pool, 120, 84, 10.',
    side: 28,
    layers: [
      { kind: 'conv2d', outChannels: 6, kernel: 5, padding: 2 },
      { kind: 'relu' },
      { kind: 'maxPool' },
      { kind: 'conv2d', outChannels: 16, kernel: 5 },
      { kind: 'relu' },
      { kind: 'maxPool' },
      { kind: 'flatten' },
      { kind: 'linear', outFeatures: 120 },
      { kind: 'relu' },
      { kind: 'linear', outFeatures: 84 },
      { kind: 'relu' },
      { kind: 'linear', outFeatures: 10 },
    ],
    ...LENET5_TRAINING,
  },
  {
    kind: 'cnn',
    name: 'lenet5-avg',
    description:
      'LeNet-5 in the order of LeCun et al. (1998) on 28x28 MNIST: conv 6@5x5 (pad 2), 2x2 average-pool subsampling, then ReLU; ' +
      'conv 16@5x5, subsampling, ReLU; 120, 84, 10. Each pool folds into its convolution, so the circuit has no comparisons.',
    side: 28,
    layers: [
      { kind: 'conv2d', outChannels: 6, kernel: 5, padding: 2 },
      { kind: 'avgPool' },
      { kind: 'relu' },
      { kind: 'conv2d', outChannels: 16, kernel: 5 },
      { kind: 'avgPool' },
      { kind: 'relu' },
      { kind: 'flatten' },
      { kind: 'linear', outFeatures: 120 },
      { kind: 'relu' },
      { kind: 'linear', outFeatures: 84 },
      { kind: 'relu' },
      { kind: 'linear', outFeatures: 10 },
    ],
    ...LENET5_TRAINING,
  },
  {
    kind: 'cnn',
    name: 'resnet',
    description:
      'A small ResNet on 14x14 MNIST: conv 8@3x3 (pad 1), BatchNorm, ReLU, max pool to 7x7, two basic residual blocks ' +
      '(conv 3x3, BatchNorm, ReLU, conv 3x3, BatchNorm, plus the identity, then ReLU), max pool, 10.',
    side: 14,
    layers: [
      { kind: 'conv2d', outChannels: 8, kernel: 3, padding: 1 },
      { kind: 'batchNorm' },
      { kind: 'relu' },
      { kind: 'maxPool' },
      ...[1, 2].flatMap((): LayerSpec[] => [
        {
          kind: 'residual',
          body: [
            { kind: 'conv2d', outChannels: 8, kernel: 3, padding: 1 },
            { kind: 'batchNorm' },
            { kind: 'relu' },
            { kind: 'conv2d', outChannels: 8, kernel: 3, padding: 1 },
            { kind: 'batchNorm' },
          ],
        },
        { kind: 'relu' },
      ]),
      { kind: 'maxPool' },
      { kind: 'flatten' },
      { kind: 'linear', outFeatures: 10 },
    ],
    seed: 19,
    trainSamples: 9001,
    epochs: 5,
    batchSize: 32,
    learningRate: 0.003,
    calibrationSize: 64,
  },
  {
    kind: 'cnn',
    name: 'dwsep',
    description:
      'A depthwise-separable CNN (MobileNet-style) on 14x14 MNIST: conv 8@3x3 (pad 1), ReLU, max pool, then depthwise 3x3 ' +
      '(groups 8) + pointwise 1x1 to 16, ReLU, max pool, depthwise 3x3 (groups 16) + pointwise 1x1 to 32, ReLU, average pool, 10.',
    side: 14,
    layers: [
      { kind: 'conv2d', outChannels: 8, kernel: 3, padding: 1 },
      { kind: 'relu' },
      { kind: 'maxPool' },
      { kind: 'conv2d', outChannels: 8, kernel: 3, padding: 1, groups: 8 },
      { kind: 'conv2d', outChannels: 16, kernel: 1 },
      { kind: 'relu' },
      { kind: 'maxPool' },
      { kind: 'conv2d', outChannels: 16, kernel: 3, padding: 1, groups: 16 },
      { kind: 'conv2d', outChannels: 32, kernel: 1 },
      { kind: 'relu' },
      { kind: 'avgPool' },
      { kind: 'flatten' },
      { kind: 'linear', outFeatures: 10 },
    ],
    seed: 23,
    trainSamples: 9001,
    epochs: 6,
    batchSize: 32,
    learningRate: 0.004,
    calibrationSize: 64,
  },
  {
    kind: 'logisticRegression',
    name: 'credit-logreg',
    description: 'Logistic regression on 10 credit-bureau features of the synthetic credit data: P(default) = sigmoid(w · x + b).',
    data: CREDIT_DATA,
    seed: 29,
    epochs: 100,
    batchSize: 32,
    learningRate: 0.1,
    l2: 0.0001,
    calibrationSize: 64,
  },
  {
    kind: 'boostedTrees',
    name: 'credit-gbt',
    description: 'Gradient-boosted trees (40 trees of depth 3, logistic loss) on the synthetic credit data, exported as onnxmltools converts a binary XGBoost classifier.',
    data: CREDIT_DATA,
    seed: 31,
    trees: 40,
    maxDepth: 3,
    learningRate: 0.15,
    l2: 1,
    minChildWeight: 5,
    subsample: 0.8,
    bins: 32,
    calibrationSize: 64,
  },
  {
    kind: 'transformer',
    name: 'transformer',
    description:
      'A tiny transformer encoder for topic classification of token sequences (sequence 16, width 32): embedding and learned positions, ' +
      'LayerNorm, two-head self-attention with Softmax, residual, LayerNorm, GELU MLP (64), residual, mean over the sequence, 4 topics. ' +
      'The encoder is seeded (random features); the classifier is trained.',
    seed: 29,
    transformer: { vocabulary: 32, sequence: 16, width: 32, heads: 2, hidden: 64, classes: 4 },
    task: { topicTokens: 8, topicShare: 0.35 },
    dataSeed: 31,
    trainSize: 2000,
    testSize: 500,
    classifier: { epochs: 60, learningRate: 0.05, batchSize: 32 },
    calibrationSize: 32,
  },
]

export type ZooModelMetadata = {
  name: string
  description: string
  file: string
  sha256: string
  opset: number
  /** `dtype`: what onnxruntime is fed (int64 for token ids); `featureNames` for tabular inputs. */
  input: { name: string; shape: number[]; dtype: 'float32' | 'int64' | 'int32'; featureNames?: string[] | undefined; preprocessing: string }
  /** The output compiled and measured; `meaning` says how it names a class (readClass.ts). */
  output: { name: string; shape: number[]; dtype: 'float32' | 'int64'; meaning: string }
  classLabels: string[]
  /** One line per layer, with the activation shape after it (a tree ensemble: its sizes). */
  layers: string[]
  parameterCount: number
  /** `package` and `version` for data from an npm package, `generator` for generated data. */
  dataset: {
    package?: string | undefined
    version?: string | undefined
    generator?: string | undefined
    samples: number
    split: string
    splitSeed: number
    trainSize: number
    trainedOn: number
    testSize: number
  }
  /** Epochs and batch size for gradient descent; trees, depth and the rest for boosting. */
  training: {
    seed: number
    optimizer: string
    loss: string
    epochs?: number | undefined
    batchSize?: number | undefined
    trees?: number | undefined
    maxDepth?: number | undefined
    learningRate: number
    l2?: number | undefined
    minChildWeight?: number | undefined
    subsample?: number | undefined
    bins?: number | undefined
    finalLoss: number
  }
  accuracy: { train: number; test: number; measuredWith: string }
  /**
   * The compiled model on the held-out split (`measureQuantized`): the calibrated quantization,
   * float and quantized accuracy and their agreement. zoo.test.ts requires at least this agreement.
   */
  quantized?: (Omit<QuantizedAccuracy, 'samples'> & { measuredWith: string }) | undefined
  testset: string
}

export type TrainZooModelParameters = {
  /** Shorter runs for trials; the committed models use the spec's values. Boosting reads `epochs` as its number of trees. */
  epochs?: number | undefined
  trainSamples?: number | undefined
  /** After each epoch (or tree); `trainAccuracy` where the trainer tracks it. */
  onEpoch?: ((epoch: number, meanLoss: number, trainAccuracy?: number | undefined) => void) | undefined
}

/** `trainingSeconds` is reported, not written: the files stay byte-identical across reruns. */
export type TrainZooModelReturnType = { onnx: Uint8Array; metadata: ZooModelMetadata; testset: BundledTestset; trainingSeconds: number }

type ZooTrainer<Spec extends ZooModelSpec> = (spec: Spec, overrides?: TrainZooModelParameters) => Promise<TrainZooModelReturnType>

/** Each kind's trainer: it trains, exports and measures the float model with onnxruntime. */
const ZOO_TRAINERS: { [Kind in ZooModelSpec['kind']]: ZooTrainer<Extract<ZooModelSpec, { kind: Kind }>> } = {
  cnn: trainCnnZooModel,
  logisticRegression: trainLogisticRegressionZooModel,
  boostedTrees: trainBoostedTreesZooModel,
  transformer: trainTransformerZooModel,
}

/** Trains one zoo model from its spec with its kind's trainer. */
export function trainZooModel(spec: ZooModelSpec, overrides: TrainZooModelParameters = {}): Promise<TrainZooModelReturnType> {
  return (ZOO_TRAINERS[spec.kind] as ZooTrainer<ZooModelSpec>)(spec, overrides)
}

export type ZooModelName = 'lenet5' | 'lenet5-avg' | 'resnet' | 'dwsep' | 'credit-logreg' | 'credit-gbt' | 'transformer'

export type ReadZooModelReturnType = { onnx: Uint8Array; metadata: ZooModelMetadata; testset: BundledTestset; path: string }

/** The committed ONNX bytes, metadata and held-out test set of a zoo model, without retraining. */
export function readZooModel(name: ZooModelName): ReadZooModelReturnType {
  const path = join(BUNDLED_MODELS_DIRECTORY, `${name}.onnx`)
  const metadata = JSON.parse(readFileSync(join(BUNDLED_MODELS_DIRECTORY, `${name}.json`), 'utf8')) as ZooModelMetadata
  const testset = JSON.parse(readFileSync(join(BUNDLED_MODELS_DIRECTORY, metadata.testset), 'utf8')) as BundledTestset
  return { onnx: new Uint8Array(readFileSync(path)), metadata, testset, path }
}
