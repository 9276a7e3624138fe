import { BitWidthExceededError, InvalidCompileOptionError, UnsupportedGraphError } from '../errors/compile.js'
import { concatInputs, stageInputs, type ModelIR, type Stage } from '../ir/stages.js'
import { stageModule } from '../stages/index.js'
import type { TensorBounds } from './bounds.js'
import type { QuantizationSettings, QuantizedModel, QuantizedStage } from './model.js'

/** The largest field element is ~2^253.6: an accumulator plus its rescale must stay well below. */
const FIELD_SAFE_BITS = 250

/**
 * Quantizes the IR at fixed scales. Every declared bit width is derived from interval bounds
 * over all inputs that fit in `inputBits`, so no intermediate can exceed its width for any
 * valid input: the circuit always has a witness, and the witness is unique.
 */
export function quantizeIR(ir: ModelIR, settings: QuantizationSettings): QuantizedModel {
  const { scale, inputScale, inputBits, maxBits } = settings
  for (const [option, value, min, max] of [
    ['scale', scale, 0, 32],
    ['inputScale', inputScale, 0, 32],
    ['inputBits', inputBits, 2, 64],
    ['maxBits', maxBits, 8, 200],
  ] as const)
    if (!Number.isInteger(value) || value < min || value > max)
      throw new InvalidCompileOptionError({ option, value, expected: `an integer from ${min} to ${max}` })

  const inputSize = ir.inputShape.reduce((a, b) => a * b, 1)
  // Per tensor (0: the input, s + 1: stage s's output): value bounds, declared width, fixed-point scale.
  const tensors: TensorBounds[] = [
    { lo: new Array<bigint>(inputSize).fill(-(1n << BigInt(inputBits - 1))), hi: new Array<bigint>(inputSize).fill((1n << BigInt(inputBits - 1)) - 1n), bits: inputBits, scale: inputScale },
  ]
  const stages: QuantizedStage[] = []

  const check = (stage: Stage, needed: number, extra = 0) => {
    if (needed > maxBits || needed + extra > FIELD_SAFE_BITS)
      throw new BitWidthExceededError({ stage: `${stage.kind} [${stage.sources.join(', ')}]`, bits: needed, maxBits, scale })
  }

  for (const [s, stage] of ir.stages.entries()) {
    const base = { sources: stage.sources, shape: stage.shape, ...(stage.inputs ? { inputs: stage.inputs } : {}) }
    const inputs = stageInputs(stage, s).map((t) => tensors[t]!)
    const lo = concatInputs(inputs.map((t) => t.lo), inputs.map((_, i) => i))
    const hi = concatInputs(inputs.map((t) => t.hi), inputs.map((_, i) => i))
    const bits = Math.max(...inputs.map((t) => t.bits))
    const currentScale = inputs[0]!.scale
    // Only kinds that align scales (linear by its weights, bilinear and divide by their shift) may
    // read tensors of different scales; wiring and comparisons need one scale.
    const module = stageModule(stage.kind)
    if (!module.mixedScales && inputs.some((t) => t.scale !== currentScale))
      throw new UnsupportedGraphError({ reason: `${stage.kind} [${stage.sources.join(', ')}] reads tensors of different fixed-point scales (${inputs.map((t) => `2^${t.scale}`).join(', ')}), for example the model input and a computed value: put a linear op (e.g. Mul by 1) on the input first` })
    const { stage: quantized, ...output } = module.quantize(stage, {
      scale,
      base,
      inputs,
      lo,
      hi,
      bits,
      currentScale,
      check: (needed, extra) => check(stage, needed, extra),
      ir,
      s,
      stages,
      tensors,
    })
    stages.push(quantized)
    tensors.push(stage.kind === 'piecewise' && stage.prefixGroups ? { ...output, prefixGroups: stage.prefixGroups } : output)
  }
  const output = tensors.at(-1)!

  return {
    scale,
    inputScale,
    inputBits,
    inputShape: ir.inputShape,
    outputShape: ir.outputShape,
    outputScale: output.scale,
    outputBits: output.bits,
    stages,
  }
}
