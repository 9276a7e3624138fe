import { createHash } from 'node:crypto'
import { type BundledTestset, packageVersion, samplesOf } from './bundledModels.js'
import { trainBoostedTrees } from './boostedTrees.js'
import { CREDIT_CLASS_LABELS, generateCreditDataset } from './creditDataset.js'
import { evaluateOnnx } from './evaluateOnnx.js'
import { exportBoostedTrees, TREES_INPUT_NAME, TREES_LABEL_NAME, TREES_PROBABILITIES_NAME, treeSizes } from './exportBoostedTrees.js'
import { exportLogisticRegression, LOGISTIC_INPUT_NAME, LOGISTIC_OUTPUT_NAME } from './exportLogisticRegression.js'
import { type Dataset, featureCountOf, selectSamples } from './loadDatasets.js'
import { trainLogisticRegression } from './logisticRegression.js'
import { createRandom } from './random.js'
import type {
  BoostedTreesZooModelSpec,
  CreditDataSpec,
  LogisticRegressionZooModelSpec,
  TrainZooModelParameters,
  TrainZooModelReturnType,
  ZooModelMetadata,
} from './zooModels.js'

/** Trains the zoo's logistic regression on the credit data, exports it as PyTorch would, and measures it with onnxruntime. */
export async function trainLogisticRegressionZooModel(spec: LogisticRegressionZooModelSpec, overrides: TrainZooModelParameters = {}): Promise<TrainZooModelReturnType> {
  const data = creditSplit(spec.data, overrides.trainSamples)
  const epochs = overrides.epochs ?? spec.epochs
  const started = performance.now()
  const { model, epochLosses } = trainLogisticRegression({
    inputs: data.trained.inputs,
    labels: data.trained.labels,
    featureCount: data.featureCount,
    epochs,
    batchSize: spec.batchSize,
    learningRate: spec.learningRate,
    l2: spec.l2,
    random: createRandom(spec.seed),
    onEpoch: overrides.onEpoch,
  })
  const trainingSeconds = (performance.now() - started) / 1000
  const onnx = exportLogisticRegression(model, { name: spec.name, docString: spec.description })
  const metadata = await tabularMetadata(spec, data, onnx, {
    input: LOGISTIC_INPUT_NAME,
    preprocessing: `${RAW_FEATURES} The regression was trained on standardized features (x - mean) / deviation with the training split's statistics; that map is folded into the Gemm, so the graph takes raw features.`,
    output: { name: LOGISTIC_OUTPUT_NAME, shape: [1, 1], dtype: 'float32', meaning: 'P(defaulted) after the Sigmoid; the predicted class is 1 (defaulted) when it is at least 0.5.' },
    layers: [`Gemm ${data.featureCount} -> 1 (transB=1), output [1, 1]`, 'Sigmoid, output [1, 1]'],
    parameterCount: model.weights.length + model.bias.length,
    training: {
      seed: spec.seed,
      optimizer: 'mini-batch gradient descent on standardized features, seeded shuffle per epoch; the standardization folded into the weights after training',
      loss: 'log loss (binary cross-entropy) plus l2 · |w|² / 2',
      epochs,
      batchSize: spec.batchSize,
      learningRate: spec.learningRate,
      l2: spec.l2,
      finalLoss: epochLosses.at(-1) ?? Number.NaN,
    },
  })
  return { onnx, metadata, testset: tabularTestset(spec, data), trainingSeconds }
}

/** Trains the zoo's gradient-boosted trees on the credit data, exports them as onnxmltools converts XGBoost, and measures them with onnxruntime. */
export async function trainBoostedTreesZooModel(spec: BoostedTreesZooModelSpec, overrides: TrainZooModelParameters = {}): Promise<TrainZooModelReturnType> {
  const data = creditSplit(spec.data, overrides.trainSamples)
  const trees = overrides.epochs ?? spec.trees
  const started = performance.now()
  const { model, treeLosses } = trainBoostedTrees({
    inputs: data.trained.inputs,
    labels: data.trained.labels,
    featureCount: data.featureCount,
    trees,
    maxDepth: spec.maxDepth,
    learningRate: spec.learningRate,
    l2: spec.l2,
    minChildWeight: spec.minChildWeight,
    subsample: spec.subsample,
    bins: spec.bins,
    random: createRandom(spec.seed),
    onTree: overrides.onEpoch,
  })
  const trainingSeconds = (performance.now() - started) / 1000
  const onnx = exportBoostedTrees(model, { name: spec.name, featureCount: data.featureCount, docString: spec.description })
  const sizes = treeSizes(model)
  const compiled = spec.output ?? TREES_PROBABILITIES_NAME
  const metadata = await tabularMetadata(spec, data, onnx, {
    input: TREES_INPUT_NAME,
    preprocessing: RAW_FEATURES,
    output:
      compiled === TREES_LABEL_NAME
        ? { name: TREES_LABEL_NAME, shape: [1], dtype: 'int64', meaning: 'The predicted class (1 = defaulted when the summed score is above 0), an index into classLabels.' }
        : {
            name: TREES_PROBABILITIES_NAME,
            shape: [1, 2],
            dtype: 'float32',
            meaning: `[P(repaid), P(defaulted)] = [1 - p, p], p = sigmoid(base + Σ leaf values); the predicted class is their ArgMax, the same as the "${TREES_LABEL_NAME}" output (int64 [1]).`,
          },
    layers: [
      `TreeEnsembleClassifier (ai.onnx.ml): ${model.trees.length} trees, depth at most ${sizes.maxDepth}, ${sizes.splits} splits (BRANCH_LT), ${sizes.leaves} leaves weighting class 0 only, base value ${model.baseScore}, post_transform LOGISTIC`,
      `outputs "${TREES_LABEL_NAME}" int64 [1] and "${TREES_PROBABILITIES_NAME}" [1, 2]`,
    ],
    // A split's feature and threshold, a leaf's value, and the base score.
    parameterCount: 2 * sizes.splits + sizes.leaves + 1,
    training: {
      seed: spec.seed,
      optimizer: `gradient boosting as XGBoost's hist method: Newton leaf values -G / (H + l2) times the learning rate, splits by the gain G_L²/(H_L + l2) + G_R²/(H_R + l2) - G²/(H + l2) over ${spec.bins} quantile thresholds per feature, a seeded ${spec.subsample * 100}% subsample per tree`,
      loss: 'log loss (binary cross-entropy)',
      trees,
      maxDepth: spec.maxDepth,
      learningRate: spec.learningRate,
      l2: spec.l2,
      minChildWeight: spec.minChildWeight,
      subsample: spec.subsample,
      bins: spec.bins,
      finalLoss: treeLosses.at(-1) ?? Number.NaN,
    },
  })
  return { onnx, metadata, testset: tabularTestset(spec, data), trainingSeconds }
}

const RAW_FEATURES = 'Input is the 10 features of the synthetic credit data in the order and units of featureNames, raw (no scaling), as a [1, 10] tensor.'

type CreditSplit = { dataset: Dataset; train: Dataset; trained: Dataset; test: Dataset; featureCount: number }

/** The generated samples: the first `trainSize` train, the next `testSize` are held out (each sample is an independent draw). */
function creditSplit(spec: CreditDataSpec, trainSamples: number | undefined): CreditSplit {
  const dataset = generateCreditDataset({ samples: spec.trainSize + spec.testSize, seed: spec.seed })
  const range = (start: number, length: number) => Array.from({ length }, (_, index) => start + index)
  const train = selectSamples(dataset, range(0, spec.trainSize))
  const trained = trainSamples === undefined ? train : selectSamples(train, range(0, Math.min(trainSamples, spec.trainSize)))
  return { dataset, train, trained, test: selectSamples(dataset, range(spec.trainSize, spec.testSize)), featureCount: featureCountOf(dataset) }
}

type TabularModelParts = Pick<ZooModelMetadata, 'output' | 'layers' | 'parameterCount' | 'training'> & { input: string; preprocessing: string }

async function tabularMetadata(spec: LogisticRegressionZooModelSpec | BoostedTreesZooModelSpec, data: CreditSplit, onnx: Uint8Array, parts: TabularModelParts): Promise<ZooModelMetadata> {
  const inputShape = [1, data.featureCount]
  const output = parts.output.name
  const trainAccuracy = await evaluateOnnx(onnx, { inputs: data.train.inputs, labels: data.train.labels, inputShape, output })
  const testAccuracy = await evaluateOnnx(onnx, { inputs: data.test.inputs, labels: data.test.labels, inputShape, output })
  return {
    name: spec.name,
    description: spec.description,
    file: `${spec.name}.onnx`,
    sha256: createHash('sha256').update(onnx).digest('hex'),
    opset: 13,
    input: { name: parts.input, shape: inputShape, dtype: 'float32', featureNames: data.dataset.featureNames, preprocessing: parts.preprocessing },
    output: parts.output,
    classLabels: CREDIT_CLASS_LABELS,
    layers: parts.layers,
    parameterCount: parts.parameterCount,
    dataset: {
      generator: `generateCreditDataset (circuits/src/models/creditDataset.ts), seed ${spec.data.seed}: synthetic applicants, label 1 when the applicant defaulted`,
      samples: data.dataset.labels.length,
      split: `the first ${spec.data.trainSize} generated samples train, the next ${spec.data.testSize} are held out (independent draws, so no shuffle)`,
      splitSeed: spec.data.seed,
      trainSize: data.train.labels.length,
      trainedOn: data.trained.labels.length,
      testSize: data.test.labels.length,
    },
    training: parts.training,
    accuracy: {
      train: trainAccuracy.accuracy,
      test: testAccuracy.accuracy,
      measuredWith: `onnxruntime-node ${packageVersion('onnxruntime-node')} on the exported file, output "${output}", batch size 1, float32 inputs`,
    },
    testset: `${spec.name}.testset.json`,
  }
}

function tabularTestset(spec: LogisticRegressionZooModelSpec | BoostedTreesZooModelSpec, data: CreditSplit): BundledTestset {
  const calibration = selectSamples(data.train, Array.from({ length: Math.min(spec.calibrationSize, data.train.labels.length) }, (_, index) => index))
  return {
    name: spec.name,
    inputShape: [1, data.featureCount],
    classLabels: CREDIT_CLASS_LABELS,
    description: `The whole held-out test split (${data.test.labels.length} generated applicants, never seen in training), raw features in the order of featureNames; the ONNX input takes them as [1, ${data.featureCount}].`,
    ...samplesOf(data.test),
    calibration: {
      description: `The first ${calibration.labels.length} samples of the training split, for calibrating quantization scales.`,
      ...samplesOf(calibration),
    },
  }
}
