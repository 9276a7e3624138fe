import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeAbiParameters, keccak256, stringToBytes, type Hex } from 'viem'
import { valuesPerWord, wordCount } from '../../../sdk/src/encoding/pack.js'
import { ManifestError } from '../errors/artifacts.js'
import type { AgreementReport } from '../quantize/calibrate.js'
import type { QuantizationSettings, QuantizedModel } from '../quantize/model.js'

export const MANIFEST_FORMAT = 'veridict-manifest/1'
export const ROUNDING_RULE = 'round half up after every product: y = floor((acc + 2^(shift-1)) / 2^shift)'

export type TensorLayout = {
  shape: number[]
  count: number
  /** Fixed-point exponent: real value = q / 2^scale. */
  scale: number
  bits: number
  valuesPerWord: number
  words: number
}

export type ModelManifest = {
  format: typeof MANIFEST_FORMAT
  name: string
  /** keccak256(abi.encode(onnxHash, quantizationHash, vkeyHash)); undefined until setup (vkeyHash 0 for attested-only models). */
  modelId: Hex | undefined
  onnx: { file: string; keccak256: Hex; bytes: number; opset: number; producer: string; ops: string[] }
  quantization: QuantizationSettings & { keccak256: Hex; chosenBy: string; rounding: string }
  input: TensorLayout
  output: TensorLayout & { kind: 'class-index' | 'values' }
  publicSignals: { count: number; layout: string[] }
  stages: { kind: string; sources: string[]; shape: number[]; bits: number; shift?: number; weights?: number }[]
  notes: string[]
  calibration: AgreementReport
  circuit: { templateName: string; constraints: number; wires: number; publicInputs: number; keccak256: Hex } | undefined
  setup:
    | { protocol: 'groth16'; curve: 'bn128'; ptau: { source: 'dev' | 'file'; path: string; power: number }; insecure: boolean; vkeyKeccak256: Hex; verifierContract: string }
    | undefined
  artifacts: { onnx: string; quantized: string; circom?: string; r1cs?: string; wasm?: string; sym?: string; zkey?: string; vkey?: string; verifier?: string }
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

export function computeModelId(onnxHash: Hex, quantHash: Hex, vkeyHash: Hex | undefined): Hex {
  return keccak256(
    encodeAbiParameters([{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }], [onnxHash, quantHash, vkeyHash ?? `0x${'0'.repeat(64)}`]),
  )
}

export function stageSummaries(model: QuantizedModel): ModelManifest['stages'] {
  return model.stages.map((s) => ({
    kind: s.kind,
    sources: s.sources,
    shape: s.shape,
    bits: s.bits,
    ...(s.kind === 'linear' || s.kind === 'leakyRelu' ? { shift: s.shift } : {}),
    ...(s.kind === 'linear' ? { weights: s.weights.length } : {}),
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
  const manifest = JSON.parse(text) as ModelManifest
  if (manifest.format !== MANIFEST_FORMAT) throw new ManifestError({ path, reason: `its format is ${JSON.stringify(manifest.format)}, expected ${MANIFEST_FORMAT}` })
  return manifest
}

/** Writes JSON through a temporary file and a rename, so a crash never leaves half a file. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`)
  await rename(tmp, path)
}
