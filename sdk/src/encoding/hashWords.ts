import { encodePacked, type Hex, keccak256 } from 'viem'

/**
 * keccak256 of packed uint256 words (abi.encodePacked(uint256[])), as the oracle hashes inputs
 * and outputs, and as attestations sign them.
 *
 * @example
 * import { hashWords } from '@veridict/sdk'
 *
 * hashWords([1n, 2n]) // keccak256 of the two 32-byte words back to back
 */
export function hashWords(words: readonly bigint[]): Hex {
  return keccak256(encodePacked(['uint256[]'], [words]))
}
