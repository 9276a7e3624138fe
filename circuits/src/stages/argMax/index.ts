import { signedBits } from '../../quantize/bounds.js'
import type { QuantizedArgMax } from '../../quantize/model.js'
import { rowsFromJson, rowsToJson } from '../../quantize/sparseRowsJson.js'
import { CAST_TO, paddedRows } from '../../reference/integerGraphContext.js'
import type { StageModule } from '../types.js'

/** Output r is the index (within group r, first on ties) of the group's largest input: ArgMax, a classifier's label. */
export const argMaxStage: StageModule<'argMax'> = {
  kind: 'argMax',

  evaluate(stage, x) {
    const { offsets, indices } = stage.groups
    const out = new Float64Array(offsets.length - 1)
    for (let r = 0; r < out.length; r++) {
      let best = offsets[r]!
      for (let t = best + 1; t < offsets[r + 1]!; t++) if (x[indices[t]!]! > x[indices[best]!]!) best = t
      out[r] = best - offsets[r]!
    }
    return out
  },

  mixedScales: false,

  quantize(stage, { base, bits: inBits }) {
    const { offsets } = stage.groups
    const groups = offsets.length - 1
    let widest = 1
    for (let r = 0; r < groups; r++) widest = Math.max(widest, offsets[r + 1]! - offsets[r]!)
    const bits = signedBits(0n, BigInt(widest - 1))
    return {
      stage: { ...base, kind: 'argMax', groups: stage.groups, inBits, bits },
      lo: new Array<bigint>(groups).fill(0n),
      hi: new Array<bigint>(groups).fill(BigInt(widest - 1)),
      bits,
      scale: 0,
    }
  },

  reference(stage, x) {
    const { offsets, indices } = stage.groups
    const out = new Array<bigint>(offsets.length - 1)
    for (let r = 0; r < out.length; r++) {
      let best = offsets[r]!
      for (let t = best + 1; t < offsets[r + 1]!; t++) if (x[indices[t]!]! > x[indices[best]!]!) best = t
      out[r] = BigInt(best - offsets[r]!)
    }
    return out
  },

  integerGraph(stage, { out, next, nodes, constant, inputIn, commonType }) {
    const type = commonType()
    const { index, width } = paddedRows(stage.groups)
    nodes.push(
      { op: 'Gather', inputs: [inputIn(type), constant(`${out}_idx`, [next * width], index)], outputs: [`${out}_flat`], attributes: { axis: 1 } },
      { op: 'Reshape', inputs: [`${out}_flat`, constant(`${out}_shape`, [3], BigInt64Array.of(1n, BigInt(next), BigInt(width)))], outputs: [`${out}_windows`] },
      { op: 'ArgMax', inputs: [`${out}_windows`], outputs: [`${out}_index`], attributes: { axis: 2, keepdims: 0 } },
      { op: 'Cast', inputs: [`${out}_index`], outputs: [out], attributes: { to: CAST_TO[type] } },
    )
    return type
  },

  signBits: 'none',

  circuit(stage, { emit, name, size, current, newTensor }) {
    const { offsets, indices } = stage.groups
    // The comparisons are range checks sized for the inputs: never narrower than the widest input.
    const inBits = Math.max(stage.inBits, current.bits)
    const out = newTensor(name, size, false, stage.bits)
    for (let r = 0; r < size; r++) {
      const group = Array.from(indices.subarray(offsets[r]!, offsets[r + 1]!))
      emit(`component ${name}ArgMax${r} = ArgMax(${group.length}, ${inBits});`)
      group.forEach((idx, k) => emit(`${name}ArgMax${r}.in[${k}] <== ${current.values}[${idx}];`))
      emit(`${name}[${r}] <== ${name}ArgMax${r}.out;`)
    }
    return out
  },

  commitment: {
    code: 5,
    scalars: (stage) => [BigInt(stage.inBits)],
    row: (stage, r) => ({ positions: Array.from(stage.groups.indices.subarray(stage.groups.offsets[r]!, stage.groups.offsets[r + 1]!)), params: [] }),
  },

  summary: () => ({}),

  toJson: (stage) => ({ ...stage, groups: rowsToJson(stage.groups) }),
  fromJson: (raw) => ({ ...(raw as unknown as QuantizedArgMax), groups: rowsFromJson(raw.groups as never) }),
}
