import { buildModel, type InitializerInit, type NodeInit } from '../onnx/buildModel.js'
import type { SparseRows } from '../ir/stages.js'
import type { QuantizedModel } from '../quantize/model.js'

/** Every intermediate of the float64 graph must stay an exactly representable integer. */
const EXACT_LIMIT = 2 ** 53
/** Dense weight matrices above this many entries are left to the bigint executor. */
const MAX_DENSE_ENTRIES = 4_000_000

export type IntegerGraph = { bytes: Uint8Array; inputName: string; outputName: string; inputSize: number; outputSize: number }

/**
 * The quantized model as an ONNX graph over float64 that computes exactly what runReference (and
 * the circuit) compute: every value is an integer below 2^53, where float64 arithmetic is exact
 * in any summation order, so onnxruntime on any execution provider (CPU or CUDA) gives the same
 * canonical output. Division by 2^shift is a multiplication by 2^-shift, also exact, then Floor.
 * Returns undefined when a bound could exceed 2^53 or a dense weight matrix would be too large;
 * the bigint reference executor serves those models.
 */
export function buildIntegerGraph(model: QuantizedModel): IntegerGraph | undefined {
  const nodes: NodeInit[] = []
  const initializers: InitializerInit[] = []
  const constant = (name: string, dims: number[], data: Float64Array | BigInt64Array) => {
    initializers.push({ name, dims, data })
    return name
  }
  const inputSize = model.inputShape.reduce((a, b) => a * b, 1)
  let current = 'q'
  let size = inputSize
  let bound = 2 ** (model.inputBits - 1)

  for (const [s, stage] of model.stages.entries()) {
    const out = `s${s}`
    const next = stage.shape.reduce((a, b) => a * b, 1)
    switch (stage.kind) {
      case 'linear': {
        if (size * next > MAX_DENSE_ENTRIES) return undefined
        const half = stage.shift > 0 ? 2 ** (stage.shift - 1) : 0
        const weights = new Float64Array(size * next)
        const bias = new Float64Array(next)
        const { offsets, indices } = stage.rows
        for (let r = 0; r < next; r++) {
          let partial = Math.abs(Number(stage.bias[r]!)) + half
          for (let t = offsets[r]!; t < offsets[r + 1]!; t++) {
            const w = Number(stage.weights[t]!)
            weights[indices[t]! * next + r] = weights[indices[t]! * next + r]! + w
            partial += Math.abs(w) * bound
          }
          if (partial >= EXACT_LIMIT) return undefined
          bias[r] = Number(stage.bias[r]!) + half
        }
        // Scaling weights and bias by 2^-shift keeps every partial sum an exact dyadic rational,
        // so one Gemm then Floor computes floor((acc + half) / 2^shift).
        const scale = 2 ** -stage.shift
        for (let i = 0; i < weights.length; i++) weights[i] = weights[i]! * scale
        for (let r = 0; r < next; r++) bias[r] = bias[r]! * scale
        nodes.push(
          { op: 'Gemm', inputs: [current, constant(`${out}_w`, [size, next], weights), constant(`${out}_b`, [next], bias)], outputs: [`${out}_scaled`] },
          { op: 'Floor', inputs: [`${out}_scaled`], outputs: [out] },
        )
        break
      }
      case 'relu':
        nodes.push({ op: 'Relu', inputs: [current], outputs: [out] })
        break
      case 'leakyRelu': {
        const alpha = Number(stage.alpha)
        const half = stage.shift > 0 ? 2 ** (stage.shift - 1) : 0
        if (Math.abs(alpha) * bound + half >= EXACT_LIMIT) return undefined
        nodes.push(
          { op: 'Mul', inputs: [current, constant(`${out}_alpha`, [1], Float64Array.of(alpha))], outputs: [`${out}_ax`] },
          { op: 'Add', inputs: [`${out}_ax`, constant(`${out}_half`, [1], Float64Array.of(half))], outputs: [`${out}_axh`] },
          { op: 'Mul', inputs: [`${out}_axh`, constant(`${out}_scale`, [1], Float64Array.of(2 ** -stage.shift))], outputs: [`${out}_axs`] },
          { op: 'Floor', inputs: [`${out}_axs`], outputs: [`${out}_neg`] },
          { op: 'GreaterOrEqual', inputs: [current, constant(`${out}_zero`, [1], Float64Array.of(0))], outputs: [`${out}_pos`] },
          { op: 'Where', inputs: [`${out}_pos`, current, `${out}_neg`], outputs: [out] },
        )
        break
      }
      case 'gather':
        nodes.push({ op: 'Gather', inputs: [current, constant(`${out}_idx`, [next], BigInt64Array.from(stage.index, BigInt))], outputs: [out], attributes: { axis: 1 } })
        break
      case 'maxPool':
      case 'argMax': {
        const rows = stage.kind === 'maxPool' ? stage.windows : stage.groups
        const { index, width } = paddedRows(rows)
        nodes.push(
          { op: 'Gather', inputs: [current, constant(`${out}_idx`, [next * width], index)], outputs: [`${out}_flat`], attributes: { axis: 1 } },
          { op: 'Reshape', inputs: [`${out}_flat`, constant(`${out}_shape`, [3], BigInt64Array.of(1n, BigInt(next), BigInt(width)))], outputs: [`${out}_windows`] },
        )
        if (stage.kind === 'maxPool') nodes.push({ op: 'ReduceMax', inputs: [`${out}_windows`], outputs: [out], attributes: { axes: [2], keepdims: 0 } })
        else
          nodes.push(
            { op: 'ArgMax', inputs: [`${out}_windows`], outputs: [`${out}_index`], attributes: { axis: 2, keepdims: 0 } },
            { op: 'Cast', inputs: [`${out}_index`], outputs: [out], attributes: { to: 11 } },
          )
        break
      }
    }
    current = out
    size = next
    bound = 2 ** (stage.bits - 1)
  }
  nodes.push({ op: 'Identity', inputs: [current], outputs: ['out'] })
  const bytes = buildModel({
    name: 'veridict-canonical',
    opset: 13,
    inputs: [{ name: 'q', shape: [1, inputSize], type: 'double' }],
    outputs: [{ name: 'out', shape: [1, size], type: 'double' }],
    initializers,
    nodes,
  })
  return { bytes, inputName: 'q', outputName: 'out', inputSize, outputSize: size }
}

/**
 * Rows of different lengths as one [rows × width] index table: short rows repeat their first
 * index, which changes neither a maximum nor the first position of a maximum.
 */
function paddedRows({ offsets, indices }: SparseRows): { index: BigInt64Array; width: number } {
  const rows = offsets.length - 1
  let width = 1
  for (let r = 0; r < rows; r++) width = Math.max(width, offsets[r + 1]! - offsets[r]!)
  const index = new BigInt64Array(rows * width)
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < width; k++) {
      const t = offsets[r]! + k
      index[r * width + k] = BigInt(indices[t < offsets[r + 1]! ? t : offsets[r]!]!)
    }
  return { index, width }
}
