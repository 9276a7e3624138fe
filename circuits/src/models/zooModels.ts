import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type BundledTestset, MNIST_SPLIT_SEED, MNIST_TEST_FRACTION, packageVersion, samplesOf } from './bundledModels.js'
import { calibrateBatchNorms, createCnn, type LayerSpec, parameterCountOf, trainCnn } from './cnn.js'
import { evaluateOnnx } from './evaluateOnnx.js'
import { CNN_INPUT_NAME, CNN_OUTPUT_NAME, describeLayers, exportCnn } from './exportCnn.js'
import { type Dataset, loadMnist, selectSamples, stratifiedSplit } from './loadDatasets.js'
import type { QuantizedAccuracy } from './measureQuantized.js'
import { createRandom } from './random.js'
import { BUNDLED_MODELS_DIRECTORY } from './readBundledModel.js'

/**
 * The model zoo (issue 12): convolutional classifiers the compiler benchmark runs, trained by the
 * project's own code (cnn.ts) on the same MNIST split as the bundled mnist784 model, so their
 * held-out accuracies compare directly.
 */
export type ZooModelSpec = {
  name: string
  description: string
  /** Side of the square grey image: 28, or 14 (2x2 block means, as the `digits` model). */
  side: 28 | 14
  layers: LayerSpec[]
  /** Seeds weight initialisation and the per-epoch shuffles. */
  seed: number
  /**
   * Trains on the first this-many samples of the shuffled training split: one JS thread on 2
   * shared cores trains LeNet-5 at roughly a few hundred samples a second.
   */
  trainSamples: number
  epochs: number
  batchSize: number
  learningRate: number
  calibrationSize: number
}

export const ZOO_MODELS: readonly ZooModelSpec[] = [
  {
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
    seed: 17,
    trainSamples: 9001,
    epochs: 3,
    batchSize: 32,
    learningRate: 0.002,
    calibrationSize: 64,
  },
  {
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
]

export type ZooModelMetadata = {
  name: string
  description: string
  file: string
  sha256: string
  opset: number
  input: { name: string; shape: number[]; dtype: 'float32'; preprocessing: string }
  output: { name: string; shape: number[]; dtype: 'float32'; meaning: string }
  classLabels: string[]
  /** One line per layer, with the activation shape after it. */
  layers: string[]
  parameterCount: number
  dataset: { package: string; version: string; samples: number; split: string; splitSeed: number; trainSize: number; trainedOn: number; testSize: number }
  training: { seed: number; optimizer: string; loss: string; epochs: number; batchSize: number; learningRate: number; finalLoss: number }
  accuracy: { train: number; test: number; measuredWith: string }
  /**
   * The compiled model on the held-out split (`measureQuantized`): the calibrated quantization,
   * float and quantized accuracy and their agreement. zoo.test.ts requires at least this agreement.
   */
  quantized?: (Omit<QuantizedAccuracy, 'samples'> & { measuredWith: string }) | undefined
  testset: string
}

export type TrainZooModelParameters = {
  /** Shorter runs for tests; the committed models use the spec's values. */
  epochs?: number | undefined
  trainSamples?: number | undefined
  onEpoch?: ((epoch: number, meanLoss: number, trainAccuracy: number) => void) | undefined
}

/** `trainingSeconds` is reported, not written: the files stay byte-identical across reruns. */
export type TrainZooModelReturnType = { onnx: Uint8Array; metadata: ZooModelMetadata; testset: BundledTestset; trainingSeconds: number }

/** Trains one zoo model from its spec, exports it as PyTorch would, and measures it with onnxruntime. */
export async function trainZooModel(spec: ZooModelSpec, overrides: TrainZooModelParameters = {}): Promise<TrainZooModelReturnType> {
  const dataset: Dataset = loadMnist({ size: spec.side })
  const split = stratifiedSplit(dataset, { testFraction: MNIST_TEST_FRACTION, seed: MNIST_SPLIT_SEED })
  const trainCount = Math.min(overrides.trainSamples ?? spec.trainSamples, split.train.labels.length)
  const train = selectSamples(split.train, Array.from({ length: trainCount }, (_, index) => index))
  const { test } = split
  const epochs = overrides.epochs ?? spec.epochs
  const inputShape = [1, spec.side, spec.side]

  const random = createRandom(spec.seed)
  const cnn = createCnn(inputShape, spec.layers, random)
  const trainingInputs = Float32Array.from(train.inputs)
  calibrateBatchNorms(cnn, trainingInputs, Math.min(256, trainCount))
  const started = performance.now()
  const { epochLosses } = trainCnn(cnn, { inputs: trainingInputs, labels: train.labels, epochs, batchSize: spec.batchSize, learningRate: spec.learningRate, random, onEpoch: overrides.onEpoch })
  const trainingSeconds = (performance.now() - started) / 1000

  const onnx = exportCnn(cnn, { name: spec.name, docString: spec.description })
  const onnxShape = [1, ...inputShape]
  // Accuracy on the whole training split, not only the samples trained on.
  const trainAccuracy = await evaluateOnnx(onnx, { inputs: split.train.inputs, labels: split.train.labels, inputShape: onnxShape })
  const testAccuracy = await evaluateOnnx(onnx, { inputs: test.inputs, labels: test.labels, inputShape: onnxShape })

  const metadata: ZooModelMetadata = {
    name: spec.name,
    description: spec.description,
    file: `${spec.name}.onnx`,
    sha256: createHash('sha256').update(onnx).digest('hex'),
    opset: 13,
    input: {
      name: CNN_INPUT_NAME,
      shape: onnxShape,
      dtype: 'float32',
      preprocessing:
        spec.side === 28
          ? 'Input is the 28x28 MNIST grey image of the mnist package, pixels in [0, 1] (0 = background), as a [1, 1, 28, 28] tensor; the test set stores it flat, row-major (784 values).'
          : 'Input is a 14x14 grey image, pixels in [0, 1]: the mnist package\'s 28x28 digit with each 2x2 block averaged, rounded to 5 decimals, as a [1, 1, 14, 14] tensor; the test set stores it flat, row-major (196 values).',
    },
    output: {
      name: CNN_OUTPUT_NAME,
      shape: [1, dataset.classLabels.length],
      dtype: 'float32',
      meaning: 'Unnormalised class scores (no Softmax); the predicted class is their ArgMax, an index into classLabels.',
    },
    classLabels: dataset.classLabels,
    layers: describeLayers(cnn.layers, inputShape),
    parameterCount: parameterCountOf(cnn),
    dataset: {
      package: 'mnist',
      version: packageVersion('mnist'),
      samples: dataset.labels.length,
      split: `stratified: ${MNIST_TEST_FRACTION * 100}% of each class held out (rounded per class), seeded shuffle; the split of the bundled mnist784 and digits models`,
      splitSeed: MNIST_SPLIT_SEED,
      trainSize: split.train.labels.length,
      trainedOn: trainCount,
      testSize: test.labels.length,
    },
    training: {
      seed: spec.seed,
      optimizer: 'Adam (beta1 0.9, beta2 0.999, eps 1e-8), learning rate cosine-decayed from the value below to 0',
      loss: 'softmax cross-entropy',
      epochs,
      batchSize: spec.batchSize,
      learningRate: spec.learningRate,
      finalLoss: epochLosses.at(-1) ?? Number.NaN,
    },
    accuracy: {
      train: trainAccuracy.accuracy,
      test: testAccuracy.accuracy,
      measuredWith: `onnxruntime-node ${packageVersion('onnxruntime-node')} on the exported file, batch size 1, float32 inputs`,
    },
    testset: `${spec.name}.testset.json`,
  }

  const calibration = selectSamples(split.train, Array.from({ length: Math.min(spec.calibrationSize, split.train.labels.length) }, (_, index) => index))
  const testset: BundledTestset = {
    name: spec.name,
    inputShape: onnxShape,
    classLabels: dataset.classLabels,
    description: `The whole held-out test split (${test.labels.length} samples, never seen in training), flat row-major pixels; the ONNX input takes them as [${onnxShape.join(', ')}].`,
    ...samplesOf(test),
    calibration: {
      description: `The first ${calibration.labels.length} samples of the shuffled training split, for calibrating quantization scales.`,
      ...samplesOf(calibration),
    },
  }
  return { onnx, metadata, testset, trainingSeconds }
}

export type ZooModelName = 'lenet5' | 'resnet' | 'dwsep'

export type ReadZooModelReturnType = { onnx: Uint8Array; metadata: ZooModelMetadata; testset: BundledTestset; path: string }

/** The committed ONNX bytes, metadata and held-out test set of a zoo model, without retraining. */
export function readZooModel(name: ZooModelName): ReadZooModelReturnType {
  const path = join(BUNDLED_MODELS_DIRECTORY, `${name}.onnx`)
  const metadata = JSON.parse(readFileSync(join(BUNDLED_MODELS_DIRECTORY, `${name}.json`), 'utf8')) as ZooModelMetadata
  const testset = JSON.parse(readFileSync(join(BUNDLED_MODELS_DIRECTORY, metadata.testset), 'utf8')) as BundledTestset
  return { onnx: new Uint8Array(readFileSync(path)), metadata, testset, path }
}
