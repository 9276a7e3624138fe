import { createHash } from 'node:crypto'
import { adamTraining, heldOutTestset, MNIST_SPLIT_SEED, MNIST_TEST_FRACTION, onnxAccuracy, packageVersion } from './bundledModels.js'
import { calibrateBatchNorms, createCnn, parameterCountOf, trainCnn } from './cnn.js'
import { evaluateOnnx } from './evaluateOnnx.js'
import { CNN_INPUT_NAME, CNN_OUTPUT_NAME, describeLayers, exportCnn } from './exportCnn.js'
import { type Dataset, loadMnist, selectSamples, stratifiedSplit } from './loadDatasets.js'
import { createRandom } from './random.js'
import type { CnnZooModelSpec, TrainZooModelParameters, TrainZooModelReturnType, ZooModelMetadata } from './zooModels.js'

/**
 * Trains a zoo CNN from its spec with cnn.ts, on the MNIST split of the bundled mnist784 model
 * (so held-out accuracies compare directly), exports it as PyTorch would, and measures it with
 * onnxruntime.
 */
export async function trainCnnZooModel(spec: CnnZooModelSpec, overrides: TrainZooModelParameters = {}): Promise<TrainZooModelReturnType> {
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
    training: adamTraining(spec, epochs, epochLosses),
    accuracy: onnxAccuracy(trainAccuracy.accuracy, testAccuracy.accuracy),
    testset: `${spec.name}.testset.json`,
  }
  const testset = heldOutTestset({
    name: spec.name,
    inputShape: onnxShape,
    classLabels: dataset.classLabels,
    train: split.train,
    test,
    calibrationSize: spec.calibrationSize,
    layout: `flat row-major pixels; the ONNX input takes them as [${onnxShape.join(', ')}]`,
  })
  return { onnx, metadata, testset, trainingSeconds }
}
