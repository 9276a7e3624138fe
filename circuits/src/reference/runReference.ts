import { InputShapeError, QuantizedInputOutOfRangeError } from '../errors/reference.js'
import { concatInputs, stageInputs } from '../ir/stages.js'
import { quantizeReal } from '../quantize/bounds.js'
import type { QuantizedModel } from '../quantize/model.js'
import { stageModule } from '../stages/index.js'

/**
 * The reference executor: runs the quantized model in exact integer arithmetic and returns
 * exactly the values the circuit constrains its outputs to (the model's canonical output).
 */
export function runReference(model: QuantizedModel, input: readonly bigint[]): bigint[] {
  return runTrace(model, input).at(-1)!
}

/**
 * The reference run's every tensor: tensor 0 is the input and tensor s + 1 stage s's output, so
 * the last is runReference's output. What a trace commitment (trace/commitments.ts) commits to.
 */
export function runTrace(model: QuantizedModel, input: readonly bigint[]): bigint[][] {
  const size = model.inputShape.reduce((a, b) => a * b, 1)
  if (input.length !== size) throw new InputShapeError({ expected: model.inputShape, received: input.length })
  const lo = -(1n << BigInt(model.inputBits - 1))
  const hi = (1n << BigInt(model.inputBits - 1)) - 1n
  input.forEach((q, index) => {
    if (q < lo || q > hi) throw new QuantizedInputOutOfRangeError({ index, value: q, bits: model.inputBits })
  })
  return continueTrace(model, [input], 0)
}

/**
 * The trace that follows from `tensors` 0 .. from: those kept as given, every stage from `from` on
 * computed from them (tensor s + 1 from the tensors it reads). What a node that cut one corner
 * would sign after a wrong tensor `from` (a dispute test's liar), or runTrace's loop from the input.
 */
export function continueTrace(model: QuantizedModel, tensors: readonly (readonly bigint[])[], from: number): bigint[][] {
  const out = tensors.slice(0, from + 1).map((tensor) => [...tensor])
  for (let s = from; s < model.stages.length; s++) {
    const stage = model.stages[s]!
    out.push(stageModule(stage.kind).reference(stage, concatInputs(out, stageInputs(stage, s))))
  }
  return out
}

/** Quantizes float inputs at the model's input scale: q = round(x · 2^inputScale). */
export function quantizeInput(model: QuantizedModel, input: ArrayLike<number>): bigint[] {
  const size = model.inputShape.reduce((a, b) => a * b, 1)
  if (input.length !== size) throw new InputShapeError({ expected: model.inputShape, received: input.length })
  return Array.from(input, (v) => quantizeReal(v, model.inputScale))
}

/** Turns integer outputs back into real numbers (class indices stay as they are). */
export function dequantizeOutput(model: QuantizedModel, output: readonly bigint[]): number[] {
  return output.map((q) => Number(q) / 2 ** model.outputScale)
}
