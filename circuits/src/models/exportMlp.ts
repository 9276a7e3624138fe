import { buildModel } from '../onnx/buildModel.js'
import type { Mlp } from './mlp.js'

/** Per-feature affine preprocessing `(x - mean) / deviation` that the network was trained behind. */
export type Standardization = { mean: Float64Array; deviation: Float64Array }

export type ExportMlpParameters = {
  /** Graph name. */
  name: string
  /** Folded into the first layer so the exported model takes raw features. */
  standardization?: Standardization | undefined
  docString?: string | undefined
}

export const MLP_INPUT_NAME = 'input'
export const MLP_OUTPUT_NAME = 'logits'

/**
 * ONNX as PyTorch exports an `nn.Sequential` of Linear and ReLU: `Gemm(transB=1)` per layer with
 * weights `[out, in]`, `Relu` between, input `[1, in]`, logits `[1, classes]` out, opset 13.
 */
export function exportMlp(mlp: Mlp, { name, standardization, docString }: ExportMlpParameters): Uint8Array {
  const layers = standardization ? foldStandardization(mlp, standardization).layers : mlp.layers
  const initializers = layers.flatMap((layer, index) => [
    { name: `fc${index + 1}.weight`, dims: [layer.outputSize, layer.inputSize], data: layer.weights },
    { name: `fc${index + 1}.bias`, dims: [layer.outputSize], data: layer.bias },
  ])
  const nodes = layers.flatMap((_, index) => {
    const layerInput = index === 0 ? MLP_INPUT_NAME : `relu${index}`
    const isLast = index === layers.length - 1
    const gemmOutput = isLast ? MLP_OUTPUT_NAME : `fc${index + 1}`
    const gemm = {
      op: 'Gemm',
      name: `/fc${index + 1}/Gemm`,
      inputs: [layerInput, `fc${index + 1}.weight`, `fc${index + 1}.bias`],
      outputs: [gemmOutput],
      attributes: { alpha: 1, beta: 1, transB: 1 },
    }
    if (isLast) return [gemm]
    return [gemm, { op: 'Relu', name: `/relu${index + 1}/Relu`, inputs: [gemmOutput], outputs: [`relu${index + 1}`] }]
  })
  return buildModel({
    name,
    docString,
    inputs: [{ name: MLP_INPUT_NAME, shape: [1, layers[0]!.inputSize] }],
    outputs: [{ name: MLP_OUTPUT_NAME, shape: [1, layers.at(-1)!.outputSize] }],
    initializers,
    nodes,
  })
}

/**
 * W' = W / deviation (per input column) and b' = b - W · (mean / deviation), so that
 * W' x + b' = W ((x - mean) / deviation) + b for raw x.
 */
export function foldStandardization(mlp: Mlp, { mean, deviation }: Standardization): Mlp {
  const [first, ...rest] = mlp.layers
  if (!first) return mlp
  const weights = new Float32Array(first.weights.length)
  const bias = new Float32Array(first.outputSize)
  for (let unit = 0; unit < first.outputSize; unit++) {
    let shift = 0
    for (let feature = 0; feature < first.inputSize; feature++) {
      const weight = first.weights[unit * first.inputSize + feature]! / deviation[feature]!
      weights[unit * first.inputSize + feature] = weight
      shift += weight * mean[feature]!
    }
    bias[unit] = first.bias[unit]! - shift
  }
  return { layers: [{ ...first, weights, bias }, ...rest] }
}
