import type { Hex } from 'viem'
import type { Groth16Proof, SolidityGroth16Proof } from '../types.js'
import { encodeGroth16Proof } from './encodeGroth16Proof.js'
import { encodePlonkProof, type PlonkProof } from './plonk.js'

/** A proof as snarkjs produces it (Groth16 or PLONK), a Groth16 proof in Solidity order, or encoded bytes. */
export type AnyProof = Groth16Proof | SolidityGroth16Proof | PlonkProof | Hex

/**
 * The oracle's `proof` bytes for any proof the registry verifies: a Groth16 proof as
 * abi.encode(a, b, c) (encodeGroth16Proof), a PLONK proof as its 24 words (encodePlonkProof).
 * Already-encoded bytes pass through.
 *
 * @example
 * import { encodeProof } from '@veridict/sdk'
 *
 * const bytes = encodeProof(proof) // proof: snarkjs's groth16 or plonk fullProve(...).proof
 */
export function encodeProof(proof: AnyProof): Hex {
  if (typeof proof === 'string') return proof
  if ('protocol' in proof && proof.protocol === 'plonk') return encodePlonkProof(proof as PlonkProof)
  return encodeGroth16Proof(proof as Groth16Proof | SolidityGroth16Proof)
}
