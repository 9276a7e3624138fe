import { wordCount } from '@veridict/sdk'
import { stageInputs } from '../ir/stages.js'
import type { QuantizedModel } from '../quantize/model.js'
import { signedBits } from '../quantize/quantize.js'

export type GenerateCircuitParameters = {
  model: QuantizedModel
  templateName: string
  /** Linear stages with more weights are split over several Linear components (LINEAR_CHUNK_WEIGHTS). */
  linearChunkWeights?: number | undefined
  /** Pool unrounded accumulators and rescale each window's maximum (poolBeforeRescale); default true. */
  poolBeforeRescale?: boolean | undefined
}

/**
 * The sign bits (value >= 0) that travel with a tensor: the name of a signal array pinned by the
 * range check (or LeakyRelu) that produced the values, ALL_NON_NEGATIVE after a Relu (every bit
 * is 1, no signal needed), or undefined when none is at hand (a consumer then adds Sign checks).
 * Each bit must be the sign of the value it travels with: a Relu multiplies by it, and a LeakyRelu
 * selects its branch by it. A concatenation of tensors carries its parts' bits in the same order
 * (a constant 1 for a part that is all >= 0), so bit i is still the sign of value i.
 */
const ALL_NON_NEGATIVE = Symbol('every value >= 0')
type SignBits = string | typeof ALL_NON_NEGATIVE | undefined

/**
 * Tensor as circom signals: a value array, its sign bits, and the declared signed width `bits`
 * that every value lies in (range-checked by whatever produced it): Sign, MaxPool and ArgMax
 * are only sound and complete for inputs in that range.
 */
type Tensor = { values: string; nonNeg: SignBits; size: number; bits: number }

const list = (values: ArrayLike<number | bigint>) => `[${Array.from(values as ArrayLike<number>, String).join(',')}]`

/**
 * The most weights one Linear component takes. circom compiles each component instance into one
 * WebAssembly function of about 34 bytes per weight, and V8 refuses functions over 7,654,321 bytes
 * (LeNet-5's second convolution, 240,000 weights, was 8.2 MB): a larger linear stage is split
 * into several Linear components over consecutive rows. Linear costs no constraints, so the
 * split changes none; stages at or under this size are written exactly as before.
 */
export const LINEAR_CHUNK_WEIGHTS = 100_000

/**
 * A linear stage's accumulators `${name}Acc` as several Linear components of at most
 * LINEAR_CHUNK_WEIGHTS weights each (a row is never split; one longer than that is a chunk alone).
 */
function emitLinearChunks(emit: (line?: string) => void, name: string, input: { size: number; values: string }, offsets: ArrayLike<number>, indices: ArrayLike<number>, weights: ArrayLike<bigint>, bias: ArrayLike<bigint>, chunkWeights: number): void {
  const rows = offsets.length - 1
  emit(`signal ${name}Acc[${rows}];`)
  let chunk = 0
  for (let start = 0; start < rows; chunk++) {
    let end = start + 1
    while (end < rows && offsets[end + 1]! - offsets[start]! <= chunkWeights) end++
    const from = offsets[start]!
    const to = offsets[end]!
    const component = `${name}Linear${chunk}`
    if (to > from) {
      const local = Array.from({ length: end - start + 1 }, (_, r) => offsets[start + r]! - from)
      emit(`component ${component} = Linear(${input.size}, ${end - start}, ${to - from}, ${list(local)}, ${list(Array.prototype.slice.call(indices, from, to) as number[])}, ${list(Array.prototype.slice.call(weights, from, to) as bigint[])}, ${list(Array.prototype.slice.call(bias, start, end) as bigint[])});`)
      emit(`${component}.in <== ${input.values};`)
      emit(`for (var i = ${start}; i < ${end}; i++) ${name}Acc[i] <== ${component}.out[i - ${start}];`)
    } else {
      emit(`var ${name}Bias${chunk}[${end - start}] = ${list(Array.prototype.slice.call(bias, start, end) as bigint[])};`)
      emit(`for (var i = ${start}; i < ${end}; i++) ${name}Acc[i] <== ${name}Bias${chunk}[i - ${start}];`)
    }
    start = end
  }
}

/**
 * Emits the model's main circom file. Public signals are `inWords`, `outWords`, then
 * `beneficiary`, all declared as inputs (in that order), so the proof's public signals are the
 * input words, the output words and the address credited for the proof, as protocol.md fixes. The
 * outputs are pinned by the Pack constraints; the beneficiary by the Beneficiary template (a copied
 * proof cannot be resubmitted for another address).
 *
 * Tensor 0 is the unpacked input and tensor s + 1 stage s's output (circuits/src/ir/stages.ts); a
 * stage reading several tensors reads a signal array wired to their concatenation (`s<k>In`),
 * whose width is the widest of theirs. A stage reading just the previous tensor emits what it did
 * when models were chains, so a chain model's text is unchanged (generateCircuit.test.ts).
 */
export function generateCircuit({ model, templateName, linearChunkWeights = LINEAR_CHUNK_WEIGHTS, poolBeforeRescale: poolFirst = true }: GenerateCircuitParameters): string {
  const inCount = model.inputShape.reduce((a, b) => a * b, 1)
  const outCount = model.outputShape.reduce((a, b) => a * b, 1)
  const lines: string[] = []
  const emit = (line = '') => lines.push(line === '' ? '' : `    ${line}`)

  emit(`signal input inWords[${wordCount(inCount, model.inputBits)}];`)
  emit(`signal input outWords[${wordCount(outCount, model.outputBits)}];`)
  emit('signal input beneficiary;')
  emit()
  emit('component bindBeneficiary = Beneficiary();')
  emit('bindBeneficiary.beneficiary <== beneficiary;')
  emit()
  emit(`component unpack = Unpack(${inCount}, ${model.inputBits});`)
  emit('unpack.words <== inWords;')
  // tensors[t] is tensor t; a tensor's sign bits, once computed by a Sign check, are kept for its other consumers.
  const tensors: Tensor[] = [{ values: 'unpack.values', nonNeg: 'unpack.nonNeg', size: inCount, bits: model.inputBits }]

  const newTensor = (name: string, size: number, withSign: boolean, bits: number): Tensor => {
    emit(`signal ${name}[${size}];`)
    if (withSign) emit(`signal ${name}NonNeg[${size}];`)
    return { values: name, nonNeg: withSign ? `${name}NonNeg` : undefined, size, bits }
  }

  /** Gives tensor t sign bits (a Sign check on each value, named after `name`) if it has none. */
  const ensureSignBits = (t: number, name: string) => {
    const tensor = tensors[t]!
    tensor.nonNeg ??= signBits(emit, name, tensor)
  }

  const pooledFirst = poolFirst ? poolBeforeRescale(model) : new Set<number>()
  /** Tensors held as unrounded accumulators (a linear stage in pooledFirst): the rescale, and the relu if any, wait for the maxPool. */
  const pending = new Map<number, { shift: number; bits: number; relu: boolean }>()

  model.stages.forEach((stage, s) => {
    const name = `s${s}`
    const inputs = stageInputs(stage, s)
    if (inputs.length === 0 || inputs.some((t) => !Number.isInteger(t) || t < 0 || t > s))
      throw new Error(`generateCircuit: stage ${s} reads tensors [${inputs.join(', ')}]; it may read tensors 0 to ${s} (the input and earlier stages' outputs)`)
    const chained = inputs.length === 1 && inputs[0] === s
    emit()
    emit(`// stage ${s}: ${stage.kind} from ${stage.sources.join(', ')}; ${chained ? '' : `reads tensor${inputs.length > 1 ? 's' : ''} ${inputs.join(', ')}; `}${stage.bits}-bit outputs`)
    const size = stage.shape.reduce((a, b) => a * b, 1)
    const waiting = inputs.length === 1 ? pending.get(inputs[0]!) : undefined
    if (waiting && stage.kind === 'relu') {
      // Relu of unrounded accumulators before a maxPool: applied after the pool, to the rounded maxima.
      emit('// (applied after the next stage, a maxPool of the accumulators: max and relu commute)')
      pending.set(s + 1, { ...waiting, relu: true })
      tensors.push(tensors[inputs[0]!]!)
      return
    }
    if (waiting && stage.kind === 'maxPool') {
      // Max of the accumulators, then one rescale (and relu) per window: max commutes with the
      // rounding and with relu (both non-decreasing), so the outputs equal maxPool(relu(rescale(acc))).
      const { offsets, indices } = stage.windows
      const current = tensors[inputs[0]!]!
      emit(`component ${name}MaxPool = MaxPool(${current.size}, ${size}, ${indices.length}, ${list(offsets)}, ${list(indices)}, ${current.bits});`)
      emit(`${name}MaxPool.in <== ${current.values};`)
      const rescaled = newTensor(`${name}Max`, size, true, waiting.bits)
      emitRescales(emit, `${name}Max`, `${name}MaxPool.out[i]`, size, waiting.shift, waiting.bits)
      if (waiting.relu) {
        emit(`component ${name}Relu = Relu(${size});`)
        emit(`${name}Relu.in <== ${rescaled.values};`)
        emit(`${name}Relu.nonNeg <== ${rescaled.nonNeg as string};`)
        tensors.push({ values: `${name}Relu.out`, nonNeg: ALL_NON_NEGATIVE, size, bits: stage.bits })
      } else tensors.push({ ...rescaled, bits: stage.bits })
      return
    }
    // Relu and LeakyRelu need sign bits for every input value: a Sign check for each input tensor without them.
    if (stage.kind === 'relu' || stage.kind === 'leakyRelu') inputs.forEach((t, k) => ensureSignBits(t, inputs.length === 1 ? name : `${name}In${k}`))
    const current = readInputs(emit, `${name}In`, inputs.map((t) => tensors[t]!), stage.kind === 'relu' || stage.kind === 'leakyRelu' || stage.kind === 'gather')
    const bits = current.bits
    let out: Tensor
    switch (stage.kind) {
      case 'linear': {
        const nnz = stage.rows.indices.length
        if (pooledFirst.has(s)) {
          // Unrounded: out = round(acc / 2^shift) fits `bits`, so acc lies in bits + shift + 1 signed bits.
          if (nnz > linearChunkWeights) emitLinearChunks(emit, name, current, stage.rows.offsets, stage.rows.indices, stage.weights, stage.bias, linearChunkWeights)
          else if (nnz > 0) {
            emit(`component ${name}Linear = Linear(${current.size}, ${size}, ${nnz}, ${list(stage.rows.offsets)}, ${list(stage.rows.indices)}, ${list(stage.weights)}, ${list(stage.bias)});`)
            emit(`${name}Linear.in <== ${current.values};`)
          } else emit(`var ${name}Bias[${size}] = ${list(stage.bias)};`)
          const accumulators = nnz > linearChunkWeights ? `${name}Acc` : nnz > 0 ? `${name}Linear.out` : `${name}Bias`
          out = { values: accumulators, nonNeg: undefined, size, bits: stage.bits + stage.shift + 1 }
          pending.set(s + 1, { shift: stage.shift, bits: stage.bits, relu: false })
          emit('// (rounded after the maxPool that reads these accumulators)')
          break
        }
        if (nnz > linearChunkWeights) {
          out = newTensor(name, size, true, stage.bits)
          emitLinearChunks(emit, name, current, stage.rows.offsets, stage.rows.indices, stage.weights, stage.bias, linearChunkWeights)
          emit(`component ${name}Rescale[${size}];`)
          emit(`for (var i = 0; i < ${size}; i++) {`)
          emit(`    ${name}Rescale[i] = Rescale(${stage.shift}, ${stage.bits});`)
          emit(`    ${name}Rescale[i].in <== ${name}Acc[i];`)
          emit(`    ${name}[i] <== ${name}Rescale[i].out;`)
          emit(`    ${name}NonNeg[i] <== ${name}Rescale[i].nonNeg;`)
          emit('}')
          break
        }
        // circom has no empty arrays: with no weights at all (x - x, a product with 0) each accumulator is its bias.
        if (nnz > 0) {
          emit(`component ${name}Linear = Linear(${current.size}, ${size}, ${nnz}, ${list(stage.rows.offsets)}, ${list(stage.rows.indices)}, ${list(stage.weights)}, ${list(stage.bias)});`)
          emit(`${name}Linear.in <== ${current.values};`)
        } else emit(`var ${name}Bias[${size}] = ${list(stage.bias)};`)
        out = newTensor(name, size, true, stage.bits)
        emit(`component ${name}Rescale[${size}];`)
        emit(`for (var i = 0; i < ${size}; i++) {`)
        emit(`    ${name}Rescale[i] = Rescale(${stage.shift}, ${stage.bits});`)
        emit(nnz > 0 ? `    ${name}Rescale[i].in <== ${name}Linear.out[i];` : `    ${name}Rescale[i].in <== ${name}Bias[i];`)
        emit(`    ${name}[i] <== ${name}Rescale[i].out;`)
        emit(`    ${name}NonNeg[i] <== ${name}Rescale[i].nonNeg;`)
        emit('}')
        break
      }
      case 'bilinear': {
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
        out = newTensor(name, size, true, stage.bits)
        emit(`component ${name}Rescale[${size}];`)
        emit(`for (var i = 0; i < ${size}; i++) {`)
        emit(`    ${name}Rescale[i] = Rescale(${stage.shift}, ${stage.bits});`)
        emit(`    ${name}Rescale[i].in <== ${pairs > 0 ? `${name}Linear.out[i]` : '0'};`)
        emit(`    ${name}[i] <== ${name}Rescale[i].out;`)
        emit(`    ${name}NonNeg[i] <== ${name}Rescale[i].nonNeg;`)
        emit('}')
        break
      }
      case 'relu':
      case 'leakyRelu': {
        const nonNeg = current.nonNeg
        if (nonNeg === undefined) throw new Error(`generateCircuit: stage ${s} (${stage.kind}) has no sign bits for its input`)
        const component = `${name}${stage.kind === 'relu' ? 'Relu' : 'LeakyRelu'}`
        emit(stage.kind === 'relu' ? `component ${component} = Relu(${size});` : `component ${component} = LeakyRelu(${size}, ${stage.alpha}, ${stage.shift}, ${stage.negBits});`)
        emit(`${component}.in <== ${current.values};`)
        if (nonNeg === ALL_NON_NEGATIVE) {
          emit(`for (var i = 0; i < ${size}; i++) {`)
          emit(`    ${component}.nonNeg[i] <== 1;`)
          emit('}')
        } else emit(`${component}.nonNeg <== ${nonNeg};`)
        // Relu's outputs are all >= 0 (its input's sign bits would call a zeroed negative value
        // negative); LeakyRelu computes the sign of its own output (with alpha < 0 a negative input
        // gives a positive output).
        out = { values: `${component}.out`, nonNeg: stage.kind === 'relu' ? ALL_NON_NEGATIVE : `${component}.outNonNeg`, size, bits: stage.bits }
        break
      }
      case 'gather': {
        const { nonNeg } = current
        const gathered = newTensor(name, size, typeof nonNeg === 'string', stage.bits)
        emit(`var ${name}Index[${size}] = ${list(stage.index)};`)
        emit(`for (var i = 0; i < ${size}; i++) {`)
        emit(`    ${name}[i] <== ${current.values}[${name}Index[i]];`)
        if (typeof nonNeg === 'string') emit(`    ${name}NonNeg[i] <== ${nonNeg}[${name}Index[i]];`)
        emit('}')
        out = nonNeg === ALL_NON_NEGATIVE ? { ...gathered, nonNeg } : gathered
        break
      }
      case 'maxPool': {
        const { offsets, indices } = stage.windows
        emit(`component ${name}MaxPool = MaxPool(${current.size}, ${size}, ${indices.length}, ${list(offsets)}, ${list(indices)}, ${bits});`)
        emit(`${name}MaxPool.in <== ${current.values};`)
        // The maximum of values >= 0 is >= 0; any other sign bits would have to be recomputed.
        out = { values: `${name}MaxPool.out`, nonNeg: current.nonNeg === ALL_NON_NEGATIVE ? ALL_NON_NEGATIVE : undefined, size, bits: stage.bits }
        break
      }
      case 'piecewise': {
        // The comparisons in - lo and hi - in are Sign checks wide enough for every input of the declared width.
        const hi = stage.lo + (BigInt(stage.segments) << BigInt(stage.segmentBits)) - 1n
        const [xMin, xMax] = [-(1n << BigInt(bits - 1)), (1n << BigInt(bits - 1)) - 1n]
        const cmpBits = Math.max(signedBits(xMin - stage.lo, xMax - stage.lo), signedBits(hi - xMax, hi - xMin))
        let kBits = 0
        while (1 << kBits < stage.segments) kBits++
        if (stage.segmentBits + kBits === 0) kBits = 1
        const component = `${name}Piecewise`
        emit(`component ${component} = Piecewise(${size}, ${cmpBits}, ${stage.lo}, ${stage.segmentBits}, ${kBits}, ${stage.segments}, ${list(stage.c0)}, ${list(stage.c1)}, ${list(stage.c2)}, ${stage.shift}, ${stage.bits});`)
        emit(`${component}.in <== ${current.values};`)
        out = { values: `${component}.out`, nonNeg: `${component}.nonNeg`, size, bits: stage.bits }
        break
      }
      case 'divide': {
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
        emit(`component ${component} = Divide(${size}, ${distinct.length}, ${list(Array.from(stage.denominator, (d) => slot.get(d)!))}, ${bits}, ${stage.shift}, ${stage.bits});`)
        emit(`for (var i = 0; i < ${size}; i++) {`)
        emit(`    ${component}.num[i] <== ${current.values}[${name}Num[i]];`)
        emit('}')
        emit(`for (var j = 0; j < ${distinct.length}; j++) {`)
        emit(`    ${component}.den[j] <== ${current.values}[${name}Den[j]];`)
        emit('}')
        out = { values: `${component}.out`, nonNeg: `${component}.nonNeg`, size, bits: stage.bits }
        break
      }
      case 'sqrt': {
        // x = max(in, 0)·2^shift < 2^(bits - 1 + shift); both gaps of y² <= x < (y + 1)² fit in wBits.
        const wBits = Math.max(bits - 1 + stage.shift, stage.bits) + 1
        const component = `${name}Sqrt`
        emit(`component ${component} = Sqrt(${size}, ${bits}, ${stage.shift}, ${stage.bits}, ${wBits});`)
        emit(`${component}.in <== ${current.values};`)
        out = { values: `${component}.out`, nonNeg: ALL_NON_NEGATIVE, size, bits: stage.bits }
        break
      }
      case 'argMax': {
        const { offsets, indices } = stage.groups
        // The comparisons are range checks sized for the inputs: never narrower than the widest input.
        const inBits = Math.max(stage.inBits, bits)
        out = newTensor(name, size, false, stage.bits)
        for (let r = 0; r < size; r++) {
          const group = Array.from(indices.subarray(offsets[r]!, offsets[r + 1]!))
          emit(`component ${name}ArgMax${r} = ArgMax(${group.length}, ${inBits});`)
          group.forEach((idx, k) => emit(`${name}ArgMax${r}.in[${k}] <== ${current.values}[${idx}];`))
          emit(`${name}[${r}] <== ${name}ArgMax${r}.out;`)
        }
        break
      }
    }
    tensors.push(out)
  })

  emit()
  emit(`component pack = Pack(${outCount}, ${model.outputBits});`)
  emit(`pack.values <== ${tensors[tensors.length - 1]!.values};`)
  emit('pack.words <== outWords;')

  return [
    '// Generated by the Veridict model compiler. Do not edit: recompile the ONNX model instead.',
    'pragma circom 2.1.6;',
    '',
    'include "veridict.circom";',
    '',
    `template ${templateName}() {`,
    ...lines,
    '}',
    '',
    `component main {public [inWords, outWords, beneficiary]} = ${templateName}();`,
    '',
  ].join('\n')
}

/** Sign bits of `tensor` from a Sign check of each value at its declared width. */
function signBits(emit: (line?: string) => void, name: string, tensor: Tensor): string {
  emit(`component ${name}Sign[${tensor.size}];`)
  emit(`signal ${name}SignBit[${tensor.size}];`)
  emit(`for (var i = 0; i < ${tensor.size}; i++) {`)
  emit(`    ${name}Sign[i] = Sign(${tensor.bits});`)
  emit(`    ${name}Sign[i].in <== ${tensor.values}[i];`)
  emit(`    ${name}SignBit[i] <== ${name}Sign[i].nonNeg;`)
  emit('}')
  return `${name}SignBit`
}

/**
 * The tensor a stage reads: its one input as it is, or a signal array `name` wired to the
 * concatenation of several (each value range-checked at its own width, so the concatenation lies
 * within the widest). Its sign bits are ALL_NON_NEGATIVE when every part is all >= 0; else, with
 * `withSign` and sign bits on every part, a signal array `${name}NonNeg` of the parts' bits in the
 * same order (1 for an all >= 0 part); else undefined.
 */
function readInputs(emit: (line?: string) => void, name: string, parts: readonly Tensor[], withSign: boolean): Tensor {
  if (parts.length === 1) return parts[0]!
  const size = parts.reduce((n, p) => n + p.size, 0)
  const bits = parts.reduce((b, p) => Math.max(b, p.bits), 0)
  const wire = (target: string, source: (part: Tensor) => string) => {
    emit(`signal ${target}[${size}];`)
    let offset = 0
    for (const part of parts) {
      emit(`for (var i = 0; i < ${part.size}; i++) {`)
      emit(`    ${target}[${offset === 0 ? 'i' : `${offset} + i`}] <== ${source(part)};`)
      emit('}')
      offset += part.size
    }
  }
  wire(name, (part) => `${part.values}[i]`)
  let nonNeg: SignBits
  if (parts.every((p) => p.nonNeg === ALL_NON_NEGATIVE)) nonNeg = ALL_NON_NEGATIVE
  else if (!withSign || parts.some((p) => p.nonNeg === undefined)) nonNeg = undefined
  else {
    nonNeg = `${name}NonNeg`
    wire(nonNeg, (part) => (part.nonNeg === ALL_NON_NEGATIVE ? '1' : `${part.nonNeg as string}[i]`))
  }
  return { values: name, nonNeg, size, bits }
}

/** `${name}[i]` (with its sign bits `${name}NonNeg[i]`) = Rescale(shift, bits) of `accumulator` (an expression in i), for i < size. */
function emitRescales(emit: (line?: string) => void, name: string, accumulator: string, size: number, shift: number, bits: number): void {
  emit(`component ${name}Rescale[${size}];`)
  emit(`for (var i = 0; i < ${size}; i++) {`)
  emit(`    ${name}Rescale[i] = Rescale(${shift}, ${bits});`)
  emit(`    ${name}Rescale[i].in <== ${accumulator};`)
  emit(`    ${name}[i] <== ${name}Rescale[i].out;`)
  emit(`    ${name}NonNeg[i] <== ${name}Rescale[i].nonNeg;`)
  emit('}')
}

/**
 * Linear stages whose output only a maxPool reads, directly or through a relu that only it reads
 * (conv, [BatchNorm folded in,] ReLU, MaxPool): the pool then compares the unrounded accumulators
 * and only each window's maximum is rescaled (and relu'd), which gives the same outputs (max
 * commutes with the non-decreasing rounding and relu) for fewer constraints: one rescale per window
 * instead of one per element, for comparisons shift + 1 bits wider. Only where that is cheaper.
 */
export function poolBeforeRescale(model: QuantizedModel): Set<number> {
  const readers = new Map<number, number[]>()
  model.stages.forEach((stage, s) => {
    for (const t of stageInputs(stage, s)) readers.set(t, [...(readers.get(t) ?? []), s])
  })
  const onlyReader = (t: number): number | undefined => {
    const list = readers.get(t) ?? []
    return list.length === 1 && t !== model.stages.length && stageInputs(model.stages[list[0]!]!, list[0]!).length === 1 ? list[0] : undefined
  }
  const chosen = new Set<number>()
  model.stages.forEach((stage, s) => {
    if (stage.kind !== 'linear') return
    let next = onlyReader(s + 1)
    if (next !== undefined && model.stages[next]!.kind === 'relu') next = onlyReader(next + 1)
    const pool = next === undefined ? undefined : model.stages[next]
    if (pool?.kind !== 'maxPool') return
    const size = stage.shape.reduce((a, b) => a * b, 1)
    const windows = pool.shape.reduce((a, b) => a * b, 1)
    const comparisons = pool.windows.indices.length - windows
    // Rescales of every element plus comparisons at the rounded width, against comparisons at the
    // accumulator width plus a rescale per window (both counting Num2Bits' bits).
    const before = size * (stage.shift + stage.bits + 1) + comparisons * (stage.bits + 2)
    const after = comparisons * (stage.bits + stage.shift + 3) + windows * (stage.shift + stage.bits + 1)
    if (after < before) chosen.add(s)
  })
  return chosen
}
