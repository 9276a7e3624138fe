import { wordCount } from '../../../sdk/src/encoding/pack.js'
import type { QuantizedModel } from '../quantize/model.js'

export type GenerateCircuitParameters = { model: QuantizedModel; templateName: string }

/**
 * The sign bits (value >= 0) that travel with a tensor: the name of a signal array pinned by the
 * range check (or LeakyRelu) that produced the values, ALL_NON_NEGATIVE after a Relu (every bit
 * is 1, no signal needed), or undefined when none is at hand (a consumer then adds Sign checks).
 * Each bit must be the sign of the value it travels with: a Relu multiplies by it, and a LeakyRelu
 * selects its branch by it.
 */
const ALL_NON_NEGATIVE = Symbol('every value >= 0')
type SignBits = string | typeof ALL_NON_NEGATIVE | undefined

/** Tensor as circom signals: a value array and its sign bits. */
type Tensor = { values: string; nonNeg: SignBits; size: number }

const list = (values: ArrayLike<number | bigint>) => `[${Array.from(values as ArrayLike<number>, String).join(',')}]`

/**
 * Emits the model's main circom file. Public signals are `inWords`, `outWords`, then
 * `beneficiary`, all declared as inputs (in that order), so the proof's public signals are the
 * input words, the output words and the address credited for the proof, as protocol.md fixes. The
 * outputs are pinned by the Pack constraints; the beneficiary by the Beneficiary template (a copied
 * proof cannot be resubmitted for another address).
 */
export function generateCircuit({ model, templateName }: GenerateCircuitParameters): string {
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
  let current: Tensor = { values: 'unpack.values', nonNeg: 'unpack.nonNeg', size: inCount }
  let bits = model.inputBits

  const newTensor = (name: string, size: number, withSign: boolean): Tensor => {
    emit(`signal ${name}[${size}];`)
    if (withSign) emit(`signal ${name}NonNeg[${size}];`)
    return { values: name, nonNeg: withSign ? `${name}NonNeg` : undefined, size }
  }

  model.stages.forEach((stage, s) => {
    const name = `s${s}`
    emit()
    emit(`// stage ${s}: ${stage.kind} from ${stage.sources.join(', ')}; ${stage.bits}-bit outputs`)
    const size = stage.shape.reduce((a, b) => a * b, 1)
    switch (stage.kind) {
      case 'linear': {
        const nnz = stage.rows.indices.length
        emit(`component ${name}Linear = Linear(${current.size}, ${size}, ${nnz}, ${list(stage.rows.offsets)}, ${list(stage.rows.indices)}, ${list(stage.weights)}, ${list(stage.bias)});`)
        emit(`${name}Linear.in <== ${current.values};`)
        const out = newTensor(name, size, true)
        emit(`component ${name}Rescale[${size}];`)
        emit(`for (var i = 0; i < ${size}; i++) {`)
        emit(`    ${name}Rescale[i] = Rescale(${stage.shift}, ${stage.bits});`)
        emit(`    ${name}Rescale[i].in <== ${name}Linear.out[i];`)
        emit(`    ${name}[i] <== ${name}Rescale[i].out;`)
        emit(`    ${name}NonNeg[i] <== ${name}Rescale[i].nonNeg;`)
        emit('}')
        current = out
        break
      }
      case 'relu':
      case 'leakyRelu': {
        const nonNeg = current.nonNeg ?? signBits(emit, name, current, bits)
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
        current = { values: `${component}.out`, nonNeg: stage.kind === 'relu' ? ALL_NON_NEGATIVE : `${component}.outNonNeg`, size }
        break
      }
      case 'gather': {
        const { nonNeg } = current
        const out = newTensor(name, size, typeof nonNeg === 'string')
        emit(`var ${name}Index[${size}] = ${list(stage.index)};`)
        emit(`for (var i = 0; i < ${size}; i++) {`)
        emit(`    ${name}[i] <== ${current.values}[${name}Index[i]];`)
        if (typeof nonNeg === 'string') emit(`    ${name}NonNeg[i] <== ${nonNeg}[${name}Index[i]];`)
        emit('}')
        current = nonNeg === ALL_NON_NEGATIVE ? { ...out, nonNeg } : out
        break
      }
      case 'maxPool': {
        const { offsets, indices } = stage.windows
        emit(`component ${name}MaxPool = MaxPool(${current.size}, ${size}, ${indices.length}, ${list(offsets)}, ${list(indices)}, ${bits});`)
        emit(`${name}MaxPool.in <== ${current.values};`)
        // The maximum of values >= 0 is >= 0; any other sign bits would have to be recomputed.
        current = { values: `${name}MaxPool.out`, nonNeg: current.nonNeg === ALL_NON_NEGATIVE ? ALL_NON_NEGATIVE : undefined, size }
        break
      }
      case 'argMax': {
        const { offsets, indices } = stage.groups
        const out = newTensor(name, size, false)
        for (let r = 0; r < size; r++) {
          const group = Array.from(indices.subarray(offsets[r]!, offsets[r + 1]!))
          emit(`component ${name}ArgMax${r} = ArgMax(${group.length}, ${stage.inBits});`)
          group.forEach((idx, k) => emit(`${name}ArgMax${r}.in[${k}] <== ${current.values}[${idx}];`))
          emit(`${name}[${r}] <== ${name}ArgMax${r}.out;`)
        }
        current = out
        break
      }
    }
    bits = stage.bits
  })

  emit()
  emit(`component pack = Pack(${outCount}, ${model.outputBits});`)
  emit(`pack.values <== ${current.values};`)
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

function signBits(emit: (line?: string) => void, name: string, current: Tensor, bits: number): string {
  emit(`component ${name}Sign[${current.size}];`)
  emit(`signal ${name}SignBit[${current.size}];`)
  emit(`for (var i = 0; i < ${current.size}; i++) {`)
  emit(`    ${name}Sign[i] = Sign(${bits});`)
  emit(`    ${name}Sign[i].in <== ${current.values}[i];`)
  emit(`    ${name}SignBit[i] <== ${name}Sign[i].nonNeg;`)
  emit('}')
  return `${name}SignBit`
}
