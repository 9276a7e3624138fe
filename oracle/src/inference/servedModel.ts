import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import type { Logger } from 'pino'
import type { Hex } from 'viem'
import { createCanonicalExecutor, loadCompiledModel, parametersCommitment, traceCommitment, type CanonicalExecutor, type ModelManifest, type ModelSession, type ParametersCommitment, type TraceCommitment, readModelDefinition, type QuantizedModel } from '@veridict/circuits'
import { hashWords, type ModelDefinition, packValues, unpackValuesToNumbers } from '@veridict/sdk'
import { InvalidInputError, ModelLoadError } from '../errors/node.js'
import { createSession, cudaProviders, type ExecutionProviderChoice } from './executionProvider.js'

export type InferenceResult = {
  /** Canonical output values: the integer model's exact output (what a circuit constrains, what every node attests). */
  output: bigint[]
  /**
   * onnxruntime's float output on the same (quantized) input, for the API and the job record,
   * computed on first use, after the canonical output: never on the path to a proof or an attestation.
   */
  readonly floatOutput: Promise<number[]>
  /** The run's trace root (docs/disputes.md), when asked for (`trace`): what an attestation signs with the output. */
  traceRoot: Hex | undefined
  /** Every tensor of the run, input first and output last (with `trace`): what a trace game is played with. */
  tensors: bigint[][] | undefined
  /** The run's trace commitment (with `trace`): its trees hold every tensor's packed words. */
  trace: TraceCommitment | undefined
  inputWords: bigint[]
  outputWords: bigint[]
  inputHash: Hex
  outputHash: Hex
  /** Seconds from the input values to the canonical output. */
  seconds: { inference: number }
}

/** Quantized input values as numbers: float32 when they fit it exactly (up to 24 bits), else float64. */
export type InputValues = Float32Array | Float64Array

export { hashWords }

/** A compiled model this node serves: its manifest, quantized graph and an onnxruntime session. */
export class ServedModel {
  readonly name: string
  /** The hash the registry gives this folder's artifacts: registrations with it are served (ModelListings). */
  readonly definitionHash: Hex
  /** What the registry hashes, recomputed from the folder's files at load. */
  readonly definition: ModelDefinition
  readonly dir: string
  readonly manifest: ModelManifest
  readonly quantized: QuantizedModel
  /** onnxruntime on the model's float ONNX file. */
  readonly session: ModelSession
  /** Computes the canonical output exactly: onnxruntime on the integer graph, or the bigint reference. */
  readonly canonical: CanonicalExecutor
  readonly provider: 'cuda' | 'cpu'
  /** The model has a circuit and proving key: its outputs can be proved (ZK mode, disputes). */
  readonly provable: boolean
  /** The quantized weights' commitment (the registry binds its root): what a trace game opens stages against. */
  readonly parameters: ParametersCommitment

  private constructor(init: { dir: string; manifest: ModelManifest; definition: ModelDefinition; definitionHash: Hex; quantized: QuantizedModel; parameters: ParametersCommitment; session: ModelSession; canonical: CanonicalExecutor; provider: 'cuda' | 'cpu' }) {
    this.dir = init.dir
    this.canonical = init.canonical
    this.manifest = init.manifest
    this.quantized = init.quantized
    this.parameters = init.parameters
    this.session = init.session
    this.provider = init.provider
    this.name = init.manifest.name
    this.definition = init.definition
    this.definitionHash = init.definitionHash
    this.provable = init.manifest.circuit !== undefined && init.manifest.artifacts.zkey !== undefined && existsSync(join(init.dir, init.manifest.artifacts.zkey))
  }

  static async load(dir: string, provider: ExecutionProviderChoice, logger: Logger, gpuDevice = 0): Promise<ServedModel> {
    let compiled: Awaited<ReturnType<typeof loadCompiledModel>>
    let defined: Awaited<ReturnType<typeof readModelDefinition>>
    try {
      // The definition is recomputed from the files (ONNX, vkey.json): a folder changed after setup is refused.
      ;[compiled, defined] = await Promise.all([loadCompiledModel(dir), readModelDefinition(dir)])
    } catch (cause) {
      throw new ModelLoadError({ dir, reason: (cause as Error).message.split('\n')[0]!, cause })
    }
    // The registry binds the manifest's parameter root: the weights this node runs must be the ones
    // it commits to, or a trace it signs could not be defended (or would defend another model).
    const parameters = parametersCommitment(compiled.model)
    const { parametersRoot } = parameters
    if (parametersRoot !== compiled.manifest.parameters.root || compiled.model.stages.length !== compiled.manifest.parameters.stages)
      throw new ModelLoadError({ dir, reason: `quantized.json commits to parameter root ${parametersRoot} (${compiled.model.stages.length} stages), the manifest says ${compiled.manifest.parameters.root} (${compiled.manifest.parameters.stages}): the folder was changed after compiling; compile it again` })
    const { session, provider: used } = await createSession(join(compiled.dir, compiled.manifest.artifacts.onnx), provider, logger, gpuDevice)
    // The integer graph is exact on any execution provider, so CPU and GPU nodes agree, on models
    // with a circuit and attested-only ones alike.
    const canonical = await createCanonicalExecutor({ model: compiled.model, executionProviders: used === 'cuda' ? cudaProviders(gpuDevice) : ['cpu'] })
    return new ServedModel({ dir: compiled.dir, manifest: compiled.manifest, definition: defined.definition, definitionHash: defined.definitionHash, quantized: compiled.model, parameters, session, canonical, provider: used })
  }

  /** Quantizes real-valued inputs at the model's input scale, checking count and range. */
  quantize(values: readonly number[]): bigint[] {
    const { count, scale, bits } = this.manifest.input
    if (values.length !== count) throw this.wrongCount(values.length)
    const limit = 2 ** (bits - 1)
    return values.map((v, index) => {
      if (!Number.isFinite(v)) throw new InvalidInputError({ reason: `value ${index} is not a finite number` })
      const q = Math.round(v * 2 ** scale)
      if (q < -limit || q >= limit) throw new InvalidInputError({ reason: `value ${index} (${v}) is outside the model's input range [${-limit / 2 ** scale}, ${(limit - 1) / 2 ** scale}]` })
      return BigInt(q)
    })
  }

  /**
   * Unpacks input words (as a request carries them) into quantized values, checking count and
   * payload: float32 when they fit it exactly (float32 values feed a float32 integer graph without
   * a conversion). `unit`: a power of two to multiply every value by (2^-scale dequantizes).
   */
  unpackInput(words: readonly bigint[], unit = 1): InputValues {
    const { count, bits } = this.manifest.input
    try {
      return unpackValuesToNumbers(words, count, bits, { into: bits <= 24 ? new Float32Array(count) : new Float64Array(count), unit })
    } catch (cause) {
      invalidInput(cause)
    }
  }

  /** Runs onnxruntime on the dequantized quantized input (the float reference). */
  async runSession(quantizedInput: readonly bigint[] | InputValues): Promise<number[]> {
    const unit = 2 ** -this.manifest.input.scale
    const data = new Float32Array(quantizedInput.length)
    // One loop per input type, so each stays monomorphic (a shared loop is several times slower).
    if (quantizedInput instanceof Float32Array) for (let i = 0; i < data.length; i++) data[i] = quantizedInput[i]! * unit
    else if (quantizedInput instanceof Float64Array) for (let i = 0; i < data.length; i++) data[i] = quantizedInput[i]! * unit
    else for (let i = 0; i < data.length; i++) data[i] = Number(quantizedInput[i]!) * unit
    return this.runFloat(data)
  }

  /** onnxruntime on an already dequantized float32 input. */
  private async runFloat(data: Float32Array | Float64Array): Promise<number[]> {
    const type = this.manifest.input.type
    const tensor = type
      ? new ort.Tensor(type, type === 'int64' ? BigInt64Array.from(data, (v) => BigInt(Math.round(v))) : Int32Array.from(data, Math.round), this.manifest.input.shape)
      : data instanceof Float32Array
        ? new ort.Tensor('float32', data, this.manifest.input.shape)
        : new ort.Tensor('float32', Float32Array.from(data), this.manifest.input.shape)
    const results = await this.session.run({ [this.session.inputNames[0]!]: tensor })
    const out = (results[this.manifest.onnx.output ?? this.session.outputNames[0]!] as ort.Tensor).data as ArrayLike<number | bigint>
    const output = new Array<number>(out.length)
    for (let i = 0; i < out.length; i++) output[i] = Number(out[i]!)
    return output
  }

  /** onnxruntime's float output for a request's input words (unpacked straight into the dequantized input). */
  async floatOutputOf(words: readonly bigint[]): Promise<number[]> {
    return this.runFloat(this.unpackInput(words, 2 ** -this.manifest.input.scale))
  }

  /**
   * The node's path for an on-chain request: its input words (checked and unpacked) to the
   * canonical output and output words; with `trace`, from one run that keeps every tensor, also the
   * trace root an attestation signs. See {@link infer}.
   */
  async inferWords(words: readonly bigint[], { trace = false }: { trace?: boolean } = {}): Promise<InferenceResult> {
    const t0 = performance.now()
    if (trace) {
      const tensors = await this.canonical.runTraceWords(words).catch(invalidInput)
      return this.result(t0, tensors.at(-1)!, words.slice(), () => this.floatOutputOf(words), { commitment: traceCommitment(this.quantized, tensors), tensors })
    }
    // The integer graph reads the words' bytes itself where it can (8- and 16-bit inputs).
    const output = await this.canonical.runWords(words).catch(invalidInput)
    return this.result(t0, output, words.slice(), () => this.floatOutputOf(words))
  }

  /**
   * The canonical output for one quantized input: what the node proves or attests, from the exact
   * integer graph (the float output waits until it is asked for). A typed array passed in must not
   * change afterwards (the float output may read it later).
   */
  async infer(quantizedInput: readonly bigint[] | InputValues, { trace = false }: { trace?: boolean } = {}): Promise<InferenceResult> {
    const { count } = this.manifest.input
    if (quantizedInput.length !== count) throw this.wrongCount(quantizedInput.length)
    const values = quantizedInput instanceof Float32Array || quantizedInput instanceof Float64Array ? quantizedInput : Float64Array.from(quantizedInput, Number)
    let words: bigint[]
    try {
      // Packing checks every value's range before anything runs; the integer graph then reads the words.
      words = packValues(Array.from(values), this.manifest.input.bits)
    } catch (cause) {
      invalidInput(cause)
    }
    const result = await this.inferWords(words, { trace })
    return new Inference(result.output, words, result.outputWords, result.seconds, () => this.runSession(values), result.trace, result.tensors)
  }

  /** `float`: the float output, or how to compute it on first use. */
  private result(t0: number, output: bigint[], inputWords: bigint[], float: number[] | (() => Promise<number[]>), trace?: { commitment: TraceCommitment; tensors: bigint[][] }): InferenceResult {
    const seconds = { inference: (performance.now() - t0) / 1000 }
    return new Inference(output, inputWords, packValues(output, this.manifest.output.bits), seconds, float, trace?.commitment, trace?.tensors)
  }

  private wrongCount(received: number): InvalidInputError {
    const { count, shape } = this.manifest.input
    return new InvalidInputError({ reason: `model ${this.name} takes ${count} values (shape [${shape.join(', ')}]), got ${received}` })
  }

  /** Real values of a canonical output (class indices stay as they are). */
  dequantize(output: readonly bigint[]): number[] {
    return this.manifest.output.kind === 'class-index' ? output.map(Number) : output.map((q) => Number(q) / 2 ** this.manifest.output.scale)
  }
}

/** An InferenceResult whose float output and hashes are computed on first use. */
class Inference implements InferenceResult {
  #float: Promise<number[]> | (() => Promise<number[]>)
  #inputHash: Hex | undefined
  #outputHash: Hex | undefined
  constructor(
    readonly output: bigint[],
    readonly inputWords: bigint[],
    readonly outputWords: bigint[],
    readonly seconds: { inference: number },
    float: number[] | (() => Promise<number[]>),
    readonly trace: TraceCommitment | undefined = undefined,
    readonly tensors: bigint[][] | undefined = undefined,
  ) {
    this.#float = typeof float === 'function' ? float : Promise.resolve(float)
  }

  get traceRoot(): Hex | undefined {
    return this.trace?.traceRoot
  }

  get floatOutput(): Promise<number[]> {
    if (typeof this.#float === 'function') this.#float = this.#float()
    return this.#float
  }

  // keccak256 in JS costs tens of microseconds: hashed on first use only (attestations need both).
  get inputHash(): Hex {
    return (this.#inputHash ??= hashWords(this.inputWords))
  }

  get outputHash(): Hex {
    return (this.#outputHash ??= hashWords(this.outputWords))
  }
}

/** A bad input's error, as the node reports it (a 400 over HTTP). */
function invalidInput(cause: unknown): never {
  throw new InvalidInputError({ reason: (cause as Error).message.split('\n')[0]!, cause })
}

/** Loads every compiled model folder under `modelsDir` (each holding a manifest.json). */
export async function loadServedModels(modelsDir: string, provider: ExecutionProviderChoice, logger: Logger, gpuDevice = 0): Promise<ServedModel[]> {
  const dirs = existsSync(join(modelsDir, 'manifest.json')) ? [modelsDir] : (await readdir(modelsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => join(modelsDir, d.name))
  const models: ServedModel[] = []
  for (const dir of dirs) {
    if (!existsSync(join(dir, 'manifest.json'))) continue
    const model = await ServedModel.load(dir, provider, logger, gpuDevice)
    logger.info({ model: model.name, definitionHash: model.definitionHash, provable: model.provable, provider: model.provider }, 'model loaded')
    models.push(model)
  }
  return models
}
