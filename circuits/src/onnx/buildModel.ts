import onnxProto from 'onnx-proto'
import { BaseError } from '../errors/base.js'

const { onnx } = onnxProto

/** Element types the builder writes: float32 tensors, float64 (exact integer graphs), and int64 for shapes and indices. */
export type TensorElementType = 'float' | 'double' | 'int64'
/** Element types a graph input or output may declare: the tensor types, and raw unsigned bytes or halfwords. */
export type ValueElementType = TensorElementType | 'uint8' | 'uint16'

/** One dimension: a fixed size, or a symbolic name written as `dim_param` (a dynamic dimension). */
export type Dimension = number | string

export type ValueInfoInit = {
  name: string
  /** Omitted or `null`: the value carries no shape at all. */
  shape?: Dimension[] | null | undefined
  /** Defaults to `'float'`. `'zipmap'`: a sequence of maps from int64 class labels to floats (ZipMap's output). */
  type?: ValueElementType | 'zipmap' | undefined
}

export type TensorInit = {
  dims: number[]
  /** Float data as `Float32Array` or `number[]`; int64 data as `BigInt64Array`, or `number[]` with `type: 'int64'`. */
  data: Float32Array | Float64Array | BigInt64Array | number[]
  /** Inferred from `data` when omitted: `BigInt64Array` is int64, anything else float. */
  type?: TensorElementType | undefined
  /**
   * `'raw'` (default) writes little-endian bytes to `raw_data`, as PyTorch exports do;
   * `'typed'` writes `float_data` / `int64_data`, so loaders can be tested on both encodings.
   */
  storage?: 'raw' | 'typed' | undefined
}

export type InitializerInit = TensorInit & { name: string }

/**
 * An attribute value. A bare number is INT when it is an integer and FLOAT otherwise, except for the
 * attributes in {@link FLOAT_ATTRIBUTE_NAMES} (Gemm's `alpha: 1` must be FLOAT); a number array is
 * INTS when every entry is an integer. `{ float }` / `{ floats }` / `{ int }` / `{ ints }` force a type.
 * A {@link TensorInit} is a TENSOR attribute (a Constant node's `value`).
 */
export type AttributeValue =
  | number
  | number[]
  | string
  | string[]
  | TensorInit
  | { float: number }
  | { floats: number[] }
  | { int: number }
  | { ints: number[] }

export type NodeInit = {
  op: string
  inputs: string[]
  outputs: string[]
  name?: string | undefined
  /** Operator domain; defaults to the ONNX default domain. */
  domain?: string | undefined
  attributes?: Record<string, AttributeValue> | undefined
}

export type BuildModelParameters = {
  /** Graph name; defaults to `'veridict'`. */
  name?: string | undefined
  /** Default-domain opset version; defaults to 13. */
  opset?: number | undefined
  /** `ai.onnx.ml` opset version, imported when a node is in that domain; defaults to 3. */
  mlOpset?: number | undefined
  inputs: ValueInfoInit[]
  outputs: ValueInfoInit[]
  initializers?: InitializerInit[] | undefined
  nodes: NodeInit[]
  /** Also list every initializer as a graph input, as older PyTorch exports (IR < 4) do. */
  initializersAsInputs?: boolean | undefined
  /** ONNX IR version; defaults to 8. */
  irVersion?: number | undefined
  docString?: string | undefined
}

export type BuildModelReturnType = Uint8Array

/** Attributes whose values are floats in every ONNX op that defines them, even when integral. */
export const FLOAT_ATTRIBUTE_NAMES: ReadonlySet<string> = new Set([
  'alpha',
  'beta',
  'bias',
  'epsilon',
  'gamma',
  'lambd',
  'max',
  'min',
  'momentum',
  'ratio',
  'scale',
  'spatial_scale',
])

export class TensorDataSizeMismatchError extends BaseError {
  override name = 'TensorDataSizeMismatchError'
  constructor({ tensor, dims, length }: { tensor: string; dims: number[]; length: number }) {
    const expected = dims.reduce((product, dim) => product * dim, 1)
    super(`Tensor "${tensor}" has dims [${dims.join(', ')}] (${expected} elements) but ${length} data values.`, {
      metaMessages: ['Pass exactly one value per element, in row-major order.'],
    })
  }
}

export class InvalidAttributeError extends BaseError {
  override name = 'InvalidAttributeError'
  constructor({ node, attribute, reason }: { node: string; attribute: string; reason: string }) {
    super(`Attribute "${attribute}" of node "${node}" cannot be encoded: ${reason}.`, {
      metaMessages: ['Use a number, number[], string, tensor, or { float } / { floats } / { int } / { ints }.'],
    })
  }
}

/**
 * Encodes an ONNX ModelProto with one graph to protobuf bytes that onnxruntime and the compiler's
 * loader both read. Meant for tests and for exporting the bundled models.
 *
 * @example
 * const bytes = buildModel({
 *   inputs: [{ name: 'x', shape: [1, 4] }],
 *   outputs: [{ name: 'y', shape: [1, 3] }],
 *   initializers: [{ name: 'W', dims: [3, 4], data: weights }, { name: 'b', dims: [3], data: bias }],
 *   nodes: [{ op: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['y'], attributes: { transB: 1 } }],
 * })
 */
export function buildModel(parameters: BuildModelParameters): BuildModelReturnType {
  const initializers = parameters.initializers ?? []
  const initializerInputs = parameters.initializersAsInputs
    ? initializers.map((initializer) =>
        encodeValueInfo({ name: initializer.name, shape: initializer.dims, type: tensorElementType(initializer) }),
      )
    : []

  const model = onnx.ModelProto.create({
    irVersion: parameters.irVersion ?? 8,
    producerName: 'veridict',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: parameters.opset ?? 13 }, ...(parameters.nodes.some((n) => n.domain === 'ai.onnx.ml') ? [{ domain: 'ai.onnx.ml', version: parameters.mlOpset ?? 3 }] : [])],
    docString: parameters.docString ?? '',
    graph: {
      name: parameters.name ?? 'veridict',
      node: parameters.nodes.map((node, index) => encodeNode(node, index)),
      initializer: initializers.map((initializer) => encodeTensor(initializer, initializer.name)),
      input: [...parameters.inputs.map(encodeValueInfo), ...initializerInputs],
      output: parameters.outputs.map(encodeValueInfo),
    },
  })
  return onnx.ModelProto.encode(model).finish()
}

function encodeValueInfo(info: ValueInfoInit): onnxProto.onnx.IValueInfoProto {
  if (info.type === 'zipmap') {
    const mapType = { keyType: onnx.TensorProto.DataType.INT64, valueType: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }
    return { name: info.name, type: { sequenceType: { elemType: { mapType } } } }
  }
  const tensorType: onnxProto.onnx.TypeProto.ITensor = { elemType: dataTypeOf(info.type ?? 'float') }
  if (info.shape)
    tensorType.shape = {
      dim: info.shape.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })),
    }
  return { name: info.name, type: { tensorType } }
}

function encodeNode(node: NodeInit, index: number): onnxProto.onnx.INodeProto {
  const name = node.name ?? `${node.op}_${index}`
  return {
    name,
    opType: node.op,
    domain: node.domain ?? '',
    input: node.inputs,
    output: node.outputs,
    attribute: Object.entries(node.attributes ?? {}).map(([attribute, value]) =>
      encodeAttribute(name, attribute, value),
    ),
  }
}

function encodeAttribute(node: string, name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto
  const requireFinite = (numbers: number[]) => {
    if (numbers.some((number) => !Number.isFinite(number)))
      throw new InvalidAttributeError({ node, attribute: name, reason: `non-finite value in [${numbers.join(', ')}]` })
  }
  const requireIntegers = (numbers: number[]) => {
    if (numbers.some((number) => !Number.isSafeInteger(number)))
      throw new InvalidAttributeError({ node, attribute: name, reason: `non-integer in [${numbers.join(', ')}]` })
  }

  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) }
  if (typeof value === 'number') {
    requireFinite([value])
    if (FLOAT_ATTRIBUTE_NAMES.has(name) || !Number.isInteger(value)) return { name, type: AttributeType.FLOAT, f: value }
    return { name, type: AttributeType.INT, i: value }
  }
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string') && value.length > 0)
    return { name, type: AttributeType.STRINGS, strings: value.map((v) => new TextEncoder().encode(v)) }
  if (Array.isArray(value)) {
    const numbers = value as number[]
    requireFinite(numbers)
    if (FLOAT_ATTRIBUTE_NAMES.has(name) || !numbers.every(Number.isInteger))
      return { name, type: AttributeType.FLOATS, floats: numbers }
    return { name, type: AttributeType.INTS, ints: numbers }
  }
  if ('float' in value) {
    requireFinite([value.float])
    return { name, type: AttributeType.FLOAT, f: value.float }
  }
  if ('floats' in value) {
    requireFinite(value.floats)
    return { name, type: AttributeType.FLOATS, floats: value.floats }
  }
  if ('int' in value) {
    requireIntegers([value.int])
    return { name, type: AttributeType.INT, i: value.int }
  }
  if ('ints' in value) {
    requireIntegers(value.ints)
    return { name, type: AttributeType.INTS, ints: value.ints }
  }
  return { name, type: AttributeType.TENSOR, t: encodeTensor(value, `${node}.${name}`) }
}

function encodeTensor(tensor: TensorInit, name: string): onnxProto.onnx.ITensorProto {
  const type = tensorElementType(tensor)
  const expected = tensor.dims.reduce((product, dim) => product * dim, 1)
  if (tensor.data.length !== expected)
    throw new TensorDataSizeMismatchError({ tensor: name, dims: tensor.dims, length: tensor.data.length })

  const proto: onnxProto.onnx.ITensorProto = { name, dims: tensor.dims, dataType: dataTypeOf(type) }
  const raw = (tensor.storage ?? 'raw') === 'raw'
  if (type === 'float') {
    const values = tensor.data instanceof Float32Array ? tensor.data : Float32Array.from(tensor.data, Number)
    if (raw) proto.rawData = littleEndianBytes(values)
    else proto.floatData = Array.from(values)
  } else if (type === 'double') {
    const values = tensor.data instanceof Float64Array ? tensor.data : Float64Array.from(tensor.data, Number)
    if (raw) proto.rawData = littleEndianBytes(values)
    else proto.doubleData = Array.from(values)
  } else {
    const values = tensor.data instanceof BigInt64Array ? tensor.data : BigInt64Array.from(tensor.data, BigInt)
    if (raw) proto.rawData = littleEndianBytes(values)
    // fromObject turns decimal strings into exact Longs; plain numbers would lose bits past 2^53.
    else proto.int64Data = onnx.TensorProto.fromObject({ int64Data: Array.from(values, String) }).int64Data
  }
  return proto
}

function tensorElementType(tensor: TensorInit): TensorElementType {
  return tensor.type ?? (tensor.data instanceof BigInt64Array ? 'int64' : tensor.data instanceof Float64Array ? 'double' : 'float')
}

function dataTypeOf(type: ValueElementType): number {
  const { FLOAT, DOUBLE, INT64, UINT8, UINT16 } = onnx.TensorProto.DataType
  return { float: FLOAT, double: DOUBLE, int64: INT64, uint8: UINT8, uint16: UINT16 }[type]
}

function littleEndianBytes(values: Float32Array | Float64Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(values.length * values.BYTES_PER_ELEMENT)
  const view = new DataView(bytes.buffer)
  if (values instanceof Float32Array) values.forEach((value, index) => view.setFloat32(index * 4, value, true))
  else if (values instanceof Float64Array) values.forEach((value, index) => view.setFloat64(index * 8, value, true))
  else values.forEach((value, index) => view.setBigInt64(index * 8, value, true))
  return bytes
}
