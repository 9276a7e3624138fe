import { createHash } from 'node:crypto'
import { packageVersion } from './bundledModels.js'
import { buildTransformerClassifier, TRANSFORMER_INPUT_NAME, TRANSFORMER_OUTPUT_NAME } from './transformer.js'
import type { TrainZooModelParameters, TrainZooModelReturnType, TransformerZooModelSpec } from './zooModels.js'

/** Builds the zoo's tiny transformer (seeded encoder, trained classifier) and measures it with onnxruntime. */
export async function trainTransformerZooModel(spec: TransformerZooModelSpec, overrides: TrainZooModelParameters = {}): Promise<TrainZooModelReturnType> {
  const { transformer, task } = spec
  const started = performance.now()
  const built = await buildTransformerClassifier(
    {
      name: spec.name,
      docString: spec.description,
      transformer: { ...transformer, seed: spec.seed },
      task,
      dataSeed: spec.dataSeed,
      trainSize: spec.trainSize,
      testSize: spec.testSize,
      calibrationSize: spec.calibrationSize,
      classifier: { ...spec.classifier, epochs: overrides.epochs ?? spec.classifier.epochs },
    },
    overrides.trainSamples,
  )
  const trainingSeconds = (performance.now() - started) / 1000
  const classLabels = Array.from({ length: transformer.classes }, (_, topic) => `topic ${topic}`)
  const { width, heads, hidden, sequence, vocabulary, classes } = transformer
  const parameterCount = [...built.model.encoder.values()].reduce((sum, { data }) => sum + data.length, 0) + width * classes + classes
  const inputShape = [1, sequence]
  return {
    onnx: built.onnx,
    trainingSeconds,
    metadata: {
      name: spec.name,
      description: spec.description,
      file: `${spec.name}.onnx`,
      sha256: createHash('sha256').update(built.onnx).digest('hex'),
      opset: 17,
      input: {
        name: TRANSFORMER_INPUT_NAME,
        shape: inputShape,
        dtype: 'int64',
        preprocessing: `Input is ${sequence} token ids in [0, ${vocabulary}) as an int64 [1, ${sequence}] tensor; the test set stores them as numbers.`,
      },
      output: { name: TRANSFORMER_OUTPUT_NAME, shape: [1, classes], dtype: 'float32', meaning: 'Unnormalised topic scores; the predicted topic is their ArgMax, an index into classLabels.' },
      classLabels,
      layers: [
        `Gather: embedding ${vocabulary} x ${width} by token id, plus learned positions, output [1, ${sequence}, ${width}]`,
        `LayerNormalization, then ${heads}-head self-attention (q, k, v, o projections ${width} x ${width}; q and kᵀ times d^-1/4, Softmax over keys), residual Add`,
        `LayerNormalization, MLP ${width} -> ${hidden} -> ${width} with GELU written as x·½·(1 + erf(x/√2)), residual Add`,
        `ReduceMean over the sequence, output [1, ${width}]; Gemm ${width} -> ${classes}`,
      ],
      parameterCount,
      dataset: {
        generator: `topicSequences (circuits/src/models/transformer.ts), seed ${spec.dataSeed}: each sequence has one of ${classes} topics (the label); a token is one of that topic's ${task.topicTokens} words with probability ${task.topicShare}, else any word`,
        samples: spec.trainSize + spec.testSize,
        split: `the first ${spec.trainSize} generated sequences train, the next ${spec.testSize} are held out (independent draws)`,
        splitSeed: spec.dataSeed,
        trainSize: spec.trainSize,
        trainedOn: overrides.trainSamples ?? spec.trainSize,
        testSize: spec.testSize,
      },
      training: {
        seed: spec.seed,
        optimizer: `the encoder is seeded, not trained (PyTorch's initialisation); the classifier on its mean-pooled features by Adam, learning rate cosine-decayed from the value below to 0`,
        loss: 'softmax cross-entropy (classifier only)',
        epochs: overrides.epochs ?? spec.classifier.epochs,
        batchSize: spec.classifier.batchSize,
        learningRate: spec.classifier.learningRate,
        finalLoss: built.finalLoss,
      },
      accuracy: {
        train: built.trainAccuracy,
        test: built.testAccuracy,
        measuredWith: `onnxruntime-node ${packageVersion('onnxruntime-node')} on the exported file, batch size 1, int64 token ids`,
      },
      testset: `${spec.name}.testset.json`,
    },
    testset: {
      name: spec.name,
      inputShape,
      classLabels,
      description: `The whole held-out test split (${built.test.labels.length} generated sequences, never seen in training), token ids; the ONNX input takes them as int64 [1, ${sequence}].`,
      inputs: built.test.inputs,
      labels: built.test.labels,
      calibration: {
        description: `The first ${built.calibration.labels.length} sequences of the training split, for calibrating quantization scales.`,
        ...built.calibration,
      },
    },
  }
}
