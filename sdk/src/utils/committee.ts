import { concat, keccak256, numberToHex, pad, type Address, type Hex } from 'viem'
import type { RequestCommitment } from './requestState.js'

/**
 * The committee rules of InferenceOracle, computed off-chain (docs/protocol.md, Committees): a node
 * learns whether it, or a peer, may sign a request without a call per signer, and a dApp can see
 * who could have.
 */

/** Expected committee size for `quorum` (InferenceOracle.committeeSize): 2 * quorum + 1. */
export function committeeSize(quorum: number): bigint {
  return 2n * BigInt(quorum) + 1n
}

export type CommitteeRound = {
  /** Whether the committee is drawn for a transaction in `blockNumber` (two blocks after the request). */
  drawn: boolean
  round: bigint
  /** The block whose hash seeds this round. */
  seedBlock: bigint
  /** A provable request past its exclusive round 0: any active operator may sign. */
  open: boolean
}

/** The round a transaction mined in `blockNumber` falls in (InferenceOracle.committeeRound). */
export function committeeRoundAt(request: Pick<RequestCommitment, 'blockNumber' | 'provable'>, blockNumber: bigint, roundBlocks: bigint): CommitteeRound {
  const first = request.blockNumber + 2n
  if (blockNumber < first) return { drawn: false, round: 0n, seedBlock: request.blockNumber + 1n, open: false }
  const round = (blockNumber - first) / roundBlocks
  return { drawn: true, round, seedBlock: first - 1n + round * roundBlocks, open: request.provable && round !== 0n }
}

/** keccak256(abi.encode(blockhash(seedBlock), requestId)). */
export function committeeSeed(seedBlockHash: Hex, requestId: bigint): Hex {
  // abi.encode of two static words is their concatenation (cheaper than the ABI encoder, per request).
  return keccak256(concat([seedBlockHash, numberToHex(requestId, { size: 32 })]))
}

/**
 * Whether `operator` holds a seat for the round seeded by `seed`: its stake last raised before the
 * request's block, and keccak256(abi.encode(seed, operator)) % totalWeight < committeeSize * stake.
 * Whether it is active (registered, unslashed, at least the minimum stake) is the caller's check.
 */
export function holdsSeat(
  request: Pick<RequestCommitment, 'blockNumber' | 'totalWeight' | 'quorum'>,
  seed: Hex,
  operator: { account: Address; stake: bigint; raisedAt: bigint },
): boolean {
  if (operator.raisedAt >= request.blockNumber || request.totalWeight === 0n) return false
  const draw = BigInt(keccak256(concat([seed, pad(operator.account, { size: 32 })]))) % request.totalWeight
  return draw < committeeSize(request.quorum) * operator.stake
}
