import { functionShape } from './piecewiseFunctions.js'
import { stageInputs, type ModelIR, type Stage } from './stages.js'

/** Runs the IR in float64: the lowering's meaning, to compare with onnxruntime and the quantized executor. */
export function evaluateFloat(ir: ModelIR, input: ArrayLike<number>): Float64Array {
  return evaluateTensors(ir, input).at(-1)!
}

/** Every tensor of the IR in float64 (tensor 0 the input, s + 1 stage s's output). */
export function evaluateTensors(ir: ModelIR, input: ArrayLike<number>): Float64Array[] {
  const tensors: Float64Array[] = [Float64Array.from(input)]
  ir.stages.forEach((stage, s) => {
    const inputs = stageInputs(stage, s)
    const x = inputs.length === 1 ? tensors[inputs[0]!]! : Float64Array.from(inputs.flatMap((t) => Array.from(tensors[t]!)))
    tensors.push(evaluateStage(stage, x))
  })
  return tensors
}

function evaluateStage(stage: Stage, x: Float64Array): Float64Array {
  switch (stage.kind) {
    case 'linear': {
      const { offsets, indices } = stage.rows
      const out = new Float64Array(stage.bias.length)
      for (let r = 0; r < out.length; r++) {
        let acc = stage.bias[r]!
        for (let t = offsets[r]!; t < offsets[r + 1]!; t++) acc += stage.weights[t]! * x[indices[t]!]!
        out[r] = acc
      }
      return out
    }
    case 'bilinear': {
      const { offsets } = stage.rows
      const out = new Float64Array(offsets.length - 1)
      for (let r = 0; r < out.length; r++) for (let t = offsets[r]!; t < offsets[r + 1]!; t++) out[r] = out[r]! + x[stage.left[t]!]! * x[stage.right[t]!]!
      return out
    }
    case 'relu':
      return x.map((v) => (v > 0 ? v : 0))
    case 'leakyRelu':
      return x.map((v) => (v >= 0 ? v : stage.alpha * v))
    case 'gather':
      return Float64Array.from(stage.index, (i) => x[i]!)
    case 'divide':
      return Float64Array.from(stage.numerator, (a, r) => x[a]! / x[stage.denominator[r]!]!)
    case 'sqrt':
      return x.map((v) => Math.sqrt(v > 0 ? v : 0))
    case 'piecewise': {
      const { f } = functionShape(stage.fn)
      return x.map(f)
    }
    case 'maxPool':
    case 'argMax': {
      const { offsets, indices } = stage.kind === 'maxPool' ? stage.windows : stage.groups
      const out = new Float64Array(offsets.length - 1)
      for (let r = 0; r < out.length; r++) {
        let best = offsets[r]!
        for (let t = best + 1; t < offsets[r + 1]!; t++) if (x[indices[t]!]! > x[indices[best]!]!) best = t
        out[r] = stage.kind === 'maxPool' ? x[indices[best]!]! : best - offsets[r]!
      }
      return out
    }
  }
}
