import { buildModel } from '../onnx/buildModel.js'

/**
 * Gemm -> LeakyRelu(alpha = -0.5) -> Relu: a negative pre-activation becomes a positive output,
 * which a circuit that passes the LeakyRelu input's sign bit on to Relu zeroes. Rows chosen so
 * that extreme inputs drive some pre-activations far below zero.
 */
export function leakyReluCounterexampleOnnx(): Uint8Array {
  return buildModel({
    inputs: [{ name: 'x', shape: [1, 3] }],
    outputs: [{ name: 'y', shape: [1, 4] }],
    initializers: [
      { name: 'W', dims: [4, 3], data: [1, 1, 1, -1, -1, -1, 1, -1, 0.5, -0.5, 1, -1] },
      { name: 'b', dims: [4], data: [0.25, -0.25, 0, 0.125] },
    ],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['h'], attributes: { transB: 1 } },
      { op: 'LeakyRelu', inputs: ['h'], outputs: ['l'], attributes: { alpha: -0.5 } },
      { op: 'Relu', inputs: ['l'], outputs: ['y'] },
    ],
  })
}
