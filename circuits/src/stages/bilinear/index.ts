import { emitRescales, list } from '../../circuit/emit.js'
import { UnsupportedGraphError } from '../../errors/compile.js'
import { elementScale, floorShift, signedBits } from '../../quantize/bounds.js'
import type { QuantizedBilinear } from '../../quantize/model.js'
import { EXACT_LIMIT, MAX_DENSE_ENTRIES } from '../../reference/integerGraphContext.js'
import type { StageModule } from '../types.js'

/**
 * acc_r = Σ x[left[t]] · x[right[t]] over row r's pairs, then one rescale (QuantizedBilinear): Mul
 * and MatMul of two activations.
 */
export const bilinearStage: StageModule<'bilinear'> = {
  kind: 'bilinear',

  evaluate(stage, x) {
    const { offsets } = stage.rows
    const out = new Float64Array(offsets.length - 1)
    for (let r = 0; r < out.length; r++) for (let t = offsets[r]!; t < offsets[r + 1]!; t++) out[r] = out[r]! + x[stage.left[t]!]! * x[stage.right[t]!]!
    return out
  },

  mixedScales: true,

  quantize(stage, { scale, base, inputs, lo, hi, check }) {
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
    const bits = nlo.reduce((m, l, r) => Math.max(m, signedBits(l, nhi[r]!)), 2)
    check(bits, Math.max(accBits, shift + bits) - bits + 1)
    return { stage: { ...base, kind: 'bilinear', rows: stage.rows, left: stage.left, right: stage.right, shift, bits }, lo: nlo, hi: nhi, bits, scale: productScale - shift }
  },

  reference(stage, x) {
    const { offsets } = stage.rows
    const out = new Array<bigint>(offsets.length - 1)
    for (let r = 0; r < out.length; r++) {
      let acc = 0n
      for (let t = offsets[r]!; t < offsets[r + 1]!; t++) acc += x[stage.left[t]!]! * x[stage.right[t]!]!
      out[r] = floorShift(acc, stage.shift)
    }
    return out
  },

  integerGraph(stage, { out, next, read, size, nodes, constant, values, inputIn, typeFor }) {
    // acc_r = sum of x[left[t]] * x[right[t]] over row r's pairs: both operands gathered, one
    // Mul, then each row summed; every product and partial sum is bounded by the sum of the
    // row's |product| bounds (plus the rounding half), so any summation order is exact.
    const { offsets } = stage.rows
    const pairs = stage.left.length
    const half = stage.shift > 0 ? 2 ** (stage.shift - 1) : 0
    const bounds = new Float64Array(size)
    for (let k = 0, at = 0; k < read.length; at += read[k]!.size, k++) bounds.fill(read[k]!.bound, at, at + read[k]!.size)
    // The largest magnitude: of any row's sum bound, and of any operand gathered (which must be
    // exact in the stage's type too; a product bound covers it, as every bound is at least 1).
    let largest = 0
    let width: number | undefined = offsets[1]! - offsets[0]!
    for (let r = 0; r < next; r++) {
      if (offsets[r + 1]! - offsets[r]! !== width) width = undefined
      let magnitude = half
      for (let t = offsets[r]!; t < offsets[r + 1]!; t++) {
        const [a, b] = [bounds[stage.left[t]!]!, bounds[stage.right[t]!]!]
        magnitude += a * b
        largest = Math.max(largest, a, b)
      }
      largest = Math.max(largest, magnitude)
    }
    if (largest >= EXACT_LIMIT.double) return undefined
    // Rows of unequal lengths are summed by a Gemm with a 0/1 (times 2^-shift) matrix.
    if (width === undefined && pairs * next > MAX_DENSE_ENTRIES) return undefined
    const type = typeFor(largest)
    if (pairs === 0) {
      // No pairs at all: every row's sum is 0 (and so is its rounding, floor(half / 2^shift)).
      constant(out, [1, next], values(type, new Array<number>(next).fill(0)))
      return type
    }
    const x = inputIn(type)
    const index = (name: string, list: Int32Array) => constant(name, [pairs], BigInt64Array.from(list, BigInt))
    nodes.push(
      { op: 'Gather', inputs: [x, index(`${out}_left`, stage.left)], outputs: [`${out}_a`], attributes: { axis: 1 } },
      { op: 'Gather', inputs: [x, index(`${out}_right`, stage.right)], outputs: [`${out}_b`], attributes: { axis: 1 } },
      { op: 'Mul', inputs: [`${out}_a`, `${out}_b`], outputs: [`${out}_ab`] },
    )
    const scale = 2 ** -stage.shift
    const acc = stage.shift > 0 ? `${out}_acc` : out
    if (width === undefined) {
      // Rows of unequal lengths (some maybe empty: a zero column, so 0): the matrix carries
      // 2^-shift and the bias half · 2^-shift, exact dyadic partial sums as in a linear stage.
      const matrix = new Float64Array(pairs * next)
      for (let r = 0; r < next; r++) for (let t = offsets[r]!; t < offsets[r + 1]!; t++) matrix[t * next + r] = scale
      const inputs = [`${out}_ab`, constant(`${out}_sum`, [pairs, next], type === 'float' ? Float32Array.from(matrix) : matrix)]
      if (stage.shift > 0) inputs.push(constant(`${out}_half`, [next], values(type, new Array<number>(next).fill(half * scale))))
      nodes.push({ op: 'Gemm', inputs, outputs: [stage.shift > 0 ? `${out}_scaled` : out] })
      if (stage.shift > 0) nodes.push({ op: 'Floor', inputs: [`${out}_scaled`], outputs: [out] })
      return type
    }
    // Rows of `width` pairs each: the products as [1, rows, width], summed over axis 2 (with
    // one pair per row the products are the sums already).
    if (width === 1) nodes.at(-1)!.outputs[0] = acc
    else
      nodes.push(
        { op: 'Reshape', inputs: [`${out}_ab`, constant(`${out}_shape`, [3], BigInt64Array.of(1n, BigInt(next), BigInt(width)))], outputs: [`${out}_rows`] },
        { op: 'ReduceSum', inputs: [`${out}_rows`, constant(`${out}_axes`, [1], BigInt64Array.of(2n))], outputs: [acc], attributes: { keepdims: 0 } },
      )
    if (stage.shift > 0)
      nodes.push(
        { op: 'Add', inputs: [acc, constant(`${out}_half`, [1], values(type, [half]))], outputs: [`${out}_acch`] },
        { op: 'Mul', inputs: [`${out}_acch`, constant(`${out}_scale`, [1], values(type, [scale]))], outputs: [`${out}_accs`] },
        { op: 'Floor', inputs: [`${out}_accs`], outputs: [out] },
      )
    return type
  },

  signBits: 'none',

  circuit(stage, { emit, name, s, size, current, newTensor }) {
    // One multiplication constraint per pair (`${name}Prod`), then the same sums and range
    // checks as a linear stage: a Linear with weights 1 over the products (each product used
    // once, in order, so row r sums products offsets[r] .. offsets[r+1]-1) and a Rescale per
    // output, whose top bit is the output's sign.
    const { offsets } = stage.rows
    const pairs = stage.left.length
    if (offsets.length !== size + 1 || offsets[0] !== 0 || offsets[size] !== pairs || stage.right.length !== pairs || offsets.some((o, r) => r > 0 && o < offsets[r - 1]!))
      throw new Error(`generateCircuit: stage ${s} (bilinear) has ${offsets.length} row offsets [${offsets[0]}..${offsets[offsets.length - 1]}] for ${size} outputs and ${pairs} left, ${stage.right.length} right indices`)
    const outside = [...stage.left, ...stage.right].find((i) => !Number.isInteger(i) || i < 0 || i >= current.size)
    if (outside !== undefined) throw new Error(`generateCircuit: stage ${s} (bilinear) reads value ${outside} of an input of ${current.size} values`)
    // circom has no empty arrays: with no pairs at all every accumulator is 0.
    if (pairs > 0) {
      emit(`signal ${name}Prod[${pairs}];`)
      emit(`var ${name}Left[${pairs}] = ${list(stage.left)};`)
      emit(`var ${name}Right[${pairs}] = ${list(stage.right)};`)
      emit(`for (var t = 0; t < ${pairs}; t++) {`)
      emit(`    ${name}Prod[t] <== ${current.values}[${name}Left[t]] * ${current.values}[${name}Right[t]];`)
      emit('}')
      const ones = new Array<number>(pairs).fill(1)
      const indices = Array.from({ length: pairs }, (_, t) => t)
      emit(`component ${name}Linear = Linear(${pairs}, ${size}, ${pairs}, ${list(offsets)}, ${list(indices)}, ${list(ones)}, ${list(new Array<number>(size).fill(0))});`)
      emit(`${name}Linear.in <== ${name}Prod;`)
    }
    const out = newTensor(name, size, true, stage.bits)
    emitRescales(emit, name, pairs > 0 ? `${name}Linear.out[i]` : '0', size, stage.shift, stage.bits)
    return out
  },

  commitment: {
    code: 7,
    scalars: (stage) => [BigInt(stage.shift)],
    row(stage, r) {
      const positions: number[] = []
      for (let t = stage.rows.offsets[r]!; t < stage.rows.offsets[r + 1]!; t++) positions.push(stage.left[t]!, stage.right[t]!)
      return { positions, params: [] }
    },
  },

  summary: (stage) => ({ shift: stage.shift, products: stage.left.length }),

  toJson: (stage) => ({ ...stage, rows: { offsets: Array.from(stage.rows.offsets) }, left: Array.from(stage.left), right: Array.from(stage.right) }),
  fromJson: (raw) => ({
    ...(raw as unknown as QuantizedBilinear),
    rows: { offsets: Int32Array.from((raw.rows as { offsets: number[] }).offsets) },
    left: Int32Array.from(raw.left as number[]),
    right: Int32Array.from(raw.right as number[]),
  }),
}
