import { keccak256, type Hex } from 'viem'
import { readContract } from 'viem/actions'
import { modelRegistryAbi } from '../abi/modelRegistryAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import type { ProofSystem } from '../encoding/modelDefinition.js'
import { decodeVerificationKey, type VerificationKey } from '../encoding/verificationKey.js'
import { VerificationKeyNotFoundError } from '../errors/verify.js'
import { toVeridictError } from '../utils/contractError.js'
import { getModel } from './getModel.js'

export type GetVerificationKeyParameters = { modelId: Hex }

export type GetVerificationKeyReturnType = {
  proofSystem: Exclude<ProofSystem, 'none'>
  /** The key's on-chain encoding, as the registry stores it. */
  bytes: Hex
  /** keccak256 of `bytes`: the definition's verificationKeyHash. */
  hash: Hex
  /** The snarkjs JSON of the key (for snarkjs's verify). */
  vkey: VerificationKey
}

/**
 * Reads a model's verification key from the registry, the one its verifier checks proofs with.
 * No metadata URI or model folder is needed. Throws VerificationKeyNotFoundError for a model
 * without a proof system (attested only).
 *
 * @example
 * import { getVerificationKey } from '@veridict/sdk'
 *
 * const { vkey, proofSystem } = await getVerificationKey(veridict, { modelId })
 */
export async function getVerificationKey(client: VeridictClient, { modelId }: GetVerificationKeyParameters): Promise<GetVerificationKeyReturnType> {
  const cached = client.verificationKeys.get(modelId.toLowerCase())
  if (cached) return cached
  const model = await getModel(client, { modelId })
  if (model.proofSystem === 'none') throw new VerificationKeyNotFoundError({ reason: `model ${modelId} has no proof system (it is served attested only)` })
  let bytes: Hex
  try {
    bytes = await readContract(client.publicClient, { address: client.deployment.registry, abi: modelRegistryAbi, functionName: 'getVerificationKey', args: [modelId] })
  } catch (error) {
    throw toVeridictError(error, 'getVerificationKey')
  }
  const key: GetVerificationKeyReturnType = { proofSystem: model.proofSystem, bytes, hash: keccak256(bytes), vkey: decodeVerificationKey(model.proofSystem, bytes) }
  client.verificationKeys.set(modelId.toLowerCase(), key)
  return key
}
