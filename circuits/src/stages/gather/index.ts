import { ALL_NON_NEGATIVE, list } from '../../circuit/emit.js'
import type { QuantizedGather } from '../../quantize/model.js'
import type { StageModule } from '../types.js'

/** Output r is input index[r] (pure wiring): Concat, Split, Slice, Gather, transposes. */
export const gatherStage: StageModule<'gather'> = {
  kind: 'gather',

  evaluate: (stage, x) => Float64Array.from(stage.index, (i) => x[i]!),

  mixedScales: false,

  quantize: (stage, { base, lo, hi, bits, currentScale }) => ({
    stage: { ...base, kind: 'gather', index: stage.index, bits },
    lo: Array.from(stage.index, (i) => lo[i]!),
    hi: Array.from(stage.index, (i) => hi[i]!),
    bits,
    scale: currentScale,
  }),

  reference: (stage, x) => Array.from(stage.index, (i) => x[i]!),

  integerGraph(stage, { out, next, nodes, constant, inputIn, commonType }) {
    const type = commonType()
    nodes.push({ op: 'Gather', inputs: [inputIn(type), constant(`${out}_idx`, [next], BigInt64Array.from(stage.index, BigInt))], outputs: [out], attributes: { axis: 1 } })
    return type
  },

  signBits: 'passed',

  circuit(stage, { emit, name, size, current, newTensor }) {
    const { nonNeg } = current
    const gathered = newTensor(name, size, typeof nonNeg === 'string', stage.bits)
    emit(`var ${name}Index[${size}] = ${list(stage.index)};`)
    emit(`for (var i = 0; i < ${size}; i++) {`)
    emit(`    ${name}[i] <== ${current.values}[${name}Index[i]];`)
    if (typeof nonNeg === 'string') emit(`    ${name}NonNeg[i] <== ${nonNeg}[${name}Index[i]];`)
    emit('}')
    return nonNeg === ALL_NON_NEGATIVE ? { ...gathered, nonNeg } : gathered
  },

  commitment: { code: 6, scalars: () => [], row: (stage, r) => ({ positions: [stage.index[r]!], params: [] }) },

  summary: () => ({}),

  toJson: (stage) => ({ ...stage, index: Array.from(stage.index) }),
  fromJson: (raw) => ({ ...(raw as unknown as QuantizedGather), index: Int32Array.from(raw.index as number[]) }),
}
