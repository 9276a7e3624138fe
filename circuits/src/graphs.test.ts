import { describe, expect, test } from 'vitest'
import { UnsupportedOpError } from './errors/compile.js'
import { lowerGraph } from './ir/lower.js'
import { buildModel, type BuildModelParameters, type NodeInit } from './onnx/buildModel.js'
import { loadModel } from './onnx/loadModel.js'
import { quantizeIR } from './quantize/quantize.js'
import { dequantizeOutput, quantizeInput, runReference } from './reference/runReference.js'
import { compileOpCase, randomArray, runOpCase, seededRandom } from './testing/opHarness.js'

const SETTINGS = { scale: 8, inputScale: 7, inputBits: 9, maxBits: 64 }
const TOLERANCE = 0.08

type Case = { name: string; input: number[]; output: number[]; nodes: NodeInit[]; initializers?: BuildModelParameters['initializers']; classOutput?: boolean; stages?: number; opset?: number }

const rand = seededRandom(7)
const w = (...dims: number[]) => randomArray(rand, dims.reduce((a, b) => a * b, 1), -0.5, 0.5)
const init = (name: string, dims: number[], data: NonNullable<BuildModelParameters['initializers']>[number]['data'] = w(...dims)) => ({ name, dims, data })
const ints = (...values: number[]) => BigInt64Array.from(values.map(BigInt))

const cases: Case[] = [
  {
    name: 'a residual block: y = Gemm(Relu(Gemm(x))) + x',
    input: [1, 6],
    output: [1, 6],
    initializers: [init('W1', [6, 6]), init('W2', [6, 6]), init('b2', [6])],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W1'], outputs: ['h'], attributes: { transB: 1 } },
      { op: 'Relu', inputs: ['h'], outputs: ['r'] },
      { op: 'Gemm', inputs: ['r', 'W2', 'b2'], outputs: ['g'], attributes: { transB: 1 } },
      { op: 'Add', inputs: ['g', 'x'], outputs: ['y'] },
    ],
  },
  {
    name: 'two branches of one value, Sub of them, then a broadcast Add of a [1, 1] activation',
    input: [1, 5],
    output: [1, 5],
    initializers: [init('Wa', [5, 5]), init('Wb', [5, 1])],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'Wa'], outputs: ['a'] },
      { op: 'Relu', inputs: ['a'], outputs: ['ra'] },
      { op: 'MatMul', inputs: ['x', 'Wb'], outputs: ['b'] },
      { op: 'Sub', inputs: ['ra', 'x'], outputs: ['d'] },
      { op: 'Add', inputs: ['d', 'b'], outputs: ['y'] },
    ],
  },
  {
    name: 'x + x and x - x of one value',
    input: [2, 3],
    output: [2, 3],
    nodes: [
      { op: 'Add', inputs: ['x', 'x'], outputs: ['s'] },
      { op: 'Sub', inputs: ['x', 'x'], outputs: ['z'] },
      { op: 'Add', inputs: ['s', 'z'], outputs: ['y'] },
    ],
  },
  {
    name: 'Concat of two computed branches on the channel axis, then MaxPool',
    input: [1, 2, 4, 4],
    output: [1, 5, 2, 2],
    initializers: [init('K1', [2, 2, 3, 3]), init('K2', [3, 2, 1, 1])],
    nodes: [
      { op: 'Conv', inputs: ['x', 'K1'], outputs: ['c1'], attributes: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'Conv', inputs: ['x', 'K2'], outputs: ['c2'] },
      { op: 'Concat', inputs: ['r1', 'c2'], outputs: ['cat'], attributes: { axis: 1 } },
      { op: 'MaxPool', inputs: ['cat'], outputs: ['y'], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
    ],
  },
  {
    name: 'Split into unequal parts (sizes as an input), Relu of one, LeakyRelu of the other, Concat back in reverse',
    input: [1, 7],
    output: [1, 7],
    initializers: [init('W', [7, 7]), init('sizes', [2], ints(3, 4))],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W'], outputs: ['h'], attributes: { transB: 1 } },
      { op: 'Split', inputs: ['h', 'sizes'], outputs: ['p', 'q'], attributes: { axis: 1 } },
      { op: 'Relu', inputs: ['p'], outputs: ['rp'] },
      { op: 'LeakyRelu', inputs: ['q'], outputs: ['lq'], attributes: { alpha: 0.1 } },
      { op: 'Concat', inputs: ['lq', 'rp'], outputs: ['y'], attributes: { axis: -1 } },
    ],
  },
  {
    name: 'Slice with negative starts and a step, Gather by constant (negative) indices',
    input: [3, 8],
    output: [3, 2],
    initializers: [init('starts', [1], ints(-7)), init('ends', [1], ints(8)), init('axes', [1], ints(1)), init('steps', [1], ints(2)), init('picks', [2], ints(-1, 0))],
    nodes: [
      { op: 'Slice', inputs: ['x', 'starts', 'ends', 'axes', 'steps'], outputs: ['s'] },
      { op: 'Gather', inputs: ['s', 'picks'], outputs: ['y'], attributes: { axis: 1 } },
    ],
  },
  {
    name: 'a gate: Mul of two activations with broadcasting, and x * x',
    input: [2, 4],
    output: [2, 4],
    initializers: [init('W', [4, 4]), init('G', [4, 1])],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] },
      { op: 'Relu', inputs: ['h'], outputs: ['r'] },
      { op: 'MatMul', inputs: ['x', 'G'], outputs: ['g'] },
      { op: 'Mul', inputs: ['r', 'g'], outputs: ['gated'] },
      { op: 'Mul', inputs: ['x', 'x'], outputs: ['sq'] },
      { op: 'Add', inputs: ['gated', 'sq'], outputs: ['y'] },
    ],
  },
  {
    name: 'attention scores and values: Q K^T then times V (MatMul of two activations, a transposed operand)',
    input: [3, 4],
    output: [3, 2],
    initializers: [init('Wq', [4, 2]), init('Wk', [4, 2]), init('Wv', [4, 2])],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'Wq'], outputs: ['q'] },
      { op: 'MatMul', inputs: ['x', 'Wk'], outputs: ['k'] },
      { op: 'MatMul', inputs: ['x', 'Wv'], outputs: ['v'] },
      { op: 'Transpose', inputs: ['k'], outputs: ['kt'], attributes: { perm: [1, 0] } },
      { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['scores'] },
      { op: 'MatMul', inputs: ['scores', 'v'], outputs: ['y'] },
    ],
  },
  {
    name: 'Clip with both bounds, with only a minimum and with only a maximum; Abs; Neg',
    input: [1, 6],
    output: [1, 6],
    initializers: [init('W', [6, 6]), init('lo', [], [-0.2]), init('hi', [], [0.3]), init('lo2', [], [-0.1]), init('hi2', [], [0.05])],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W'], outputs: ['h'], attributes: { transB: 1 } },
      { op: 'Clip', inputs: ['h', 'lo', 'hi'], outputs: ['c1'] },
      { op: 'Clip', inputs: ['h', 'lo2'], outputs: ['c2'] },
      { op: 'Clip', inputs: ['h', '', 'hi2'], outputs: ['c3'] },
      { op: 'Abs', inputs: ['h'], outputs: ['a'] },
      { op: 'Neg', inputs: ['a'], outputs: ['na'] },
      { op: 'Add', inputs: ['c1', 'c2'], outputs: ['s1'] },
      { op: 'Add', inputs: ['s1', 'c3'], outputs: ['s2'] },
      { op: 'Add', inputs: ['s2', 'na'], outputs: ['y'] },
    ],
  },
  {
    name: 'PRelu with a slope per channel; Max of two activations; Min with a broadcast constant',
    input: [1, 2, 3, 3],
    output: [1, 3, 3, 3],
    initializers: [init('K', [3, 2, 1, 1]), init('slope', [3, 1, 1], [0.25, -0.5, 1.5]), init('cap', [3], [0.1, 0.2, -0.1])],
    nodes: [
      { op: 'Conv', inputs: ['x', 'K'], outputs: ['c'] },
      { op: 'PRelu', inputs: ['c', 'slope'], outputs: ['p'] },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'Max', inputs: ['p', 'r'], outputs: ['m'] },
      { op: 'Min', inputs: ['m', 'cap'], outputs: ['y'] },
    ],
  },
  {
    name: 'ReduceSum (axes as an input), ReduceMean, ReduceMax and ReduceMin (axes attributes), combined with broadcasting',
    input: [1, 3, 4],
    output: [1, 3, 4],
    initializers: [init('axis1', [1], ints(1))],
    nodes: [
      { op: 'ReduceSum', inputs: ['x', 'axis1'], outputs: ['sum'] },
      { op: 'ReduceMean', inputs: ['x'], outputs: ['mean'], attributes: { axes: [-1] } },
      { op: 'ReduceMax', inputs: ['x'], outputs: ['max'], attributes: { axes: [2] } },
      { op: 'ReduceMin', inputs: ['x'], outputs: ['min'], attributes: { axes: [2] } },
      { op: 'Add', inputs: ['mean', 'max'], outputs: ['a'] },
      { op: 'Sub', inputs: ['a', 'min'], outputs: ['b'] },
      { op: 'Add', inputs: ['b', 'sum'], outputs: ['y'] },
    ],
  },
  {
    name: 'Pad in reflect, edge and constant modes (pads and value as inputs)',
    input: [1, 1, 3, 3],
    output: [1, 1, 6, 6],
    initializers: [init('pads', [8], ints(0, 0, 1, 2, 0, 0, 2, 1)), init('value', [], [0.25])],
    nodes: [
      { op: 'Pad', inputs: ['x', 'pads'], outputs: ['p1'], attributes: { mode: 'reflect' } },
      { op: 'Pad', inputs: ['x', 'pads'], outputs: ['p2'], attributes: { mode: 'edge' } },
      { op: 'Pad', inputs: ['x', 'pads', 'value'], outputs: ['p3'] },
      { op: 'Add', inputs: ['p1', 'p2'], outputs: ['s'] },
      { op: 'Add', inputs: ['s', 'p3'], outputs: ['y'] },
    ],
  },
  {
    name: '1-D: Conv with padding, stride and dilation, MaxPool, AveragePool counting the padding',
    input: [1, 2, 9],
    output: [1, 3, 2],
    initializers: [init('K', [3, 2, 3]), init('b', [3])],
    nodes: [
      { op: 'Conv', inputs: ['x', 'K', 'b'], outputs: ['c'], attributes: { pads: [2, 1], strides: [1], dilations: [2] } },
      { op: 'MaxPool', inputs: ['c'], outputs: ['m'], attributes: { kernel_shape: [2], strides: [2] } },
      { op: 'AveragePool', inputs: ['m'], outputs: ['y'], attributes: { kernel_shape: [2], strides: [2], pads: [0, 1], count_include_pad: 1 } },
    ],
  },
  {
    name: '3-D: grouped Conv, MaxPool with padding, GlobalAveragePool',
    input: [1, 2, 3, 4, 4],
    output: [1, 4, 1, 1, 1],
    initializers: [init('K', [4, 1, 2, 2, 2])],
    nodes: [
      { op: 'Conv', inputs: ['x', 'K'], outputs: ['c'], attributes: { group: 2, pads: [0, 1, 1, 1, 0, 0] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'MaxPool', inputs: ['r'], outputs: ['m'], attributes: { kernel_shape: [2, 2, 2], pads: [1, 0, 0, 0, 0, 0] } },
      { op: 'GlobalAveragePool', inputs: ['m'], outputs: ['y'] },
    ],
  },
  {
    name: 'Sum and Mean of activations and a constant; HardSigmoid; HardSwish (opset 14)',
    opset: 14,
    input: [1, 6],
    output: [1, 6],
    initializers: [init('W', [6, 6], randomArray(rand, 36, -2, 2)), init('c', [6])],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W'], outputs: ['h'], attributes: { transB: 1 } },
      { op: 'HardSigmoid', inputs: ['h'], outputs: ['hs'], attributes: { alpha: 0.3, beta: 0.4 } },
      { op: 'HardSwish', inputs: ['h'], outputs: ['hw'] },
      { op: 'Sum', inputs: ['hs', 'hw', 'c', 'x'], outputs: ['s'] },
      { op: 'Mean', inputs: ['s', 'h', 'h'], outputs: ['y'] },
    ],
  },
  {
    name: 'non-linear activations (piecewise stages): a Sigmoid · Tanh gate, Gelu, Softplus, Elu, Selu, Softsign of a Gemm; Erf and Exp of the input (opset 20)',
    opset: 20,
    input: [1, 6],
    output: [1, 6],
    initializers: [init('W', [6, 6])],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W'], outputs: ['h'], attributes: { transB: 1 } },
      { op: 'Sigmoid', inputs: ['h'], outputs: ['s'] },
      { op: 'Tanh', inputs: ['h'], outputs: ['t'] },
      { op: 'Mul', inputs: ['s', 't'], outputs: ['gate'] },
      { op: 'Gelu', inputs: ['h'], outputs: ['ge'], attributes: { approximate: 'tanh' } },
      { op: 'Softplus', inputs: ['h'], outputs: ['sp'] },
      { op: 'Elu', inputs: ['h'], outputs: ['el'], attributes: { alpha: 0.7 } },
      { op: 'Selu', inputs: ['h'], outputs: ['se'] },
      { op: 'Softsign', inputs: ['h'], outputs: ['ss'] },
      { op: 'Erf', inputs: ['x'], outputs: ['er'] },
      { op: 'Exp', inputs: ['x'], outputs: ['ex'] },
      { op: 'Sum', inputs: ['gate', 'ge', 'sp', 'el', 'se', 'ss', 'er', 'ex'], outputs: ['y'] },
    ],
  },
  {
    name: 'Softmax inside the model: attention weights over the last axis (opset 13), then a MatMul of them with the values',
    input: [1, 4, 6],
    output: [1, 4, 6],
    initializers: [init('Wq', [6, 6]), init('Wk', [6, 6])],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'Wq'], outputs: ['q'] },
      { op: 'MatMul', inputs: ['x', 'Wk'], outputs: ['k'] },
      { op: 'Transpose', inputs: ['k'], outputs: ['kt'], attributes: { perm: [0, 2, 1] } },
      { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['scores'] },
      { op: 'Softmax', inputs: ['scores'], outputs: ['weights'], attributes: { axis: -1 } },
      { op: 'MatMul', inputs: ['weights', 'x'], outputs: ['y'] },
    ],
  },
  {
    name: 'Softmax inside the model, opset 11: the input coerced to 2-D at axis 1, each row a group',
    opset: 11,
    input: [2, 3, 2],
    output: [2, 3, 2],
    nodes: [
      { op: 'Softmax', inputs: ['x'], outputs: ['p'], attributes: { axis: 1 } },
      { op: 'Mul', inputs: ['p', 'x'], outputs: ['y'] },
    ],
  },
  {
    name: 'LogSoftmax inside the model: (x - max) - ln Σ exp(x - max) over the last axis, then a Gemm',
    input: [1, 8],
    output: [1, 3],
    initializers: [init('W', [3, 8])],
    nodes: [
      { op: 'LogSoftmax', inputs: ['x'], outputs: ['l'], attributes: { axis: -1 } },
      { op: 'Gemm', inputs: ['l', 'W'], outputs: ['y'], attributes: { transB: 1 } },
    ],
  },
  {
    name: 'ConvTranspose 1-D: stride 2, pads, output_padding, bias',
    input: [1, 2, 5],
    output: [1, 3, 10],
    initializers: [init('W', [2, 3, 3]), init('B', [3])],
    nodes: [{ op: 'ConvTranspose', inputs: ['x', 'W', 'B'], outputs: ['y'], attributes: { strides: [2], pads: [1, 0], output_padding: [1] } }],
  },
  {
    name: 'ConvTranspose 2-D with group 2, dilation 2, stride 2',
    input: [1, 4, 3, 3],
    output: [1, 4, 7, 7],
    initializers: [init('W', [4, 2, 2, 2])],
    nodes: [{ op: 'ConvTranspose', inputs: ['x', 'W'], outputs: ['y'], attributes: { group: 2, dilations: [2, 2], strides: [2, 2] } }],
  },
  {
    name: 'ConvTranspose 1-D with auto_pad SAME_UPPER and SAME_LOWER (output = input x stride)',
    input: [1, 1, 4],
    output: [1, 1, 8],
    initializers: [init('W', [1, 1, 3]), init('V', [1, 1, 5])],
    nodes: [
      { op: 'ConvTranspose', inputs: ['x', 'W'], outputs: ['a'], attributes: { strides: [2], auto_pad: 'SAME_UPPER' } },
      { op: 'ConvTranspose', inputs: ['x', 'V'], outputs: ['b'], attributes: { strides: [2], auto_pad: 'SAME_LOWER' } },
      { op: 'Add', inputs: ['a', 'b'], outputs: ['y'] },
    ],
  },
  {
    name: 'ConvTranspose 3-D with output_shape (the padding makes up the difference)',
    input: [1, 1, 2, 3, 3],
    output: [1, 2, 3, 5, 5],
    initializers: [init('W', [1, 2, 2, 2, 2])],
    nodes: [{ op: 'ConvTranspose', inputs: ['x', 'W'], outputs: ['y'], attributes: { strides: [1, 2, 2], output_shape: [3, 5, 5] } }],
  },
  {
    name: 'Max and Min of more than two operands (activations and a broadcast constant), folded pairwise',
    input: [1, 6],
    output: [1, 6],
    initializers: [init('W', [6, 6]), init('c', [6])],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W'], outputs: ['h'], attributes: { transB: 1 } },
      { op: 'Neg', inputs: ['x'], outputs: ['n'] },
      { op: 'Max', inputs: ['x', 'h', 'c', 'n'], outputs: ['hi'] },
      { op: 'Min', inputs: ['c', 'x', 'h', 'n'], outputs: ['lo'] },
      { op: 'Add', inputs: ['hi', 'lo'], outputs: ['y'] },
    ],
  },
  {
    name: 'Expand a [1, 3, 1] activation to [2, 3, 4] and Tile it',
    input: [1, 3, 1],
    output: [2, 3, 8],
    initializers: [init('to', [3], ints(2, 3, 4)), init('reps', [3], ints(1, 1, 2))],
    nodes: [
      { op: 'Expand', inputs: ['x', 'to'], outputs: ['e'] },
      { op: 'Tile', inputs: ['e', 'reps'], outputs: ['y'] },
    ],
  },
  {
    name: 'Resize nearest: scales 2 (half_pixel, round_prefer_floor) and sizes 3 -> 5 (asymmetric, floor), after a Conv',
    input: [1, 1, 3, 3],
    output: [1, 2, 6, 5],
    initializers: [init('K', [2, 1, 1, 1]), init('roi', [0], []), init('scales', [4], [1, 1, 2, 1]), init('sizes', [4], ints(1, 2, 6, 5)), init('noscales', [0], [])],
    nodes: [
      { op: 'Conv', inputs: ['x', 'K'], outputs: ['c'] },
      { op: 'Resize', inputs: ['c', 'roi', 'scales'], outputs: ['r1'], attributes: { mode: 'nearest' } },
      { op: 'Resize', inputs: ['r1', 'roi', 'noscales', 'sizes'], outputs: ['y'], attributes: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' } },
    ],
  },
  {
    name: 'Div of two activations: a Gemm by the sum of squares + 1 (a broadcast [1, 1] denominator) and by a positive [1, 4] activation',
    input: [1, 4],
    output: [1, 4],
    initializers: [init('W', [4, 4]), init('one', [1], [1]), init('half', [1], [0.5])],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W'], outputs: ['h'], attributes: { transB: 1 } },
      { op: 'Mul', inputs: ['x', 'x'], outputs: ['sq'] },
      { op: 'ReduceSum', inputs: ['sq'], outputs: ['ss'], attributes: { keepdims: 1 } },
      { op: 'Add', inputs: ['ss', 'one'], outputs: ['d1'] },
      { op: 'Div', inputs: ['h', 'd1'], outputs: ['q1'] },
      { op: 'Add', inputs: ['sq', 'half'], outputs: ['d2'] },
      { op: 'Div', inputs: ['q1', 'd2'], outputs: ['y'] },
    ],
  },
  {
    name: 'Sqrt of x² + 0.25',
    input: [1, 6],
    output: [1, 6],
    initializers: [init('q', [1], [0.25])],
    nodes: [
      { op: 'Mul', inputs: ['x', 'x'], outputs: ['sq'] },
      { op: 'Add', inputs: ['sq', 'q'], outputs: ['s'] },
      { op: 'Sqrt', inputs: ['s'], outputs: ['y'] },
    ],
  },
  {
    name: 'Reciprocal of |x| + 0.5',
    input: [1, 6],
    output: [1, 6],
    initializers: [init('half', [1], [0.5])],
    nodes: [
      { op: 'Abs', inputs: ['x'], outputs: ['a'] },
      { op: 'Add', inputs: ['a', 'half'], outputs: ['s'] },
      { op: 'Reciprocal', inputs: ['s'], outputs: ['y'] },
    ],
  },
  {
    name: 'LayerNormalization over the last axis of [1, 4, 8], with scale and bias (opset 17)',
    input: [1, 4, 8],
    output: [1, 4, 8],
    initializers: [init('gamma', [8], Float32Array.from({ length: 8 }, () => 0.5 + rand())), init('beta', [8], w(8))],
    nodes: [{ op: 'LayerNormalization', inputs: ['x', 'gamma', 'beta'], outputs: ['y'], attributes: { axis: -1, epsilon: 1e-5 } }],
    opset: 17,
  },
  {
    name: "GELU as PyTorch exports it (x · (1 + erf(x / √2)) · ½) after a MatMul: fused into one Gelu, as close to onnxruntime's formula",
    input: [1, 8],
    output: [1, 8],
    initializers: [init('W', [8, 8]), init('sqrt2', [], [Math.SQRT2]), init('one', [], [1]), init('half', [], [0.5])],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] },
      { op: 'Div', inputs: ['h', 'sqrt2'], outputs: ['scaled'] },
      { op: 'Erf', inputs: ['scaled'], outputs: ['erf'] },
      { op: 'Add', inputs: ['erf', 'one'], outputs: ['plus'] },
      { op: 'Mul', inputs: ['h', 'plus'], outputs: ['product'] },
      { op: 'Mul', inputs: ['product', 'half'], outputs: ['y'] },
    ],
  },
  {
    name: 'an unused Split part and a dead branch are pruned; Softmax before a final ArgMax still dropped',
    input: [1, 4],
    output: [1, 1],
    classOutput: true,
    initializers: [init('W', [6, 4]), init('V', [4, 4])],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W'], outputs: ['h'], attributes: { transB: 1 } },
      { op: 'Split', inputs: ['h'], outputs: ['a', 'unused'], attributes: { axis: 1 } },
      { op: 'MatMul', inputs: ['x', 'V'], outputs: ['dead'] },
      { op: 'Softmax', inputs: ['a'], outputs: ['p'], attributes: { axis: 1 } },
      { op: 'ArgMax', inputs: ['p'], outputs: ['y'], attributes: { axis: 1, keepdims: 1 } },
    ],
    stages: 2,
  },
]

describe('graphs: residuals, branches, Concat, Split, Slice, Gather (circuit = reference = canonical graph exactly)', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const bytes = buildModel({
        inputs: [{ name: 'x', shape: c.input }],
        outputs: [{ name: 'y', shape: c.output, type: c.classOutput ? 'int64' : 'float' }],
        initializers: c.initializers ?? [],
        nodes: c.nodes,
        opset: c.opset,
      })
      // --O0: these cases check exactness against the reference, not constraint counts, and circom
      // compiles the unoptimized constraint system about 15% faster; every constraint is still checked.
      const compiled = await compileOpCase(bytes, SETTINGS, 'graph', {}, { optimization: 0 })
      if (c.stages !== undefined) expect(compiled.ir.stages).toHaveLength(c.stages)
      const size = c.input.reduce((a, b) => a * b, 1)
      for (let trial = 0; trial < 4; trial++) {
        const run = await runOpCase(compiled, randomArray(rand, size))
        expect(run.failing).toBe(0)
        expect(run.canonical).toEqual(run.reference)
        expect(run.canonical64).toEqual(run.reference)
        run.float.forEach((v, i) => expect(Math.abs(v - run.onnxruntime[i]!)).toBeLessThan(1e-4))
        if (c.classOutput) expect(run.reference.map(Number)).toEqual(Array.from(run.onnxruntime))
        else run.dequantized.forEach((v, i) => expect(Math.abs(v - run.onnxruntime[i]!)).toBeLessThan(TOLERANCE))
      }
    })
  }
})

describe('graph errors name the node and the op', () => {
  const lower = (nodes: NodeInit[], initializers: BuildModelParameters['initializers'] = []) =>
    lowerGraph(loadModel(buildModel({ inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y', shape: [1, 4] }], initializers, nodes })))

  test('Div of two activations lowers to a divide stage; an op of two activations still unsupported (Pow) is refused', () => {
    const nodes: NodeInit[] = [{ op: 'Relu', inputs: ['x'], outputs: ['r'], name: 'act' }, { op: 'Div', inputs: ['r', 'x'], outputs: ['y'], name: 'ratio' }]
    expect(lower(nodes).stages.map((s) => s.kind)).toEqual(['relu', 'divide'])
    const pow: NodeInit[] = [{ op: 'Relu', inputs: ['x'], outputs: ['r'], name: 'act' }, { op: 'Pow', inputs: ['r', 'x'], outputs: ['y'], name: 'power' }]
    expect(() => lower(pow)).toThrow(UnsupportedOpError)
    expect(() => lower(pow)).toThrow(/"power".*Pow/s)
  })

  test('LayerNormalization whose Mean output is used is refused', () => {
    const nodes: NodeInit[] = [
      { op: 'LayerNormalization', inputs: ['x', 'g'], outputs: ['n', 'mean'], name: 'ln' },
      { op: 'Add', inputs: ['n', 'mean'], outputs: ['y'], name: 'plus' },
    ]
    expect(() => lowerGraph(loadModel(buildModel({ inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y', shape: [1, 4] }], initializers: [init('g', [4])], nodes, opset: 17 })))).toThrow(/"ln".*Mean/s)
  })

  test('Concat without an axis, and inputs that differ off the axis', () => {
    expect(() => lower([{ op: 'Concat', inputs: ['x', 'x'], outputs: ['y'], name: 'cat' }])).toThrow(/cat.*axis/s)
    expect(() =>
      lower([
        { op: 'Gemm', inputs: ['x', 'W'], outputs: ['h'], name: 'g', attributes: { transB: 1 } },
        { op: 'Concat', inputs: ['h', 'x'], outputs: ['y'], name: 'cat', attributes: { axis: 0 } },
      ], [init('W', [3, 4])]),
    ).toThrow(/cat.*differ outside axis 0/s)
  })

  test('a lookup in a table of one row', () => {
    expect(() => lower([{ op: 'Gather', inputs: ['T', 'x'], outputs: ['y'], name: 'embed' }], [init('T', [1, 4])])).toThrow(/"embed".*fewer than two rows/s)
  })
})

describe('integer inputs and embedding lookups', () => {
  test('every row of a 200-row table comes out as itself rounded once (prefix sums of the differences are rounded, not each difference)', () => {
    // Row k = (k + 0.5) / 2 units: every difference is half a unit, which rounds up alone; summed
    // rounded differences would drift to row 199 = 199.5 units instead of 99.75.
    const ROWS = 200
    const UNIT = 2 ** -8
    const bytes = buildModel({
      inputs: [{ name: 'tokens', shape: [1, 3], type: 'int64' }],
      outputs: [{ name: 'y', shape: [1, 3, 2] }],
      initializers: [init('E', [ROWS, 2], Float32Array.from({ length: ROWS * 2 }, (_, i) => (i % 2 === 0 ? ((Math.floor(i / 2) + 0.5) / 2) * UNIT : -Math.floor(i / 2) * 0.37 * UNIT)))],
      nodes: [{ op: 'Gather', inputs: ['E', 'tokens'], outputs: ['y'] }],
    })
    const model = quantizeIR(lowerGraph(loadModel(bytes)), { scale: 8, inputScale: 0, inputBits: 9, maxBits: 64 })
    for (const tokens of [[0, 1, 2], [199, 100, 57], [198, 3, 150]]) {
      const out = dequantizeOutput(model, runReference(model, quantizeInput(model, tokens)))
      tokens.forEach((k, p) => {
        expect(Math.abs(out[2 * p]! - ((k + 0.5) / 2) * UNIT)).toBeLessThanOrEqual(UNIT)
        expect(Math.abs(out[2 * p + 1]! + k * 0.37 * UNIT)).toBeLessThanOrEqual(UNIT)
      })
    }
  })

  test('token ids (int64) pick rows of an embedding table: exact, as onnxruntime picks them, then a MatMul', async () => {
    const VOCAB = 7
    const bytes = buildModel({
      inputs: [{ name: 'tokens', shape: [1, 5], type: 'int64' }],
      outputs: [{ name: 'y', shape: [1, 5, 3] }],
      initializers: [init('E', [VOCAB, 4]), init('W', [4, 3])],
      nodes: [
        { op: 'Gather', inputs: ['E', 'tokens'], outputs: ['e'] },
        { op: 'MatMul', inputs: ['e', 'W'], outputs: ['y'] },
      ],
    })
    const compiled = await compileOpCase(bytes, { scale: 8, inputScale: 0, inputBits: 5, maxBits: 64 })
    expect(compiled.inputType).toBe('int64')
    for (const tokens of [[0, 1, 2, 3, 4], [6, 6, 0, 5, 1], Array.from({ length: 5 }, () => Math.floor(rand() * VOCAB))]) {
      const run = await runOpCase(compiled, Float32Array.from(tokens))
      expect(run.failing).toBe(0)
      expect(run.canonical).toEqual(run.reference)
      expect(run.canonical64).toEqual(run.reference)
      run.float.forEach((v, i) => expect(Math.abs(v - run.onnxruntime[i]!)).toBeLessThan(1e-4))
      run.dequantized.forEach((v, i) => expect(Math.abs(v - run.onnxruntime[i]!)).toBeLessThan(0.02))
    }
  })
})
