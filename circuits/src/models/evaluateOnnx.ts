import * as ort from 'onnxruntime-node'
import { argMax } from './mlp.js'

export type EvaluateOnnxParameters = {
  /** Samples concatenated; each is fed as a float32 tensor of `inputShape`. */
  inputs: Float64Array
  labels: Uint8Array
  /** Full input shape including the batch dimension of 1, e.g. `[1, 784]`. */
  inputShape: number[]
}

export type EvaluateOnnxReturnType = { accuracy: number; correct: number; total: number; predictions: Uint8Array }

/** Accuracy of an ONNX classifier as onnxruntime computes it, one sample at a time (batch size 1). */
export async function evaluateOnnx(model: Uint8Array, { inputs, labels, inputShape }: EvaluateOnnxParameters): Promise<EvaluateOnnxReturnType> {
  const session = await ort.InferenceSession.create(model)
  const inputName = session.inputNames[0]!
  const outputName = session.outputNames[0]!
  const featureCount = inputShape.reduce((product, dim) => product * dim, 1)
  const predictions = new Uint8Array(labels.length)
  let correct = 0
  try {
    for (let sample = 0; sample < labels.length; sample++) {
      const features = Float32Array.from(inputs.subarray(sample * featureCount, (sample + 1) * featureCount))
      const result = await session.run({ [inputName]: new ort.Tensor('float32', features, inputShape) })
      predictions[sample] = argMax(result[outputName]!.data as Float32Array)
      if (predictions[sample] === labels[sample]) correct++
    }
  } finally {
    await session.release()
  }
  return { accuracy: correct / labels.length, correct, total: labels.length, predictions }
}
