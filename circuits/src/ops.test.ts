import { describe, expect, test } from 'vitest'
import { buildModel, type BuildModelParameters, type NodeInit } from './onnx/buildModel.js'
import { compileOpCase, randomArray, runOpCase, seededRandom } from './testing/opHarness.js'

const SETTINGS = { scale: 8, inputScale: 7, inputBits: 9, maxBits: 64 }
/** Outputs may differ from onnxruntime's float result by rounding: 2^-8 per weight and rescale, 2^-8 per input. */
const TOLERANCE = 0.08

type Case = {
  name: string
  input: number[]
  output: number[]
  nodes: NodeInit[]
  initializers?: BuildModelParameters['initializers']
  classOutput?: boolean
}

const rand = seededRandom(42)
const w = (...dims: number[]) => randomArray(rand, dims.reduce((a, b) => a * b, 1), -0.5, 0.5)
const init = (name: string, dims: number[], data = w(...dims)) => ({ name, dims, data })

const cases: Case[] = [
  {
    name: 'Gemm with transB, alpha, beta and a broadcast bias',
    input: [2, 5],
    output: [2, 3],
    initializers: [init('W', [3, 5]), init('b', [3])],
    nodes: [{ op: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['y'], attributes: { transB: 1, alpha: 0.75, beta: 1.5 } }],
  },
  {
    name: 'Gemm with transA and a [1, N] bias',
    input: [5, 2],
    output: [2, 3],
    initializers: [init('W', [5, 3]), init('b', [1, 3])],
    nodes: [{ op: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['y'], attributes: { transA: 1 } }],
  },
  {
    name: 'MatMul with a constant right operand on a 3-D activation',
    input: [2, 3, 4],
    output: [2, 3, 2],
    initializers: [init('W', [4, 2])],
    nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] }],
  },
  {
    name: 'MatMul with a constant left operand',
    input: [4, 3],
    output: [2, 3],
    initializers: [init('W', [2, 4])],
    nodes: [{ op: 'MatMul', inputs: ['W', 'x'], outputs: ['y'] }],
  },
  {
    name: 'Add, Sub, Mul and Div by broadcast constants',
    input: [1, 3, 4],
    output: [1, 3, 4],
    initializers: [init('a', [4]), init('s', [3, 1]), init('m', [1, 3, 4]), { name: 'd', dims: [1], data: [1.7] }],
    nodes: [
      { op: 'Add', inputs: ['x', 'a'], outputs: ['t1'] },
      { op: 'Sub', inputs: ['s', 't1'], outputs: ['t2'] },
      { op: 'Mul', inputs: ['t2', 'm'], outputs: ['t3'] },
      { op: 'Div', inputs: ['t3', 'd'], outputs: ['y'] },
    ],
  },
  {
    name: 'Relu and LeakyRelu between Gemms',
    input: [1, 6],
    output: [1, 4],
    initializers: [init('W1', [8, 6]), init('W2', [8, 8]), init('W3', [4, 8])],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W1'], outputs: ['h1'], attributes: { transB: 1 } },
      { op: 'Relu', inputs: ['h1'], outputs: ['r1'] },
      { op: 'Gemm', inputs: ['r1', 'W2'], outputs: ['h2'], attributes: { transB: 1 } },
      { op: 'LeakyRelu', inputs: ['h2'], outputs: ['r2'], attributes: { alpha: 0.1 } },
      { op: 'Gemm', inputs: ['r2', 'W3'], outputs: ['y'], attributes: { transB: 1 } },
    ],
  },
  {
    name: 'Relu directly on the input, Flatten, Reshape with 0 and -1, Identity',
    input: [1, 2, 3],
    output: [1, 6],
    initializers: [{ name: 'shape', dims: [2], data: new BigInt64Array([0n, -1n]), type: 'int64' }],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'Reshape', inputs: ['r', 'shape'], outputs: ['f'] },
      { op: 'Identity', inputs: ['f'], outputs: ['i'] },
      { op: 'Flatten', inputs: ['i'], outputs: ['y'], attributes: { axis: 1 } },
    ],
  },
  {
    name: 'Transpose of the activation and of a constant weight',
    input: [1, 3, 4],
    output: [1, 4, 2],
    initializers: [init('Wt', [2, 3])],
    nodes: [
      { op: 'Transpose', inputs: ['x'], outputs: ['xt'], attributes: { perm: [0, 2, 1] } },
      { op: 'Transpose', inputs: ['Wt'], outputs: ['W'] },
      { op: 'MatMul', inputs: ['xt', 'W'], outputs: ['y'] },
    ],
  },
  {
    name: 'Conv with strides, pads, dilations and groups, then BatchNormalization folded in',
    input: [1, 2, 7, 7],
    output: [1, 4, 4, 2],
    initializers: [
      init('W', [4, 1, 3, 3]),
      init('B', [4]),
      init('scale', [4]),
      init('bias', [4]),
      init('mean', [4]),
      { name: 'var', dims: [4], data: [0.5, 1.2, 0.8, 2.0] },
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['c'], attributes: { strides: [2, 2], pads: [1, 1, 1, 0], dilations: [1, 2], group: 2 } },
      { op: 'BatchNormalization', inputs: ['c', 'scale', 'bias', 'mean', 'var'], outputs: ['y'], attributes: { epsilon: 1e-5 } },
    ],
  },
  {
    name: 'AveragePool with and without padding counted, and GlobalAveragePool',
    input: [1, 2, 5, 5],
    output: [1, 2, 1, 1],
    nodes: [
      { op: 'AveragePool', inputs: ['x'], outputs: ['a'], attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
      { op: 'AveragePool', inputs: ['a'], outputs: ['b'], attributes: { kernel_shape: [2, 2], pads: [0, 0, 1, 1], count_include_pad: 1 } },
      { op: 'GlobalAveragePool', inputs: ['b'], outputs: ['y'] },
    ],
  },
  {
    name: 'MaxPool with padding and strides after a Conv and Relu',
    input: [1, 1, 6, 6],
    output: [1, 2, 3, 3],
    initializers: [init('W', [2, 1, 2, 2])],
    nodes: [
      { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'] },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'MaxPool', inputs: ['r'], outputs: ['y'], attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
    ],
  },
  {
    name: 'MaxPool directly on signed inputs',
    input: [1, 1, 4, 4],
    output: [1, 1, 2, 2],
    nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attributes: { kernel_shape: [2, 2], strides: [2, 2] } }],
  },
  {
    name: 'ArgMax over the classes of a batch of two, after a dropped Softmax',
    input: [2, 6],
    output: [2, 1],
    classOutput: true,
    initializers: [init('W', [5, 6]), init('b', [5])],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['l'], attributes: { transB: 1 } },
      { op: 'Softmax', inputs: ['l'], outputs: ['p'], attributes: { axis: 1 } },
      { op: 'ArgMax', inputs: ['p'], outputs: ['y'], attributes: { axis: 1, keepdims: 1 } },
    ],
  },
]

describe('every supported op: circuit = reference executor = canonical onnxruntime graph exactly, close to onnxruntime float', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const bytes = buildModel({
        inputs: [{ name: 'x', shape: c.input }],
        outputs: [{ name: 'y', shape: c.output, type: c.classOutput ? 'int64' : 'float' }],
        initializers: c.initializers ?? [],
        nodes: c.nodes,
      })
      const compiled = await compileOpCase(bytes, SETTINGS)
      const size = c.input.reduce((a, b) => a * b, 1)
      for (let trial = 0; trial < 4; trial++) {
        const run = await runOpCase(compiled, randomArray(rand, size))
        expect(run.failing).toBe(0)
        expect(compiled.canonical.engine).toBe('onnxruntime')
        expect(run.canonical).toEqual(run.reference)
        expect(run.canonical64).toEqual(run.reference)
        expect(run.float.length).toBe(run.onnxruntime.length)
        run.float.forEach((v, i) => expect(Math.abs(v - run.onnxruntime[i]!)).toBeLessThan(1e-4))
        if (c.classOutput) expect(run.reference.map(Number)).toEqual(Array.from(run.onnxruntime))
        else run.dequantized.forEach((v, i) => expect(Math.abs(v - run.onnxruntime[i]!)).toBeLessThan(TOLERANCE))
      }
    })
  }

  test('inputs at the edges of the input range never overflow a declared bit width', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 8] }],
      outputs: [{ name: 'y', shape: [1, 1], type: 'int64' }],
      initializers: [init('W1', [6, 8], randomArray(rand, 48, -3, 3)), init('W2', [3, 6], randomArray(rand, 18, -3, 3))],
      nodes: [
        { op: 'Gemm', inputs: ['x', 'W1'], outputs: ['h'], attributes: { transB: 1 } },
        { op: 'LeakyRelu', inputs: ['h'], outputs: ['r'], attributes: { alpha: 0.2 } },
        { op: 'Gemm', inputs: ['r', 'W2'], outputs: ['l'], attributes: { transB: 1 } },
        { op: 'ArgMax', inputs: ['l'], outputs: ['y'], attributes: { axis: 1 } },
      ],
    })
    const compiled = await compileOpCase(bytes, SETTINGS)
    const max = (2 ** (SETTINGS.inputBits - 1) - 1) / 2 ** SETTINGS.inputScale
    const min = -(2 ** (SETTINGS.inputBits - 1)) / 2 ** SETTINGS.inputScale
    for (let trial = 0; trial < 6; trial++) {
      const edge = Float32Array.from({ length: 8 }, () => (rand() < 0.5 ? min : max))
      const run = await runOpCase(compiled, edge)
      expect(run.failing).toBe(0)
      expect(run.canonical).toEqual(run.reference)
      expect(run.canonical64).toEqual(run.reference)
    }
  })

  test('older exports that list initializers as graph inputs compile the same', async () => {
    const parameters: BuildModelParameters = {
      inputs: [{ name: 'x', shape: [1, 3] }],
      outputs: [{ name: 'y', shape: [1, 2] }],
      initializers: [init('W', [2, 3])],
      nodes: [{ op: 'Gemm', inputs: ['x', 'W'], outputs: ['y'], attributes: { transB: 1 } }],
    }
    const modern = await compileOpCase(buildModel(parameters), SETTINGS)
    const legacy = await compileOpCase(buildModel({ ...parameters, initializersAsInputs: true }), SETTINGS)
    const input = randomArray(rand, 3)
    expect((await runOpCase(legacy, input)).reference).toEqual((await runOpCase(modern, input)).reference)
  })
})
