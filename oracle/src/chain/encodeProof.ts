import type { Groth16Proof } from 'snarkjs'
import { encodeAbiParameters, type Hex } from 'viem'

/**
 * abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c) as the Groth16 adapter decodes it. The EVM
 * pairing precompile takes G2 coordinates as (imaginary, real), so each pair of b is swapped, as
 * snarkjs's soliditycalldata does.
 */
export function encodeGroth16Proof(proof: Groth16Proof): Hex {
  const a = [BigInt(proof.pi_a[0]!), BigInt(proof.pi_a[1]!)] as const
  const b = [
    [BigInt(proof.pi_b[0]![1]!), BigInt(proof.pi_b[0]![0]!)],
    [BigInt(proof.pi_b[1]![1]!), BigInt(proof.pi_b[1]![0]!)],
  ] as const
  const c = [BigInt(proof.pi_c[0]!), BigInt(proof.pi_c[1]!)] as const
  return encodeAbiParameters([{ type: 'uint256[2]' }, { type: 'uint256[2][2]' }, { type: 'uint256[2]' }], [a, b, c])
}
