import { buildModel, type InitializerInit, type NodeInit } from '../onnx/buildModel.js'
import { stageInputs } from '../ir/stages.js'
import { valuesPerWord, wordCount } from '@veridict/sdk'
import type { QuantizedModel } from '../quantize/model.js'
import { stageModule } from '../stages/index.js'
import { CAST_TO, EXACT_LIMIT, type FloatType, type GraphTensor } from './integerGraphContext.js'

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
  /**
   * With `trace`: graph outputs holding tensors 1 .. S-1 (each stage's output but the last, which
   * is `outputName`), in stage order, each in its stage's element type. Empty without `trace`.
   */
  traceNames: string[]
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
export function buildIntegerGraph(
  model: QuantizedModel,
  { precision = 'float64', input = 'values', trace = false }: { precision?: IntegerGraphPrecision; input?: IntegerGraphInput; /** Also output every intermediate tensor (a trace dispute's trace). */ trace?: boolean } = {},
): IntegerGraph | undefined {
  const nodes: NodeInit[] = []
  const initializers: InitializerInit[] = []
  const constant = (name: string, dims: number[], data: Float32Array | Float64Array | BigInt64Array) => {
    initializers.push({ name, dims, data })
    return name
  }
  const values = (type: FloatType, data: number[]) => (type === 'float' ? Float32Array.from(data) : Float64Array.from(data))
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
  const tensors: GraphTensor[] = [{ name: 'q', type: inputType === 'double' ? 'double' : 'float', raw: words, size: inputSize, bound: words ? 2 ** model.inputBits - 1 : valueBound }]
  let unpacked: GraphTensor | undefined
  /** Tensor t as values: for tensor 0 in the 'words' layout, its slots gathered and offset back (exact: below 2^16). */
  const valuesOf = (t: number): GraphTensor => {
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
  const stageTypes: FloatType[] = []
  /** float32 where the stage's largest magnitude allows it, else float64. */
  const typeFor = (magnitude: number): FloatType => (precision === 'float32' && magnitude < EXACT_LIMIT.float ? 'float' : 'double')

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
    const inputIn = (type: FloatType): string => {
      const cast = (tensor: GraphTensor, name: string) => {
        if (tensor.type === type && !tensor.raw) return tensor.name
        nodes.push({ op: 'Cast', inputs: [tensor.name], outputs: [name], attributes: { to: CAST_TO[type] } })
        return name
      }
      if (read.length === 1) return cast(read[0]!, `${out}_in`)
      nodes.push({ op: 'Concat', inputs: read.map((tensor, k) => cast(tensor, `${out}_in${k}`)), outputs: [`${out}_in`], attributes: { axis: 1 } })
      return `${out}_in`
    }
    // Stages without arithmetic keep their input's type; inputs of mixed types meet in the narrowest exact one.
    const commonType = (): FloatType => (read.every((tensor) => tensor.type === read[0]!.type) ? read[0]!.type : typeFor(bound))
    const type = stageModule(stage.kind).integerGraph(stage, { out, next, read, size, bound, fromWords, slotOf, inputOffset, nodes, constant, values, inputIn, commonType, typeFor })
    if (type === undefined) return undefined
    tensors.push({ name: out, type, raw: false, size: next, bound: 2 ** (stage.bits - 1) })
    stageTypes.push(type)
  }
  // The model's output is the last tensor (tensor 0 itself, as values, when there are no stages).
  const output = model.stages.length > 0 ? tensors.at(-1)! : valuesOf(0)
  // The last node writes the graph output itself (an Identity would cost a kernel call per run).
  const last = nodes.at(-1)
  if (last && last.outputs[0] === output.name) last.outputs[0] = 'out'
  else nodes.push({ op: 'Identity', inputs: [output.name], outputs: ['out'] })
  // Tensors 1 .. S-1 as extra outputs (tensor S is 'out'); onnxruntime then keeps each one.
  const traced = trace ? tensors.slice(1, -1) : []
  const bytes = buildModel({
    name: 'veridict-canonical',
    opset: 13,
    inputs: [{ name: 'q', shape: [1, inputSize], type: inputType }],
    outputs: [{ name: 'out', shape: [1, output.size], type: output.type }, ...traced.map((tensor) => ({ name: tensor.name, shape: [1, tensor.size], type: tensor.type }))],
    initializers,
    nodes,
  })
  return { bytes, inputName: 'q', outputName: 'out', traceNames: traced.map((tensor) => tensor.name), inputSize, outputSize: output.size, input: words ? 'words' : 'values', inputType, outputType: output.type, stageTypes }
}

function sameTensors(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((t, k) => t === b[k])
}
