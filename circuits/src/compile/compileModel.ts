import { readFile, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { keccak256 } from 'viem'
import { compileCircom } from '../circuit/compileCircom.js'
import { generateCircuit } from '../circuit/generateCircuit.js'
import { BENEFICIARY_SIGNAL, INPUT_COMMITMENT_SIGNAL } from '../circuit/publicSignals.js'
import { commitWeights, privateWeightValues } from '../circuit/weightCommitment.js'
import { CircuitTooLargeError, InvalidCompileOptionError, ModelFileError, ModelWithoutWeightsError, PrivateInputWithoutCircuitError, PrivateWeightsWithoutCircuitError } from '../errors/compile.js'
import { describeLimit, describePart, duration, estimateCircuit, formatEstimate, memory, type CircuitEstimate } from '../estimate/estimateCircuit.js'
import { readCostRecords, recordCost } from '../estimate/machineProfile.js'
import { lowerGraph } from '../ir/lower.js'
import {
  definitionHashOf,
  MANIFEST_FORMAT,
  quantizationHash,
  ROUNDING_RULE,
  stageSummaries,
  tensorLayout,
  writeJsonAtomic,
  type ModelManifest,
} from '../manifest/manifest.js'
import { WEIGHT_SALT_FILE, writeWeightSalt } from '../manifest/weightSalt.js'
import { loadModel } from '../onnx/loadModel.js'
import { chooseQuantization, type ChooseQuantizationReturnType, type QuantizeOptions } from '../quantize/calibrate.js'
import type { QuantizedModel } from '../quantize/model.js'
import { quantizedModelToJson } from '../quantize/serialize.js'
import { parametersCommitment } from '../trace/commitments.js'
import { COMPILER_VERSION } from '../version.js'
import { selfCheck, selfCheckSummary } from './selfCheck.js'
import { modelOutput } from './modelOutput.js'

/** A compile step; `fraction` (0 to 1) on a long one (circom: elapsed against its estimated time). */
export type CompileProgress = { step: 'load' | 'quantize' | 'estimate' | 'parameters' | 'generate' | 'circom' | 'selfcheck' | 'done'; message: string; fraction?: number | undefined }

export type CompileModelParameters = QuantizeOptions & {
  /** Path to the .onnx file, or its bytes. */
  onnx: string | Uint8Array
  outDir: string
  /** Names the circuit and verifier contract; defaults to the file name. */
  name?: string | undefined
  /** The graph output to compile when the model has several (loadModel: by default the one float output). */
  output?: string | undefined
  /** false: quantize and write the manifest only, for a model served in ATTESTED mode (too large for a circuit). */
  circuit?: boolean | undefined
  /**
   * The input words become private signals and the proof shows their Poseidon commitment with a
   * salt instead (docs/privacy.md): the chain never sees the input. Needs a circuit.
   */
  privateInput?: boolean | undefined
  /**
   * The trained weights and biases become private signals of the circuit, constrained to their
   * salted Poseidon commitment, a constant of the circuit (generateCircuit's privateWeights): the
   * circuit, its keys and the manifest no longer hold the weights, and only whoever holds the
   * model's private artifacts (model.onnx, quantized.json, weightSalt.json) can prove. Needs a circuit.
   */
  privateWeights?: boolean | undefined
  /** The salt of the weight commitment (a field element, 1 to p - 1); default a fresh random one. */
  weightSalt?: bigint | undefined
  /**
   * The most constraints to compile a circuit of (--max-constraints). Default: what proves in about
   * 10 minutes on this machine with the memory at hand (circuitLimit). A larger circuit is refused
   * with its estimate, in seconds, before circom runs.
   */
  maxConstraints?: number | undefined
  onProgress?: ((progress: CompileProgress) => void) | undefined
}

export type CompileModelReturnType = { dir: string; manifest: ModelManifest; /** The circuit's estimate (absent for --no-circuit). */ estimate?: CircuitEstimate | undefined }

export type EstimateModelParameters = Omit<CompileModelParameters, 'outDir' | 'weightSalt'>
export type EstimateModelReturnType = ChooseQuantizationReturnType & { name: string; estimate: CircuitEstimate }

/**
 * What `compile` would build, without building it (compile --estimate): the model loaded and
 * quantized as compile does, and its circuit's estimated constraints, costs on this machine and
 * limit. Never refuses: `estimate.fits` says whether compile would.
 */
export async function estimateModel(parameters: EstimateModelParameters): Promise<EstimateModelReturnType> {
  const prepared = await prepareModel({ ...parameters, circuit: true }, parameters.onProgress ?? (() => {}), false)
  return { ...prepared.chosen, name: prepared.name, estimate: prepared.estimate }
}

type PreparedModel = {
  bytes: Uint8Array
  name: string
  graph: ReturnType<typeof loadModel>
  ir: ReturnType<typeof lowerGraph>
  chosen: ChooseQuantizationReturnType
  estimate: CircuitEstimate
}

/**
 * Loads, lowers and quantizes the model and estimates its circuit. With `refuse`, a circuit above
 * the limit stops it with CircuitTooLargeError: first on the coarsest quantization, before any
 * calibration sample runs (a lower bound, as finer scales only widen), then on the one chosen.
 */
async function prepareModel(parameters: Omit<CompileModelParameters, 'outDir'>, progress: (p: CompileProgress) => void, refuse: boolean): Promise<PreparedModel> {
  if (parameters.maxConstraints !== undefined && !(Number.isInteger(parameters.maxConstraints) && parameters.maxConstraints > 0))
    throw new InvalidCompileOptionError({ option: '--max-constraints', value: parameters.maxConstraints, expected: 'a positive integer' })
  const bytes = typeof parameters.onnx === 'string' ? await readOnnx(parameters.onnx) : parameters.onnx
  const name = sanitizeName(parameters.name ?? (typeof parameters.onnx === 'string' ? basename(parameters.onnx, '.onnx') : 'model'))

  progress({ step: 'load', message: `loading ONNX (${bytes.length} bytes)` })
  const graph = loadModel(bytes, { output: parameters.output })
  const ir = lowerGraph(graph)
  const records = await readCostRecords()
  const circuit = parameters.circuit !== false
  const estimate = (model: QuantizedModel, lowerBound: boolean): CircuitEstimate => {
    const result = estimateCircuit({ model, privateInput: parameters.privateInput, privateWeights: parameters.privateWeights, maxConstraints: parameters.maxConstraints, records })
    if (refuse && circuit && !result.fits) throw circuitTooLarge(result, lowerBound)
    return result
  }
  const calibrating = parameters.scale === undefined && (parameters.calibration?.length ?? 0) > 0

  progress({ step: 'quantize', message: parameters.scale === undefined ? `calibrating the scale on ${parameters.calibration?.length ?? 0} samples` : `quantizing at scale 2^${parameters.scale}` })
  // Calibrating: refuse on the coarsest candidate before any sample runs (without calibration the one model quantized is checked below).
  const beforeCalibration = calibrating ? (model: QuantizedModel) => void estimate(model, true) : undefined
  const chosen = chooseQuantization(ir, { ...parameters, integerInput: graph.input.type !== undefined, beforeCalibration })
  const chosenEstimate = estimate(chosen.model, false)
  if (circuit) {
    const { resources: r } = chosenEstimate
    progress({ step: 'estimate', message: `about ${chosenEstimate.constraints.toLocaleString('en-US')} constraints (limit ${chosenEstimate.limit.maxConstraints.toLocaleString('en-US')}: ${describeLimit(chosenEstimate.limit)}); expected: circom ${duration(r.circom.seconds)}, setup ${duration(r.setup.seconds)}, one proof ${duration(r.prove.seconds)} at ${memory(r.prove.memoryMiB)}` })
  }
  return { bytes, name, graph, ir, chosen, estimate: chosenEstimate }
}

function circuitTooLarge(estimate: CircuitEstimate, lowerBound: boolean): CircuitTooLargeError {
  const largest = [...estimate.parts].sort((a, b) => b.constraints - a.constraints)[0]!
  return new CircuitTooLargeError({
    constraints: estimate.constraints,
    maxConstraints: estimate.limit.maxConstraints,
    limitSource: describeLimit(estimate.limit),
    estimate: formatEstimate(estimate).join('\n'),
    largest: `${describePart(largest)}, ${largest.constraints.toLocaleString('en-US')} constraints`,
    lowerBound,
  })
}

/**
 * ONNX -> quantized integer graph -> circom -> r1cs + wasm, with the manifest. Run setupModel next
 * for keys. The circuit is estimated first and refused, before circom runs, above the limit
 * (`maxConstraints`). Everything is written into a folder beside `outDir` and renamed into place at
 * the end: `outDir` holds a complete model or none (a previous one stays until the new one is done).
 */
export async function compileModel(parameters: CompileModelParameters): Promise<CompileModelReturnType> {
  const started = performance.now()
  const progress = parameters.onProgress ?? (() => {})
  const dir = resolve(parameters.outDir)
  // Refused before anything is computed: a folder compile cannot replace.
  const output = await modelOutput(dir)
  try {
    const { bytes, name, graph, ir, chosen, estimate } = await prepareModel(parameters, progress, true)
    const { model, settings, report, chosenBy } = chosen
    const manifest = await writeModel({ parameters, work: await output.begin(), bytes, name, graph, ir, model, settings, report, chosenBy, estimate, progress, started })
    await output.commit()
    progress({ step: 'done', message: manifest.circuit ? `${manifest.circuit.constraints} constraints` : 'attested-only model (no circuit)' })
    return { dir, manifest, estimate: manifest.circuit ? estimate : undefined }
  } finally {
    await output.abandon()
  }
}

type WriteModelParameters = Omit<PreparedModel, 'chosen'> &
  ChooseQuantizationReturnType & { parameters: CompileModelParameters; work: string; progress: (p: CompileProgress) => void; started: number }

/** Writes every artifact of the model into `work` (a folder of its own, renamed into place by the caller). */
async function writeModel({ parameters, work: dir, bytes, name, graph, ir, model, settings, report, chosenBy, estimate, progress, started }: WriteModelParameters): Promise<ModelManifest> {
  await writeFile(join(dir, 'model.onnx'), bytes)
  await writeJsonAtomic(join(dir, 'quantized.json'), quantizedModelToJson(model))

  progress({ step: 'parameters', message: `committing to the weights of ${model.stages.length} stages (the root a trace dispute opens)` })
  const committed = { root: parametersCommitment(model).parametersRoot, stages: model.stages.length }
  const classOutput = model.stages[model.stages.length - 1]?.kind === 'argMax'
  if (parameters.privateInput && parameters.circuit === false) throw new PrivateInputWithoutCircuitError()
  if (parameters.privateWeights && parameters.circuit === false) throw new PrivateWeightsWithoutCircuitError()
  if (parameters.privateWeights && privateWeightValues(model).length === 0) throw new ModelWithoutWeightsError({ stages: model.stages.map((s) => s.kind) })
  const weightSalt = parameters.privateWeights ? (parameters.weightSalt ?? (await import('@veridict/sdk/private')).randomSalt()) : undefined
  const weightCommitment = weightSalt === undefined ? undefined : await commitWeights({ model, salt: weightSalt })
  if (weightSalt !== undefined && weightCommitment !== undefined) await writeWeightSalt(dir, { salt: weightSalt, commitment: weightCommitment })
  const input = { ...(graph.input.type ? { type: graph.input.type } : {}), ...tensorLayout(model.inputShape, model.inputScale, model.inputBits), ...(parameters.privateInput ? { private: true as const } : {}) }
  const output = tensorLayout(model.outputShape, model.outputScale, model.outputBits)
  const manifest: ModelManifest = {
    format: MANIFEST_FORMAT,
    name,
    definitionHash: parameters.circuit === false ? definitionHashOf({ onnxHash: keccak256(bytes), quantizationHash: quantizationHash(settings), parameters: committed, input, output }) : undefined,
    onnx: { file: 'model.onnx', keccak256: keccak256(bytes), bytes: bytes.length, opset: graph.opset, producer: graph.producer, ops: ir.ops, output: graph.output.name },
    quantization: { ...settings, keccak256: quantizationHash(settings), chosenBy, rounding: ROUNDING_RULE },
    parameters: committed,
    ...(weightCommitment === undefined ? {} : { weights: { private: true as const, commitment: weightCommitment.toString() } }),
    input,
    output: { ...output, kind: classOutput ? 'class-index' : 'values' },
    publicSignals: parameters.privateInput
      ? { count: 1 + output.words + 1, layout: [INPUT_COMMITMENT_SIGNAL, `outWords[0..${output.words})`, BENEFICIARY_SIGNAL] }
      : { count: input.words + output.words + 1, layout: [`inWords[0..${input.words})`, `outWords[0..${output.words})`, BENEFICIARY_SIGNAL] },
    stages: stageSummaries(model),
    notes: ir.notes,
    calibration: report,
    circuit: undefined,
    setup: undefined,
    artifacts: { onnx: 'model.onnx', quantized: 'quantized.json', ...(weightCommitment === undefined ? {} : { weightSalt: WEIGHT_SALT_FILE }) },
    compiler: { version: COMPILER_VERSION, seconds: { compile: 0 } },
  }

  if (parameters.circuit !== false) {
    const templateName = `${pascalCase(name)}Model`
    progress({ step: 'generate', message: `generating circom for ${model.stages.length} stages` })
    await writeFile(join(dir, 'model.circom'), generateCircuit({ model, templateName, privateInput: parameters.privateInput, privateWeights: weightCommitment === undefined ? undefined : { commitment: weightCommitment } }))
    const expected = estimate.resources.circom
    progress({ step: 'circom', message: `compiling with circom (r1cs, wasm): about ${duration(expected.seconds)} and ${memory(expected.memoryMiB)} expected` })
    // --O1: linear constraints stay sparse; --O2 substitutes them into dense combinations that made
    // groth16 setup 30x and proving 2x slower for the 784-56-10 MLP.
    const compiled = await compileCircom({
      file: join(dir, 'model.circom'),
      outDir: dir,
      optimization: 1,
      onProgress: ({ seconds, memoryMiB }) =>
        progress({ step: 'circom', message: `circom ${duration(seconds)} of about ${duration(expected.seconds)}${memoryMiB === undefined ? '' : `, ${memory(memoryMiB)}`}`, fraction: Math.min(0.99, seconds / Math.max(expected.seconds, 1)) }),
    })
    if (compiled.memoryMiB !== undefined) await recordCost({ step: 'circom', constraints: estimate.constraints, domainPower: estimate.domainPower, weights: estimate.weights, poseidon: parameters.privateInput === true || parameters.privateWeights === true, seconds: compiled.seconds, memoryMiB: compiled.memoryMiB })
    const check = await selfCheck({ model, wasm: compiled.wasm, r1cs: compiled.r1cs, calibration: parameters.calibration, privateInput: parameters.privateInput, weightSalt })
    progress({ step: 'selfcheck', message: selfCheckSummary(check) })
    const r1csBytes = await readFile(compiled.r1cs)
    manifest.circuit = {
      templateName,
      constraints: r1csBytes.readUInt32LE(r1csHeaderOffset(r1csBytes) + 24),
      wires: compiled.stats.wires,
      publicInputs: compiled.stats.publicInputs,
      keccak256: keccak256(r1csBytes),
    }
    manifest.artifacts = { ...manifest.artifacts, circom: 'model.circom', r1cs: 'model.r1cs', wasm: 'model_js/model.wasm', sym: 'model.sym' }
    const off = estimate.constraints / manifest.circuit.constraints - 1
    // The estimate matched circom within 1% on every committed model: a larger gap is an estimator bug worth a report.
    if (Math.abs(off) > 0.1)
      progress({ step: 'circom', message: `note: the estimate (${estimate.constraints.toLocaleString('en-US')}) was ${(100 * off).toFixed(0)}% off circom's ${manifest.circuit.constraints.toLocaleString('en-US')} constraints; please report it with the model` })
  }
  manifest.compiler.seconds.compile = round((performance.now() - started) / 1000)
  await writeJsonAtomic(join(dir, 'manifest.json'), manifest)
  return manifest
}

async function readOnnx(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path)
  } catch (cause) {
    throw new ModelFileError({ path, code: (cause as NodeJS.ErrnoException).code, cause })
  }
}

/** Byte offset of the header fields after the prime in an r1cs file. */
function r1csHeaderOffset(buf: Buffer): number {
  let pos = 12
  for (;;) {
    const type = buf.readUInt32LE(pos)
    const size = Number(buf.readBigUInt64LE(pos + 4))
    if (type === 1) return pos + 12 + 4 + buf.readUInt32LE(pos + 12)
    pos += 12 + size
  }
}

export function sanitizeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^[^A-Za-z]+/, '')
  return cleaned || 'model'
}

export function pascalCase(name: string): string {
  return name
    .split(/[_\W]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('')
}

const round = (x: number) => Math.round(x * 1000) / 1000
