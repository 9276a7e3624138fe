import { ALL_NON_NEGATIVE, list } from '../../circuit/emit.js'
import type { QuantizedMaxPool } from '../../quantize/model.js'
import { rowsFromJson, rowsToJson } from '../../quantize/sparseRowsJson.js'
import { paddedRows } from '../../reference/integerGraphContext.js'
import type { StageModule } from '../types.js'

/**
 * Output r is the maximum of window r's inputs: MaxPool, ReduceMax. In the circuit a maxPool of a
 * linear stage's accumulators may come before their rescale (poolBeforeRescale, generateCircuit.ts).
 */
export const maxPoolStage: StageModule<'maxPool'> = {
  kind: 'maxPool',

  evaluate(stage, x) {
    const { offsets, indices } = stage.windows
    const out = new Float64Array(offsets.length - 1)
    for (let r = 0; r < out.length; r++) {
      let best = offsets[r]!
      for (let t = best + 1; t < offsets[r + 1]!; t++) if (x[indices[t]!]! > x[indices[best]!]!) best = t
      out[r] = x[indices[best]!]!
    }
    return out
  },

  mixedScales: false,

  quantize(stage, { base, lo, hi, bits, currentScale }) {
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
    return { stage: { ...base, kind: 'maxPool', windows: stage.windows, bits }, lo: nlo, hi: nhi, bits, scale: currentScale }
  },

  reference(stage, x) {
    const { offsets, indices } = stage.windows
    const out = new Array<bigint>(offsets.length - 1)
    for (let r = 0; r < out.length; r++) {
      let best = offsets[r]!
      for (let t = best + 1; t < offsets[r + 1]!; t++) if (x[indices[t]!]! > x[indices[best]!]!) best = t
      out[r] = x[indices[best]!]!
    }
    return out
  },

  integerGraph(stage, { out, next, nodes, constant, inputIn, commonType }) {
    const type = commonType()
    const { index, width } = paddedRows(stage.windows)
    nodes.push(
      { op: 'Gather', inputs: [inputIn(type), constant(`${out}_idx`, [next * width], index)], outputs: [`${out}_flat`], attributes: { axis: 1 } },
      { op: 'Reshape', inputs: [`${out}_flat`, constant(`${out}_shape`, [3], BigInt64Array.of(1n, BigInt(next), BigInt(width)))], outputs: [`${out}_windows`] },
      { op: 'ReduceMax', inputs: [`${out}_windows`], outputs: [out], attributes: { axes: [2], keepdims: 0 } },
    )
    return type
  },

  signBits: 'none',

  circuit(stage, { emit, name, size, current }) {
    const { offsets, indices } = stage.windows
    emit(`component ${name}MaxPool = MaxPool(${current.size}, ${size}, ${indices.length}, ${list(offsets)}, ${list(indices)}, ${current.bits});`)
    emit(`${name}MaxPool.in <== ${current.values};`)
    // The maximum of values >= 0 is >= 0; any other sign bits would have to be recomputed.
    return { values: `${name}MaxPool.out`, nonNeg: current.nonNeg === ALL_NON_NEGATIVE ? ALL_NON_NEGATIVE : undefined, size, bits: stage.bits }
  },

  commitment: {
    code: 4,
    scalars: () => [],
    row: (stage, r) => ({ positions: Array.from(stage.windows.indices.subarray(stage.windows.offsets[r]!, stage.windows.offsets[r + 1]!)), params: [] }),
  },

  summary: () => ({}),

  toJson: (stage) => ({ ...stage, windows: rowsToJson(stage.windows) }),
  fromJson: (raw) => ({ ...(raw as unknown as QuantizedMaxPool), windows: rowsFromJson(raw.windows as never) }),
}
