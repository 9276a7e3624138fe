import * as ort from 'onnxruntime-node'
import { binding, initOrt } from 'onnxruntime-node/dist/binding.js'

type Feeds = Record<string, ort.Tensor>
type Results = Record<string, ort.OnnxValue>

/**
 * An onnxruntime session for per-request inference on tiny models, where onnxruntime's own work
 * takes a few microseconds and the JS around it matters.
 *
 * onnxruntime-node runs every session synchronously on the calling thread: its public `run` only
 * defers that call with `setImmediate` and then rewraps the outputs, which costs about 3 µs per
 * call (a quarter of a 784-input MLP's run). A `ModelSession` calls the same synchronous native
 * session (`onnxruntime-node/dist/binding`, typed in the package) directly: same thread, same
 * kernels, same results. If a future onnxruntime-node changes that binding, it falls back to the
 * public API (`binding` says which one runs; a test pins the native one for the installed version).
 */
export type ModelSession = {
  readonly inputNames: readonly string[]
  readonly outputNames: readonly string[]
  readonly binding: 'native' | 'public'
  /** Runs the model on `feeds`, fetching every output. */
  run(feeds: Feeds): Promise<Results>
  release(): Promise<void>
}

type NativeSession = InstanceType<typeof binding.InferenceSession>

function nativeAvailable(): boolean {
  const prototype = (binding as { InferenceSession?: { prototype?: Partial<NativeSession> } } | undefined)?.InferenceSession?.prototype
  return typeof initOrt === 'function' && typeof prototype?.loadModel === 'function' && typeof prototype.run === 'function'
}

/** Opens `model` (a file path or ONNX bytes) with `options`; see {@link ModelSession}. */
export async function openModelSession(model: string | Uint8Array, options: ort.InferenceSession.SessionOptions = {}, { direct = true }: { direct?: boolean } = {}): Promise<ModelSession> {
  if (direct && nativeAvailable()) {
    initOrt()
    const native = new binding.InferenceSession()
    if (typeof model === 'string') native.loadModel(model, options)
    else native.loadModel(model.buffer as ArrayBuffer, model.byteOffset, model.byteLength, options)
    const inputNames = native.inputMetadata.map((m) => m.name)
    const outputNames = native.outputMetadata.map((m) => m.name)
    const fetches = Object.fromEntries(outputNames.map((name) => [name, null]))
    const runOptions = {}
    return {
      inputNames,
      outputNames,
      binding: 'native',
      run: async (feeds) => {
        for (const name of inputNames) if (!(feeds[name] instanceof ort.Tensor)) throw new TypeError(`input '${name}' is missing from the feeds (expected ${inputNames.join(', ')})`)
        return native.run(feeds, fetches, runOptions)
      },
      release: async () => native.dispose(),
    }
  }
  // One call per `create` overload (a path or bytes).
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options)
  return { inputNames: session.inputNames, outputNames: session.outputNames, binding: 'public', run: (feeds) => session.run(feeds), release: () => session.release() }
}
