import { InputShapeError, QuantizedInputOutOfRangeError } from '../errors/reference.js'
import { concatInputs, stageInputs } from '../ir/stages.js'
import type { QuantizedModel, QuantizedPiecewise, QuantizedStage } from '../quantize/model.js'
import { quantizeReal } from '../quantize/quantize.js'
import { divideRound, sqrtFloor } from '../quantize/exact.js'

/**
 * The reference executor: runs the quantized model in exact integer arithmetic and returns
 * exactly the values the circuit constrains its outputs to (the model's canonical output).
 */
export function runReference(model: QuantizedModel, input: readonly bigint[]): bigint[] {
  const size = model.inputShape.reduce((a, b) => a * b, 1)
  if (input.length !== size) throw new InputShapeError({ expected: model.inputShape, received: input.length })
  const lo = -(1n << BigInt(model.inputBits - 1))
  const hi = (1n << BigInt(model.inputBits - 1)) - 1n
  input.forEach((q, index) => {
    if (q < lo || q > hi) throw new QuantizedInputOutOfRangeError({ index, value: q, bits: model.inputBits })
  })
  const tensors: bigint[][] = [[...input]]
  model.stages.forEach((stage, s) => tensors.push(runStage(stage, concatInputs(tensors, stageInputs(stage, s)))))
  return tensors.at(-1)!
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

function rescale(acc: bigint, shift: number): bigint {
  return shift === 0 ? acc : (acc + (1n << BigInt(shift - 1))) >> BigInt(shift)
}

/** The piecewise semantics of model.ts (QuantizedPiecewise), on one value. */
export function piecewise(stage: QuantizedPiecewise, x: bigint): bigint {
  const hi = stage.lo + (BigInt(stage.segments) << BigInt(stage.segmentBits)) - 1n
  const u = (x < stage.lo ? stage.lo : x > hi ? hi : x) - stage.lo
  const k = Number(u >> BigInt(stage.segmentBits))
  const t = u - (BigInt(k) << BigInt(stage.segmentBits))
  return rescale(stage.c0[k]! + stage.c1[k]! * t + stage.c2[k]! * t * t, stage.shift)
}

function runStage(stage: QuantizedStage, x: bigint[]): bigint[] {
  switch (stage.kind) {
    case 'linear': {
      const { offsets, indices } = stage.rows
      const out = new Array<bigint>(stage.bias.length)
      for (let r = 0; r < out.length; r++) {
        let acc = stage.bias[r]!
        for (let t = offsets[r]!; t < offsets[r + 1]!; t++) acc += stage.weights[t]! * x[indices[t]!]!
        out[r] = rescale(acc, stage.shift)
      }
      return out
    }
    case 'bilinear': {
      const { offsets } = stage.rows
      const out = new Array<bigint>(offsets.length - 1)
      for (let r = 0; r < out.length; r++) {
        let acc = 0n
        for (let t = offsets[r]!; t < offsets[r + 1]!; t++) acc += x[stage.left[t]!]! * x[stage.right[t]!]!
        out[r] = rescale(acc, stage.shift)
      }
      return out
    }
    case 'relu':
      return x.map((v) => (v > 0n ? v : 0n))
    case 'leakyRelu':
      return x.map((v) => (v >= 0n ? v : rescale(stage.alpha * v, stage.shift)))
    case 'gather':
      return Array.from(stage.index, (i) => x[i]!)
    case 'piecewise':
      return x.map((v) => piecewise(stage, v))
    case 'divide':
      return Array.from(stage.numerator, (a, r) => divideRound(x[a]!, x[stage.denominator[r]!]!, stage.shift))
    case 'sqrt':
      return x.map((v) => sqrtFloor(v, stage.shift))
    case 'maxPool':
    case 'argMax': {
      const { offsets, indices } = stage.kind === 'maxPool' ? stage.windows : stage.groups
      const out = new Array<bigint>(offsets.length - 1)
      for (let r = 0; r < out.length; r++) {
        let best = offsets[r]!
        for (let t = best + 1; t < offsets[r + 1]!; t++) if (x[indices[t]!]! > x[indices[best]!]!) best = t
        out[r] = stage.kind === 'maxPool' ? x[indices[best]!]! : BigInt(best - offsets[r]!)
      }
      return out
    }
  }
}
