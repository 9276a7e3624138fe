import * as ort from 'onnxruntime-node'
import type { QuantizedModel } from '../quantize/model.js'
import { buildIntegerGraph, type IntegerGraphPrecision } from './integerGraph.js'
import { runReference } from './runReference.js'
import { InputShapeError, QuantizedInputOutOfRangeError } from '../errors/reference.js'

/** Integer graphs smaller than this (about a million weights) get a single-threaded session. */
const SINGLE_THREAD_BYTES = 8 * 1024 * 1024

export type CanonicalExecutor = {
  /** 'onnxruntime': the exact integer graph; 'bigint': the reference executor itself. */
  readonly engine: 'onnxruntime' | 'bigint'
  /** The integer graph's arithmetic (see IntegerGraphPrecision); undefined for the bigint engine. */
  readonly precision: IntegerGraphPrecision | undefined
  /** The canonical output: exactly runReference's (and the circuit's) output. */
  run(input: readonly bigint[]): Promise<bigint[]>
  /**
   * The same from quantized values already held as (integer) numbers, skipping a bigint conversion;
   * a Float32Array is fed to a float32 graph input without a copy.
   */
  runValues(input: Float32Array | Float64Array): Promise<bigint[]>
}

export type CreateCanonicalExecutorParameters = {
  model: QuantizedModel
  /** onnxruntime execution providers, e.g. ['cuda', 'cpu']; integer-exact on any of them. */
  executionProviders?: string[] | undefined
  /**
   * The integer graph's arithmetic. Default: 'float32' (float32 wherever exact) when the only
   * execution provider is the CPU, else 'float64' (a GPU's float32 matmuls may round to TF32).
   */
  precision?: IntegerGraphPrecision | undefined
}

/**
 * The fastest exact way to compute a model's canonical output: onnxruntime on the model's
 * integer graph in float64 (see buildIntegerGraph), or the bigint reference executor when the
 * model's bounds do not fit float64 exactly. Both give identical results.
 */
export async function createCanonicalExecutor({ model, executionProviders, precision }: CreateCanonicalExecutorParameters): Promise<CanonicalExecutor> {
  const cpuOnly = !executionProviders || executionProviders.every((p) => p === 'cpu')
  const graph = buildIntegerGraph(model, { precision: precision ?? (cpuOnly ? 'float32' : 'float64') })
  if (!graph)
    return {
      engine: 'bigint',
      precision: undefined,
      run: async (input) => runReference(model, input),
      runValues: async (input) => runReference(model, Array.from(input, (v) => BigInt(v))),
    }
  // Small graphs run fastest on one thread (no hand-off or spinning between pool threads); large
  // ones use onnxruntime's default pool.
  const threads = graph.bytes.length < SINGLE_THREAD_BYTES ? { intraOpNumThreads: 1, interOpNumThreads: 1 } : {}
  const session = await ort.InferenceSession.create(graph.bytes, { ...threads, ...(executionProviders ? { executionProviders } : {}) })
  const lo = -(2 ** (model.inputBits - 1))
  const hi = 2 ** (model.inputBits - 1) - 1
  const InputArray = graph.inputType === 'float' ? Float32Array : Float64Array
  const executor: CanonicalExecutor = {
    engine: 'onnxruntime',
    precision: graph.inputType === 'float' || graph.stageTypes.includes('float') ? 'float32' : 'float64',
    async run(input) {
      if (input.length !== graph.inputSize) throw new InputShapeError({ expected: model.inputShape, received: input.length })
      const data = new Float64Array(graph.inputSize)
      for (let i = 0; i < data.length; i++) data[i] = Number(input[i]!)
      return executor.runValues(data)
    },
    async runValues(values) {
      if (values.length !== graph.inputSize) throw new InputShapeError({ expected: model.inputShape, received: values.length })
      // Checked before any conversion, so a non-integer or huge value is reported as given.
      for (let i = 0; i < values.length; i++) {
        const q = values[i]!
        if (!(q >= lo && q <= hi) || !Number.isInteger(q)) throw new QuantizedInputOutOfRangeError({ index: i, value: BigInt(Math.trunc(q)), bits: model.inputBits })
      }
      const data = values instanceof InputArray ? values : InputArray.from(values)
      const dims = [1, graph.inputSize]
      const tensor = data instanceof Float32Array ? new ort.Tensor('float32', data, dims) : new ort.Tensor('float64', data, dims)
      const result = await session.run({ [graph.inputName]: tensor })
      const out = result[graph.outputName]!.data as Float32Array | Float64Array
      const output = new Array<bigint>(out.length)
      for (let i = 0; i < out.length; i++) output[i] = BigInt(out[i]!)
      return output
    },
  }
  return executor
}
