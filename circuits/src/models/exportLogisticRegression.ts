import { buildModel } from '../onnx/buildModel.js'
import type { LogisticRegression } from './logisticRegression.js'

export type ExportLogisticRegressionParameters = {
  /** Graph name. */
  name: string
  docString?: string | undefined
}

export const LOGISTIC_INPUT_NAME = 'input'
export const LOGISTIC_OUTPUT_NAME = 'probability'

/**
 * ONNX as PyTorch exports `nn.Sequential(nn.Linear(features, 1), nn.Sigmoid())`: `Gemm(transB=1)`
 * with weight `[1, features]`, then `Sigmoid`; input `[1, features]`, the probability of class 1
 * out as `[1, 1]`, opset 13.
 */
export function exportLogisticRegression(model: LogisticRegression, { name, docString }: ExportLogisticRegressionParameters): Uint8Array {
  const features = model.weights.length
  return buildModel({
    name,
    docString,
    inputs: [{ name: LOGISTIC_INPUT_NAME, shape: [1, features] }],
    outputs: [{ name: LOGISTIC_OUTPUT_NAME, shape: [1, 1] }],
    initializers: [
      { name: 'linear.weight', dims: [1, features], data: model.weights },
      { name: 'linear.bias', dims: [1], data: model.bias },
    ],
    nodes: [
      { op: 'Gemm', name: '/linear/Gemm', inputs: [LOGISTIC_INPUT_NAME, 'linear.weight', 'linear.bias'], outputs: ['/linear/Gemm_output_0'], attributes: { alpha: 1, beta: 1, transB: 1 } },
      { op: 'Sigmoid', name: '/sigmoid/Sigmoid', inputs: ['/linear/Gemm_output_0'], outputs: [LOGISTIC_OUTPUT_NAME] },
    ],
  })
}
