import { parseEventLogs, type Account, type Address, type Chain, type Hex, type PublicClient, type TransactionReceipt, type Transport, type WalletClient } from 'viem'
import { GAME_PHASES, nextMove, type GameRole, type GameSide, type GameState } from '@veridict/circuits'
import { traceDisputesAbi, packValues } from '@veridict/sdk'

export type PlayedMove = { role: GameRole; move: string; phase: string; level: number; gas: bigint }

type Wallet = WalletClient<Transport, Chain | undefined, Account>

/**
 * Challenges an attestation and plays the game to its end with both sides' moves from circuits'
 * `nextMove` (what a node sends), for tests and benchmarks that hold both traces (the defender's is
 * the attested one). The challenger's wallet sends the challenge (its trace root and output words,
 * with the bond); each bisection round
 * the defender reveals first and the challenger second (repeating the defender's nodes); in the
 * other phases the `decider` side (default: the challenger) moves. Every transaction must succeed.
 * Returns the game id, the challenge's receipt and every move with its gas.
 */
export async function challengeAndPlay<R, A>(p: {
  client: PublicClient
  games: Address
  request: R
  attested: A
  inputWords: bigint[]
  sides: Record<GameRole, { side: GameSide; wallet: Wallet }>
  decider?: GameRole
  maxMoves?: number
}): Promise<{ gameId: bigint; challenge: TransactionReceipt; moves: PlayedMove[] }> {
  const send = async (role: GameRole, call: { functionName: string; args: readonly unknown[]; value?: bigint }) => {
    // The one step of a wide row may need more gas than an estimate's default cap.
    const gas = call.functionName === 'step' ? 15_000_000n : undefined
    const hash = await p.sides[role].wallet.writeContract({ address: p.games, abi: traceDisputesAbi, ...call, gas } as never)
    const receipt = await p.client.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    if (receipt.status !== 'success') throw new Error(`${call.functionName} by the ${role} reverted (${hash})`)
    return receipt
  }
  const outputWords = (role: GameRole) => packValues(p.sides[role].side.tensors.at(-1)!, p.sides[role].side.model.outputBits)
  const bond = await p.client.readContract({ address: p.games, abi: traceDisputesAbi, functionName: 'BOND' })
  const challenge = await send('challenger', { functionName: 'challenge', args: [p.request, p.attested, outputWords('defender'), p.sides.challenger.side.trace.traceRoot, outputWords('challenger')], value: bond })
  const gameId = parseEventLogs({ abi: traceDisputesAbi, eventName: 'GameStarted', logs: challenge.logs })[0]!.args.gameId

  const moves: PlayedMove[] = []
  const play = async (role: GameRole, game: GameState, firstNodes?: Hex[]) => {
    const block = await p.client.getBlock()
    const move = nextMove({ gameId, game, role, side: p.sides[role].side, now: block.timestamp, request: p.request, attested: p.attested, inputWords: p.inputWords, firstNodes })
    if (move.functionName === undefined) throw new Error(`the ${role} has no move in phase ${GAME_PHASES[game.phase]}: ${move.wait}`)
    const receipt = await send(role, move)
    moves.push({ role, move: move.functionName, phase: GAME_PHASES[game.phase]!, level: game.level, gas: receipt.gasUsed })
    return move
  }
  const read = async () => (await p.client.readContract({ address: p.games, abi: traceDisputesAbi, functionName: 'getGame', args: [gameId] })) as GameState
  for (let game = await read(); GAME_PHASES[game.phase] !== 'over'; game = await read()) {
    if (moves.length >= (p.maxMoves ?? 64)) throw new Error(`the game did not end within ${moves.length} moves`)
    const phase = GAME_PHASES[game.phase]
    if (phase === 'trace' || phase === 'tensor') {
      const first = await play('defender', game)
      await play('challenger', await read(), first.functionName === 'reveal' ? first.args[2] : undefined)
    } else await play(p.decider ?? 'challenger', game)
  }
  return { gameId, challenge, moves }
}
