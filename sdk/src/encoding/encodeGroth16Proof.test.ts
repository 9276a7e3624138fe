import { decodeAbiParameters } from 'viem'
import { describe, expect, test } from 'vitest'
import { decodeGroth16Proof, encodeGroth16Proof, toSolidityGroth16Proof } from './encodeGroth16Proof.js'

const proof = {
  pi_a: ['1', '2', '1'],
  pi_b: [
    ['3', '4'],
    ['5', '6'],
    ['1', '0'],
  ],
  pi_c: ['7', '8', '1'],
  protocol: 'groth16',
  curve: 'bn128',
}

describe('encodeGroth16Proof', () => {
  test('decodeGroth16Proof gives back the snarkjs proof the bytes were encoded from', () => {
    expect(decodeGroth16Proof(encodeGroth16Proof(proof))).toEqual({ ...proof, protocol: 'groth16', curve: 'bn128' })
  })

  test("swaps pi_b's pairs as snarkjs's soliditycalldata does", () => {
    expect(toSolidityGroth16Proof(proof)).toEqual({ a: [1n, 2n], b: [[4n, 3n], [6n, 5n]], c: [7n, 8n] })
  })

  test('encodes abi.encode(uint256[2], uint256[2][2], uint256[2]): 256 bytes', () => {
    const bytes = encodeGroth16Proof(proof)
    expect(bytes.length).toBe(2 + 256 * 2)
    expect(decodeAbiParameters([{ type: 'uint256[2]' }, { type: 'uint256[2][2]' }, { type: 'uint256[2]' }], bytes)).toEqual([
      [1n, 2n],
      [
        [4n, 3n],
        [6n, 5n],
      ],
      [7n, 8n],
    ])
    expect(encodeGroth16Proof(bytes)).toBe(bytes)
    expect(encodeGroth16Proof(toSolidityGroth16Proof(proof))).toBe(bytes)
  })
})
