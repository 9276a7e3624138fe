import onnxProto from 'onnx-proto'
import * as ort from 'onnxruntime-node'
import { describe, expect, test } from 'vitest'
import { buildModel, InvalidAttributeError, TensorDataSizeMismatchError } from './buildModel.js'

const { onnx } = onnxProto

type GraphProto = onnxProto.onnx.GraphProto
type NodeProto = onnxProto.onnx.NodeProto
type TensorProto = onnxProto.onnx.TensorProto
type ValueInfoProto = onnxProto.onnx.ValueInfoProto

/** Decoded messages are class instances whose repeated fields are always arrays. */
function decodeGraph(bytes: Uint8Array): GraphProto {
  return onnx.ModelProto.decode(bytes).graph as GraphProto
}

function dimsOf(input: ValueInfoProto) {
  return input.type!.tensorType!.shape?.dim as onnxProto.onnx.TensorShapeProto.Dimension[] | undefined
}

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(bytes)
  return session.run(feeds)
}

function expectClose(actual: ArrayLike<number>, expected: number[]) {
  expect(actual.length).toBe(expected.length)
  expected.forEach((value, index) => expect(actual[index]).toBeCloseTo(value, 5))
}

describe('buildModel', () => {
  test('a Gemm + Relu model runs in onnxruntime with the expected numbers', async () => {
    // y = relu(x · Wᵀ + b) with W [3, 2] as PyTorch stores it (transB = 1).
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 2] }],
      outputs: [{ name: 'y', shape: [1, 3] }],
      initializers: [
        { name: 'W', dims: [3, 2], data: new Float32Array([1, 2, -1, 0.5, 0, -3]) },
        { name: 'b', dims: [3], data: [0.5, 0, 1] },
      ],
      nodes: [
        { op: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['h'], attributes: { alpha: 1, beta: 1, transB: 1 } },
        { op: 'Relu', inputs: ['h'], outputs: ['y'] },
      ],
    })
    const { y } = await run(bytes, { x: new ort.Tensor('float32', new Float32Array([2, 1]), [1, 2]) })
    // [2+2+0.5, -2+0.5+0, 0-3+1] = [4.5, -1.5, -2] -> relu
    expect(y!.dims).toEqual([1, 3])
    expectClose(y!.data as Float32Array, [4.5, 0, 0])
  })

  test('initializers listed as graph inputs still load, as in older PyTorch exports', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 2] }],
      outputs: [{ name: 'y', shape: [1, 1] }],
      initializers: [{ name: 'W', dims: [1, 2], data: [3, -1], storage: 'typed' }],
      nodes: [{ op: 'Gemm', inputs: ['x', 'W'], outputs: ['y'], attributes: { transB: 1, alpha: 0.5 } }],
      initializersAsInputs: true,
    })
    const graph = decodeGraph(bytes)
    expect(graph.input.map((input) => input.name)).toEqual(['x', 'W'])
    expect((graph.initializer[0] as TensorProto).floatData).toEqual([3, -1])
    const { y } = await run(bytes, { x: new ort.Tensor('float32', new Float32Array([1, 2]), [1, 2]) })
    expectClose(y!.data as Float32Array, [0.5])
  })

  test('a Conv model with strides and pads runs in onnxruntime', async () => {
    // 1x1x3x3 input of ones, 2x2 kernel of ones, pads 1, stride 2 -> 2x2 output, each window sees 1 input.
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 1, 3, 3] }],
      outputs: [{ name: 'y', shape: [1, 1, 2, 2] }],
      initializers: [
        { name: 'K', dims: [1, 1, 2, 2], data: [1, 1, 1, 1] },
        { name: 'B', dims: [1], data: [0.25] },
      ],
      nodes: [
        {
          op: 'Conv',
          inputs: ['x', 'K', 'B'],
          outputs: ['y'],
          attributes: { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 },
        },
      ],
    })
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9])
    const { y } = await run(bytes, { x: new ort.Tensor('float32', x, [1, 1, 3, 3]) })
    // Windows: {1}, {2,3}, {4,7}, {5,6,8,9}.
    expectClose(y!.data as Float32Array, [1.25, 5.25, 11.25, 28.25])
  })

  test('a Reshape takes its shape from an int64 Constant node', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 2, 3] }],
      outputs: [{ name: 'y', shape: [1, 6] }],
      nodes: [
        {
          op: 'Constant',
          inputs: [],
          outputs: ['shape'],
          attributes: { value: { dims: [2], data: new BigInt64Array([1n, -1n]) } },
        },
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] },
      ],
    })
    const node = decodeGraph(bytes).node[0] as NodeProto
    expect(node.attribute[0]!.type).toBe(onnx.AttributeProto.AttributeType.TENSOR)
    expect(node.attribute[0]!.t!.dataType).toBe(onnx.TensorProto.DataType.INT64)
    const { y } = await run(bytes, { x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4, 5, 6]), [1, 2, 3]) })
    expect(y!.dims).toEqual([1, 6])
    expectClose(y!.data as Float32Array, [1, 2, 3, 4, 5, 6])
  })

  test('a Reshape takes its shape from an int64 initializer in typed storage', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'y', shape: [2, 2] }],
      initializers: [{ name: 'shape', dims: [2], data: [2, 2], type: 'int64', storage: 'typed' }],
      nodes: [{ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] }],
    })
    const tensor = decodeGraph(bytes).initializer[0] as TensorProto
    expect(tensor.int64Data.map(Number)).toEqual([2, 2])
    const { y } = await run(bytes, { x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [1, 4]) })
    expect(y!.dims).toEqual([2, 2])
  })

  test('a symbolic dimension is written as dim_param and a missing shape as no shape', () => {
    const bytes = buildModel({
      inputs: [
        { name: 'x', shape: ['N', 4] },
        { name: 'z', shape: null },
      ],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'Add', inputs: ['x', 'z'], outputs: ['y'] }],
    })
    const graph = decodeGraph(bytes)
    const dims = dimsOf(graph.input[0] as ValueInfoProto)!
    expect(dims[0]!.dimParam).toBe('N')
    expect(dims[0]!.value).toBe('dimParam')
    expect(Number(dims[1]!.dimValue)).toBe(4)
    expect(dimsOf(graph.input[1] as ValueInfoProto)).toBeUndefined()
  })

  test('writes opset, IR version and typed attributes', () => {
    const bytes = buildModel({
      opset: 17,
      inputs: [{ name: 'x', shape: [1, 2] }],
      outputs: [{ name: 'y', shape: [1, 2] }],
      nodes: [
        {
          op: 'LeakyRelu',
          inputs: ['x'],
          outputs: ['y'],
          attributes: { alpha: 2, forced: { floats: [1, 2] }, count: { int: 3 }, mode: 'constant' },
        },
      ],
    })
    const model = onnx.ModelProto.decode(bytes)
    expect(Number(model.opsetImport[0]!.version)).toBe(17)
    expect(Number(model.irVersion)).toBe(8)
    const { AttributeType } = onnx.AttributeProto
    const node = (model.graph as GraphProto).node[0] as NodeProto
    const types = Object.fromEntries(node.attribute.map((a) => [a.name, a.type]))
    expect(types).toEqual({
      alpha: AttributeType.FLOAT,
      forced: AttributeType.FLOATS,
      count: AttributeType.INT,
      mode: AttributeType.STRING,
    })
  })

  test('rejects tensor data that does not match its dims', () => {
    expect(() =>
      buildModel({
        inputs: [],
        outputs: [],
        initializers: [{ name: 'W', dims: [2, 3], data: [1, 2, 3] }],
        nodes: [],
      }),
    ).toThrowErrorMatchingInlineSnapshot(`
      [TensorDataSizeMismatchError: Tensor "W" has dims [2, 3] (6 elements) but 3 data values.

      Pass exactly one value per element, in row-major order.]
    `)
    expect(() => buildModel({ inputs: [], outputs: [], initializers: [{ name: 'W', dims: [2], data: [1] }], nodes: [] })).toThrow(
      TensorDataSizeMismatchError,
    )
  })

  test('rejects a non-integer forced INT attribute', () => {
    expect(() =>
      buildModel({
        inputs: [],
        outputs: [],
        nodes: [{ op: 'Flatten', inputs: ['x'], outputs: ['y'], attributes: { axis: { int: 1.5 } } }],
      }),
    ).toThrow(InvalidAttributeError)
  })
})
