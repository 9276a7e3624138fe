import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { commitWeights } from '../circuit/weightCommitment.js'
import { WeightSaltError } from '../errors/artifacts.js'
import type { QuantizedModel } from '../quantize/model.js'
import { writeJsonAtomic, type ModelManifest } from './manifest.js'

/**
 * Where a --private-weights model's salt lives: `weightSalt.json` in the model folder, beside
 * quantized.json and model.onnx, the files that hold the weights. Whoever proves needs the weights
 * and the salt together, and the salt hides nothing from whoever has the weights, so they travel
 * as one: these three files are the model's private artifacts, kept by its owner (and the
 * operators it trusts); the manifest, circuit, keys and verifier may be published. The salt never
 * enters a public artifact: only the commitment does (a constant in model.circom, the manifest's
 * `weights.commitment`, and through the circuit the verification key).
 */
export const WEIGHT_SALT_FILE = 'weightSalt.json'

export type WeightSaltFile = { salt: string; commitment: string }

export async function writeWeightSalt(dir: string, { salt, commitment }: { salt: bigint; commitment: bigint }): Promise<void> {
  await writeJsonAtomic(join(dir, WEIGHT_SALT_FILE), { salt: salt.toString(), commitment: commitment.toString() } satisfies WeightSaltFile)
}

const checked = new WeakMap<QuantizedModel, Map<string, bigint>>()

/**
 * The salt of a private-weights model, read from its folder and checked: the commitment of the
 * folder's weights (quantized.json) with it must be the manifest's, the constant the circuit pins,
 * or no witness would exist. Checked once per loaded model and commitment.
 */
export async function readWeightSalt({ dir, manifest, model }: { dir: string; manifest: ModelManifest; model: QuantizedModel }): Promise<bigint> {
  const expected = manifest.weights?.commitment
  if (expected === undefined) throw new WeightSaltError({ dir, reason: 'its manifest records no weight commitment' })
  const path = join(dir, manifest.artifacts.weightSalt ?? WEIGHT_SALT_FILE)
  let salt: bigint
  try {
    salt = BigInt((JSON.parse(await readFile(path, 'utf8')) as WeightSaltFile).salt)
  } catch (cause) {
    throw new WeightSaltError({ dir, reason: `its salt cannot be read from ${path}`, cause })
  }
  const known = checked.get(model)?.get(expected)
  if (known === salt) return salt
  const commitment = await commitWeights({ model, salt })
  if (commitment.toString() !== expected)
    throw new WeightSaltError({ dir, reason: `the weights in ${manifest.artifacts.quantized} with the salt in ${path} commit to ${commitment}, not to the manifest's (and circuit's) ${expected}` })
  checked.set(model, new Map([...(checked.get(model) ?? []), [expected, salt]]))
  return salt
}
