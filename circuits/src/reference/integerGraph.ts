import { buildModel, type InitializerInit, type NodeInit } from '../onnx/buildModel.js'
import { stageInputs, type SparseRows } from '../ir/stages.js'
import { valuesPerWord, wordCount } from '../../../sdk/src/encoding/pack.js'
import type { QuantizedModel } from '../quantize/model.js'

/** Below these magnitudes every integer (and dyadic partial sum scaled from one) is exact. */
const EXACT_LIMIT = { float: 2 ** 24, double: 2 ** 53 } as const
/** Dense weight matrices above this many entries are left to the bigint executor. */
const MAX_DENSE_ENTRIES = 4_000_000
/** ONNX TensorProto data types for Cast. */
const CAST_TO = { float: 1, double: 11 } as const

/**
 * 'float64': every stage in float64. 'float32': each stage whose partial sums all stay below 2^24
 * runs in float32 (exact there too, and several times faster on CPU), the others in float64. Only
 * for execution providers whose float32 arithmetic is IEEE single precision: CPU, not a GPU whose
 * matrix units may round float32 products to TF32.
 */
export type IntegerGraphPrecision = 'float64' | 'float32'

/**
 * 'values': the input is the quantized values. 'words': the input is the packed input words'
 * little-endian bytes (8-bit values) or halfwords (16-bit values), 32 bytes per word
 * (packedWordBytes), so nothing is unpacked in JS: the first linear stage reads the raw offset
 * values u = q + 2^(bits-1), skips each word's padding through zero weights, and takes the offset
 * back out of its bias. Any later stage that also reads the input (a skip connection) reads the
 * values themselves, which the graph unpacks once: the slots gathered, less the offset.
 */
export type IntegerGraphInput = 'values' | 'words'

export type IntegerGraph = {
  bytes: Uint8Array
  inputName: string
  outputName: string
  /** Elements of the input tensor: values, or word bytes / halfwords. */
  inputSize: number
  outputSize: number
  /** The input layout: 'words' only where asked for and possible (8- or 16-bit values, a linear first stage reading the input alone). */
  input: IntegerGraphInput
  /** Element types of the graph's input and output tensors. */
  inputType: 'float' | 'double' | 'uint8' | 'uint16'
  outputType: 'float' | 'double'
  /** The element type each stage computes in (and its output tensor is held in). */
  stageTypes: ('float' | 'double')[]
}

/**
 * The quantized model as an ONNX graph that computes exactly what runReference (and the circuit)
 * compute: every value is an integer below 2^53 in float64 (2^24 in float32), where floating-point
 * arithmetic is exact in any summation order, so onnxruntime on any execution provider gives the
 * same canonical output. Division by 2^shift is a multiplication by 2^-shift, also exact, then Floor.
 * A stage that reads several tensors (a DAG; see stages.ts) reads them cast to one type and
 * concatenated on axis 1: float64 where any of them, or the stage's sums, could reach 2^24.
 * Returns undefined when a bound could exceed 2^53 or a dense weight matrix would be too large;
 * the bigint reference executor serves those models.
 */
export function buildIntegerGraph(model: QuantizedModel, { precision = 'float64', input = 'values' }: { precision?: IntegerGraphPrecision; input?: IntegerGraphInput } = {}): IntegerGraph | undefined {
  const nodes: NodeInit[] = []
  const initializers: InitializerInit[] = []
  const constant = (name: string, dims: number[], data: Float32Array | Float64Array | BigInt64Array) => {
    initializers.push({ name, dims, data })
    return name
  }
  const values = (type: 'float' | 'double', data: number[]) => (type === 'float' ? Float32Array.from(data) : Float64Array.from(data))
  const valueCount = model.inputShape.reduce((a, b) => a * b, 1)
  const first = model.stages[0]
  const words = input === 'words' && (model.inputBits === 8 || model.inputBits === 16) && first?.kind === 'linear' && sameTensors(stageInputs(first, 0), [0])
  // Words: slot i of word j holds value j * perWord + i; the last slot(s) of each word are padding.
  const perWord = valuesPerWord(model.inputBits)
  const slotsPerWord = 256 / model.inputBits
  const slotOf = (i: number) => Math.floor(i / perWord) * slotsPerWord + (i % perWord)
  const inputSize = words ? wordCount(valueCount, model.inputBits) * slotsPerWord : valueCount
  const inputOffset = words ? 2 ** (model.inputBits - 1) : 0
  const inputType = words ? (model.inputBits === 8 ? 'uint8' : 'uint16') : precision === 'float32' && model.inputBits <= 25 ? 'float' : 'double'
  const valueBound = 2 ** (model.inputBits - 1)
  // Tensor t's ONNX value, element type and size, and the largest magnitude it holds (from its
  // declared bits). Tensor 0 is held as raw word slots (reaching 2^bits - 1) in the 'words' layout;
  // only the first stage (a linear one) reads those, every other reader gets the values (`valuesOf`).
  const tensors: Tensor[] = [{ name: 'q', type: inputType === 'double' ? 'double' : 'float', raw: words, size: inputSize, bound: words ? 2 ** model.inputBits - 1 : valueBound }]
  let unpacked: Tensor | undefined
  /** Tensor t as values: for tensor 0 in the 'words' layout, its slots gathered and offset back (exact: below 2^16). */
  const valuesOf = (t: number): Tensor => {
    const tensor = tensors[t]!
    if (!tensor.raw) return tensor
    if (!unpacked) {
      const type = precision === 'float32' ? 'float' : 'double'
      nodes.push(
        { op: 'Cast', inputs: [tensor.name], outputs: ['q_cast'], attributes: { to: CAST_TO[type] } },
        { op: 'Gather', inputs: ['q_cast', constant('q_slots', [valueCount], BigInt64Array.from({ length: valueCount }, (_, i) => BigInt(slotOf(i))))], outputs: ['q_offset'], attributes: { axis: 1 } },
        { op: 'Sub', inputs: ['q_offset', constant('q_half', [1], values(type, [inputOffset]))], outputs: ['q_values'] },
      )
      unpacked = { name: 'q_values', type, raw: false, size: valueCount, bound: valueBound }
    }
    return unpacked
  }
  const stageTypes: ('float' | 'double')[] = []
  /** float32 where the stage's largest magnitude allows it, else float64. */
  const typeFor = (magnitude: number): 'float' | 'double' => (precision === 'float32' && magnitude < EXACT_LIMIT.float ? 'float' : 'double')

  for (const [s, stage] of model.stages.entries()) {
    const out = `s${s}`
    const next = stage.shape.reduce((a, b) => a * b, 1)
    // Reading raw word slots (first stage only): value i sits at its slot, and sum w * (u - offset) = sum w * u - offset * sum w.
    const fromWords = s === 0 && words
    const read = fromWords ? [tensors[0]!] : stageInputs(stage, s).map(valuesOf)
    const size = read.reduce((total, tensor) => total + tensor.size, 0)
    const bound = Math.max(...read.map((tensor) => tensor.bound))
    // The stage's input in `type`: each tensor through a Cast where it is held in another type (or
    // as raw slots), several tensors concatenated. Every value is an integer below the type's exact
    // limit (each tensor's type holds it exactly; a stage picks float32 only where its bound allows).
    const inputIn = (type: 'float' | 'double'): string => {
      const cast = (tensor: Tensor, name: string) => {
        if (tensor.type === type && !tensor.raw) return tensor.name
        nodes.push({ op: 'Cast', inputs: [tensor.name], outputs: [name], attributes: { to: CAST_TO[type] } })
        return name
      }
      if (read.length === 1) return cast(read[0]!, `${out}_in`)
      nodes.push({ op: 'Concat', inputs: read.map((tensor, k) => cast(tensor, `${out}_in${k}`)), outputs: [`${out}_in`], attributes: { axis: 1 } })
      return `${out}_in`
    }
    // Stages without arithmetic keep their input's type; inputs of mixed types meet in the narrowest exact one.
    const commonType = (): 'float' | 'double' => (read.every((tensor) => tensor.type === read[0]!.type) ? read[0]!.type : typeFor(bound))
    let type: 'float' | 'double'
    switch (stage.kind) {
      case 'linear': {
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
            const at = fromWords ? slotOf(indices[t]!) : indices[t]!
            dense[at * next + r] = dense[at * next + r]! + w
            magnitude += Math.abs(w) * bounds[at]!
            if (fromWords) b -= w * inputOffset
          }
          bias[r] = b + half
          largest = Math.max(largest, Math.abs(b) + half + magnitude)
        }
        if (largest >= EXACT_LIMIT.double) return undefined
        type = typeFor(largest)
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
        break
      }
      case 'bilinear': {
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
        type = typeFor(largest)
        if (pairs === 0) {
          // No pairs at all: every row's sum is 0 (and so is its rounding, floor(half / 2^shift)).
          constant(out, [1, next], values(type, new Array<number>(next).fill(0)))
          break
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
          break
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
        break
      }
      case 'relu':
        type = commonType()
        nodes.push({ op: 'Relu', inputs: [inputIn(type)], outputs: [out] })
        break
      case 'leakyRelu': {
        const alpha = Number(stage.alpha)
        const half = stage.shift > 0 ? 2 ** (stage.shift - 1) : 0
        const largest = Math.abs(alpha) * bound + half
        if (largest >= EXACT_LIMIT.double) return undefined
        type = commonType()
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
        break
      }
      case 'piecewise': {
        // Clamp (Max, Min), u = x - lo, k = floor(u / 2^w), t = u - k·2^w, each segment's
        // coefficients gathered by k, then acc = c0 + c1·t + c2·t·t + half and Floor(acc · 2^-shift):
        // every value an integer below the largest |c0| + |c1|·t + |c2|·t² + half (and the clamp bounds).
        const size = 2 ** stage.segmentBits
        const hi = Number(stage.lo) + stage.segments * size - 1
        const half = 2 ** (stage.shift - 1)
        let largest = Math.max(Math.abs(Number(stage.lo)), Math.abs(hi), bound)
        for (let k = 0; k < stage.segments; k++) largest = Math.max(largest, Math.abs(Number(stage.c0[k]!)) + Math.abs(Number(stage.c1[k]!)) * (size - 1) + Math.abs(Number(stage.c2[k]!)) * (size - 1) ** 2 + half)
        if (largest >= EXACT_LIMIT.double) return undefined
        type = typeFor(largest)
        const c = (name: string, value: number) => constant(`${out}_${name}`, [1], values(type, [value]))
        const table = (name: string, data: bigint[]) => constant(`${out}_${name}`, [data.length], values(type, data.map(Number)))
        nodes.push(
          { op: 'Max', inputs: [inputIn(type), c('lo', Number(stage.lo))], outputs: [`${out}_max`] },
          { op: 'Min', inputs: [`${out}_max`, c('hi', hi)], outputs: [`${out}_clamped`] },
          { op: 'Sub', inputs: [`${out}_clamped`, c('lo_sub', Number(stage.lo))], outputs: [`${out}_u`] },
          { op: 'Mul', inputs: [`${out}_u`, c('inv_size', 1 / size)], outputs: [`${out}_uk`] },
          { op: 'Floor', inputs: [`${out}_uk`], outputs: [`${out}_k`] },
          { op: 'Mul', inputs: [`${out}_k`, c('size', size)], outputs: [`${out}_start`] },
          { op: 'Sub', inputs: [`${out}_u`, `${out}_start`], outputs: [`${out}_t`] },
          { op: 'Cast', inputs: [`${out}_k`], outputs: [`${out}_index`], attributes: { to: 7 } },
          { op: 'Gather', inputs: [table('table0', stage.c0), `${out}_index`], outputs: [`${out}_c0`], attributes: { axis: 0 } },
          { op: 'Gather', inputs: [table('table1', stage.c1), `${out}_index`], outputs: [`${out}_c1`], attributes: { axis: 0 } },
          { op: 'Gather', inputs: [table('table2', stage.c2), `${out}_index`], outputs: [`${out}_c2`], attributes: { axis: 0 } },
          { op: 'Mul', inputs: [`${out}_c2`, `${out}_t`], outputs: [`${out}_c2t`] },
          { op: 'Add', inputs: [`${out}_c2t`, `${out}_c1`], outputs: [`${out}_inner`] },
          { op: 'Mul', inputs: [`${out}_inner`, `${out}_t`], outputs: [`${out}_poly`] },
          { op: 'Add', inputs: [`${out}_poly`, `${out}_c0`], outputs: [`${out}_acc`] },
          { op: 'Add', inputs: [`${out}_acc`, c('half', half)], outputs: [`${out}_acch`] },
          { op: 'Mul', inputs: [`${out}_acch`, c('scale', 2 ** -stage.shift)], outputs: [`${out}_accs`] },
          { op: 'Floor', inputs: [`${out}_accs`], outputs: [out] },
        )
        break
      }
      case 'divide': {
        // N = a·2^shift + floor(b'/2) with b' = max(b, 1); q0 = Floor(N / b') is off by at most one
        // (the rounded quotient is within half a unit below 2^53, or 2^24 in float32), so
        // r = N - q0·b' (exact: |q0·b'| <= |N| + b') corrects it: q = q0 - (r < 0) + (r >= b').
        const k = 2 ** stage.shift
        const largest = bound * k + 3 * bound + 1
        if (largest >= EXACT_LIMIT.double) return undefined
        type = typeFor(largest)
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
        break
      }
      case 'sqrt': {
        // X = max(x, 0)·2^shift; y0 = Floor(Sqrt(X)) is off by at most one; then y1 = y0 - (y0² > X)
        // and y = y1 + ((y1 + 1)² <= X): every square below X + 2·sqrt(X) + 1, exact.
        const X = bound * 2 ** stage.shift
        const largest = X + 2 * Math.sqrt(X) + 4
        if (largest >= EXACT_LIMIT.double) return undefined
        type = typeFor(largest)
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
        break
      }
      case 'gather':
        type = commonType()
        nodes.push({ op: 'Gather', inputs: [inputIn(type), constant(`${out}_idx`, [next], BigInt64Array.from(stage.index, BigInt))], outputs: [out], attributes: { axis: 1 } })
        break
      case 'maxPool':
      case 'argMax': {
        type = commonType()
        const rows = stage.kind === 'maxPool' ? stage.windows : stage.groups
        const { index, width } = paddedRows(rows)
        nodes.push(
          { op: 'Gather', inputs: [inputIn(type), constant(`${out}_idx`, [next * width], index)], outputs: [`${out}_flat`], attributes: { axis: 1 } },
          { op: 'Reshape', inputs: [`${out}_flat`, constant(`${out}_shape`, [3], BigInt64Array.of(1n, BigInt(next), BigInt(width)))], outputs: [`${out}_windows`] },
        )
        if (stage.kind === 'maxPool') nodes.push({ op: 'ReduceMax', inputs: [`${out}_windows`], outputs: [out], attributes: { axes: [2], keepdims: 0 } })
        else
          nodes.push(
            { op: 'ArgMax', inputs: [`${out}_windows`], outputs: [`${out}_index`], attributes: { axis: 2, keepdims: 0 } },
            { op: 'Cast', inputs: [`${out}_index`], outputs: [out], attributes: { to: CAST_TO[type] } },
          )
        break
      }
    }
    tensors.push({ name: out, type, raw: false, size: next, bound: 2 ** (stage.bits - 1) })
    stageTypes.push(type)
  }
  // The model's output is the last tensor (tensor 0 itself, as values, when there are no stages).
  const output = model.stages.length > 0 ? tensors.at(-1)! : valuesOf(0)
  // The last node writes the graph output itself (an Identity would cost a kernel call per run).
  const last = nodes.at(-1)
  if (last && last.outputs[0] === output.name) last.outputs[0] = 'out'
  else nodes.push({ op: 'Identity', inputs: [output.name], outputs: ['out'] })
  const bytes = buildModel({
    name: 'veridict-canonical',
    opset: 13,
    inputs: [{ name: 'q', shape: [1, inputSize], type: inputType }],
    outputs: [{ name: 'out', shape: [1, output.size], type: output.type }],
    initializers,
    nodes,
  })
  return { bytes, inputName: 'q', outputName: 'out', inputSize, outputSize: output.size, input: words ? 'words' : 'values', inputType, outputType: output.type, stageTypes }
}

/** A tensor of the model in the graph: its value's name and element type, raw word slots or values, its size and largest magnitude. */
type Tensor = { name: string; type: 'float' | 'double'; raw: boolean; size: number; bound: number }

function sameTensors(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((t, k) => t === b[k])
}

/**
 * Rows of different lengths as one [rows × width] index table: short rows repeat their first
 * index, which changes neither a maximum nor the first position of a maximum.
 */
function paddedRows({ offsets, indices }: SparseRows): { index: BigInt64Array; width: number } {
  const rows = offsets.length - 1
  let width = 1
  for (let r = 0; r < rows; r++) width = Math.max(width, offsets[r + 1]! - offsets[r]!)
  const index = new BigInt64Array(rows * width)
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < width; k++) {
      const t = offsets[r]! + k
      index[r * width + k] = BigInt(indices[t < offsets[r + 1]! ? t : offsets[r]!]!)
    }
  return { index, width }
}
