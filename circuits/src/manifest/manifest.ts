import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { keccak256, stringToBytes, zeroHash, type Hex } from 'viem'
import { computeDefinitionHash, EMPTY_SETUP_RECORD, type ModelDefinition, type SetupRecord, valuesPerWord, wordCount } from '@veridict/sdk'
import { ManifestError } from '../errors/artifacts.js'
import type { AgreementReport } from '../quantize/calibrate.js'
import type { QuantizationSettings, QuantizedModel } from '../quantize/model.js'
import { stageModule } from '../stages/index.js'
import type { StageSummary } from '../stages/types.js'

export const MANIFEST_FORMAT = 'veridict-manifest/4'
export const ROUNDING_RULE = 'round half up after every product: y = floor((acc + 2^(shift-1)) / 2^shift)'

export type TensorLayout = {
  /** Element type of an integer-typed model input (absent: float); onnxruntime is fed it as such. */
  type?: 'int64' | 'int32' | undefined
  shape: number[]
  count: number
  /** Fixed-point exponent: real value = q / 2^scale. */
  scale: number
  bits: number
  valuesPerWord: number
  words: number
  /**
   * The input is private (compiled with --private-input): its words are private signals, and the
   * proof shows their Poseidon commitment with a salt instead (InputCommitment; docs/privacy.md).
   */
  private?: true | undefined
}

/** The powers-of-tau file a setup used, identified by its content (setup/identifyPtau.ts). */
export type PtauProvenance = {
  /** Base name, informational: the hash identifies the file. */
  file: string
  /** blake2b-512 of the whole file, as `b2sum` prints it. */
  blake2b: Hex
  power: number
  kind: 'known' | 'dev' | 'unlisted'
  /** e.g. 'powersOfTau28_hez_final_14.ptau (perpetual-powers-of-tau-hermez)', 'veridict dev ptau (INSECURE, single party)', 'unlisted ceremony'. */
  ceremony: string
}

/** Where a key came from: the ptau, every Groth16 phase-2 contribution, and what the registry stores of it. */
export type SetupProvenance = {
  protocol: 'groth16' | 'plonk'
  curve: 'bn128'
  ptau: PtauProvenance
  /** Groth16's per-circuit ceremony; undefined for PLONK (a universal setup has no phase 2). */
  phase2: {
    /** In order; hashes are the contribution hashes `snarkjs zkey verify` prints. */
    contributions: { name: string; hash: Hex }[]
    beacon: { name: string; hash: Hex; beaconHash: Hex; iterationsExp: number } | undefined
    /** Checked with `snarkjs zkey verify` (from the r1cs and the ptau) before the key was exported. */
    verified: boolean
  } | undefined
  /** One party could forge proofs: a dev ptau or a single-party unlisted one. */
  insecure: boolean
  /** Exactly what the registry stores for the model. */
  record: SetupRecord
  /** keccak256 of the verification key's on-chain encoding (sdk encodeVerificationKey). */
  verificationKeyHash: Hex
  /** The generated Solidity verifier, kept for reference and standalone use. */
  verifierContract: string
}

/** A model's parameter commitment as the registry takes it (ModelDefinition.parameters). */
export type ModelParameters = { root: Hex; stages: number }

export type ModelManifest = {
  format: typeof MANIFEST_FORMAT
  name: string
  /**
   * What the registry computes from the model's artifacts (sdk computeDefinitionHash); the model id
   * is keccak256(definitionHash, owner). Set at compile for attested-only models, at setup for
   * circuit models, undefined in between.
   */
  definitionHash: Hex | undefined
  /** `output`: the graph output compiled (absent in manifests from before it was recorded: the only one). */
  onnx: { file: string; keccak256: Hex; bytes: number; opset: number; producer: string; ops: string[]; output?: string | undefined }
  quantization: QuantizationSettings & { keccak256: Hex; chosenBy: string; rounding: string }
  /**
   * The integer model's parameter commitment (docs/disputes.md): the Merkle root of its stages'
   * headers and weight rows, and the stage count. The registry binds both into the model id; a
   * trace dispute's one step opens weights against the root.
   */
  parameters: ModelParameters
  /**
   * Present for a model compiled with --private-weights: its trained parameters are private signals
   * of the circuit, and `commitment` (decimal) is their salted Poseidon commitment, the constant the
   * circuit constrains them to (weightCommitment.ts), so the verification key binds it. The salt is
   * in `artifacts.weightSalt`, one of the model's private artifacts (weightSalt.ts). Absent: the
   * weights are constants of the circuit.
   */
  weights?: { private: true; commitment: string } | undefined
  input: TensorLayout
  output: TensorLayout & { kind: 'class-index' | 'values' }
  publicSignals: { count: number; layout: string[] }
  stages: ({ kind: string; sources: string[]; shape: number[]; bits: number; inputs?: number[] } & StageSummary)[]
  notes: string[]
  calibration: AgreementReport
  circuit: { templateName: string; constraints: number; wires: number; publicInputs: number; keccak256: Hex } | undefined
  setup: SetupProvenance | undefined
  artifacts: { onnx: string; quantized: string; weightSalt?: string; circom?: string; r1cs?: string; wasm?: string; sym?: string; zkey?: string; vkey?: string; verifier?: string }
  compiler: { version: string; seconds: { compile: number; setup?: number } }
}

export function tensorLayout(shape: number[], scale: number, bits: number): TensorLayout {
  const count = shape.reduce((a, b) => a * b, 1)
  return { shape, count, scale, bits, valuesPerWord: valuesPerWord(bits), words: wordCount(count, bits) }
}

export function quantizationHash(settings: QuantizationSettings): Hex {
  const { scale, inputScale, inputBits, maxBits } = settings
  return keccak256(stringToBytes(JSON.stringify({ scale, inputScale, inputBits, maxBits, rounding: ROUNDING_RULE })))
}

export type DefinitionParts = {
  onnxHash: Hex
  quantizationHash: Hex
  parameters: ModelParameters
  input: Pick<TensorLayout, 'count' | 'bits' | 'private'>
  output: Pick<TensorLayout, 'count' | 'bits'>
  /** A Groth16 or PLONK setup; without one, the model has no proof system (attested only). */
  setup?: Pick<SetupProvenance, 'protocol' | 'verificationKeyHash' | 'record'> | undefined
}

/** The model definition the registry hashes, from a manifest's parts. */
export function modelDefinition({ onnxHash, quantizationHash, parameters, input, output, setup }: DefinitionParts): ModelDefinition {
  return {
    onnxHash,
    quantizationHash,
    parameters,
    proofSystem: setup?.protocol ?? 'none',
    verificationKeyHash: setup?.verificationKeyHash ?? zeroHash,
    input: { values: input.count, bits: input.bits, private: input.private === true },
    output: { values: output.count, bits: output.bits },
    setup: setup?.record ?? EMPTY_SETUP_RECORD,
  }
}

/** The registry's definition hash of a model (sdk computeDefinitionHash over `modelDefinition`). */
export function definitionHashOf(parts: DefinitionParts): Hex {
  return computeDefinitionHash(modelDefinition(parts))
}

/**
 * The manifest of a set-up model: its setup provenance, the definition hash it gives, the key
 * artifacts (model.zkey, vkey.json, the Solidity verifier) and the setup's duration.
 */
export function manifestWithSetup(manifest: ModelManifest, setup: SetupProvenance, startedAt: number): ModelManifest {
  return {
    ...manifest,
    definitionHash: definitionHashOf({ onnxHash: manifest.onnx.keccak256, quantizationHash: manifest.quantization.keccak256, parameters: manifest.parameters, input: manifest.input, output: manifest.output, setup }),
    setup,
    artifacts: { ...manifest.artifacts, zkey: 'model.zkey', vkey: 'vkey.json', verifier: `${setup.verifierContract}.sol` },
    compiler: { ...manifest.compiler, seconds: { ...manifest.compiler.seconds, setup: Math.round(performance.now() - startedAt) / 1000 } },
  }
}

export function stageSummaries(model: QuantizedModel): ModelManifest['stages'] {
  return model.stages.map((s) => ({
    kind: s.kind,
    sources: s.sources,
    shape: s.shape,
    bits: s.bits,
    ...(s.inputs ? { inputs: s.inputs } : {}),
    ...stageModule(s.kind).summary(s),
  }))
}

export async function readManifest(dir: string): Promise<ModelManifest> {
  const path = join(dir, 'manifest.json')
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new ManifestError({ path, reason: 'it cannot be read; compile the model first (veridict compile model.onnx --out DIR)', cause })
  }
  let manifest: ModelManifest
  try {
    manifest = JSON.parse(text) as ModelManifest
  } catch (cause) {
    throw new ManifestError({ path, reason: 'it is not valid JSON; compile the model again (veridict compile model.onnx --out DIR)', cause })
  }
  const format: unknown = manifest?.format
  if (format === MANIFEST_FORMAT) return manifest
  if (typeof format === 'string' && format.startsWith('veridict-manifest/'))
    throw new ManifestError({
      path,
      reason: `its format is ${format}, written by another compiler version; this one reads ${MANIFEST_FORMAT} (a model's definition now also says whether its input is private). Re-run veridict compile for this model, then veridict setup (or a ceremony) to make new keys`,
    })
  throw new ManifestError({ path, reason: `its format is ${JSON.stringify(format)}, not a veridict manifest (expected ${MANIFEST_FORMAT})` })
}

/** Writes JSON through a temporary file and a rename, so a crash never leaves half a file. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`)
  await rename(tmp, path)
}
