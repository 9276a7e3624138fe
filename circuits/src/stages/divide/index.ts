import { list } from '../../circuit/emit.js'
import { UnsupportedGraphError } from '../../errors/compile.js'
import { elementScale, maxOf, minOf, signedBits } from '../../quantize/bounds.js'
import { ceilDiv, divideRound, floorDiv } from '../../quantize/exact.js'
import type { QuantizedDivide } from '../../quantize/model.js'
import { CAST_TO, EXACT_LIMIT } from '../../reference/integerGraphContext.js'
import type { StageModule } from '../types.js'
import { rootSumOfSquaresLimit } from './rootSumOfSquares.js'

/**
 * y = x[numerator[r]] / x[denominator[r]] with the denominator clamped below at one unit
 * (QuantizedDivide): Div of two activations, Reciprocal, LayerNormalization.
 */
export const divideStage: StageModule<'divide'> = {
  kind: 'divide',

  evaluate: (stage, x) => Float64Array.from(stage.numerator, (a, r) => x[a]! / x[stage.denominator[r]!]!),

  mixedScales: true,

  quantize(stage, { scale, base, inputs, lo, hi, check, ir, s, stages, tensors }) {
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
    const bits = nlo.reduce((m, l, r) => Math.max(m, signedBits(l, nhi[r]!)), 2)
    // The circuit's 2·a·2^shift + b' = q·2b' + r: below 2^(bits + denBits + 2) in magnitude.
    check(bits, Math.max(denBits, Math.max(...inputs.map((t) => t.bits)) + shift - bits) + 2)
    return { stage: { ...base, kind: 'divide', numerator: stage.numerator, denominator: stage.denominator, shift, bits }, lo: nlo, hi: nhi, bits, scale }
  },

  reference: (stage, x) => Array.from(stage.numerator, (a, r) => divideRound(x[a]!, x[stage.denominator[r]!]!, stage.shift)),

  integerGraph(stage, { out, next, bound, nodes, constant, values, inputIn, typeFor }) {
    // N = a·2^shift + floor(b'/2) with b' = max(b, 1); q0 = Floor(N / b') is off by at most one
    // (the rounded quotient is within half a unit below 2^53, or 2^24 in float32), so
    // r = N - q0·b' (exact: |q0·b'| <= |N| + b') corrects it: q = q0 - (r < 0) + (r >= b').
    const k = 2 ** stage.shift
    const largest = bound * k + 3 * bound + 1
    if (largest >= EXACT_LIMIT.double) return undefined
    const type = typeFor(largest)
    const x = inputIn(type)
    const c = (name: string, value: number) => constant(`${out}_${name}`, [1], values(type, [value]))
    const to = CAST_TO[type]
    nodes.push(
      { op: 'Gather', inputs: [x, constant(`${out}_num`, [next], BigInt64Array.from(stage.numerator, BigInt))], outputs: [`${out}_a`], attributes: { axis: 1 } },
      { op: 'Gather', inputs: [x, constant(`${out}_den`, [next], BigInt64Array.from(stage.denominator, BigInt))], outputs: [`${out}_b`], attributes: { axis: 1 } },
      { op: 'Max', inputs: [`${out}_b`, c('one', 1)], outputs: [`${out}_d`] },
      { op: 'Mul', inputs: [`${out}_d`, c('half', 0.5)], outputs: [`${out}_dh`] },
      { op: 'Floor', inputs: [`${out}_dh`], outputs: [`${out}_h`] },
      { op: 'Mul', inputs: [`${out}_a`, c('scale', k)], outputs: [`${out}_ak`] },
      { op: 'Add', inputs: [`${out}_ak`, `${out}_h`], outputs: [`${out}_n`] },
      { op: 'Div', inputs: [`${out}_n`, `${out}_d`], outputs: [`${out}_nd`] },
      { op: 'Floor', inputs: [`${out}_nd`], outputs: [`${out}_q0`] },
      { op: 'Mul', inputs: [`${out}_q0`, `${out}_d`], outputs: [`${out}_qd`] },
      { op: 'Sub', inputs: [`${out}_n`, `${out}_qd`], outputs: [`${out}_r`] },
      { op: 'Less', inputs: [`${out}_r`, c('zero', 0)], outputs: [`${out}_low`] },
      { op: 'Cast', inputs: [`${out}_low`], outputs: [`${out}_lowv`], attributes: { to } },
      { op: 'GreaterOrEqual', inputs: [`${out}_r`, `${out}_d`], outputs: [`${out}_high`] },
      { op: 'Cast', inputs: [`${out}_high`], outputs: [`${out}_highv`], attributes: { to } },
      { op: 'Sub', inputs: [`${out}_q0`, `${out}_lowv`], outputs: [`${out}_q1`] },
      { op: 'Add', inputs: [`${out}_q1`, `${out}_highv`], outputs: [out] },
    )
    return type
  },

  signBits: 'none',

  circuit(stage, { emit, name, s, size, current }) {
    // The numerators and denominators gathered from the (concatenated) input, then Divide
    // (templates/Divide.circom): the clamp by a comparison, quotient and remainder range-checked.
    const outside = [...stage.numerator, ...stage.denominator].find((i) => !Number.isInteger(i) || i < 0 || i >= current.size)
    if (outside !== undefined || stage.numerator.length !== size || stage.denominator.length !== size)
      throw new Error(`generateCircuit: stage ${s} (divide) has ${stage.numerator.length} numerators and ${stage.denominator.length} denominators for ${size} outputs, reading value ${outside} of ${current.size}`)
    // Each distinct denominator is clamped once (a LayerNormalization row's root serves the whole row).
    const component = `${name}Divide`
    const distinct = [...new Set(stage.denominator)]
    const slot = new Map(distinct.map((d, j) => [d, j]))
    emit(`var ${name}Num[${size}] = ${list(stage.numerator)};`)
    emit(`var ${name}Den[${distinct.length}] = ${list(distinct)};`)
    emit(`component ${component} = Divide(${size}, ${distinct.length}, ${list(Array.from(stage.denominator, (d) => slot.get(d)!))}, ${current.bits}, ${stage.shift}, ${stage.bits});`)
    emit(`for (var i = 0; i < ${size}; i++) {`)
    emit(`    ${component}.num[i] <== ${current.values}[${name}Num[i]];`)
    emit('}')
    emit(`for (var j = 0; j < ${distinct.length}; j++) {`)
    emit(`    ${component}.den[j] <== ${current.values}[${name}Den[j]];`)
    emit('}')
    return { values: `${component}.out`, nonNeg: `${component}.nonNeg`, size, bits: stage.bits }
  },

  commitment: {
    code: 9,
    scalars: (stage) => [BigInt(stage.shift)],
    row: (stage, r) => ({ positions: [stage.numerator[r]!, stage.denominator[r]!], params: [] }),
  },

  summary: (stage) => ({ shift: stage.shift }),

  toJson: (stage) => ({ ...stage, numerator: Array.from(stage.numerator), denominator: Array.from(stage.denominator) }),
  fromJson: (raw) => ({ ...(raw as unknown as QuantizedDivide), numerator: Int32Array.from(raw.numerator as number[]), denominator: Int32Array.from(raw.denominator as number[]) }),
}
