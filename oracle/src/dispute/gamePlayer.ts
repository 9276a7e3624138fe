import type { Logger } from 'pino'
import { parseEventLogs, type Address, type Hex, type PublicClient } from 'viem'
import { GAME_PHASES, needsFirstNodes, nextMove, type GameRole, type GameSide, type GameState } from '@veridict/circuits'
import { traceDisputesAbi, inferenceOracleAbi } from '@veridict/sdk'
import type { TxManager } from '../chain/txManager.js'
import type { ServedModel } from '../inference/servedModel.js'
import type { NodeMetrics } from '../metrics/metrics.js'
import type { Job, JobStore, StoredGame } from '../store/jobStore.js'
import type { TraceFiles } from '../store/traceFiles.js'
import { TraceFileError } from '../errors/node.js'

/** TraceDisputes' functions with the oracle's errors (a game's end calls into the oracle). */
const GAME_CALL_ABI = [...traceDisputesAbi, ...inferenceOracleAbi.filter((item) => item.type === 'error')]

/**
 * Reverts that mean the move was made or overtaken by another party (the other side, or another
 * node holding the same trace), often by a transaction still pending when ours was simulated: the
 * game is read again at the next block and the next move planned from it.
 */
const OVERTAKEN = ['WrongPhase', 'AlreadyRevealed', 'FirstRevealMismatch', 'DeadlinePassed', 'DeadlineNotPassed', 'GameNotFound']

export type GamePlayerParameters = {
  publicClient: PublicClient
  txs: TxManager
  store: JobStore
  traces: TraceFiles
  /** The TraceDisputes contract. */
  games: Address
  /** This node's operator address. */
  operator: Address
  /** The served model a registered model id names. */
  modelOf: (modelId: Hex) => ServedModel | undefined
  /** The head block's number and timestamp (deadlines are compared with it), if known. */
  head: () => { number: bigint; timestamp: bigint } | undefined
  /**
   * A party that holds a side's trace but did not open the game for it (the challenger) or submit
   * the attestation (the defender) moves only once the side's move is this late: a backup, not a
   * race with the side's first player.
   */
  backupDelayMs: number
  logger: Logger
  metrics: NodeMetrics
}

/**
 * Plays the trace games (docs/disputes.md) on requests this node has a trace for, from the chain's
 * state: for each open game it reads the game, decides which side its trace is (the attested one
 * or the challenger's, matched by trace root and output), and sends that side's next move
 * (circuits' `nextMove`). Anyone holding a side's trace may move for it, so an honest node defends
 * every correct attestation (signed by it or not) and backs every challenger whose trace is its
 * own. Nothing is kept in memory that the chain and the job store do not hold: a restarted node
 * reads its games from SQLite, its traces from their files, and goes on from where the game stands.
 */
export class GamePlayer {
  private readonly sides = new Map<string, Promise<GameSide>>()
  private readonly busy = new Map<bigint, Promise<void>>()
  /** Games this node played (its side), to count the outcome when they end. */
  private readonly played = new Map<bigint, { role: GameRole; requestId: bigint }>()
  /** Games whose sides are neither ours (said once). */
  private readonly bystander = new Set<bigint>()
  /** Games not to read again before a block after this one (a move of ours, or one that overtook it, is in it or pending). */
  private readonly settling = new Map<bigint, bigint>()
  private movePeriod: bigint | undefined
  private bond: bigint | undefined

  constructor(private readonly p: GamePlayerParameters) {}

  /** The bond a challenge sends and the time each move has (read once). */
  async parameters(): Promise<{ bond: bigint; movePeriod: bigint }> {
    if (this.bond === undefined || this.movePeriod === undefined) {
      const [bond, movePeriod] = await Promise.all([
        this.p.publicClient.readContract({ address: this.p.games, abi: traceDisputesAbi, functionName: 'BOND' }),
        this.p.publicClient.readContract({ address: this.p.games, abi: traceDisputesAbi, functionName: 'MOVE_PERIOD' }),
      ])
      ;[this.bond, this.movePeriod] = [bond, movePeriod]
    }
    return { bond: this.bond, movePeriod: this.movePeriod }
  }

  /** Starts a move for every open game that has none in flight; counts the outcome of games that ended. */
  tick(): void {
    const open = this.p.store.openGames()
    const openIds = new Set(open.map((g) => g.gameId))
    for (const [gameId, { role, requestId }] of this.played) {
      if (openIds.has(gameId)) continue
      this.played.delete(gameId)
      const ended = this.p.store.getGame(gameId)
      if (ended?.attestersLost === undefined) continue
      const won = ended.attestersLost === (role === 'challenger')
      this.p.metrics.gamesEnded.inc({ side: role, result: won ? 'won' : 'lost' })
      this.p.logger[won ? 'info' : 'error']({ gameId, requestId, side: role, reason: ended.reason }, won ? 'trace game won' : 'trace game lost')
      if (!this.p.store.openGames(requestId).length) for (const key of this.sides.keys()) if (key.startsWith(`${requestId}:`)) this.sides.delete(key)
    }
    for (const tracked of [this.bystander, this.settling]) for (const gameId of tracked.keys()) if (!openIds.has(gameId)) tracked.delete(gameId)
    const head = this.p.head()?.number
    for (const game of open) {
      if (this.busy.has(game.gameId)) continue
      const after = this.settling.get(game.gameId)
      if (after !== undefined && head !== undefined && head <= after) continue
      this.settling.delete(game.gameId)
      const move = this.play(game)
        .catch((error: unknown) => this.p.logger.warn({ gameId: game.gameId, requestId: game.requestId, err: (error as Error).message.split('\n')[0] }, 'trace game move failed, will retry'))
        .finally(() => this.busy.delete(game.gameId))
      this.busy.set(game.gameId, move)
    }
  }

  /** Resolves when the moves in flight have ended (sent and mined, or failed). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.busy.values()])
  }

  /** Which side of `game` this node's run of the request is, if either. */
  roleOf(game: StoredGame, job: Job): GameRole | undefined {
    if (!job.traceRoot || !job.outputHash) return undefined
    if (game.attested.traceRoot === job.traceRoot && game.attested.outputHash === job.outputHash) return 'defender'
    if (game.challengerTrace === job.traceRoot && game.challengerOutputHash === job.outputHash) return 'challenger'
    return undefined
  }

  private async play(stored: StoredGame): Promise<void> {
    const { store, publicClient, games, logger } = this.p
    const job = store.getJob(stored.requestId)
    const model = job && this.p.modelOf(job.modelId)
    // A watched request's own run may not be done yet: its trace root decides the side.
    if (!job || !model || !job.traceRoot) return
    const role = this.roleOf(stored, job)
    if (!role) {
      if (!this.bystander.has(stored.gameId)) logger.warn({ gameId: stored.gameId, requestId: stored.requestId, ours: job.traceRoot, attested: stored.attested.traceRoot, challenger: stored.challengerTrace }, 'trace game in which neither side is our trace: not played')
      this.bystander.add(stored.gameId)
      return
    }
    this.played.set(stored.gameId, { role, requestId: stored.requestId })
    const game = (await publicClient.readContract({ address: games, abi: traceDisputesAbi, functionName: 'getGame', args: [stored.gameId] })) as GameState
    if (GAME_PHASES[game.phase] === 'over') return
    const head = this.p.head()
    if (head === undefined) return
    const now = head.timestamp
    const { movePeriod } = await this.parameters()
    const primary = role === 'challenger' ? stored.challenger.toLowerCase() === this.p.operator.toLowerCase() : job.action === 'finalize'
    if (!primary && now < game.deadline && now < game.deadline - movePeriod + BigInt(Math.ceil(this.p.backupDelayMs / 1000))) return
    const side = await this.side(job, model)
    const firstNodes = needsFirstNodes(game, role) ? await this.firstNodes(stored, game, role) : undefined
    const move = nextMove({ gameId: stored.gameId, game, role, side, now, request: stored.request, attested: stored.attested, inputWords: job.inputWords, firstNodes })
    if (move.functionName === undefined) return
    const result = await this.p.txs.send({ kind: `game ${move.functionName}`, address: games, abi: GAME_CALL_ABI, functionName: move.functionName, args: move.args, alreadyDone: OVERTAKEN })
    this.settling.set(stored.gameId, result.status === 'mined' ? result.receipt.blockNumber : head.number)
    this.p.metrics.gameMoves.inc({ move: move.functionName, side: role, result: result.status })
    logger[result.status === 'mined' ? 'info' : 'debug']({ gameId: stored.gameId, requestId: stored.requestId, side: role, move: move.functionName, phase: GAME_PHASES[game.phase], level: game.level, result: result.status === 'mined' ? result.receipt.transactionHash : result.errorName }, 'trace game move')
  }

  /** The other side's nodes of this round, from its Revealed event. */
  private async firstNodes(stored: StoredGame, game: GameState, role: GameRole): Promise<Hex[] | undefined> {
    const logs = await this.p.publicClient.getContractEvents({ address: this.p.games, abi: traceDisputesAbi, eventName: 'Revealed', args: { gameId: stored.gameId }, fromBlock: stored.startedBlock, strict: true })
    const theirs = logs.filter((log) => log.args.challengerSide !== (role === 'challenger') && log.args.level === game.level && log.args.index === game.index).at(-1)
    return theirs ? [...theirs.args.nodes] : undefined
  }

  /**
   * This node's side of a request's games: its kept trace, read once (checked against its root). A
   * node without the file (lost, or kept by an older node) runs the model again; that only serves
   * if the run gives the trace root the node signed or challenged with.
   */
  private side(job: Job, model: ServedModel): Promise<GameSide> {
    const traceRoot = job.traceRoot!
    const key = `${job.requestId}:${traceRoot}`
    let side = this.sides.get(key)
    if (!side) {
      side = this.loadSide(job, model, traceRoot)
      side.catch(() => this.sides.delete(key))
      this.sides.set(key, side)
    }
    return side
  }

  private async loadSide(job: Job, model: ServedModel, traceRoot: Hex): Promise<GameSide> {
    const kept = this.p.store.getTrace(job.requestId, traceRoot)
    if (kept) {
      try {
        return await this.p.traces.read(kept, model.quantized, model.parameters)
      } catch (error) {
        if (!(error instanceof TraceFileError)) throw error
        this.p.logger.error({ requestId: job.requestId, err: error.shortMessage }, 'kept trace unusable: running the model again')
      }
    }
    const run = await model.inferWords(job.inputWords, { trace: true })
    if (run.traceRoot !== traceRoot) throw new TraceFileError({ file: `the trace of request ${job.requestId} with root ${traceRoot}`, reason: `it is not kept, and running the model again gives trace root ${run.traceRoot}` })
    const location = await this.p.traces.append(run.trace!)
    this.p.store.addTrace({ requestId: job.requestId, traceRoot, outputHash: run.outputHash, ...location })
    return this.p.traces.read(location, model.quantized, model.parameters)
  }

  /**
   * Challenges the attestation on `job` with this node's trace and output, sending the bond, once
   * per attestation (a restart finds the mark and does not pay a second bond). Skipped when an open
   * game already has our trace as its challenger: this node backs that one instead.
   */
  async challenge(job: Job): Promise<void> {
    const { store, txs, games, logger, metrics } = this.p
    if (!job.traceRoot || !job.outputWords || !job.attestedOutputWords || !job.attestedTraceRoot || !job.attestedOutputHash || job.attestedPacked === undefined) return
    if (store.openGames(job.requestId).some((game) => this.roleOf(game, job) === 'challenger')) return
    const mark = `challenge:${job.requestId}:${job.attestedTraceRoot}:${job.attestedOutputHash}`
    if (store.getValue(mark) === 'done') return
    const { bond } = await this.parameters()
    const call = {
      kind: 'trace challenge',
      address: games,
      abi: GAME_CALL_ABI,
      functionName: 'challenge',
      args: [job.commitment, { outputHash: job.attestedOutputHash, traceRoot: job.attestedTraceRoot, packed: job.attestedPacked }, job.attestedOutputWords, job.traceRoot, job.outputWords],
      value: bond,
    } as const
    const sent = store.getValue(mark) as Hex | undefined
    const result = (sent && (await txs.resume(sent, call))) || (await txs.send({ ...call, onSent: (hash) => store.setValue(mark, hash) }))
    store.setValue(mark, 'done')
    if (result.status !== 'mined') return
    const [started] = parseEventLogs({ abi: traceDisputesAbi, eventName: 'GameStarted', logs: result.receipt.logs })
    metrics.traceChallenges.inc()
    logger.warn({ requestId: job.requestId, gameId: started?.args.gameId, attested: job.attestedTraceRoot, ours: job.traceRoot, bond }, 'attested trace differs from ours: challenged it with a trace game')
  }
}
