import { wireSignBits } from '../../circuit/emit.js'
import { floorShift, quantizeReal, signedBits } from '../../quantize/bounds.js'
import type { QuantizedLeakyRelu } from '../../quantize/model.js'
import { EXACT_LIMIT } from '../../reference/integerGraphContext.js'
import type { StageModule } from '../types.js'

/** y = x for x >= 0, else alpha·x rounded (QuantizedLeakyRelu): LeakyRelu, and Elu/Selu's linear parts. */
export const leakyReluStage: StageModule<'leakyRelu'> = {
  kind: 'leakyRelu',

  evaluate: (stage, x) => x.map((v) => (v >= 0 ? v : stage.alpha * v)),

  mixedScales: false,

  quantize(stage, { scale, base, lo, hi, bits, currentScale, check }) {
    const alpha = quantizeReal(stage.alpha, scale)
    const negLo = lo.map((l, i) => floorShift(alpha >= 0n ? alpha * l : alpha * hi[i]!, scale))
    const negHi = hi.map((h, i) => floorShift(alpha >= 0n ? alpha * h : alpha * lo[i]!, scale))
    const negBits = negLo.reduce((m, l, i) => Math.max(m, signedBits(l, negHi[i]!)), 2)
    check(negBits, scale + 1)
    const outLo = lo.map((l, i) => (l < 0n ? (negLo[i]! < l ? negLo[i]! : l) : l))
    const outHi = hi.map((h, i) => (negHi[i]! > h ? negHi[i]! : h))
    const outBits = Math.max(bits, negBits)
    return { stage: { ...base, kind: 'leakyRelu', alpha, shift: scale, negBits, bits: outBits }, lo: outLo, hi: outHi, bits: outBits, scale: currentScale }
  },

  reference: (stage, x) => x.map((v) => (v >= 0n ? v : floorShift(stage.alpha * v, stage.shift))),

  integerGraph(stage, { out, bound, nodes, constant, values, inputIn, commonType }) {
    const alpha = Number(stage.alpha)
    const half = stage.shift > 0 ? 2 ** (stage.shift - 1) : 0
    const largest = Math.abs(alpha) * bound + half
    if (largest >= EXACT_LIMIT.double) return undefined
    let type = commonType()
    if (largest >= EXACT_LIMIT[type]) type = 'double'
    const x = inputIn(type)
    nodes.push(
      { op: 'Mul', inputs: [x, constant(`${out}_alpha`, [1], values(type, [alpha]))], outputs: [`${out}_ax`] },
      { op: 'Add', inputs: [`${out}_ax`, constant(`${out}_half`, [1], values(type, [half]))], outputs: [`${out}_axh`] },
      { op: 'Mul', inputs: [`${out}_axh`, constant(`${out}_scale`, [1], values(type, [2 ** -stage.shift]))], outputs: [`${out}_axs`] },
      { op: 'Floor', inputs: [`${out}_axs`], outputs: [`${out}_neg`] },
      { op: 'GreaterOrEqual', inputs: [x, constant(`${out}_zero`, [1], values(type, [0]))], outputs: [`${out}_pos`] },
      { op: 'Where', inputs: [`${out}_pos`, x, `${out}_neg`], outputs: [out] },
    )
    return type
  },

  signBits: 'required',

  circuit(stage, { emit, name, s, size, current }) {
    const component = `${name}LeakyRelu`
    emit(`component ${component} = LeakyRelu(${size}, ${stage.alpha}, ${stage.shift}, ${stage.negBits});`)
    emit(`${component}.in <== ${current.values};`)
    wireSignBits(emit, component, size, current.nonNeg, `stage ${s} (${stage.kind})`)
    // LeakyRelu computes the sign of its own output (with alpha < 0 a negative input gives a positive output).
    return { values: `${component}.out`, nonNeg: `${component}.outNonNeg`, size, bits: stage.bits }
  },

  commitment: { code: 3, scalars: (stage) => [stage.alpha, BigInt(stage.shift), BigInt(stage.negBits)] },

  summary: (stage) => ({ shift: stage.shift }),

  toJson: (stage) => ({ ...stage, alpha: String(stage.alpha) }),
  fromJson: (raw) => ({ ...(raw as unknown as QuantizedLeakyRelu), alpha: BigInt(raw.alpha as string) }),
}
