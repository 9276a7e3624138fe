import { wordCount } from '@veridict/sdk'
import { stageInputs } from '../ir/stages.js'
import type { QuantizedModel } from '../quantize/model.js'
import { stageModule } from '../stages/index.js'
import { ALL_NON_NEGATIVE, emitRescales, list, type CircuitTensor, type Emit, type PrivateWeightSignals, type SignBits } from './emit.js'
import { privateWeightValues, WEIGHT_SALT_SIGNAL, WEIGHTS_SIGNAL } from './weightCommitment.js'

export type GenerateCircuitParameters = {
  model: QuantizedModel
  templateName: string
  /** Linear stages with more weights are split over several Linear components (LINEAR_CHUNK_WEIGHTS). */
  linearChunkWeights?: number | undefined
  /** Pool unrounded accumulators and rescale each window's maximum (poolBeforeRescale); default true. */
  poolBeforeRescale?: boolean | undefined
  /**
   * The input words are private signals, and the one public signal for the input is their
   * commitment with a private salt (InputCommitment; protocol.md, "Private inputs").
   */
  privateInput?: boolean | undefined
  /**
   * The trained parameters (privateWeightValues) are private signals `weights`, with the owner's
   * private `weightSalt`; their Poseidon commitment (commitWeights) is compiled in as this constant
   * and the circuit constrains its InputCommitment chain to equal it. No public signal changes:
   * the verification key, which the registry binds into the model id, binds the commitment.
   */
  privateWeights?: { commitment: bigint } | undefined
}

/**
 * The most weights one Linear component takes. circom compiles each component instance into one
 * WebAssembly function of about 34 bytes per weight, and V8 refuses functions over 7,654,321 bytes
 * (LeNet-5's second convolution, 240,000 weights, was 8.2 MB): a larger linear stage is split
 * into several Linear components over consecutive rows. Linear costs no constraints, so the
 * split changes none; stages at or under this size are written exactly as before.
 */
export const LINEAR_CHUNK_WEIGHTS = 100_000

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
export function generateCircuit({ model, templateName, linearChunkWeights = LINEAR_CHUNK_WEIGHTS, poolBeforeRescale: poolFirst = true, privateInput = false, privateWeights }: GenerateCircuitParameters): string {
  const inCount = model.inputShape.reduce((a, b) => a * b, 1)
  const outCount = model.outputShape.reduce((a, b) => a * b, 1)
  const lines: string[] = []
  const emit = (line = '') => lines.push(line === '' ? '' : `    ${line}`)

  const inWords = wordCount(inCount, model.inputBits)
  // Public inputs first, in the order of the public signals (circom numbers them by declaration).
  if (privateInput) emit('signal input inCommitment;')
  else emit(`signal input inWords[${inWords}];`)
  emit(`signal input outWords[${wordCount(outCount, model.outputBits)}];`)
  emit('signal input beneficiary;')
  if (privateInput) {
    emit(`signal input inWords[${inWords}];`)
    emit('signal input salt;')
  }
  emit()
  emit('component bindBeneficiary = Beneficiary();')
  emit('bindBeneficiary.beneficiary <== beneficiary;')
  emit()
  if (privateInput) {
    emit(`component commitInput = InputCommitment(${inWords});`)
    emit('commitInput.words <== inWords;')
    emit('commitInput.salt <== salt;')
    emit('commitInput.commitment === inCommitment;')
    emit()
  }
  let weightSignals: (PrivateWeightSignals & { taken: () => number }) | undefined
  const parameterCount = privateWeights ? privateWeightValues(model).length : 0
  if (privateWeights) {
    if (parameterCount === 0) throw new Error('generateCircuit: privateWeights on a model with no trained parameters (no linear stage)')
    // Reuses the private input's Poseidon chain (salt, then 15 elements a link, zero padded): the
    // count is fixed by the architecture, so the padding is unambiguous, and a circuit whose
    // parameters differ from the committed ones in any element needs a Poseidon collision.
    emit(`signal input ${WEIGHTS_SIGNAL}[${parameterCount}];`)
    emit(`signal input ${WEIGHT_SALT_SIGNAL};`)
    emit(`component commitWeights = InputCommitment(${parameterCount});`)
    emit(`commitWeights.words <== ${WEIGHTS_SIGNAL};`)
    emit(`commitWeights.salt <== ${WEIGHT_SALT_SIGNAL};`)
    emit(`commitWeights.commitment === ${privateWeights.commitment};`)
    emit()
    let next = 0
    weightSignals = {
      signal: WEIGHTS_SIGNAL,
      take: (count) => {
        next += count
        return next - count
      },
      taken: () => next,
    }
  }
  emit(`component unpack = Unpack(${inCount}, ${model.inputBits});`)
  emit('unpack.words <== inWords;')
  // tensors[t] is tensor t; a tensor's sign bits, once computed by a Sign check, are kept for its other consumers.
  const tensors: CircuitTensor[] = [{ values: 'unpack.values', nonNeg: 'unpack.nonNeg', size: inCount, bits: model.inputBits }]

  const newTensor = (name: string, size: number, withSign: boolean, bits: number): CircuitTensor => {
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
    // A kind whose circuit selects by sign bits (Relu, LeakyRelu) gets a Sign check on each input tensor without them.
    const module = stageModule(stage.kind)
    if (module.signBits === 'required') inputs.forEach((t, k) => ensureSignBits(t, inputs.length === 1 ? name : `${name}In${k}`))
    const current = readInputs(emit, `${name}In`, inputs.map((t) => tensors[t]!), module.signBits !== 'none')
    const out = module.circuit(stage, {
      emit,
      name,
      s,
      size,
      current,
      newTensor,
      linearChunkWeights,
      poolFirst: pooledFirst.has(s),
      deferRescale: ({ shift, bits }) => pending.set(s + 1, { shift, bits, relu: false }),
      privateWeights: weightSignals,
    })
    tensors.push(out)
  })

  if (weightSignals && weightSignals.taken() !== parameterCount)
    throw new Error(`generateCircuit: the stages read ${weightSignals.taken()} committed parameters, the commitment covers ${parameterCount}`)

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
    `component main {public [${privateInput ? 'inCommitment' : 'inWords'}, outWords, beneficiary]} = ${templateName}();`,
    '',
  ].join('\n')
}

/** Sign bits of `tensor` from a Sign check of each value at its declared width. */
function signBits(emit: Emit, name: string, tensor: CircuitTensor): string {
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
function readInputs(emit: Emit, name: string, parts: readonly CircuitTensor[], withSign: boolean): CircuitTensor {
  if (parts.length === 1) return parts[0]!
  const size = parts.reduce((n, p) => n + p.size, 0)
  const bits = parts.reduce((b, p) => Math.max(b, p.bits), 0)
  const wire = (target: string, source: (part: CircuitTensor) => string) => {
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

/**
 * Linear stages whose output only a maxPool reads, directly or through a relu that only it reads
 * (conv, [BatchNorm folded in,] ReLU, MaxPool): the pool then compares the unrounded accumulators
 * and only each window's maximum is rescaled (and relu'd), which gives the same outputs (max
 * commutes with the non-decreasing rounding and relu) for fewer constraints: one rescale per window
 * instead of one per element, for comparisons shift + 1 bits wider. Only where that is cheaper.
 * It spans three kinds, so it lives here rather than in a stage module: the linear module emits
 * accumulators when CircuitContext.poolFirst says so, and generateCircuit itself emits the relu and
 * maxPool that follow (before dispatching to their modules).
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
