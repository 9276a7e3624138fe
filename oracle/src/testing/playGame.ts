import type { Address, Hex, PublicClient, TransactionReceipt } from 'viem'
import { GAME_PHASES, nextMove, type GameRole, type GameSide, type GameState } from '../../../circuits/src/index.js'
import { traceDisputesAbi } from '../../../sdk/src/abi/traceDisputesAbi.js'

export type PlayedMove = { role: GameRole; move: string; phase: string; level: number; gas: bigint }

/**
 * Plays trace game `gameId` to its end with both sides' moves from circuits' `nextMove` (what a
 * node sends), for tests and benchmarks that hold both traces: each bisection round the defender
 * reveals first and the challenger second (repeating the defender's nodes); in the other phases the
 * `decider` side moves. `send` submits one side's call and returns its receipt (it must succeed).
 */
export async function playTraceGame<R, A>(p: {
  client: PublicClient
  games: Address
  gameId: bigint
  sides: Record<GameRole, { side: GameSide; send: (call: { functionName: string; args: readonly unknown[] }) => Promise<TransactionReceipt> }>
  request: R
  attested: A
  inputWords: bigint[]
  decider?: GameRole
  maxMoves?: number
}): Promise<PlayedMove[]> {
  const moves: PlayedMove[] = []
  const play = async (role: GameRole, game: GameState, firstNodes?: Hex[]) => {
    const block = await p.client.getBlock()
    const move = nextMove({ gameId: p.gameId, game, role, side: p.sides[role].side, now: block.timestamp, request: p.request, attested: p.attested, inputWords: p.inputWords, firstNodes })
    if (move.functionName === undefined) throw new Error(`the ${role} has no move in phase ${GAME_PHASES[game.phase]}: ${move.wait}`)
    const receipt = await p.sides[role].send(move)
    moves.push({ role, move: move.functionName, phase: GAME_PHASES[game.phase]!, level: game.level, gas: receipt.gasUsed })
    return move
  }
  const read = async () => (await p.client.readContract({ address: p.games, abi: traceDisputesAbi, functionName: 'getGame', args: [p.gameId] })) as GameState
  for (let game = await read(); GAME_PHASES[game.phase] !== 'over'; game = await read()) {
    if (moves.length >= (p.maxMoves ?? 64)) throw new Error(`the game did not end within ${moves.length} moves`)
    const phase = GAME_PHASES[game.phase]
    if (phase === 'trace' || phase === 'tensor') {
      const first = await play('defender', game)
      await play('challenger', await read(), first.functionName === 'reveal' ? first.args[2] : undefined)
    } else await play(p.decider ?? 'challenger', game)
  }
  return moves
}
