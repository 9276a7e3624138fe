import onnxProto from 'onnx-proto'
import { DynamicShapeError, MalformedOnnxError, UnsupportedGraphError } from '../errors/compile.js'
import type { AttributeValue, ConstTensor, OnnxGraph, OnnxNode, ValueInfo } from './graph.js'

const { onnx } = onnxProto
type Long = { toNumber(): number }
type IntLike = number | Long | null | undefined

const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, DOUBLE: 11 } as const

function toNumber(value: IntLike): number {
  if (value === null || value === undefined) return 0
  return typeof value === 'number' ? value : value.toNumber()
}

export type LoadModelOptions = {
  /**
   * The graph output to compile when there are several (a classifier's label and scores):
   * by default the one float tensor output, a ZipMap's output standing for the scores it wraps.
   */
  output?: string | undefined
}

/** Decodes ONNX bytes into the compiler's graph: one input, one output, constants folded in, shapes static. */
export function loadModel(bytes: Uint8Array, options: LoadModelOptions = {}): OnnxGraph {
  let model: ReturnType<typeof onnx.ModelProto.decode>
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch (cause) {
    throw new MalformedOnnxError({ reason: `protobuf decoding failed (${(cause as Error).message})`, cause })
  }
  const graph = model.graph
  if (!graph) throw new MalformedOnnxError({ reason: 'it has no graph' })
  if (!graph.node || graph.node.length === 0) throw new MalformedOnnxError({ reason: 'its graph has no nodes' })

  const constants = new Map<string, ConstTensor>()
  for (const init of graph.initializer ?? []) {
    if (!init.name) throw new MalformedOnnxError({ reason: 'an initializer has no name' })
    constants.set(init.name, decodeTensor(init, init.name))
  }

  const nodes: OnnxNode[] = []
  graph.node.forEach((node, index) => {
    const op = node.opType ?? ''
    const name = node.name || `${op}_${index}`
    const attributes: Record<string, AttributeValue> = {}
    for (const attr of node.attribute ?? []) attributes[attr.name ?? ''] = decodeAttribute(attr, name)
    const parsed: OnnxNode = { name, op, inputs: [...(node.input ?? [])], outputs: [...(node.output ?? [])], attributes }
    if (op === 'Constant') {
      const value = attributes.value
      if (value === undefined || typeof value !== 'object' || Array.isArray(value))
        throw new UnsupportedGraphError({ reason: `Constant node "${name}" has no tensor "value" attribute` })
      constants.set(parsed.outputs[0] ?? '', value)
      return
    }
    nodes.push(parsed)
  })

  // Older PyTorch exports list every initializer as a graph input too: those are constants, not inputs.
  const inputs = (graph.input ?? []).filter((vi) => !constants.has(vi.name ?? ''))
  const outputs = graph.output ?? []
  if (inputs.length !== 1)
    throw new UnsupportedGraphError({ reason: `the model has ${inputs.length} non-constant inputs (${inputs.map((i) => i.name).join(', ')}); exactly one is supported` })
  const output = pickOutput(outputs, nodes, options.output)

  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version
  return {
    input: staticValueInfo(inputs[0]!),
    output: { name: output, shape: [] },
    constants,
    nodes,
    opset: toNumber(opset as IntLike) || 13,
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
  }
}

/**
 * The output to compile: `wanted` if given, else the only output, else the only float tensor
 * output. A ZipMap's output (a sequence of maps, as scikit-learn converters write a classifier's
 * probabilities) stands for the tensor it wraps: that tensor is the candidate.
 */
function pickOutput(outputs: onnxProto.onnx.IValueInfoProto[], nodes: OnnxNode[], wanted: string | undefined): string {
  const zipMaps = new Map(nodes.filter((n) => n.op === 'ZipMap').map((n) => [n.outputs[0] ?? '', n.inputs[0] ?? '']))
  const candidates = outputs.map((o) => {
    const name = o.name ?? ''
    const wrapped = zipMaps.get(name)
    return { name: wrapped ?? name, listed: name, float: wrapped !== undefined || o.type?.tensorType?.elemType === DataType.FLOAT || o.type?.tensorType?.elemType === DataType.DOUBLE }
  })
  const listing = candidates.map((c) => (c.name === c.listed ? c.name : `${c.listed} (ZipMap of ${c.name})`)).join(', ')
  if (wanted !== undefined) {
    const found = candidates.find((c) => c.name === wanted || c.listed === wanted)
    if (!found) throw new UnsupportedGraphError({ reason: `the model has no output "${wanted}"; its outputs: ${listing}` })
    return found.name
  }
  if (candidates.length === 1) return candidates[0]!.name
  const floats = candidates.filter((c) => c.float)
  if (floats.length === 1) return floats[0]!.name
  throw new UnsupportedGraphError({ reason: `the model has ${candidates.length} outputs (${listing}); pick the one to compile with --output NAME` })
}

function staticValueInfo(vi: onnxProto.onnx.IValueInfoProto): ValueInfo {
  const name = vi.name ?? ''
  const tensorType = vi.type?.tensorType
  const dims = tensorType?.shape?.dim
  if (!tensorType || !tensorType.shape || !dims) throw new DynamicShapeError({ tensor: name, shape: undefined })
  const shape = dims.map((d) => (d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? toNumber(d.dimValue as IntLike) : '?'))
  if (shape.some((d) => typeof d !== 'number' || d <= 0)) throw new DynamicShapeError({ tensor: name, shape })
  // Integer inputs (token ids for an embedding lookup) are values like any other: quantized at the
  // input scale, they stay exact integers.
  if (tensorType.elemType === DataType.INT64 || tensorType.elemType === DataType.INT32) return { name, shape: shape as number[], type: tensorType.elemType === DataType.INT64 ? 'int64' : 'int32' }
  if (tensorType.elemType !== DataType.FLOAT && tensorType.elemType !== DataType.DOUBLE)
    throw new UnsupportedGraphError({ reason: `input "${name}" has element type ${tensorType.elemType}; float, int64 and int32 inputs are supported` })
  return { name, shape: shape as number[] }
}

function decodeAttribute(attr: onnxProto.onnx.IAttributeProto, node: string): AttributeValue {
  const T = onnx.AttributeProto.AttributeType
  switch (attr.type) {
    case T.FLOAT: return attr.f ?? 0
    case T.INT: return toNumber(attr.i as IntLike)
    case T.STRING: return new TextDecoder().decode(attr.s ?? new Uint8Array())
    case T.FLOATS: return [...(attr.floats ?? [])]
    case T.INTS: return (attr.ints ?? []).map((v) => toNumber(v as IntLike))
    case T.STRINGS: return (attr.strings ?? []).map((v) => new TextDecoder().decode(v))
    case T.TENSOR:
      if (!attr.t) throw new MalformedOnnxError({ reason: `attribute "${attr.name}" of node "${node}" has no tensor` })
      return decodeTensor(attr.t, `${node}.${attr.name}`)
    default:
      throw new UnsupportedGraphError({ reason: `attribute "${attr.name}" of node "${node}" has type ${attr.type}, which the compiler does not read` })
  }
}

function decodeTensor(t: onnxProto.onnx.ITensorProto, name: string): ConstTensor {
  const dims = (t.dims ?? []).map((d) => toNumber(d as IntLike))
  const size = dims.reduce((a, b) => a * b, 1)
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined
  const data = new Float64Array(size)
  const read = (width: number, get: (v: DataView, offset: number) => number, fallback: ArrayLike<IntLike> | undefined) => {
    if (view) {
      if (view.byteLength !== size * width)
        throw new MalformedOnnxError({ reason: `tensor "${name}" holds ${view.byteLength} bytes of raw data, but its dims [${dims.join(', ')}] need ${size * width}` })
      for (let i = 0; i < size; i++) data[i] = get(view, i * width)
    } else {
      const values = fallback ?? []
      if (values.length !== size)
        throw new MalformedOnnxError({ reason: `tensor "${name}" holds ${values.length} values, but its dims [${dims.join(', ')}] need ${size}` })
      for (let i = 0; i < size; i++) data[i] = toNumber(values[i])
    }
  }
  switch (t.dataType) {
    case DataType.FLOAT: read(4, (v, o) => v.getFloat32(o, true), t.floatData as number[]); break
    case DataType.DOUBLE: read(8, (v, o) => v.getFloat64(o, true), t.doubleData as number[]); break
    case DataType.INT64: read(8, (v, o) => Number(v.getBigInt64(o, true)), t.int64Data as IntLike[]); break
    case DataType.INT32: read(4, (v, o) => v.getInt32(o, true), t.int32Data as number[]); break
    case DataType.INT8: read(1, (v, o) => v.getInt8(o), t.int32Data as number[]); break
    case DataType.UINT8: read(1, (v, o) => v.getUint8(o), t.int32Data as number[]); break
    default:
      throw new UnsupportedGraphError({ reason: `constant "${name}" has ONNX data type ${t.dataType}; float, double, int8, uint8, int32 and int64 constants are supported` })
  }
  return { dims, data }
}
