import { emitRescales, list } from '../../circuit/emit.js'
import { floorShift, quantizeReal, signedBits } from '../../quantize/bounds.js'
import { rowsFromJson, rowsToJson } from '../../quantize/sparseRowsJson.js'
import { EXACT_LIMIT, MAX_DENSE_ENTRIES } from '../../reference/integerGraphContext.js'
import type { QuantizedLinear } from '../../quantize/model.js'
import type { StageModule } from '../types.js'
import { emitLinearChunks, emitPrivateLinear } from './linearChunks.js'
import { roundPrefixSums } from './prefixSums.js'

/**
 * acc = Σ w·x + bias over each row's sparse terms, then one rescale (QuantizedLinear): Gemm,
 * MatMul, Conv, average pooling, BatchNormalization, Add/Sub/Mul/Div by constants, Add/Sub of two
 * activations, composed into one stage per chain of linear ops (ir/lower.ts).
 */
export const linearStage: StageModule<'linear'> = {
  kind: 'linear',

  evaluate(stage, x) {
    const { offsets, indices } = stage.rows
    const out = new Float64Array(stage.bias.length)
    for (let r = 0; r < out.length; r++) {
      let acc = stage.bias[r]!
      for (let t = offsets[r]!; t < offsets[r + 1]!; t++) acc += stage.weights[t]! * x[indices[t]!]!
      out[r] = acc
    }
    return out
  },

  mixedScales: true,

  quantize(stage, { scale, base, inputs, lo, hi, check }) {
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
    const bits = nlo.reduce((m, l, r) => Math.max(m, signedBits(l, nhi[r]!)), 2)
    check(bits, Math.max(accBits, shift + bits) - bits + 1)
    return { stage: { ...base, kind: 'linear', rows: stage.rows, weights, bias, shift, bits }, lo: nlo, hi: nhi, bits, scale }
  },

  reference(stage, x) {
    const { offsets, indices } = stage.rows
    const out = new Array<bigint>(stage.bias.length)
    for (let r = 0; r < out.length; r++) {
      let acc = stage.bias[r]!
      for (let t = offsets[r]!; t < offsets[r + 1]!; t++) acc += stage.weights[t]! * x[indices[t]!]!
      out[r] = floorShift(acc, stage.shift)
    }
    return out
  },

  integerGraph(stage, { out, next, read, size, fromWords, slotOf, inputOffset, nodes, constant, values, inputIn, typeFor }) {
    if (size * next > MAX_DENSE_ENTRIES) return undefined
    const half = stage.shift > 0 ? 2 ** (stage.shift - 1) : 0
    const dense = new Float64Array(size * next)
    const bias = new Array<number>(next)
    const { offsets, indices } = stage.rows
    // Each position's bound: that of the tensor it falls in.
    const bounds = new Float64Array(size)
    for (let k = 0, at = 0; k < read.length; at += read[k]!.size, k++) bounds.fill(read[k]!.bound, at, at + read[k]!.size)
    let largest = 0
    for (let r = 0; r < next; r++) {
      let b = Number(stage.bias[r]!)
      let magnitude = 0
      for (let t = offsets[r]!; t < offsets[r + 1]!; t++) {
        const w = Number(stage.weights[t]!)
        // Reading raw word slots (first stage only): value i sits at its slot, and sum w * (u - offset) = sum w * u - offset * sum w.
        const at = fromWords ? slotOf(indices[t]!) : indices[t]!
        dense[at * next + r] = dense[at * next + r]! + w
        magnitude += Math.abs(w) * bounds[at]!
        if (fromWords) b -= w * inputOffset
      }
      bias[r] = b + half
      largest = Math.max(largest, Math.abs(b) + half + magnitude)
    }
    if (largest >= EXACT_LIMIT.double) return undefined
    const type = typeFor(largest)
    const x = inputIn(type)
    // Scaling weights and bias by 2^-shift keeps every partial sum an exact dyadic rational,
    // so one Gemm then Floor computes floor((acc + half) / 2^shift).
    const scale = 2 ** -stage.shift
    const weights = type === 'float' ? new Float32Array(dense.length) : dense
    for (let i = 0; i < dense.length; i++) weights[i] = dense[i]! * scale
    nodes.push(
      { op: 'Gemm', inputs: [x, constant(`${out}_w`, [size, next], weights), constant(`${out}_b`, [next], values(type, bias.map((b) => b * scale)))], outputs: [`${out}_scaled`] },
      { op: 'Floor', inputs: [`${out}_scaled`], outputs: [out] },
    )
    return type
  },

  signBits: 'none',

  privateParameters: (stage) => [...stage.weights, ...stage.bias],

  circuit(stage, { emit, name, size, current, newTensor, linearChunkWeights, poolFirst, deferRescale, privateWeights }) {
    if (privateWeights) {
      // The weights and biases are committed signals; the declared widths (bits, and the rescales'
      // range checks) are the ones quantize computed from their values, which the commitment pins.
      // Those widths are compiled into the circuit, so they leak bounds on the weights (|acc| per row).
      emitPrivateLinear(emit, name, current, stage.rows.offsets, stage.rows.indices, privateWeights, linearChunkWeights)
      if (poolFirst) {
        deferRescale({ shift: stage.shift, bits: stage.bits })
        emit('// (rounded after the maxPool that reads these accumulators)')
        return { values: `${name}Acc`, nonNeg: undefined, size, bits: stage.bits + stage.shift + 1 }
      }
      const out = newTensor(name, size, true, stage.bits)
      emitRescales(emit, name, `${name}Acc[i]`, size, stage.shift, stage.bits)
      return out
    }
    const nnz = stage.rows.indices.length
    if (poolFirst) {
      // Unrounded: out = round(acc / 2^shift) fits `bits`, so acc lies in bits + shift + 1 signed bits.
      if (nnz > linearChunkWeights) emitLinearChunks(emit, name, current, stage.rows.offsets, stage.rows.indices, stage.weights, stage.bias, linearChunkWeights)
      else if (nnz > 0) {
        emit(`component ${name}Linear = Linear(${current.size}, ${size}, ${nnz}, ${list(stage.rows.offsets)}, ${list(stage.rows.indices)}, ${list(stage.weights)}, ${list(stage.bias)});`)
        emit(`${name}Linear.in <== ${current.values};`)
      } else emit(`var ${name}Bias[${size}] = ${list(stage.bias)};`)
      const accumulators = nnz > linearChunkWeights ? `${name}Acc` : nnz > 0 ? `${name}Linear.out` : `${name}Bias`
      deferRescale({ shift: stage.shift, bits: stage.bits })
      emit('// (rounded after the maxPool that reads these accumulators)')
      return { values: accumulators, nonNeg: undefined, size, bits: stage.bits + stage.shift + 1 }
    }
    if (nnz > linearChunkWeights) {
      const out = newTensor(name, size, true, stage.bits)
      emitLinearChunks(emit, name, current, stage.rows.offsets, stage.rows.indices, stage.weights, stage.bias, linearChunkWeights)
      emitRescales(emit, name, `${name}Acc[i]`, size, stage.shift, stage.bits)
      return out
    }
    // circom has no empty arrays: with no weights at all (x - x, a product with 0) each accumulator is its bias.
    if (nnz > 0) {
      emit(`component ${name}Linear = Linear(${current.size}, ${size}, ${nnz}, ${list(stage.rows.offsets)}, ${list(stage.rows.indices)}, ${list(stage.weights)}, ${list(stage.bias)});`)
      emit(`${name}Linear.in <== ${current.values};`)
    } else emit(`var ${name}Bias[${size}] = ${list(stage.bias)};`)
    const out = newTensor(name, size, true, stage.bits)
    emitRescales(emit, name, nnz > 0 ? `${name}Linear.out[i]` : `${name}Bias[i]`, size, stage.shift, stage.bits)
    return out
  },

  commitment: {
    code: 1,
    scalars: (stage) => [BigInt(stage.shift)],
    row(stage, r) {
      const { offsets, indices } = stage.rows
      const [start, end] = [offsets[r]!, offsets[r + 1]!]
      return { positions: Array.from(indices.subarray(start, end)), params: [stage.bias[r]!, ...stage.weights.slice(start, end)] }
    },
  },

  summary: (stage) => ({ shift: stage.shift, weights: stage.weights.length }),

  toJson: (stage) => ({ ...stage, rows: rowsToJson(stage.rows), weights: stage.weights.map(String), bias: stage.bias.map(String) }),
  fromJson: (raw) => ({ ...(raw as unknown as QuantizedLinear), rows: rowsFromJson(raw.rows as never), weights: (raw.weights as string[]).map(BigInt), bias: (raw.bias as string[]).map(BigInt) }),
}
