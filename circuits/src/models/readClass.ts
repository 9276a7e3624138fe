import * as ort from 'onnxruntime-node'
import { argMax } from './mlp.js'

/**
 * The class a classifier's float output names, as onnxruntime returns it: an integer label (an
 * ONNX-ML classifier's label output) as is, a single probability p (a logistic regression) as
 * [p >= 0.5], scores or probabilities by their ArgMax.
 */
export function classOfFloatOutput(output: ort.Tensor): number {
  if (output.type === 'int64' || output.type === 'int32') return Number(output.data[0])
  const values = output.data as Float32Array
  return values.length === 1 ? (values[0]! >= 0.5 ? 1 : 0) : argMax(values)
}

/**
 * The class a compiled model's integer output names: its class index (manifest output kind
 * 'class-index'), a single probability read back at the output's scale as [p >= 0.5], or the
 * ArgMax of its values.
 */
export function classOfQuantizedOutput(output: readonly bigint[], layout: { kind: 'class-index' | 'values'; scale: number }): number {
  if (layout.kind === 'class-index') return Number(output[0])
  return output.length === 1 ? (Number(output[0]) / 2 ** layout.scale >= 0.5 ? 1 : 0) : argMax(output.map(Number))
}

/** An onnxruntime tensor for a model input: float32, or the integer type the input declares (token ids as int64). */
export function inputTensor(values: ArrayLike<number>, shape: readonly number[], type?: 'int64' | 'int32' | undefined): ort.Tensor {
  if (type === 'int64') return new ort.Tensor('int64', BigInt64Array.from(Array.from(values), (v) => BigInt(Math.round(v))), shape)
  if (type === 'int32') return new ort.Tensor('int32', Int32Array.from(Array.from(values), Math.round), shape)
  return new ort.Tensor('float32', Float32Array.from(values), shape)
}
