import { decodeAbiParameters, encodeAbiParameters, type Hex } from 'viem'
import type { Groth16Proof, SolidityGroth16Proof } from '../types.js'

/**
 * Encodes a snarkjs Groth16 proof as the oracle's `proof` bytes: abi.encode(uint256[2] a,
 * uint256[2][2] b, uint256[2] c) in snarkjs's soliditycalldata order (each pair of pi_b's
 * coordinates swapped, as the precompile wants them). Already-encoded bytes pass through.
 *
 * @example
 * import { encodeGroth16Proof } from '@veridict/sdk'
 *
 * const proofBytes = encodeGroth16Proof(proof) // proof: snarkjs's groth16.fullProve(...).proof
 */
export function encodeGroth16Proof(proof: Groth16Proof | SolidityGroth16Proof | Hex): Hex {
  if (typeof proof === 'string') return proof
  const { a, b, c } = 'pi_a' in proof ? toSolidityGroth16Proof(proof) : proof
  return encodeAbiParameters([{ type: 'uint256[2]' }, { type: 'uint256[2][2]' }, { type: 'uint256[2]' }], [a, b, c])
}

/**
 * A snarkjs Groth16 proof as the Solidity verifier takes it: a = pi_a[0..2], b = pi_b with each
 * pair swapped, c = pi_c[0..2].
 *
 * @example
 * import { toSolidityGroth16Proof } from '@veridict/sdk'
 *
 * const { a, b, c } = toSolidityGroth16Proof(proof)
 */
export function toSolidityGroth16Proof(proof: Groth16Proof): SolidityGroth16Proof {
  const n = (value: string | undefined) => BigInt(value ?? 0)
  const [b0, b1] = [proof.pi_b[0] ?? [], proof.pi_b[1] ?? []]
  return {
    a: [n(proof.pi_a[0]), n(proof.pi_a[1])],
    b: [
      [n(b0[1]), n(b0[0])],
      [n(b1[1]), n(b1[0])],
    ],
    c: [n(proof.pi_c[0]), n(proof.pi_c[1])],
  }
}

/**
 * The oracle's Groth16 `proof` bytes back in snarkjs's form (each pair of pi_b's coordinates
 * swapped back): what snarkjs's groth16.verify takes.
 *
 * @example
 * import { decodeGroth16Proof } from '@veridict/sdk'
 *
 * const proof = decodeGroth16Proof(result.fulfilment.proof)
 */
export function decodeGroth16Proof(bytes: Hex): Groth16Proof {
  const [a, b, c] = decodeAbiParameters([{ type: 'uint256[2]' }, { type: 'uint256[2][2]' }, { type: 'uint256[2]' }], bytes)
  return {
    pi_a: [a[0].toString(), a[1].toString(), '1'],
    pi_b: [
      [b[0][1].toString(), b[0][0].toString()],
      [b[1][1].toString(), b[1][0].toString()],
      ['1', '0'],
    ],
    pi_c: [c[0].toString(), c[1].toString(), '1'],
    protocol: 'groth16',
    curve: 'bn128',
  }
}
