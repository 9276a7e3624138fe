import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import type { Logger } from 'pino'
import type { Hex } from 'viem'
import { computeModelId, createCanonicalExecutor, loadCompiledModel, type CanonicalExecutor, type ModelManifest } from '../../../circuits/src/index.js'
import type { QuantizedModel } from '../../../circuits/src/quantize/model.js'
import { hashWords } from '../../../sdk/src/encoding/hashWords.js'
import { packValues, unpackValuesToNumbers } from '../../../sdk/src/encoding/pack.js'
import { InvalidInputError, ModelLoadError } from '../errors/node.js'
import { createSession, type ExecutionProviderChoice } from './executionProvider.js'

export type InferenceResult = {
  /** Canonical output values (what the circuit constrains; rounded onnxruntime output for attested-only models). */
  output: bigint[]
  /** onnxruntime's float output on the same (quantized) input. */
  floatOutput: number[]
  inputWords: bigint[]
  outputWords: bigint[]
  inputHash: Hex
  outputHash: Hex
  /** Seconds: the float session and the canonical executor run concurrently (`inference` is the wall time of both). */
  seconds: { session: number; reference: number; inference: number }
}

export { hashWords }

/** A compiled model this node serves: its manifest, quantized graph and an onnxruntime session. */
export class ServedModel {
  readonly name: string
  readonly modelId: Hex
  readonly dir: string
  readonly manifest: ModelManifest
  readonly quantized: QuantizedModel
  readonly session: ort.InferenceSession
  /** Computes the canonical output exactly: onnxruntime on the integer graph, or the bigint reference. */
  readonly canonical: CanonicalExecutor | undefined
  readonly provider: 'cuda' | 'cpu'
  /** The model has a circuit and proving key: its outputs can be proved (ZK mode, disputes). */
  readonly provable: boolean

  private constructor(init: { dir: string; manifest: ModelManifest; quantized: QuantizedModel; session: ort.InferenceSession; canonical: CanonicalExecutor | undefined; provider: 'cuda' | 'cpu' }) {
    this.dir = init.dir
    this.canonical = init.canonical
    this.manifest = init.manifest
    this.quantized = init.quantized
    this.session = init.session
    this.provider = init.provider
    this.name = init.manifest.name
    this.modelId = init.manifest.modelId ?? computeModelId(init.manifest.onnx.keccak256, init.manifest.quantization.keccak256, undefined)
    this.provable = init.manifest.circuit !== undefined && init.manifest.artifacts.zkey !== undefined && existsSync(join(init.dir, init.manifest.artifacts.zkey))
  }

  static async load(dir: string, provider: ExecutionProviderChoice, logger: Logger): Promise<ServedModel> {
    let compiled: Awaited<ReturnType<typeof loadCompiledModel>>
    try {
      compiled = await loadCompiledModel(dir)
    } catch (cause) {
      throw new ModelLoadError({ dir, reason: (cause as Error).message.split('\n')[0]!, cause })
    }
    // An attested-only model (no circuit) has no setup; its id uses a zero verification-key hash (manifest.ts).
    if (!compiled.manifest.modelId && compiled.manifest.circuit) throw new ModelLoadError({ dir, reason: 'its manifest has no modelId; run setup first' })
    const { session, provider: used } = await createSession(join(compiled.dir, compiled.manifest.artifacts.onnx), provider, logger)
    // The integer graph is exact on any execution provider, so CPU and GPU nodes agree.
    const canonical = compiled.manifest.circuit ? await createCanonicalExecutor({ model: compiled.model, executionProviders: used === 'cuda' ? ['cuda', 'cpu'] : ['cpu'] }) : undefined
    return new ServedModel({ dir: compiled.dir, manifest: compiled.manifest, quantized: compiled.model, session, canonical, provider: used })
  }

  /** Quantizes real-valued inputs at the model's input scale, checking count and range. */
  quantize(values: readonly number[]): bigint[] {
    const { count, scale, bits } = this.manifest.input
    if (values.length !== count) throw new InvalidInputError({ reason: `model ${this.name} takes ${count} values (shape [${this.manifest.input.shape.join(', ')}]), got ${values.length}` })
    const limit = 2 ** (bits - 1)
    return values.map((v, index) => {
      if (!Number.isFinite(v)) throw new InvalidInputError({ reason: `value ${index} is not a finite number` })
      const q = Math.round(v * 2 ** scale)
      if (q < -limit || q >= limit) throw new InvalidInputError({ reason: `value ${index} (${v}) is outside the model's input range [${-limit / 2 ** scale}, ${(limit - 1) / 2 ** scale}]` })
      return BigInt(q)
    })
  }

  /** Unpacks input words (as a request carries them) into quantized values, checking count and payload. */
  unpackInput(words: readonly bigint[]): Float64Array {
    try {
      return unpackValuesToNumbers(words, this.manifest.input.count, this.manifest.input.bits)
    } catch (cause) {
      throw new InvalidInputError({ reason: (cause as Error).message.split('\n')[0]!, cause })
    }
  }

  /** Runs onnxruntime on the dequantized input (the float reference). */
  async runSession(quantizedInput: readonly bigint[] | Float64Array): Promise<number[]> {
    const { shape, scale } = this.manifest.input
    // A plain loop: Float32Array.from with a mapping function is several times slower here.
    const data = new Float32Array(quantizedInput.length)
    const unit = 2 ** -scale
    for (let i = 0; i < data.length; i++) data[i] = Number(quantizedInput[i]!) * unit
    const feeds = { [this.session.inputNames[0]!]: new ort.Tensor('float32', data, shape) }
    const results = await this.session.run(feeds)
    const tensor = results[this.session.outputNames[0]!]!
    return Array.from(tensor.data as ArrayLike<number | bigint>, Number)
  }

  /**
   * The canonical output and the float output for one quantized input, computed concurrently.
   * `inputWords`: the packed input when the caller has it already (a request's event carries it).
   */
  async infer(quantizedInput: readonly bigint[] | Float64Array, { inputWords: knownWords }: { inputWords?: readonly bigint[] | undefined } = {}): Promise<InferenceResult> {
    const t0 = performance.now()
    let sessionDone = t0
    let referenceDone = t0
    let values: Float64Array
    if (quantizedInput instanceof Float64Array) values = quantizedInput
    else {
      values = new Float64Array(quantizedInput.length)
      for (let i = 0; i < values.length; i++) values[i] = Number(quantizedInput[i]!)
    }
    const floatRun = this.runSession(values).then((v) => ((sessionDone = performance.now()), v))
    const canonicalRun = this.canonical
      ? this.canonical.runValues(values).then(
          (v) => ((referenceDone = performance.now()), v),
          (cause: unknown) => {
            throw new InvalidInputError({ reason: (cause as Error).message.split('\n')[0]!, cause })
          },
        )
      : undefined
    const [floatOutput, canonicalOutput] = await Promise.all([floatRun, canonicalRun])
    // Attested-only: the canonical output is onnxruntime's output rounded to the output scale.
    const output =
      canonicalOutput ??
      (this.manifest.output.kind === 'class-index' ? floatOutput.map((v) => BigInt(Math.round(v))) : floatOutput.map((v) => BigInt(Math.round(v * 2 ** this.manifest.output.scale))))
    const t1 = performance.now()
    const inputWords = knownWords ? [...knownWords] : packValues(Array.from(values), this.manifest.input.bits)
    const outputWords = packValues(output, this.manifest.output.bits)
    let inputHash: Hex | undefined
    let outputHash: Hex | undefined
    return {
      output,
      floatOutput,
      inputWords,
      outputWords,
      // keccak256 in JS costs tens of microseconds: hashed on first use only (attestations need both).
      get inputHash() {
        return (inputHash ??= hashWords(inputWords))
      },
      get outputHash() {
        return (outputHash ??= hashWords(outputWords))
      },
      seconds: { session: (sessionDone - t0) / 1000, reference: canonicalOutput ? (referenceDone - t0) / 1000 : 0, inference: (t1 - t0) / 1000 },
    }
  }

  /** Real values of a canonical output (class indices stay as they are). */
  dequantize(output: readonly bigint[]): number[] {
    return this.manifest.output.kind === 'class-index' ? output.map(Number) : output.map((q) => Number(q) / 2 ** this.manifest.output.scale)
  }
}

/** Loads every compiled model folder under `modelsDir` (each holding a manifest.json). */
export async function loadServedModels(modelsDir: string, provider: ExecutionProviderChoice, logger: Logger): Promise<ServedModel[]> {
  const dirs = existsSync(join(modelsDir, 'manifest.json')) ? [modelsDir] : (await readdir(modelsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => join(modelsDir, d.name))
  const models: ServedModel[] = []
  for (const dir of dirs) {
    if (!existsSync(join(dir, 'manifest.json'))) continue
    const model = await ServedModel.load(dir, provider, logger)
    logger.info({ model: model.name, modelId: model.modelId, provable: model.provable, provider: model.provider }, 'model loaded')
    models.push(model)
  }
  return models
}
