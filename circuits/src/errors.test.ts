import { describe, expect, test } from 'vitest'
import { lowerGraph } from './ir/lower.js'
import { buildModel } from './onnx/buildModel.js'
import { loadModel } from './onnx/loadModel.js'
import { quantizeIR } from './quantize/quantize.js'
import { runReference } from './reference/runReference.js'

const gemm = (extra: Partial<Parameters<typeof buildModel>[0]> = {}) =>
  buildModel({
    inputs: [{ name: 'x', shape: [1, 2] }],
    outputs: [{ name: 'y', shape: [1, 2] }],
    initializers: [{ name: 'W', dims: [2, 2], data: [1, 2, 3, 4] }],
    nodes: [{ op: 'Gemm', inputs: ['x', 'W'], outputs: ['y'], name: 'dense' }],
    ...extra,
  })

const compile = (bytes: Uint8Array) => lowerGraph(loadModel(bytes))

describe('bad models get precise errors', () => {
  test('rejects a model with an unsupported op, naming the node, the op and the supported list', () => {
    const bytes = gemm({ nodes: [{ op: 'Gemm', inputs: ['x', 'W'], outputs: ['h'], name: 'dense' }, { op: 'Sin', inputs: ['h'], outputs: ['y'], name: 'act' }] })
    expect(() => compile(bytes)).toThrowErrorMatchingInlineSnapshot(`
      [UnsupportedOpError: Unsupported op at node "act" (Sin).

      Details: Supported ops: Gemm, MatMul, Add, Sub, Mul, Div, Relu, LeakyRelu, Flatten, Reshape, Squeeze, Unsqueeze, Transpose, Identity, Dropout, Constant, Conv, ConvTranspose, AveragePool, MaxPool, GlobalAveragePool, BatchNormalization, ArgMax, Softmax, LogSoftmax, Concat, Split, Slice, Gather (constant indices, or rows of a constant table by integer indices), Neg, Abs, Clip, PRelu, Max, Min, ReduceSum, ReduceMean, ReduceMax, ReduceMin, Pad, Sum, Mean, HardSigmoid, HardSwish, Expand, Tile, Resize (nearest), Upsample (nearest), Sigmoid, Tanh, Erf, Exp, Softsign, Softplus, Gelu, Elu, Selu, Sqrt, Reciprocal, LayerNormalization, Cast (to float or double), LinearRegressor, LinearClassifier, TreeEnsembleRegressor, TreeEnsembleClassifier, Normalizer, ZipMap (its scores are compiled).]
    `)
  })

  test('rejects a truncated ONNX file', () => {
    const bytes = gemm()
    expect(() => loadModel(bytes.subarray(0, bytes.length - 7))).toThrow(/^The file is not a valid ONNX model: protobuf decoding failed/)
  })

  test('rejects bytes that are not an ONNX model at all', () => {
    expect(() => loadModel(new TextEncoder().encode('definitely not a protobuf'))).toThrow('The file is not a valid ONNX model')
  })

  test('rejects a dynamic batch dimension and an input without a shape', () => {
    expect(() => compile(gemm({ inputs: [{ name: 'x', shape: ['batch', 2] }] }))).toThrowErrorMatchingInlineSnapshot(`
      [DynamicShapeError: Tensor "x" has a dynamic shape ["batch", 2].

      Details: A circuit has a fixed size: export the model with static dimensions (for example a fixed batch size of 1; in PyTorch, torch.onnx.export without dynamic_axes).]
    `)
    expect(() => compile(gemm({ inputs: [{ name: 'x', shape: null }] }))).toThrow('Tensor "x" has no shape.')
  })

  test('rejects a node that reads a value no earlier node computes (nodes out of order)', () => {
    const bytes = gemm({ nodes: [{ op: 'Relu', inputs: ['h'], outputs: ['y'], name: 'act' }, { op: 'Gemm', inputs: ['x', 'W'], outputs: ['h'], name: 'dense' }] })
    expect(() => compile(bytes)).toThrow('Unsupported model graph: node "act" (Relu) reads "h", which is neither the model input, a constant nor the output of an earlier node.')
  })

  test('rejects mismatched shapes and unsupported attributes with the node named', () => {
    const wrongInner = gemm({ initializers: [{ name: 'W', dims: [3, 2], data: [1, 2, 3, 4, 5, 6] }] })
    expect(() => compile(wrongInner)).toThrow('Shape mismatch at node "dense" (Gemm): activation [1, 2] times constant [3, 2]: inner dimensions 2 and 3 differ.')
    const lastIndex = gemm({ nodes: [{ op: 'Gemm', inputs: ['x', 'W'], outputs: ['h'], name: 'dense' }, { op: 'ArgMax', inputs: ['h'], outputs: ['y'], name: 'pick', attributes: { axis: 1, select_last_index: 1 } }] })
    expect(() => compile(lastIndex)).toThrow('node "pick" (ArgMax) has select_last_index = 1, which is not supported.')
  })

  test('rejects bit widths over the maximum, naming the stage and what to change', () => {
    const ir = compile(gemm({ initializers: [{ name: 'W', dims: [2, 2], data: [1000, 2000, 3000, 4000] }] }))
    expect(() => quantizeIR(ir, { scale: 12, inputScale: 12, inputBits: 16, maxBits: 24 })).toThrow(
      /^Values after linear \[dense\] need \d+ bits at scale 2\^12, more than the maximum of 24\./,
    )
  })

  test('rejects a quantized input outside the compiled input range', () => {
    const model = quantizeIR(compile(gemm()), { scale: 8, inputScale: 6, inputBits: 8, maxBits: 64 })
    expect(() => runReference(model, [0n, 128n])).toThrow('Quantized input 1 is 128, outside the 8-bit range [-128, 127] the model was compiled for.')
    expect(() => runReference(model, [0n])).toThrow('Expected 2 input values (shape [1, 2]), received 1.')
  })
})
