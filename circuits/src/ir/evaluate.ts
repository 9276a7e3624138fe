import { stageModule } from '../stages/index.js'
import { stageInputs, type ModelIR } from './stages.js'

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
    tensors.push(stageModule(stage.kind).evaluate(stage, x))
  })
  return tensors
}
