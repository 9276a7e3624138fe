import { BitWidthExceededError, InvalidCompileOptionError, UnsupportedGraphError } from '../errors/compile.js'
import { concatInputs, stageInputs, type ModelIR, type Stage } from '../ir/stages.js'
import { fitPiecewise } from './piecewise.js'
import { ceilDiv, floorDiv, sqrtFloor } from './exact.js'
import type { QuantizationSettings, QuantizedModel, QuantizedStage } from './model.js'

/** The largest field element is ~2^253.6: an accumulator plus its rescale must stay well below. */
const FIELD_SAFE_BITS = 250

export function signedBits(lo: bigint, hi: bigint): number {
  let bits = 2
  while (lo < -(1n << BigInt(bits - 1)) || hi > (1n << BigInt(bits - 1)) - 1n) bits++
  return bits
}

/** An input of a function without an upper limit (Exp) saturates this far (in real units) above the largest calibration input. */
export const EXP_CALIBRATION_MARGIN = 0.5

/** The scale of element i of the concatenation of `inputs` (each tensor has one scale). */
function elementScale(inputs: readonly { lo: readonly unknown[]; scale: number }[]): (i: number) => number {
  return (i) => {
    let k = 0
    while (i >= inputs[k]!.lo.length) i -= inputs[k++]!.lo.length
    return inputs[k]!.scale
  }
}

const maxOf = (a: bigint, b: bigint) => (a > b ? a : b)
const minOf = (a: bigint, b: bigint) => (a < b ? a : b)
const floorShift = (v: bigint, shift: number) => (shift === 0 ? v : (v + (1n << BigInt(shift - 1))) >> BigInt(shift))

export function quantizeReal(x: number, scale: number): bigint {
  return BigInt(Math.round(x * 2 ** scale))
}

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
  // prefixGroups: the tensor is 0/1 steps whose ones are a prefix of each group of this many (PiecewiseStage.prefixGroups).
  const tensors: { lo: bigint[]; hi: bigint[]; bits: number; scale: number; prefixGroups?: number | undefined }[] = [
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
    let lo = concatInputs(inputs.map((t) => t.lo), inputs.map((_, i) => i))
    let hi = concatInputs(inputs.map((t) => t.hi), inputs.map((_, i) => i))
    let bits = Math.max(...inputs.map((t) => t.bits))
    let currentScale = inputs[0]!.scale
    // Only a linear stage can read tensors of different scales (its weights align them); wiring and
    // comparisons need one scale.
    if (stage.kind !== 'linear' && stage.kind !== 'bilinear' && stage.kind !== 'divide' && inputs.some((t) => t.scale !== currentScale))
      throw new UnsupportedGraphError({ reason: `${stage.kind} [${stage.sources.join(', ')}] reads tensors of different fixed-point scales (${inputs.map((t) => `2^${t.scale}`).join(', ')}), for example the model input and a computed value: put a linear op (e.g. Mul by 1) on the input first` })
    switch (stage.kind) {
      case 'linear': {
        // Each input tensor's terms are weighted at scale + (shift - its scale), so every term of
        // the accumulator is at scale + shift, whatever mix of scales the stage reads.
        const shift = Math.max(...inputs.map((t) => t.scale))
        const termScale: number[] = inputs.flatMap((t) => new Array<number>(t.lo.length).fill(scale + shift - t.scale))
        const { offsets, indices } = stage.rows
        const weights = Array.from(stage.weights, (w, k) => quantizeReal(w, termScale[indices[k]!]!))
        roundPrefixSums(stage, weights, termScale, inputs.flatMap((t) => Array.from(t.lo, (_, i) => (t.prefixGroups ? { group: Math.floor(i / t.prefixGroups), order: i % t.prefixGroups } : undefined))))
        const bias = Array.from(stage.bias, (b) => quantizeReal(b, shift + scale))
        const nlo: bigint[] = []
        const nhi: bigint[] = []
        let accBits = 0
        for (let r = 0; r < bias.length; r++) {
          let a = bias[r]!
          let b = bias[r]!
          for (let t = offsets[r]!; t < offsets[r + 1]!; t++) {
            const w = weights[t]!
            const i = indices[t]!
            if (w >= 0n) {
              a += w * lo[i]!
              b += w * hi[i]!
            } else {
              a += w * hi[i]!
              b += w * lo[i]!
            }
          }
          accBits = Math.max(accBits, signedBits(a, b))
          nlo.push(floorShift(a, shift))
          nhi.push(floorShift(b, shift))
        }
        bits = nlo.reduce((m, l, r) => Math.max(m, signedBits(l, nhi[r]!)), 2)
        check(stage, bits, Math.max(accBits, shift + bits) - bits + 1)
        ;[lo, hi] = [nlo, nhi]
        currentScale = scale
        stages.push({ ...base, kind: 'linear', rows: stage.rows, weights, bias, shift, bits })
        break
      }
      case 'bilinear': {
        // Every product's scale is its operands' scales added; the stage needs one for all of them.
        const scaleAt = elementScale(inputs)
        const { offsets } = stage.rows
        const productScales = new Set(Array.from(stage.left, (l, t) => scaleAt(l) + scaleAt(stage.right[t]!)))
        if (productScales.size > 1)
          throw new UnsupportedGraphError({ reason: `${stage.kind} [${stage.sources.join(', ')}] multiplies values of different fixed-point scales (products at 2^${[...productScales].join(', 2^')})` })
        const productScale = [...productScales][0] ?? scale
        const shift = Math.max(0, productScale - scale)
        const nlo: bigint[] = []
        const nhi: bigint[] = []
        let accBits = 0
        for (let r = 0; r + 1 < offsets.length; r++) {
          let a = 0n
          let b = 0n
          for (let t = offsets[r]!; t < offsets[r + 1]!; t++) {
            const [l, k] = [stage.left[t]!, stage.right[t]!]
            const corners = [lo[l]! * lo[k]!, lo[l]! * hi[k]!, hi[l]! * lo[k]!, hi[l]! * hi[k]!]
            a += corners.reduce((m, v) => (v < m ? v : m))
            b += corners.reduce((m, v) => (v > m ? v : m))
          }
          accBits = Math.max(accBits, signedBits(a, b))
          nlo.push(floorShift(a, shift))
          nhi.push(floorShift(b, shift))
        }
        bits = nlo.reduce((m, l, r) => Math.max(m, signedBits(l, nhi[r]!)), 2)
        check(stage, bits, Math.max(accBits, shift + bits) - bits + 1)
        ;[lo, hi] = [nlo, nhi]
        currentScale = productScale - shift
        stages.push({ ...base, kind: 'bilinear', rows: stage.rows, left: stage.left, right: stage.right, shift, bits })
        break
      }
      case 'relu':
        lo = lo.map((v) => (v > 0n ? v : 0n))
        hi = hi.map((v) => (v > 0n ? v : 0n))
        stages.push({ ...base, kind: 'relu', bits })
        break
      case 'leakyRelu': {
        const alpha = quantizeReal(stage.alpha, scale)
        const negLo = lo.map((l, i) => floorShift(alpha >= 0n ? alpha * l : alpha * hi[i]!, scale))
        const negHi = hi.map((h, i) => floorShift(alpha >= 0n ? alpha * h : alpha * lo[i]!, scale))
        const negBits = negLo.reduce((m, l, i) => Math.max(m, signedBits(l, negHi[i]!)), 2)
        check(stage, negBits, scale + 1)
        const outLo = lo.map((l, i) => (l < 0n ? (negLo[i]! < l ? negLo[i]! : l) : l))
        const outHi = hi.map((h, i) => (negHi[i]! > h ? negHi[i]! : h))
        bits = Math.max(bits, negBits)
        ;[lo, hi] = [outLo, outHi]
        stages.push({ ...base, kind: 'leakyRelu', alpha, shift: scale, negBits, bits })
        break
      }
      case 'piecewise': {
        // One set of parameters for the whole tensor, fitted over the union of its values' bounds.
        let xMin = lo.reduce((m, v) => (v < m ? v : m))
        let xMax = hi.reduce((m, v) => (v > m ? v : m))
        if (stage.domain?.min !== undefined) xMin = maxOf(xMin, quantizeReal(stage.domain.min, currentScale))
        if (stage.domain?.max !== undefined) xMax = minOf(xMax, quantizeReal(stage.domain.max, currentScale))
        if (xMax < xMin) xMax = xMin
        if (stage.calibratedMax !== undefined) {
          const calibrated = quantizeReal(stage.calibratedMax + EXP_CALIBRATION_MARGIN, currentScale)
          if (calibrated < xMax) xMax = calibrated > xMin ? calibrated : xMin
        }
        const where = `${stage.kind} [${stage.sources.join(', ')}]`
        const p = fitPiecewise({ fn: stage.fn, xMin, xMax, inScale: currentScale, outScale: scale, where })
        const inBits = bits
        bits = signedBits(p.yMin, p.yMax)
        // The accumulator is below 2^(shift + bits + 1) in magnitude (its rescale is in range).
        check(stage, bits, p.shift + 1)
        lo = lo.map(() => p.yMin)
        hi = hi.map(() => p.yMax)
        currentScale = scale
        const { yMin: _yMin, yMax: _yMax, ...parameters } = p
        stages.push({ ...base, kind: 'piecewise', fn: stage.fn, inBits, ...parameters, bits })
        break
      }
      case 'divide': {
        // The numerators share one scale and the denominators another (a Reciprocal's constant 1
        // and the model input may differ): shift puts the quotient at the model scale.
        const scaleAt = elementScale(inputs)
        const where = `${stage.kind} [${stage.sources.join(', ')}]`
        const numScales = new Set(Array.from(stage.numerator, scaleAt))
        const denScales = new Set(Array.from(stage.denominator, scaleAt))
        if (numScales.size > 1 || denScales.size > 1)
          throw new UnsupportedGraphError({ reason: `${where} divides values of several fixed-point scales (numerators at 2^${[...numScales].join(', 2^')}, denominators at 2^${[...denScales].join(', 2^')})` })
        const [numScale, denScale] = [[...numScales][0] ?? scale, [...denScales][0] ?? scale]
        const shift = scale + denScale - numScale
        if (shift < 0) throw new UnsupportedGraphError({ reason: `${where} divides a numerator at 2^${numScale} by a denominator at 2^${denScale}: the quotient would need a right shift to reach 2^${scale}` })
        // y = floor(A/b' + 1/2) with A = a·2^shift and b' = max(b, 1) >= 1 lies in [floor(A/b'), ceil(A/b')];
        // A/b' over a box of (A, b') is extreme at its corners.
        const nlo: bigint[] = []
        const nhi: bigint[] = []
        let denBits = 2
        stage.numerator.forEach((a, r) => {
          const b = stage.denominator[r]!
          const clamp = (v: bigint) => (v < 1n ? 1n : v)
          const As = [lo[a]! << BigInt(shift), hi[a]! << BigInt(shift)]
          const Bs = [clamp(lo[b]!), clamp(hi[b]!)]
          denBits = Math.max(denBits, signedBits(lo[b]!, hi[b]!))
          nlo.push(As.flatMap((A) => Bs.map((d) => floorDiv(A, d))).reduce(minOf))
          nhi.push(As.flatMap((A) => Bs.map((d) => ceilDiv(A, d))).reduce(maxOf))
        })
        if (stage.rootSumOfSquares) {
          const limit = rootSumOfSquaresLimit({ ir, s, stages, tensors, scale, shift })
          nlo.forEach((l, r) => {
            nlo[r] = maxOf(l, -limit)
            nhi[r] = minOf(nhi[r]!, limit)
          })
        }
        bits = nlo.reduce((m, l, r) => Math.max(m, signedBits(l, nhi[r]!)), 2)
        // The circuit's 2·a·2^shift + b' = q·2b' + r: below 2^(bits + denBits + 2) in magnitude.
        check(stage, bits, Math.max(denBits, Math.max(...inputs.map((t) => t.bits)) + shift - bits) + 2)
        ;[lo, hi] = [nlo, nhi]
        currentScale = scale
        stages.push({ ...base, kind: 'divide', numerator: stage.numerator, denominator: stage.denominator, shift, bits })
        break
      }
      case 'sqrt': {
        const shift = 2 * scale - currentScale
        if (shift < 0) throw new UnsupportedGraphError({ reason: `sqrt [${stage.sources.join(', ')}] reads values at 2^${currentScale}, finer than twice the model scale 2^${scale}` })
        const nlo = lo.map((v) => sqrtFloor(v, shift))
        const nhi = hi.map((v) => sqrtFloor(v, shift))
        const inBits = bits
        bits = nhi.reduce((m, h, i) => Math.max(m, signedBits(nlo[i]!, h)), 2)
        // x'·2^shift and (y + 1)² are below 2^(inBits + shift + 1).
        check(stage, bits, inBits + shift + 2 - bits)
        ;[lo, hi] = [nlo, nhi]
        currentScale = scale
        stages.push({ ...base, kind: 'sqrt', shift, bits })
        break
      }
      case 'gather':
        lo = Array.from(stage.index, (i) => lo[i]!)
        hi = Array.from(stage.index, (i) => hi[i]!)
        stages.push({ ...base, kind: 'gather', index: stage.index, bits })
        break
      case 'maxPool': {
        const { offsets, indices } = stage.windows
        const nlo: bigint[] = []
        const nhi: bigint[] = []
        for (let r = 0; r + 1 < offsets.length; r++) {
          let a = lo[indices[offsets[r]!]!]!
          let b = hi[indices[offsets[r]!]!]!
          for (let t = offsets[r]! + 1; t < offsets[r + 1]!; t++) {
            if (lo[indices[t]!]! > a) a = lo[indices[t]!]!
            if (hi[indices[t]!]! > b) b = hi[indices[t]!]!
          }
          nlo.push(a)
          nhi.push(b)
        }
        ;[lo, hi] = [nlo, nhi]
        stages.push({ ...base, kind: 'maxPool', windows: stage.windows, bits })
        break
      }
      case 'argMax': {
        const { offsets } = stage.groups
        const groups = offsets.length - 1
        let widest = 1
        for (let r = 0; r < groups; r++) widest = Math.max(widest, offsets[r + 1]! - offsets[r]!)
        const inBits = bits
        bits = signedBits(0n, BigInt(widest - 1))
        lo = new Array<bigint>(groups).fill(0n)
        hi = new Array<bigint>(groups).fill(BigInt(widest - 1))
        currentScale = 0
        stages.push({ ...base, kind: 'argMax', groups: stage.groups, inBits, bits })
        break
      }
    }
    tensors.push({ lo, hi, bits, scale: currentScale, ...(stage.kind === 'piecewise' && stage.prefixGroups ? { prefixGroups: stage.prefixGroups } : {}) })
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
function rootSumOfSquaresLimit({ ir, s, stages, tensors, scale, shift }: {
  ir: ModelIR
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

/**
 * Rewrites, in place, the quantized weights of a linear stage's terms that read 0/1 steps whose
 * ones are a prefix of their group (an embedding lookup's [id >= j]): within each row and group,
 * in step order, weight j becomes Q(P_j) - Q(P_(j-1)) with P_j the sum of the real weights up to
 * step j. The row's value for id is then Σ_(j <= id) = Q(P_id): the real prefix sum (the table row,
 * or its image under the linear ops composed after the lookup) rounded once, where rounding each
 * difference separately could drift by up to half a unit per row of the table.
 */
function roundPrefixSums(stage: { rows: { offsets: ArrayLike<number>; indices: ArrayLike<number> }; weights: ArrayLike<number> }, weights: bigint[], termScale: readonly number[], place: readonly ({ group: number; order: number } | undefined)[]): void {
  const { offsets, indices } = stage.rows
  if (!place.some((p) => p !== undefined)) return
  for (let r = 0; r + 1 < offsets.length; r++) {
    const groups = new Map<number, number[]>()
    for (let k = offsets[r]!; k < offsets[r + 1]!; k++) {
      const at = place[indices[k]!]
      if (at) groups.set(at.group, [...(groups.get(at.group) ?? []), k])
    }
    for (const terms of groups.values()) {
      terms.sort((a, b) => place[indices[a]!]!.order - place[indices[b]!]!.order)
      let sum = 0
      let rounded = 0n
      for (const k of terms) {
        sum += stage.weights[k]!
        const next = quantizeReal(sum, termScale[indices[k]!]!)
        weights[k] = next - rounded
        rounded = next
      }
    }
  }
}
