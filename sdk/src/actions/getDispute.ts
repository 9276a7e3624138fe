import type { Address, Hex } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { inferenceOracleAbi } from '../abi/inferenceOracleAbi.js'
import { traceDisputesAbi } from '../abi/traceDisputesAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { DisputeNotFoundError } from '../errors/request.js'
import { toVeridictError } from '../utils/contractError.js'

/** Where a trace game stands (docs/disputes.md, "The game"). */
export type DisputePhase = 'trace' | 'locate' | 'tensor' | 'input' | 'step' | 'over'
const PHASES = ['none', 'trace', 'locate', 'tensor', 'input', 'step', 'over'] as const

export type GetDisputeParameters = {
  gameId: bigint
  /** The game as it stood at the end of this block (default: latest). */
  blockNumber?: bigint | undefined
}

export type VeridictDispute = {
  gameId: bigint
  requestId: bigint
  challenger: Address
  phase: DisputePhase
  /**
   * What a dApp shows of the descent: the disputed tensor once known (0 the input, S the output),
   * and how deep the current tree's descent is (`level` of `depth`).
   */
  tensor: number | undefined
  level: number
  depth: number
  /** When the side due to move loses by timeout (unix seconds); past it, anyone may call timeout. */
  deadline: bigint
  /** The attested trace root and the challenger's. */
  defenderTrace: Hex
  challengerTrace: Hex
  /** Once over: whether the attested trace lost (its signers slashed, the request reopened) and why. */
  outcome: { attestersLost: boolean; reason: string } | undefined
}

/** The games contract of the client's oracle (read once per client). */
export async function traceDisputesAddress(client: VeridictClient): Promise<Address> {
  const known = client.deployment.traceDisputes
  if (known) return known
  try {
    return (client.deployment.traceDisputes = await readContract(client.publicClient, { address: client.deployment.oracle, abi: inferenceOracleAbi, functionName: 'TRACE_DISPUTES' }))
  } catch (error) {
    throw toVeridictError(error, 'TRACE_DISPUTES')
  }
}

/**
 * A trace game over an attested result: its phase, where the bisection stands, who must move by
 * when, and once over, who lost. Throws DisputeNotFoundError for an unknown game id.
 *
 * @example
 * import { getDispute } from '@veridict/sdk'
 *
 * const dispute = await getDispute(veridict, { gameId })
 * if (dispute.phase === 'over') console.log(dispute.outcome?.attestersLost ? 'the attestation was false' : 'the challenger was wrong')
 */
export async function getDispute(client: VeridictClient, { gameId, blockNumber }: GetDisputeParameters): Promise<VeridictDispute> {
  const address = await traceDisputesAddress(client)
  let game: Awaited<ReturnType<typeof readGame>>
  try {
    game = await readGame(client, address, gameId, blockNumber)
  } catch (error) {
    throw toVeridictError(error, 'getGame')
  }
  const phase = PHASES[game.phase]
  if (!phase || phase === 'none') throw new DisputeNotFoundError({ gameId })
  let outcome: VeridictDispute['outcome']
  if (phase === 'over') {
    const [resolved] = await getContractEvents(client.publicClient, { address, abi: traceDisputesAbi, eventName: 'GameResolved', args: { gameId }, fromBlock: client.deployment.fromBlock ?? 0n, toBlock: blockNumber, strict: true })
    if (resolved) outcome = { attestersLost: resolved.args.attestersLost, reason: resolved.args.reason }
  }
  const located = phase === 'locate' || phase === 'tensor' || phase === 'input' || phase === 'step' || (phase === 'over' && game.tensor !== 0)
  return {
    gameId,
    requestId: game.requestId,
    challenger: game.challenger,
    phase,
    tensor: located ? game.tensor : undefined,
    level: game.level,
    depth: game.depth,
    deadline: game.deadline,
    defenderTrace: game.defenderTrace,
    challengerTrace: game.challengerTrace,
    outcome,
  }
}

function readGame(client: VeridictClient, address: Address, gameId: bigint, blockNumber: bigint | undefined) {
  return readContract(client.publicClient, { address, abi: traceDisputesAbi, functionName: 'getGame', args: [gameId], blockNumber })
}
