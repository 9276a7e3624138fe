import * as ort from 'onnxruntime-node'
import type { QuantizedModel } from '../quantize/model.js'
import { buildIntegerGraph } from './integerGraph.js'
import { runReference } from './runReference.js'
import { InputShapeError, QuantizedInputOutOfRangeError } from '../errors/reference.js'

/** Integer graphs smaller than this (about a million weights) get a single-threaded session. */
const SINGLE_THREAD_BYTES = 8 * 1024 * 1024

export type CanonicalExecutor = {
  /** 'onnxruntime': the exact float64 integer graph; 'bigint': the reference executor itself. */
  readonly engine: 'onnxruntime' | 'bigint'
  /** The canonical output: exactly runReference's (and the circuit's) output. */
  run(input: readonly bigint[]): Promise<bigint[]>
  /** The same from quantized values already held as (integer) float64s, skipping a bigint conversion. */
  runValues(input: Float64Array): Promise<bigint[]>
}

export type CreateCanonicalExecutorParameters = {
  model: QuantizedModel
  /** onnxruntime execution providers, e.g. ['cuda', 'cpu']; integer-exact on any of them. */
  executionProviders?: string[] | undefined
}

/**
 * The fastest exact way to compute a model's canonical output: onnxruntime on the model's
 * integer graph in float64 (see buildIntegerGraph), or the bigint reference executor when the
 * model's bounds do not fit float64 exactly. Both give identical results.
 */
export async function createCanonicalExecutor({ model, executionProviders }: CreateCanonicalExecutorParameters): Promise<CanonicalExecutor> {
  const graph = buildIntegerGraph(model)
  if (!graph)
    return {
      engine: 'bigint',
      run: async (input) => runReference(model, input),
      runValues: async (input) => runReference(model, Array.from(input, (v) => BigInt(v))),
    }
  // Small graphs run fastest on one thread (no hand-off or spinning between pool threads); large
  // ones use onnxruntime's default pool.
  const threads = graph.bytes.length < SINGLE_THREAD_BYTES ? { intraOpNumThreads: 1, interOpNumThreads: 1 } : {}
  const session = await ort.InferenceSession.create(graph.bytes, { ...threads, ...(executionProviders ? { executionProviders } : {}) })
  const lo = -(2 ** (model.inputBits - 1))
  const hi = 2 ** (model.inputBits - 1) - 1
  const executor: CanonicalExecutor = {
    engine: 'onnxruntime',
    async run(input) {
      if (input.length !== graph.inputSize) throw new InputShapeError({ expected: model.inputShape, received: input.length })
      const data = new Float64Array(graph.inputSize)
      for (let i = 0; i < data.length; i++) data[i] = Number(input[i]!)
      return executor.runValues(data)
    },
    async runValues(data) {
      if (data.length !== graph.inputSize) throw new InputShapeError({ expected: model.inputShape, received: data.length })
      for (let i = 0; i < data.length; i++) {
        const q = data[i]!
        if (!(q >= lo && q <= hi) || !Number.isInteger(q)) throw new QuantizedInputOutOfRangeError({ index: i, value: BigInt(Math.trunc(q)), bits: model.inputBits })
      }
      const result = await session.run({ [graph.inputName]: new ort.Tensor('float64', data, [1, graph.inputSize]) })
      const out = result[graph.outputName]!.data as Float64Array
      const values = new Array<bigint>(out.length)
      for (let i = 0; i < out.length; i++) values[i] = BigInt(out[i]!)
      return values
    },
  }
  return executor
}
