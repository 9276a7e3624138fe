import * as ort from 'onnxruntime-node'
import type { QuantizedModel } from '../quantize/model.js'
import { openModelSession } from '../onnx/session.js'
import { LITTLE_ENDIAN, packValues, packedWordBytes, unpackValues, unpackValuesToNumbers } from '@veridict/sdk'
import { buildIntegerGraph, type IntegerGraphInput, type IntegerGraphPrecision } from './integerGraph.js'
import { runReference, runTrace } from './runReference.js'
import { InputShapeError, QuantizedInputOutOfRangeError } from '../errors/reference.js'

/** Integer graphs smaller than this (about a million weights) get a single-threaded session. */
const SINGLE_THREAD_BYTES = 8 * 1024 * 1024

export type CanonicalExecutor = {
  /** 'onnxruntime': the exact integer graph; 'bigint': the reference executor itself. */
  readonly engine: 'onnxruntime' | 'bigint'
  /** The integer graph's arithmetic (see IntegerGraphPrecision); undefined for the bigint engine. */
  readonly precision: IntegerGraphPrecision | undefined
  /** 'words': the graph reads packed input words' bytes itself (see IntegerGraphInput). */
  readonly input: IntegerGraphInput | undefined
  /** The canonical output: exactly runReference's (and the circuit's) output. */
  run(input: readonly bigint[]): Promise<bigint[]>
  /**
   * The same from quantized values already held as (integer) numbers, skipping a bigint conversion;
   * a Float32Array is fed to a float32 graph input without a copy. `validated`: the caller vouches
   * that every value is an integer in the input range (as unpackValuesToNumbers at the model's
   * input bits guarantees), so the per-value check is skipped.
   */
  runValues(input: Float32Array | Float64Array, options?: { validated?: boolean }): Promise<bigint[]>
  /**
   * The same from the packed input words a request carries (checked like unpackValues): with a
   * 'words' graph nothing is unpacked in JS; otherwise they are unpacked first.
   */
  runWords(words: readonly bigint[]): Promise<bigint[]>
  /**
   * Every tensor of the run from the packed input words: tensor 0 the input values, tensor s + 1
   * stage s's output, the last the canonical output. Exactly runTrace's (what an attestation's trace
   * root commits to, docs/disputes.md). With onnxruntime, a second session of the integer graph
   * that also outputs every intermediate tensor, opened on the first call.
   */
  runTraceWords(words: readonly bigint[]): Promise<bigint[][]>
}

/** An onnxruntime execution provider by name, or with its options (the CUDA device). */
export type ExecutionProvider = string | { name: string; deviceId?: number | undefined }

export type CreateCanonicalExecutorParameters = {
  model: QuantizedModel
  /** onnxruntime execution providers, e.g. ['cuda', 'cpu'] or [{ name: 'cuda', deviceId: 1 }, 'cpu']; integer-exact on any of them. */
  executionProviders?: ExecutionProvider[] | undefined
  /**
   * The integer graph's arithmetic. Default: 'float32' (float32 wherever exact) when the only
   * execution provider is the CPU, else 'float64' (a GPU's float32 matmuls may round to TF32).
   */
  precision?: IntegerGraphPrecision | undefined
  /** The integer graph's input. Default: 'words' (used where the model allows it; see IntegerGraphInput). */
  input?: IntegerGraphInput | undefined
}

/**
 * The fastest exact way to compute a model's canonical output: onnxruntime on the model's
 * integer graph (see buildIntegerGraph), or the bigint reference executor when the model's bounds
 * do not fit float64 exactly. Both give identical results.
 */
export async function createCanonicalExecutor({ model, executionProviders, precision, input = 'words' }: CreateCanonicalExecutorParameters): Promise<CanonicalExecutor> {
  const count = model.inputShape.reduce((a, b) => a * b, 1)
  const bits = model.inputBits
  const cpuOnly = !executionProviders || executionProviders.every((p) => (typeof p === 'string' ? p : p.name) === 'cpu')
  // Word bytes are read through typed-array views in this machine's byte order.
  const chosen = { precision: precision ?? (cpuOnly ? 'float32' : 'float64'), input: LITTLE_ENDIAN ? input : 'values' } as const
  const graph = buildIntegerGraph(model, chosen)
  if (!graph)
    return {
      engine: 'bigint',
      precision: undefined,
      input: undefined,
      run: async (values) => runReference(model, values),
      runValues: async (values) => runReference(model, Array.from(values, (v) => BigInt(v))),
      runWords: async (words) => runReference(model, unpackValues(words, count, bits)),
      runTraceWords: async (words) => runTrace(model, unpackValues(words, count, bits)),
    }
  // Small graphs run fastest on one thread (no hand-off or spinning between pool threads); large
  // ones use onnxruntime's default pool.
  const threads = graph.bytes.length < SINGLE_THREAD_BYTES ? { intraOpNumThreads: 1, interOpNumThreads: 1 } : {}
  const session = await openModelSession(graph.bytes, { ...threads, graphOptimizationLevel: 'all', ...(executionProviders ? { executionProviders } : {}) })
  const lo = -(2 ** (bits - 1))
  const hi = 2 ** (bits - 1) - 1
  const dims = [1, graph.inputSize]
  const ValueArray = graph.inputType === 'float' ? Float32Array : Float64Array
  const outputOf = async (tensor: ort.Tensor) => {
    const out = ((await session.run({ [graph.inputName]: tensor }))[graph.outputName] as ort.Tensor).data as Float32Array | Float64Array
    const output = new Array<bigint>(out.length)
    for (let i = 0; i < out.length; i++) output[i] = BigInt(out[i]!)
    return output
  }
  const checkRange = (values: ArrayLike<number>) => {
    // Checked before any conversion, so a non-integer or huge value is reported as given.
    for (let i = 0; i < values.length; i++) {
      const q = values[i]!
      if (!(q >= lo && q <= hi) || !Number.isInteger(q)) throw new QuantizedInputOutOfRangeError({ index: i, value: BigInt(Math.trunc(q)), bits })
    }
  }
  // The trace graph: the same graph with every intermediate tensor as an output, built on first use.
  let traceSession: Promise<{ session: Awaited<ReturnType<typeof openModelSession>>; names: string[] }> | undefined
  const openTrace = () =>
    (traceSession ??= (async () => {
      const traced = buildIntegerGraph(model, { ...chosen, trace: true })!
      return { session: await openModelSession(traced.bytes, { ...threads, graphOptimizationLevel: 'all', ...(executionProviders ? { executionProviders } : {}) }), names: traced.traceNames }
    })())
  /** The 'words' graph input: the packed words' bytes (8-bit values) or halfwords (16-bit). */
  const wordsTensor = (words: readonly bigint[]) => {
    const bytes = packedWordBytes(words, count, bits)
    return bits === 8 ? new ort.Tensor('uint8', bytes, dims) : new ort.Tensor('uint16', new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2), dims)
  }
  const toBigints = (tensor: ort.Tensor) => Array.from(tensor.data as Float32Array | Float64Array, (v) => BigInt(v))
  const executor: CanonicalExecutor = {
    engine: 'onnxruntime',
    precision: graph.stageTypes.includes('float') ? 'float32' : 'float64',
    input: graph.input,
    async run(values) {
      if (values.length !== count) throw new InputShapeError({ expected: model.inputShape, received: values.length })
      const data = new Float64Array(count)
      for (let i = 0; i < count; i++) data[i] = Number(values[i]!)
      return executor.runValues(data)
    },
    async runValues(values, { validated = false } = {}) {
      if (values.length !== count) throw new InputShapeError({ expected: model.inputShape, received: values.length })
      if (!validated) checkRange(values)
      if (graph.input === 'words') return executor.runWords(packValues(Array.from(values), bits))
      const data = values instanceof ValueArray ? values : ValueArray.from(values)
      return outputOf(data instanceof Float32Array ? new ort.Tensor('float32', data, dims) : new ort.Tensor('float64', data, dims))
    },
    async runWords(words) {
      if (graph.input === 'values') return executor.runValues(unpackValuesToNumbers(words, count, bits, { into: new ValueArray(count) }), { validated: true })
      return outputOf(wordsTensor(words))
    },
    async runTraceWords(words) {
      const values = unpackValuesToNumbers(words, count, bits, { into: new ValueArray(count) })
      let input: ort.Tensor
      if (graph.input === 'words') input = wordsTensor(words)
      else input = values instanceof Float32Array ? new ort.Tensor('float32', values, dims) : new ort.Tensor('float64', values, dims)
      const { session: traced, names } = await openTrace()
      const outputs = await traced.run({ [graph.inputName]: input })
      return [Array.from(values, (v) => BigInt(v)), ...names.map((name) => toBigints(outputs[name] as ort.Tensor)), toBigints(outputs[graph.outputName] as ort.Tensor)]
    },
  }
  return executor
}
