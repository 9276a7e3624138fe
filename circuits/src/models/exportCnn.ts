import { buildModel, type InitializerInit, type NodeInit } from '../onnx/buildModel.js'
import { type Cnn, type Layer, outputShapeOf, type Shape } from './cnn.js'

export const CNN_INPUT_NAME = 'input'
export const CNN_OUTPUT_NAME = 'logits'

export type ExportCnnParameters = {
  /** Graph name. */
  name: string
  docString?: string | undefined
}

/**
 * ONNX as `torch.onnx.export` writes an eval-mode `nn.Module` of these layers at opset 13: `Conv`
 * (weights `[out, in / group, k, k]`, explicit `pads`, `strides`, `dilations`, `group`), `Relu`,
 * `MaxPool` / `AveragePool` (2x2, stride 2, `ceil_mode` 0), `BatchNormalization` (inference
 * statistics as initializers), `Add` for a residual connection, `Flatten(axis=1)` and
 * `Gemm(transB=1)`. Input `[1, ...inputShape]`, logits `[1, classes]` out. Node and tensor names
 * follow PyTorch's (`/conv1/Conv`, `conv1.weight`).
 */
export function exportCnn(cnn: Cnn, { name, docString }: ExportCnnParameters): Uint8Array {
  const initializers: InitializerInit[] = []
  const nodes: NodeInit[] = []
  const counters: Record<string, number> = {}
  const next = (prefix: string) => {
    counters[prefix] = (counters[prefix] ?? 0) + 1
    return `${prefix}${counters[prefix]}`
  }

  const emit = (layers: readonly Layer[], input: string, shape: Shape): { output: string; shape: Shape } => {
    let value = input
    for (const layer of layers) {
      const outShape = outputShapeOf(layer, shape)
      switch (layer.kind) {
        case 'conv2d': {
          const module = next('conv')
          initializers.push(
            { name: `${module}.weight`, dims: [layer.outChannels, layer.inChannels / layer.groups, layer.kernel, layer.kernel], data: layer.weights },
            { name: `${module}.bias`, dims: [layer.outChannels], data: layer.bias },
          )
          const padding = layer.padding
          nodes.push({
            op: 'Conv',
            name: `/${module}/Conv`,
            inputs: [value, `${module}.weight`, `${module}.bias`],
            outputs: [`/${module}/Conv_output_0`],
            attributes: { dilations: [1, 1], group: layer.groups, kernel_shape: [layer.kernel, layer.kernel], pads: [padding, padding, padding, padding], strides: [1, 1] },
          })
          value = `/${module}/Conv_output_0`
          break
        }
        case 'linear': {
          const module = next('fc')
          initializers.push(
            { name: `${module}.weight`, dims: [layer.outFeatures, layer.inFeatures], data: layer.weights },
            { name: `${module}.bias`, dims: [layer.outFeatures], data: layer.bias },
          )
          nodes.push({ op: 'Gemm', name: `/${module}/Gemm`, inputs: [value, `${module}.weight`, `${module}.bias`], outputs: [`/${module}/Gemm_output_0`], attributes: { alpha: 1, beta: 1, transB: 1 } })
          value = `/${module}/Gemm_output_0`
          break
        }
        case 'batchNorm': {
          const module = next('bn')
          initializers.push(
            { name: `${module}.weight`, dims: [layer.channels], data: layer.scale },
            { name: `${module}.bias`, dims: [layer.channels], data: layer.shift },
            { name: `${module}.running_mean`, dims: [layer.channels], data: layer.mean },
            { name: `${module}.running_var`, dims: [layer.channels], data: layer.variance },
          )
          nodes.push({
            op: 'BatchNormalization',
            name: `/${module}/BatchNormalization`,
            inputs: [value, `${module}.weight`, `${module}.bias`, `${module}.running_mean`, `${module}.running_var`],
            outputs: [`/${module}/BatchNormalization_output_0`],
            // PyTorch writes its momentum m as ONNX's 1 - m.
            attributes: { epsilon: layer.epsilon, momentum: 0.9 },
          })
          value = `/${module}/BatchNormalization_output_0`
          break
        }
        case 'relu': {
          const module = next('relu')
          nodes.push({ op: 'Relu', name: `/${module}/Relu`, inputs: [value], outputs: [`/${module}/Relu_output_0`] })
          value = `/${module}/Relu_output_0`
          break
        }
        case 'maxPool':
        case 'avgPool': {
          const op = layer.kind === 'maxPool' ? 'MaxPool' : 'AveragePool'
          const module = next('pool')
          const attributes = { ceil_mode: 0, kernel_shape: [2, 2], pads: [0, 0, 0, 0], strides: [2, 2], ...(op === 'AveragePool' ? { count_include_pad: 0 } : {}) }
          nodes.push({ op, name: `/${module}/${op}`, inputs: [value], outputs: [`/${module}/${op}_output_0`], attributes })
          value = `/${module}/${op}_output_0`
          break
        }
        case 'flatten':
          nodes.push({ op: 'Flatten', name: '/Flatten', inputs: [value], outputs: ['/Flatten_output_0'], attributes: { axis: 1 } })
          value = '/Flatten_output_0'
          break
        case 'residual': {
          const body = emit(layer.body, value, shape)
          const module = next('add')
          nodes.push({ op: 'Add', name: `/${module}/Add`, inputs: [value, body.output], outputs: [`/${module}/Add_output_0`] })
          value = `/${module}/Add_output_0`
          break
        }
      }
      shape = outShape
    }
    return { output: value, shape }
  }

  const { shape } = emit(cnn.layers, CNN_INPUT_NAME, cnn.inputShape)
  if (shape.length !== 1 || cnn.layers.at(-1)?.kind !== 'linear')
    throw new Error(`A CNN exported as a classifier must end in a linear layer giving flat logits, not [${shape.join(', ')}].`)
  // The last node (nothing reads it) writes the graph output under its public name.
  nodes.at(-1)!.outputs = [CNN_OUTPUT_NAME]
  return buildModel({
    name,
    docString,
    inputs: [{ name: CNN_INPUT_NAME, shape: [1, ...cnn.inputShape] }],
    outputs: [{ name: CNN_OUTPUT_NAME, shape: [1, shape[0]!] }],
    initializers,
    nodes,
  })
}

/** One line per layer for the metadata, e.g. `conv2d 1->6 5x5 pad 2 -> [6, 28, 28]`. */
export function describeLayers(layers: readonly Layer[], shape: Shape): string[] {
  return layers.flatMap((layer) => {
    const outShape = outputShapeOf(layer, shape)
    const result = `[${outShape.join(', ')}]`
    shape = outShape
    switch (layer.kind) {
      case 'conv2d':
        return [`conv2d ${layer.inChannels}->${layer.outChannels} ${layer.kernel}x${layer.kernel}${layer.padding ? ` pad ${layer.padding}` : ''}${layer.groups > 1 ? ` groups ${layer.groups}` : ''} -> ${result}`]
      case 'linear':
        return [`linear ${layer.inFeatures}->${layer.outFeatures}`]
      case 'residual':
        return [`residual(${describeLayers(layer.body, outShape).map((line) => line.replace(/ -> \[.*\]$/, '')).join(', ')}) + identity -> ${result}`]
      default:
        return [`${layer.kind} -> ${result}`]
    }
  })
}
