import type { Logger } from 'pino'
import type { Address, Hex, PublicClient } from 'viem'
import { inferenceOracleAbi, modelRegistryAbi, traceDisputesAbi } from '@veridict/sdk'
import type { NodeMetrics } from '../metrics/metrics.js'
import type { JobStore } from '../store/jobStore.js'
import { isStorageFull } from '../store/storageFull.js'

const oracleEvents = inferenceOracleAbi.filter(
  (item) =>
    item.type === 'event' &&
    ['InferenceRequested', 'ResultFulfilled', 'AttestationSubmitted', 'ResultFinalized', 'AttestationVoided', 'AttestationDisputed', 'AttestationOverturnedByTrace', 'RequestRefunded', 'EquivocationReported'].includes(item.name),
)
/** The trace games' starts and ends (TraceDisputes): the moves between them are read from the game itself. */
const gameEvents = traceDisputesAbi.filter((item) => item.type === 'event' && ['GameStarted', 'GameResolved'].includes(item.name))
/** The registry's registrations: which model ids name a model this node has (ModelListings). */
export const modelRegisteredEvent = modelRegistryAbi.find((item) => item.type === 'event' && item.name === 'ModelRegistered')!
const followedEvents = [...oracleEvents, modelRegisteredEvent, ...gameEvents]

export type OracleLog = {
  eventName: string
  args: Record<string, unknown>
  blockNumber: bigint
  blockHash: Hex
  logIndex: number
  transactionHash: Hex
}

export type ChainFollowerParameters = {
  client: PublicClient
  oracle: Address
  /** The ModelRegistry, whose ModelRegistered events are applied with the oracle's (and TraceDisputes' game events, see `traceDisputes`). */
  registry: Address
  store: JobStore
  confirmations: number
  pollIntervalMs: number
  batchBlocks: number
  /** First block to read when the store has no cursor. */
  startBlock: bigint
  /** Applies a batch of logs; runs inside the same SQLite transaction that moves the cursor. */
  onLogs: (logs: OracleLog[]) => void
  /** A request log that was reorged out; its job is cancelled by the caller. */
  onReorgedOut: (requestId: bigint) => void
  /** Called when the head block changes, before that poll's logs are read. */
  onHead?: ((head: bigint, hash: Hex) => void) | undefined
  /** The store refused a batch for want of room (a full data folder): the cursor did not move, the batch is read again. */
  onStorageFull?: ((error: unknown) => void) | undefined
  logger: Logger
  metrics: NodeMetrics
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })

/**
 * Follows the oracle's events (and the registry's registrations): eth_getLogs from the last processed block (so a restart backfills
 * everything it missed) up to head - confirmations, applying each batch and the new cursor in one
 * transaction. If the block under the cursor changed (a reorg deeper than the confirmations), it
 * rewinds and cancels jobs whose request is no longer on the chain. When the RPC fails it backs off
 * (up to 10 s) and resumes where it stopped.
 */
export class ChainFollower {
  private readonly abort = new AbortController()
  private loop: Promise<void> | undefined
  /** Whether the last RPC round trip worked. */
  connected = false
  head: bigint | undefined
  /** Timestamp of the head block: the next block's is larger (what a challenge window's end is compared with). */
  headTimestamp: bigint | undefined
  /**
   * Timestamp of the last block processed (the cursor's): every event up to it is applied. It lags
   * the head by `confirmations` blocks; undefined until the first poll.
   */
  processedTimestamp: bigint | undefined
  private failures = 0
  /** The TraceDisputes contract (read from the oracle at connect): its games' events are followed too, once set. */
  traceDisputes: Address | undefined

  constructor(private readonly p: ChainFollowerParameters) {}

  start(): void {
    this.loop ??= this.run()
  }

  async stop(): Promise<void> {
    this.abort.abort()
    await this.loop
  }

  /** Processes everything up to the safe head once; returns the number of logs applied. */
  async poll(): Promise<number> {
    const { client, store, confirmations, batchBlocks, oracle, registry, metrics } = this.p
    const latest = await client.getBlock({ blockTag: 'latest' })
    const head = latest.number
    const moved = head !== this.head
    this.head = head
    this.headTimestamp = latest.timestamp
    metrics.headBlock.set(head)
    // Told before the new blocks' logs are read: what waits for a block (a committee's seed) needs only
    // its number and hash, and is on the clock (an attestation must reach the next block).
    if (moved) {
      this.p.logger.debug({ head, timestamp: Number(latest.timestamp) }, 'new head')
      this.p.onHead?.(head, latest.hash)
    }
    const safe = head - BigInt(confirmations)
    let cursor = store.getCursor()
    if (cursor && cursor.blockNumber <= head) {
      const block = cursor.blockNumber === head ? latest : await client.getBlock({ blockNumber: cursor.blockNumber })
      if (block.hash !== cursor.blockHash) cursor = await this.rewind(cursor.blockNumber)
      else this.processedTimestamp = block.timestamp
    }
    let from = cursor ? cursor.blockNumber + 1n : this.p.startBlock
    let applied = 0
    while (from <= safe && !this.abort.signal.aborted) {
      const to = from + BigInt(batchBlocks) - 1n < safe ? from + BigInt(batchBlocks) - 1n : safe
      const [logs, toBlock] = await Promise.all([client.getLogs({ address: this.traceDisputes ? [oracle, registry, this.traceDisputes] : [oracle, registry], events: followedEvents, fromBlock: from, toBlock: to, strict: true }), to === head ? latest : client.getBlock({ blockNumber: to })])
      const ordered = (logs as unknown as OracleLog[]).sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1))
      store.atomically(() => {
        if (ordered.length) this.p.onLogs(ordered)
        store.setCursor(to, toBlock.hash)
      })
      this.processedTimestamp = toBlock.timestamp
      metrics.lastBlock.set(to)
      applied += ordered.length
      from = to + 1n
    }

    return applied
  }

  /** The block under the cursor changed: go back, and cancel requests that vanished. */
  private async rewind(cursorBlock: bigint): Promise<{ blockNumber: bigint; blockHash: Hex } | undefined> {
    const { client, store, oracle, logger } = this.p
    const depth = BigInt(Math.max(64, this.p.confirmations * 4))
    const back = cursorBlock > depth ? cursorBlock - depth : 0n
    logger.warn({ cursorBlock, rewindTo: back }, 'chain reorganised under the cursor, rewinding')
    // What was processed is no longer the chain: nothing counts as read until the cursor is set again.
    this.processedTimestamp = undefined
    const head = await client.getBlockNumber({ cacheTime: 0 })
    for (const job of store.jobsSinceBlock(back)) {
      const logs = await client.getLogs({ address: oracle, event: oracleEvents.find((e) => e.name === 'InferenceRequested')!, args: { requestId: job.requestId } as never, fromBlock: back, toBlock: head })
      const current = logs[0]
      if (!current) {
        logger.warn({ requestId: job.requestId }, 'request reorged out, cancelling its job')
        this.p.onReorgedOut(job.requestId)
      } else if (current.blockHash !== job.blockHash) {
        store.transition(job.requestId, job.state, { from: [job.state], patch: { blockNumber: current.blockNumber, blockHash: current.blockHash }, note: 'reorg: moved to another block' })
      }
    }
    if (back === 0n) return undefined
    const block = await client.getBlock({ blockNumber: back - 1n })
    store.setCursor(back - 1n, block.hash)
    this.processedTimestamp = block.timestamp
    return { blockNumber: back - 1n, blockHash: block.hash }
  }

  private async run(): Promise<void> {
    const { logger, metrics, pollIntervalMs } = this.p
    while (!this.abort.signal.aborted) {
      try {
        await this.poll()
        if (!this.connected) logger.info({ head: this.head }, this.failures ? 'RPC reachable again, caught up' : 'following the chain')
        this.connected = true
        this.failures = 0
        metrics.rpcUp.set(1)
        await sleep(pollIntervalMs, this.abort.signal)
      } catch (error) {
        if (isStorageFull(error)) {
          // Not the RPC: the store could not take the batch (its transaction rolled back, the cursor with it).
          this.p.onStorageFull?.(error)
          await sleep(Math.max(pollIntervalMs, 2_000), this.abort.signal).catch(() => {})
          continue
        }
        this.failures++
        metrics.rpcUp.set(0)
        const wait = Math.min(10_000, pollIntervalMs * 2 ** Math.min(this.failures, 8))
        if (this.connected || this.failures === 1) logger.warn({ err: (error as Error).message.split('\n')[0], retryInMs: wait }, 'RPC unavailable, backing off')
        this.connected = false
        await sleep(wait, this.abort.signal)
      }
    }
  }
}
