import { stageInputs, type Stage } from '../../ir/stages.js'
import type { QuantizedStage } from '../../quantize/model.js'

/**
 * The largest |quotient| of LayerNormalization's divide stage s (DivideStage.rootSumOfSquares):
 * y = round(d·2^shift / max(r, 1)) where r = isqrt(v·2^σ), v = round((P'·2^S + c) / 2^t) with c >= 0
 * (a linear stage of weight exactly 1), P' = round(P / 2^k) and P = Σ d² over d's row (a bilinear
 * stage). Undoing each rounding: P < ((r+1)²·2^-σ + 1/2)·2^(t-S+k) + 2^(k-1), so for r >= 1
 * d² <= P < r²·(4·2^E + C) with E = t - S + k - σ and C = 2^(t-S+k-1) + 2^(k-1) (r = 0 divides
 * by 1 and P < 2^E + C). Hence |y| < 2^shift·sqrt(4·2^E + C) + 1/2, for any input: quantization
 * may declare that width (the circuit range-checks it, so a wrong structure can only fail to prove,
 * never prove a wrong value; the structure is checked here all the same).
 */
export function rootSumOfSquaresLimit({ ir, s, stages, tensors, scale, shift }: {
  ir: { stages: readonly Stage[] }
  s: number
  stages: readonly QuantizedStage[]
  tensors: readonly { scale: number; lo: readonly bigint[] }[]
  scale: number
  shift: number
}): bigint {
  const stage = ir.stages[s]!
  const fail = (what: string): never => {
    throw new Error(`quantize: stage ${s} (divide [${stage.sources.join(', ')}]) is marked as d / sqrt(Σ d² + c) but ${what}`)
  }
  if (stage.kind !== 'divide') return fail('is not a divide stage')
  const [numeratorTensor, rootTensor, ...rest] = stageInputs(stage, s)
  if (numeratorTensor === undefined || rootTensor === undefined || rest.length > 0) return fail('does not read exactly a numerator and a root tensor')
  const rootStage = stages[rootTensor - 1]
  if (rootStage?.kind !== 'sqrt') return fail('its denominators are not a sqrt stage')
  const [sumTensor] = stageInputs(ir.stages[rootTensor - 1]!, rootTensor - 1)
  const sumStage = stages[sumTensor! - 1]
  if (sumStage?.kind !== 'linear' || stageInputs(ir.stages[sumTensor! - 1]!, sumTensor! - 1).length !== 1) return fail('the sqrt does not read a linear stage of one input')
  const [squaresTensor] = stageInputs(ir.stages[sumTensor! - 1]!, sumTensor! - 1)
  const squaresStage = stages[squaresTensor! - 1]
  if (squaresStage?.kind !== 'bilinear' || stageInputs(ir.stages[squaresTensor! - 1]!, squaresTensor! - 1).join() !== String(numeratorTensor))
    return fail('the sum is not of a bilinear stage of the numerators')
  const t = tensors[squaresTensor!]!.scale
  const unit = 1n << BigInt(scale + sumStage.shift - t)
  if (sumStage.shift !== t || sumStage.weights.some((w) => w !== unit) || sumStage.bias.some((b) => b < 0n) || sumStage.rows.indices.some((i, k) => i !== k))
    return fail('the sum stage is not Σ d² times exactly 1 plus a constant >= 0, row by row')
  const { offsets } = squaresStage.rows
  const denominatorOf = (r: number) => stage.denominator[r]! - tensors[numeratorTensor]!.lo.length
  for (let r = 0; r < stage.numerator.length; r++) {
    const row = denominatorOf(r)
    const pairs = Array.from({ length: offsets[row + 1]! - offsets[row]! }, (_, j) => offsets[row]! + j)
    if (!pairs.some((p) => squaresStage.left[p] === stage.numerator[r] && squaresStage.right[p] === stage.numerator[r]) || pairs.some((p) => squaresStage.left[p] !== squaresStage.right[p]))
      return fail(`row ${r}'s numerator is not among its squares`)
  }
  const k = squaresStage.shift
  const sigma = rootStage.shift
  const E = t - scale + k - sigma
  const C = 2 ** (t - scale + k - 1) + (k > 0 ? 2 ** (k - 1) : 0)
  return BigInt(Math.floor(2 ** shift * Math.sqrt(4 * 2 ** E + C))) + 2n
}
