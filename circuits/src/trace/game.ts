import { valuesPerWord } from '@veridict/sdk'
import type { Hex } from 'viem'
import { GameMoveError } from '../errors/trace.js'
import type { QuantizedModel } from '../quantize/model.js'
import { parametersCommitment, tensorBits, tensorSizes, traceCommitment, type ParametersCommitment, type TraceCommitment } from './commitments.js'
import { toHex } from './keccak.js'
import { stepInput, stepInputTuple, type StepInput } from './stepInput.js'

/** The most tree levels one reveal covers (TraceDisputes.MAX_REVEAL_LEVELS). */
export const MAX_REVEAL_LEVELS = 5

/** TraceDisputes.Phase, by its enum value. */
export const GAME_PHASES = ['none', 'trace', 'locate', 'tensor', 'input', 'step', 'over'] as const
export type GamePhase = (typeof GAME_PHASES)[number]

/** What a move needs of a game (TraceDisputes.getGame): where the descent stands. */
export type GamePosition = {
  phase: number
  tensor: number
  depth: number
  level: number
  index: bigint
  defenderNode: Hex
  challengerNode: Hex
}

/**
 * One side's run of a model as a trace game plays it: every tensor (runTrace, or the canonical
 * executor's runTraceWords), its trace commitment and the model's parameter commitment.
 */
export type GameSide = { model: QuantizedModel; tensors: readonly (readonly bigint[])[]; trace: TraceCommitment; parameters: ParametersCommitment }

/** A side of a game from a run's tensors (the parameter commitment may be shared between sides of one model). */
export function gameSide(model: QuantizedModel, tensors: readonly (readonly bigint[])[], parameters = parametersCommitment(model)): GameSide {
  return { model, tensors, trace: traceCommitment(model, tensors), parameters }
}

/**
 * The nodes this side reveals in the current round (TraceDisputes.reveal): the 2^L nodes L =
 * min(5, depth - level) levels below the current node of its trace tree (Trace phase) or of the
 * disputed tensor's word tree (Tensor phase).
 */
export function revealNodes(side: GameSide, game: GamePosition): Hex[] {
  const phase = GAME_PHASES[game.phase]
  if (phase !== 'trace' && phase !== 'tensor') throw new GameMoveError({ move: 'reveal', phase: phase ?? String(game.phase) })
  const tree = phase === 'trace' ? side.trace.traceTree : side.trace.tensorTrees[game.tensor]!
  if (tree.depth !== game.depth) throw new GameMoveError({ move: 'reveal', phase, reason: `the game's tree has depth ${game.depth}, this side's ${tree.depth}: not a trace of the game's model` })
  return tree.nodesBelow(game.level, Number(game.index), Math.min(MAX_REVEAL_LEVELS, game.depth - game.level))
}

/** TraceDisputes.openTensor's arguments (Locate phase): the header of the stage that writes the disputed tensor. */
export function openTensorArgs(side: GameSide, game: GamePosition): { header: Hex; rowsRoot: Hex; stageProof: Hex[] } {
  const phase = GAME_PHASES[game.phase]
  if (phase !== 'locate') throw new GameMoveError({ move: 'openTensor', phase: phase ?? String(game.phase) })
  const stage = game.tensor - 1
  const { headers, rowsRoots, stageTree } = side.parameters
  return { header: toHex(headers[stage]!), rowsRoot: rowsRoots[stage]!, stageProof: stageTree.proof(stage) }
}

/**
 * The one step (Step phase): the first value in which the two disputed words differ, as the
 * contract finds it, and this side's openings of the stage's inputs against its own trace.
 * Undefined when a word is malformed or past the tensor, which the contract decides without openings.
 */
export function stepArgs(side: GameSide, game: GamePosition): { value: number; input: StepInput } | undefined {
  const phase = GAME_PHASES[game.phase]
  if (phase !== 'step') throw new GameMoveError({ move: 'step', phase: phase ?? String(game.phase) })
  const stages = side.model.stages.length
  if (game.tensor < 1 || game.tensor > stages) return undefined
  const bits = tensorBits(side.model)[game.tensor]!
  const count = tensorSizes(side.model)[game.tensor]!
  const perWord = valuesPerWord(bits)
  const word = Number(game.index)
  if (word * perWord >= count) return undefined
  const slots = Math.min(perWord, count - word * perWord)
  const [defender, challenger] = [BigInt(game.defenderNode), BigInt(game.challengerNode)]
  if (defender >> BigInt(slots * bits) !== 0n || challenger >> BigInt(slots * bits) !== 0n) return undefined
  const mask = (1n << BigInt(bits)) - 1n
  let slot = 0
  while (((defender >> BigInt(slot * bits)) & mask) === ((challenger >> BigInt(slot * bits)) & mask)) slot++
  const value = word * perWord + slot
  return { value, input: stepInput(side.model, side.tensors, { trace: side.trace, parameters: side.parameters }, game.tensor - 1, value) }
}

/** Which side of a game a party plays: the attested trace (defender) or the challenger's. */
export type GameRole = 'defender' | 'challenger'

/** TraceDisputes.Game as getGame returns it, the fields a move is planned from. */
export type GameState = GamePosition & { deadline: bigint; revealedBy: number }

/** TraceDisputes.revealedBy's value for a role. */
const REVEALED_BY: Record<GameRole, number> = { defender: 1, challenger: 2 }

/** A StepInput with nothing opened: what `step` takes when a disputed word is malformed (decided without openings). */
const NO_OPENINGS: StepInput = { header: '0x', rowsRoot: `0x${'0'.repeat(64)}`, stageProof: [], row: '0x', rowProof: [], tensors: [], words: [] }

/**
 * A game's next transaction for one side, or why there is none. `R` and `A` are the request and
 * attestation record the game was opened on (passed back by step, resolveInput and timeout).
 */
export type GameMove<R = unknown, A = unknown> =
  | { functionName: 'reveal'; args: readonly [bigint, boolean, Hex[], Hex[]] }
  | { functionName: 'openTensor'; args: readonly [bigint, Hex, Hex, Hex[]] }
  | { functionName: 'step'; args: readonly [bigint, R, A, boolean, ReturnType<typeof stepInputTuple>] }
  | { functionName: 'resolveInput'; args: readonly [bigint, R, A, bigint[]] }
  | { functionName: 'timeout'; args: readonly [bigint, R, A] }
  | { functionName: undefined; wait: 'over' | 'other side' | 'first nodes' | 'lost on time' }

/** Whether `role` must pass the other side's nodes of this round (from its Revealed event) to reveal its own. */
export function needsFirstNodes(game: GameState, role: GameRole): boolean {
  const phase = GAME_PHASES[game.phase]
  return (phase === 'trace' || phase === 'tensor') && game.revealedBy !== 0 && game.revealedBy !== REVEALED_BY[role]
}

/**
 * Whether a timeout now would end the game for `role`: in a bisection round the challenger loses
 * unless it revealed and the defender did not; in Locate, Input and Step the burden is the challenger's.
 */
export function timeoutWinner(game: GameState): GameRole {
  const phase = GAME_PHASES[game.phase]
  return (phase === 'trace' || phase === 'tensor') && game.revealedBy === REVEALED_BY.challenger ? 'challenger' : 'defender'
}

/**
 * The next move of `role` in game `gameId` at `now` (the head block's timestamp), played with
 * `side`'s trace: after the deadline a timeout when it wins it (else nothing: the side lost its
 * turn); in a bisection round its reveal (the other side's nodes in `firstNodes` when it revealed
 * first), else the phase's move: open the disputed stage's header, decide on the input, or the one
 * step opened against its own trace. Either side may make the last three; the contract decides them
 * on the data, whoever sends it.
 */
export function nextMove<R, A>(p: { gameId: bigint; game: GameState; role: GameRole; side: GameSide; now: bigint; request: R; attested: A; inputWords: bigint[]; firstNodes?: Hex[] | undefined }): GameMove<R, A> {
  const { gameId, game, role, side, request, attested } = p
  const phase = GAME_PHASES[game.phase]
  if (phase === 'over' || phase === 'none' || phase === undefined) return { functionName: undefined, wait: 'over' }
  // The next block is later than the head: from a head at the deadline on, only a timeout can land.
  if (p.now >= game.deadline) return timeoutWinner(game) === role ? { functionName: 'timeout', args: [gameId, request, attested] } : { functionName: undefined, wait: 'lost on time' }
  switch (phase) {
    case 'trace':
    case 'tensor': {
      if (game.revealedBy === REVEALED_BY[role]) return { functionName: undefined, wait: 'other side' }
      if (needsFirstNodes(game, role) && !p.firstNodes) return { functionName: undefined, wait: 'first nodes' }
      return { functionName: 'reveal', args: [gameId, role === 'challenger', revealNodes(side, game), p.firstNodes ?? []] }
    }
    case 'locate': {
      const { header, rowsRoot, stageProof } = openTensorArgs(side, game)
      return { functionName: 'openTensor', args: [gameId, header, rowsRoot, stageProof] }
    }
    case 'input':
      return { functionName: 'resolveInput', args: [gameId, request, attested, p.inputWords] }
    case 'step': {
      const step = stepArgs(side, game)
      return { functionName: 'step', args: [gameId, request, attested, role === 'challenger', stepInputTuple(step?.input ?? NO_OPENINGS)] }
    }
  }
}
