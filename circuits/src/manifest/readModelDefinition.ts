import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { keccak256, type Hex } from 'viem'
import { computeDefinitionHash, EMPTY_SETUP_RECORD, encodeVerificationKey, type ModelDefinition, type VerificationKey } from '@veridict/sdk'
import { ManifestError } from '../errors/artifacts.js'
import { readManifest, type ModelManifest } from './manifest.js'

export type ReadModelDefinitionReturnType = {
  manifest: ModelManifest
  /** What the registry hashes, recomputed from the folder's files (not copied from the manifest). */
  definition: ModelDefinition
  /** The key's on-chain encoding (what registerModel sends); '0x' for a model without a proof system. */
  verificationKey: Hex
  definitionHash: Hex
}

/**
 * The registry definition of a compiled model folder, from its files: the ONNX file's hash
 * (hashed again here), the quantization hash, the verification key (vkey.json, encoded as the
 * registry stores it), the packing and the setup record. Throws ManifestError when the folder is
 * not set up, or when the manifest's definition hash disagrees with its files (a changed ONNX
 * file or vkey.json).
 */
export async function readModelDefinition(dir: string): Promise<ReadModelDefinitionReturnType> {
  const abs = resolve(dir)
  const manifest = await readManifest(abs)
  const path = join(abs, 'manifest.json')
  const onnxHash = keccak256(await readFile(join(abs, manifest.artifacts.onnx)))
  if (onnxHash !== manifest.onnx.keccak256)
    throw new ManifestError({ path, reason: `${manifest.artifacts.onnx} hashes to ${onnxHash}, the manifest says ${manifest.onnx.keccak256}: the ONNX file was changed after compiling; compile again` })
  let verificationKey: Hex = '0x'
  const proved = manifest.circuit !== undefined
  if (proved) {
    if (!manifest.setup || !manifest.artifacts.vkey) throw new ManifestError({ path, reason: `the model has a circuit but no setup; run: veridict setup ${abs}` })
    const vkey = JSON.parse(await readFile(join(abs, manifest.artifacts.vkey), 'utf8')) as VerificationKey
    verificationKey = encodeVerificationKey(manifest.setup.protocol, vkey)
  }
  const definition: ModelDefinition = {
    onnxHash,
    quantizationHash: manifest.quantization.keccak256,
    parameters: manifest.parameters,
    proofSystem: proved ? manifest.setup!.protocol : 'none',
    verificationKeyHash: proved ? keccak256(verificationKey) : `0x${'0'.repeat(64)}`,
    input: { values: manifest.input.count, bits: manifest.input.bits, private: manifest.input.private === true },
    output: { values: manifest.output.count, bits: manifest.output.bits },
    setup: proved ? manifest.setup!.record : EMPTY_SETUP_RECORD,
  }
  const definitionHash = computeDefinitionHash(definition)
  if (manifest.definitionHash !== definitionHash)
    throw new ManifestError({ path, reason: `its definitionHash ${manifest.definitionHash ?? '(none)'} is not the hash of its files, ${definitionHash}: the folder was changed after setup; run setup again` })
  return { manifest, definition, verificationKey, definitionHash }
}
