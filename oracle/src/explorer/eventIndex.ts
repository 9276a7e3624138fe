import { formatEther, getAddress, parseEventLogs, type Address, type Hash, type Hex, type Log } from 'viem'
import { inferenceOracleAbi, operatorStakingAbi, traceDisputesAbi, type InferenceMode, type RequestStatus } from '@veridict/sdk'
import { ExplorerConnectionError } from '../errors/explorer.js'
import type { ExplorerConnection } from './connectExplorer.js'

/** One event in a request's history, for its timeline. */
export type RequestEvent = {
  name: string
  blockNumber: bigint
  timestamp: number
  transactionHash: Hash
  /** Who acted (the requester, the submitter, the fulfiller, the disputer, the reporter...). */
  actor: Address | undefined
  /** Stake taken by this event, in wei (disputes, overturned traces, equivocations). */
  slashed: bigint
  /** The event in words. */
  text: string
}

/** A request as the explorer lists it: folded from the oracle's events. */
export type RequestSummary = {
  requestId: bigint
  modelId: Hex
  requester: Address
  payer: Address
  mode: InferenceMode
  quorum: number
  fee: bigint
  valueAtRisk: bigint
  deadline: bigint
  status: RequestStatus
  blockNumber: bigint
  transactionHash: Hash
  /** Block timestamps (seconds) of the request and of its final result. */
  requestedAt: number
  finalAt: number | undefined
  /** Who was paid for a proof (a fulfilment or a dispute). */
  fulfiller: Address | undefined
  /** The signers of the latest attestation. */
  signers: Address[]
  /** A proof overturned an attestation of it. */
  disputed: boolean
  /** Stake slashed over it, in wei. */
  slashed: bigint
  callbackFailed: boolean
  /** Trace games over its attestations. */
  gameIds: bigint[]
  events: RequestEvent[]
}

/** An operator as the staking contract's and the oracle's events describe it. */
export type OperatorActivity = {
  account: Address
  index: number
  registeredAt: bigint
  attestations: number
  proofs: number
  slashes: { amount: bigint; blockNumber: bigint; transactionHash: Hash; timestamp: number }[]
  rewardsCredited: bigint
}

export type EventIndexOptions = {
  /** Blocks per eth_getLogs call (halved down to 50 when an RPC refuses a range). */
  chunkBlocks?: bigint | undefined
  /** At most one scan per this many milliseconds; callers in between share the last one. */
  minIntervalMs?: number | undefined
}

/**
 * The protocol's events from the deployment block to the chain's head, folded into requests and
 * operators: the explorer's only state, kept in memory and brought up to date by `refresh` (one
 * eth_getLogs per range over the oracle, the staking and the trace games contracts).
 */
export class EventIndex {
  readonly requests = new Map<bigint, RequestSummary>()
  readonly operators = new Map<Address, OperatorActivity>()
  /** Trace games: their request, as GameStarted names it. */
  readonly games = new Map<bigint, { requestId: bigint; challenger: Address }>()
  head = { number: -1n, timestamp: 0 }
  private scannedTo: bigint
  private readonly blockTimes = new Map<bigint, number>()
  private readonly operatorsByIndex = new Map<number, Address>()
  private refreshing: Promise<void> | undefined
  private refreshedAt = 0
  private chunkBlocks: bigint
  private readonly minIntervalMs: number

  constructor(
    private readonly connection: ExplorerConnection,
    options: EventIndexOptions = {},
  ) {
    this.scannedTo = connection.deployment.fromBlock - 1n
    this.chunkBlocks = options.chunkBlocks ?? 2_000n
    this.minIntervalMs = options.minIntervalMs ?? 500
  }

  /** Scans the blocks mined since the last scan; concurrent callers share one scan. */
  refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing
    if (Date.now() - this.refreshedAt < this.minIntervalMs) return Promise.resolve()
    this.refreshing = this.scan().finally(() => {
      this.refreshing = undefined
      this.refreshedAt = Date.now()
    })
    return this.refreshing
  }

  /** Requests newest first. */
  list(): RequestSummary[] {
    return [...this.requests.values()].sort((a, b) => (a.requestId < b.requestId ? 1 : -1))
  }

  /** Whether a request in state `requested` is past its deadline (by the head block's time). */
  expired(request: RequestSummary): boolean {
    return request.status === 'requested' && BigInt(this.head.timestamp) > request.deadline
  }

  private async scan(): Promise<void> {
    const { publicClient, rpcName, deployment } = this.connection
    const head = await publicClient.getBlock({ blockTag: 'latest' }).catch((cause: unknown) => {
      throw new ExplorerConnectionError(`The RPC at ${rpcName} did not answer for the latest block.`, { cause })
    })
    const addresses = [deployment.oracle, deployment.staking, deployment.traceDisputes]
    while (this.scannedTo < head.number) {
      const fromBlock = this.scannedTo + 1n
      const toBlock = fromBlock + this.chunkBlocks - 1n < head.number ? fromBlock + this.chunkBlocks - 1n : head.number
      let logs: Log[]
      try {
        logs = await publicClient.getLogs({ address: addresses, fromBlock, toBlock })
      } catch (cause) {
        if (this.chunkBlocks > 50n) {
          this.chunkBlocks /= 2n
          continue
        }
        throw new ExplorerConnectionError(`The RPC at ${rpcName} refused the logs of blocks ${fromBlock} to ${toBlock}.`, { details: 'It may limit eth_getLogs; pass --from-block to start later.', cause })
      }
      await this.blockTimesOf(logs)
      this.apply(logs)
      this.scannedTo = toBlock
    }
    this.head = { number: head.number, timestamp: Number(head.timestamp) }
  }

  private async blockTimesOf(logs: Log[]): Promise<void> {
    const missing = [...new Set(logs.map((log) => log.blockNumber!))].filter((n) => !this.blockTimes.has(n))
    for (let i = 0; i < missing.length; i += 16)
      await Promise.all(
        missing.slice(i, i + 16).map(async (blockNumber) => {
          const block = await this.connection.publicClient.getBlock({ blockNumber })
          this.blockTimes.set(blockNumber, Number(block.timestamp))
        }),
      )
  }

  private apply(logs: Log[]): void {
    const { oracle, staking, traceDisputes } = this.connection.deployment
    const from = (address: Address) => logs.filter((log) => log.address.toLowerCase() === address.toLowerCase())
    // Each contract's events in their own order; across contracts nothing here depends on the order.
    for (const log of parseEventLogs({ abi: operatorStakingAbi, logs: from(staking), strict: true })) {
      const at = { blockNumber: log.blockNumber, transactionHash: log.transactionHash, timestamp: this.blockTimes.get(log.blockNumber) ?? 0 }
      if (log.eventName === 'OperatorRegistered') {
        const account = getAddress(log.args.account)
        this.operatorsByIndex.set(log.args.index, account)
        this.operators.set(account, { account, index: log.args.index, registeredAt: log.blockNumber, attestations: 0, proofs: 0, slashes: [], rewardsCredited: 0n })
      } else if (log.eventName === 'OperatorSlashed') {
        this.operator(log.args.account)?.slashes.push({ amount: log.args.amount, ...at })
      } else if (log.eventName === 'RewardsCredited') {
        const account = this.operatorsByIndex.get(log.args.index)
        const operator = account && this.operators.get(account)
        if (operator) operator.rewardsCredited += log.args.amount
      }
    }
    for (const log of parseEventLogs({ abi: traceDisputesAbi, logs: from(traceDisputes), strict: true })) {
      if (log.eventName !== 'GameStarted' && log.eventName !== 'GameResolved') continue
      const request = this.requests.get(log.args.requestId)
      if (log.eventName === 'GameStarted') {
        this.games.set(log.args.gameId, { requestId: log.args.requestId, challenger: getAddress(log.args.challenger) })
        request?.gameIds.push(log.args.gameId)
      }
      const text =
        log.eventName === 'GameStarted'
          ? `trace game ${log.args.gameId} started by ${log.args.challenger} over the attested trace`
          : `trace game ${log.args.gameId} resolved: ${log.args.attestersLost ? 'the attesters lost' : 'the challenger lost'} (${log.args.reason})`
      request?.events.push(this.event(log, log.eventName, log.eventName === 'GameStarted' ? log.args.challenger : undefined, 0n, text))
    }
    for (const log of parseEventLogs({ abi: inferenceOracleAbi, logs: from(oracle), strict: true })) this.applyOracleLog(log)
  }

  private applyOracleLog(log: ReturnType<typeof parseEventLogs<typeof inferenceOracleAbi>>[number]): void {
    const time = this.blockTimes.get(log.blockNumber!) ?? 0
    if (log.eventName === 'InferenceRequested') {
      const { request } = log.args
      const summary: RequestSummary = {
        requestId: log.args.requestId,
        modelId: log.args.modelId,
        requester: getAddress(log.args.requester),
        payer: getAddress(request.payer),
        mode: request.mode === 0 ? 'zk' : 'attested',
        quorum: request.quorum,
        fee: request.fee,
        valueAtRisk: request.valueAtRisk,
        deadline: BigInt(request.deadline),
        status: 'requested',
        blockNumber: log.blockNumber!,
        transactionHash: log.transactionHash!,
        requestedAt: time,
        finalAt: undefined,
        fulfiller: undefined,
        signers: [],
        disputed: false,
        slashed: 0n,
        callbackFailed: false,
        gameIds: [],
        events: [],
      }
      this.requests.set(summary.requestId, summary)
      summary.events.push(this.event(log, 'requested', summary.requester, 0n, `requested in ${summary.mode} mode${summary.mode === 'attested' ? ` (quorum ${summary.quorum})` : ''}, fee ${formatEther(request.fee)} ETH, ${log.args.inputWords.length} input words`))
      return
    }
    if (!('requestId' in log.args)) return
    const request = this.requests.get(log.args.requestId)
    if (!request) return
    switch (log.eventName) {
      case 'AttestationSubmitted': {
        request.status = 'attested'
        request.signers = log.args.signers.map((s) => getAddress(s))
        for (const signer of request.signers) {
          const operator = this.operator(signer)
          if (operator) operator.attestations++
        }
        request.events.push(this.event(log, 'attested', log.args.submitter, 0n, `attested by ${request.signers.join(', ')}; challenge window ends ${new Date(Number(log.args.challengeEnd) * 1000).toISOString()}`))
        break
      }
      case 'ResultFinalized':
        request.status = 'finalized'
        request.finalAt = time
        request.events.push(this.event(log, 'finalized', undefined, 0n, `finalized after the challenge window; ${log.args.paidSigners} signers paid`))
        break
      case 'ResultFulfilled': {
        request.status = 'fulfilled'
        request.finalAt = time
        request.fulfiller = getAddress(log.args.fulfiller)
        const operator = this.operator(request.fulfiller)
        if (operator) operator.proofs++
        request.events.push(this.event(log, 'proved', request.fulfiller, 0n, `fulfilled with a proof, checked on-chain; fee paid to ${request.fulfiller}`))
        break
      }
      case 'AttestationDisputed': {
        request.status = 'fulfilled'
        request.finalAt = time
        request.fulfiller = getAddress(log.args.disputer)
        request.disputed = true
        request.slashed += log.args.slashed
        const operator = this.operator(request.fulfiller)
        if (operator) operator.proofs++
        request.events.push(this.event(log, 'disputed', request.fulfiller, log.args.slashed, `a proof of another output overturned the attestation; the signers lost ${formatEther(log.args.slashed)} ETH of stake`))
        break
      }
      case 'AttestationVoided':
        request.status = 'requested'
        request.events.push(this.event(log, 'voided', undefined, 0n, `attestation voided: ${log.args.unslashedSigners} unslashed signers left, quorum ${log.args.quorum}; the request is open again`))
        break
      case 'AttestationOverturnedByTrace':
        request.status = 'requested'
        request.deadline = BigInt(log.args.request.deadline)
        request.slashed += log.args.slashed
        request.events.push(this.event(log, 'overturned', log.args.challenger, log.args.slashed, `a trace game overturned the attestation; ${formatEther(log.args.slashed)} ETH slashed, the request reopened until ${new Date(Number(log.args.request.deadline) * 1000).toISOString()}`))
        break
      case 'EquivocationReported':
        request.slashed += log.args.slashed
        request.events.push(this.event(log, 'equivocation', log.args.reporter, log.args.slashed, `${log.args.operator} signed two outputs for this input; ${formatEther(log.args.slashed)} ETH slashed`))
        break
      case 'SlashDistributed':
        request.events.push(this.event(log, 'slash paid out', log.args.reporter, 0n, `slashed stake shared: ${formatEther(log.args.reporterShare)} ETH to the reporter, ${formatEther(log.args.requesterShare)} ETH to the payer, ${formatEther(log.args.treasuryShare)} ETH to the treasury`))
        break
      case 'RequestRefunded':
        request.status = 'refunded'
        request.events.push(this.event(log, 'refunded', log.args.payer, 0n, `expired and refunded: ${formatEther(log.args.amount)} ETH to ${log.args.payer}`))
        break
      case 'CallbackFailed':
        request.callbackFailed = true
        request.events.push(this.event(log, 'callback failed', log.args.callback, 0n, `the consumer callback at ${log.args.callback} reverted or ran out of gas (the result stands)`))
        break
      case 'CallbackSettled':
        request.events.push(this.event(log, 'callback', log.args.deliverer, 0n, `callback used ${log.args.gasUsed} gas: ${formatEther(log.args.paid)} ETH to the deliverer, ${formatEther(log.args.refunded)} ETH back to the requester`))
        break
    }
  }

  private operator(account: Address): OperatorActivity | undefined {
    return this.operators.get(getAddress(account))
  }

  private event(log: { blockNumber: bigint | null; transactionHash: Hash | null }, name: string, actor: Address | undefined, slashed: bigint, text: string): RequestEvent {
    return { name, blockNumber: log.blockNumber!, timestamp: this.blockTimes.get(log.blockNumber!) ?? 0, transactionHash: log.transactionHash!, actor: actor && getAddress(actor), slashed, text }
  }
}
