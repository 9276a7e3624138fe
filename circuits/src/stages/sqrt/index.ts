import { ALL_NON_NEGATIVE } from '../../circuit/emit.js'
import { UnsupportedGraphError } from '../../errors/compile.js'
import { signedBits } from '../../quantize/bounds.js'
import { sqrtFloor } from '../../quantize/exact.js'
import type { QuantizedSqrt } from '../../quantize/model.js'
import { CAST_TO, EXACT_LIMIT } from '../../reference/integerGraphContext.js'
import type { StageModule } from '../types.js'

/** y = sqrt(max(x, 0)) (QuantizedSqrt): Sqrt, LayerNormalization's standard deviation. */
export const sqrtStage: StageModule<'sqrt'> = {
  kind: 'sqrt',

  evaluate: (_stage, x) => x.map((v) => Math.sqrt(v > 0 ? v : 0)),

  mixedScales: false,

  quantize(stage, { scale, base, lo, hi, bits: inBits, currentScale, check }) {
    const shift = 2 * scale - currentScale
    if (shift < 0) throw new UnsupportedGraphError({ reason: `sqrt [${stage.sources.join(', ')}] reads values at 2^${currentScale}, finer than twice the model scale 2^${scale}` })
    const nlo = lo.map((v) => sqrtFloor(v, shift))
    const nhi = hi.map((v) => sqrtFloor(v, shift))
    const bits = nhi.reduce((m, h, i) => Math.max(m, signedBits(nlo[i]!, h)), 2)
    // x'·2^shift and (y + 1)² are below 2^(inBits + shift + 1).
    check(bits, inBits + shift + 2 - bits)
    return { stage: { ...base, kind: 'sqrt', shift, bits }, lo: nlo, hi: nhi, bits, scale }
  },

  reference: (stage, x) => x.map((v) => sqrtFloor(v, stage.shift)),

  integerGraph(stage, { out, bound, nodes, constant, values, inputIn, typeFor }) {
    // X = max(x, 0)·2^shift; y0 = Floor(Sqrt(X)) is off by at most one; then y1 = y0 - (y0² > X)
    // and y = y1 + ((y1 + 1)² <= X): every square below X + 2·sqrt(X) + 1, exact.
    const X = bound * 2 ** stage.shift
    const largest = X + 2 * Math.sqrt(X) + 4
    if (largest >= EXACT_LIMIT.double) return undefined
    const type = typeFor(largest)
    const c = (name: string, value: number) => constant(`${out}_${name}`, [1], values(type, [value]))
    const to = CAST_TO[type]
    nodes.push(
      { op: 'Max', inputs: [inputIn(type), c('zero', 0)], outputs: [`${out}_pos`] },
      { op: 'Mul', inputs: [`${out}_pos`, c('scale', 2 ** stage.shift)], outputs: [`${out}_x`] },
      { op: 'Sqrt', inputs: [`${out}_x`], outputs: [`${out}_s`] },
      { op: 'Floor', inputs: [`${out}_s`], outputs: [`${out}_y0`] },
      { op: 'Mul', inputs: [`${out}_y0`, `${out}_y0`], outputs: [`${out}_sq0`] },
      { op: 'Greater', inputs: [`${out}_sq0`, `${out}_x`], outputs: [`${out}_over`] },
      { op: 'Cast', inputs: [`${out}_over`], outputs: [`${out}_overv`], attributes: { to } },
      { op: 'Sub', inputs: [`${out}_y0`, `${out}_overv`], outputs: [`${out}_y1`] },
      { op: 'Add', inputs: [`${out}_y1`, c('one', 1)], outputs: [`${out}_y1p`] },
      { op: 'Mul', inputs: [`${out}_y1p`, `${out}_y1p`], outputs: [`${out}_sq1`] },
      { op: 'LessOrEqual', inputs: [`${out}_sq1`, `${out}_x`], outputs: [`${out}_under`] },
      { op: 'Cast', inputs: [`${out}_under`], outputs: [`${out}_underv`], attributes: { to } },
      { op: 'Add', inputs: [`${out}_y1`, `${out}_underv`], outputs: [out] },
    )
    return type
  },

  signBits: 'none',

  circuit(stage, { emit, name, size, current }) {
    const bits = current.bits
    // x = max(in, 0)·2^shift < 2^(bits - 1 + shift); both gaps of y² <= x < (y + 1)² fit in wBits.
    const wBits = Math.max(bits - 1 + stage.shift, stage.bits) + 1
    const component = `${name}Sqrt`
    emit(`component ${component} = Sqrt(${size}, ${bits}, ${stage.shift}, ${stage.bits}, ${wBits});`)
    emit(`${component}.in <== ${current.values};`)
    return { values: `${component}.out`, nonNeg: ALL_NON_NEGATIVE, size, bits: stage.bits }
  },

  commitment: { code: 10, scalars: (stage) => [BigInt(stage.shift)] },

  summary: (stage) => ({ shift: stage.shift }),

  toJson: (stage) => ({ ...stage }),
  fromJson: (raw) => raw as unknown as QuantizedSqrt,
}
