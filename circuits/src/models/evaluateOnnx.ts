import * as ort from 'onnxruntime-node'
import { classOfFloatOutput, inputTensor } from './readClass.js'

export type EvaluateOnnxParameters = {
  /** Samples concatenated; each is fed as a tensor of `inputShape`. */
  inputs: Float64Array
  labels: Uint8Array
  /** Full input shape including the batch dimension of 1, e.g. `[1, 784]`. */
  inputShape: number[]
  /** The input's element type when it is an integer type (default float32). */
  inputType?: 'int64' | 'int32' | undefined
  /** The output read (default the first); its class as classOfFloatOutput reads it. */
  output?: string | undefined
}

export type EvaluateOnnxReturnType = { accuracy: number; correct: number; total: number; predictions: Uint8Array }

/** Accuracy of an ONNX classifier as onnxruntime computes it, one sample at a time (batch size 1). */
export async function evaluateOnnx(model: Uint8Array, { inputs, labels, inputShape, inputType, output }: EvaluateOnnxParameters): Promise<EvaluateOnnxReturnType> {
  const session = await ort.InferenceSession.create(model)
  const inputName = session.inputNames[0]!
  const outputName = output ?? session.outputNames[0]!
  const featureCount = inputShape.reduce((product, dim) => product * dim, 1)
  const predictions = new Uint8Array(labels.length)
  let correct = 0
  try {
    for (let sample = 0; sample < labels.length; sample++) {
      const features = inputs.subarray(sample * featureCount, (sample + 1) * featureCount)
      const result = await session.run({ [inputName]: inputTensor(features, inputShape, inputType) }, [outputName])
      predictions[sample] = classOfFloatOutput(result[outputName]!)
      if (predictions[sample] === labels[sample]) correct++
    }
  } finally {
    await session.release()
  }
  return { accuracy: correct / labels.length, correct, total: labels.length, predictions }
}
