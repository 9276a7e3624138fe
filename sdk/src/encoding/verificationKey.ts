import { keccak256, type Hex } from 'viem'
import { decodeGroth16VerificationKey, encodeGroth16VerificationKey, type Groth16VerificationKey } from './groth16VerificationKey.js'
import type { ProofSystem } from './modelDefinition.js'
import { decodePlonkVerificationKey, encodePlonkVerificationKey, type PlonkVerificationKey } from './plonk.js'

/** A snarkjs verification key (vkey.json) of a proof system the registry verifies. */
export type VerificationKey = Groth16VerificationKey | PlonkVerificationKey

/**
 * The on-chain encoding of a verification key, as ModelRegistry stores it and the proof system's
 * verifier reads it. The key's own `protocol` must be the proof system's.
 *
 * @example
 * import { encodeVerificationKey } from '@veridict/sdk'
 *
 * const key = encodeVerificationKey('groth16', vkey)
 */
export function encodeVerificationKey(proofSystem: Exclude<ProofSystem, 'none'>, vkey: VerificationKey): Hex {
  return proofSystem === 'groth16' ? encodeGroth16VerificationKey(vkey as Groth16VerificationKey) : encodePlonkVerificationKey(vkey as PlonkVerificationKey)
}

/**
 * The snarkjs JSON of a key read from the registry (ModelRegistry.getVerificationKey).
 *
 * @example
 * import { decodeVerificationKey } from '@veridict/sdk'
 *
 * const vkey = decodeVerificationKey('groth16', bytes)
 */
export function decodeVerificationKey(proofSystem: Exclude<ProofSystem, 'none'>, bytes: Hex): VerificationKey {
  return proofSystem === 'groth16' ? decodeGroth16VerificationKey(bytes) : decodePlonkVerificationKey(bytes)
}

/** keccak256 of a key's on-chain encoding: the `verificationKeyHash` of a model definition. */
export function verificationKeyHash(proofSystem: Exclude<ProofSystem, 'none'>, vkey: VerificationKey): Hex {
  return keccak256(encodeVerificationKey(proofSystem, vkey))
}
