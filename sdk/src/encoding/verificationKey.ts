import { keccak256, type Hex } from 'viem'
import { MalformedVerificationKeyError } from '../errors/verify.js'
import { decodeGroth16VerificationKey, encodeGroth16VerificationKey, type Groth16VerificationKey } from './groth16VerificationKey.js'
import type { ProofSystem } from './modelDefinition.js'

/** A snarkjs verification key (vkey.json) of a proof system the registry verifies. */
export type VerificationKey = Groth16VerificationKey

/**
 * The on-chain encoding of a verification key, as ModelRegistry stores it and the proof system's
 * verifier reads it.
 *
 * @example
 * import { encodeVerificationKey } from '@veridict/sdk'
 *
 * const key = encodeVerificationKey('groth16', vkey)
 */
export function encodeVerificationKey(proofSystem: ProofSystem, vkey: VerificationKey): Hex {
  if (proofSystem === 'groth16') return encodeGroth16VerificationKey(vkey)
  throw new MalformedVerificationKeyError({ proofSystem, reason: 'the registry verifies Groth16 keys only' })
}

/**
 * The snarkjs JSON of a key read from the registry (ModelRegistry.getVerificationKey).
 *
 * @example
 * import { decodeVerificationKey } from '@veridict/sdk'
 *
 * const vkey = decodeVerificationKey('groth16', bytes)
 */
export function decodeVerificationKey(proofSystem: ProofSystem, bytes: Hex): VerificationKey {
  if (proofSystem === 'groth16') return decodeGroth16VerificationKey(bytes)
  throw new MalformedVerificationKeyError({ proofSystem, reason: 'the registry verifies Groth16 keys only' })
}

/** keccak256 of a key's on-chain encoding: the `verificationKeyHash` of a model definition. */
export function verificationKeyHash(proofSystem: ProofSystem, vkey: VerificationKey): Hex {
  return keccak256(encodeVerificationKey(proofSystem, vkey))
}
