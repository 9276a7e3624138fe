import { ALL_NON_NEGATIVE, wireSignBits } from '../../circuit/emit.js'
import type { QuantizedRelu } from '../../quantize/model.js'
import type { StageModule } from '../types.js'

/** y = max(x, 0): Relu (and the linear growth split off Softplus, Gelu, Elu and Selu). */
export const reluStage: StageModule<'relu'> = {
  kind: 'relu',

  evaluate: (_stage, x) => x.map((v) => (v > 0 ? v : 0)),

  mixedScales: false,

  quantize: (_stage, { base, lo, hi, bits, currentScale }) => ({
    stage: { ...base, kind: 'relu', bits },
    lo: lo.map((v) => (v > 0n ? v : 0n)),
    hi: hi.map((v) => (v > 0n ? v : 0n)),
    bits,
    scale: currentScale,
  }),

  reference: (_stage, x) => x.map((v) => (v > 0n ? v : 0n)),

  integerGraph(_stage, { out, nodes, inputIn, commonType }) {
    const type = commonType()
    nodes.push({ op: 'Relu', inputs: [inputIn(type)], outputs: [out] })
    return type
  },

  signBits: 'required',

  circuit(stage, { emit, name, s, size, current }) {
    const component = `${name}Relu`
    emit(`component ${component} = Relu(${size});`)
    emit(`${component}.in <== ${current.values};`)
    wireSignBits(emit, component, size, current.nonNeg, `stage ${s} (${stage.kind})`)
    // Relu's outputs are all >= 0 (its input's sign bits would call a zeroed negative value negative).
    return { values: `${component}.out`, nonNeg: ALL_NON_NEGATIVE, size, bits: stage.bits }
  },

  commitment: { code: 2, scalars: () => [] },

  summary: () => ({}),

  toJson: (stage) => ({ ...stage }),
  fromJson: (raw) => raw as unknown as QuantizedRelu,
}
