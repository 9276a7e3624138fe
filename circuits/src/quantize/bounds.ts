import type { Stage } from '../ir/stages.js'
import type { QuantizedStage } from './model.js'

/**
 * Interval bookkeeping shared by the stage kinds' quantization (circuits/src/stages/<kind>): the
 * value bounds of a tensor, the signed width that holds them, and the context quantizeIR hands each
 * stage.
 */

/** A tensor's value bounds (elementwise), declared width and fixed-point scale. */
/** prefixGroups: the tensor is 0/1 steps whose ones are a prefix of each group of this many (PiecewiseStage.prefixGroups). */
export type TensorBounds = { lo: bigint[]; hi: bigint[]; bits: number; scale: number; prefixGroups?: number | undefined }

export type QuantizeContext = {
  /** The model's fixed-point scale (QuantizationSettings.scale). */
  scale: number
  /** Fields every quantized stage starts with: sources, shape, inputs. */
  base: { sources: string[]; shape: number[]; inputs?: number[] }
  /** The tensors the stage reads, in order. */
  inputs: readonly TensorBounds[]
  /** Bounds of the concatenation of `inputs`. */
  lo: bigint[]
  hi: bigint[]
  /** The widest input's declared width. */
  bits: number
  /** The first input's scale (every input's, unless the kind has mixedScales). */
  currentScale: number
  /** Throws BitWidthExceededError when `needed` bits exceed maxBits, or `needed + extra` the field. */
  check: (needed: number, extra?: number) => void
  /** For bounds proved from the structure around the stage (DivideStage.rootSumOfSquares). */
  ir: { stages: readonly Stage[] }
  s: number
  stages: readonly QuantizedStage[]
  tensors: readonly TensorBounds[]
}

/** What a stage's quantization returns: its quantized stage and its output tensor's bounds, width and scale. */
export type QuantizeResult<S extends QuantizedStage = QuantizedStage> = { stage: S } & TensorBounds

export function signedBits(lo: bigint, hi: bigint): number {
  let bits = 2
  while (lo < -(1n << BigInt(bits - 1)) || hi > (1n << BigInt(bits - 1)) - 1n) bits++
  return bits
}

export function quantizeReal(x: number, scale: number): bigint {
  return BigInt(Math.round(x * 2 ** scale))
}

/** floor((v + 2^(shift-1)) / 2^shift): the rescale, round half up (v itself for shift 0). */
export const floorShift = (v: bigint, shift: number) => (shift === 0 ? v : (v + (1n << BigInt(shift - 1))) >> BigInt(shift))

export const maxOf = (a: bigint, b: bigint) => (a > b ? a : b)
export const minOf = (a: bigint, b: bigint) => (a < b ? a : b)

/** The scale of element i of the concatenation of `inputs` (each tensor has one scale). */
export function elementScale(inputs: readonly { lo: readonly unknown[]; scale: number }[]): (i: number) => number {
  return (i) => {
    let k = 0
    while (i >= inputs[k]!.lo.length) i -= inputs[k++]!.lo.length
    return inputs[k]!.scale
  }
}
