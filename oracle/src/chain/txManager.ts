import type { Logger } from 'pino'
import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  encodeFunctionData,
  toHex,
  type Abi,
  type Address,
  type Chain,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from 'viem'
import { GasPriceAboveCapError, TransactionError } from '../errors/node.js'
import type { NodeMetrics } from '../metrics/metrics.js'
import { ReceiptWatcher } from './receiptWatcher.js'

export type SendParameters = {
  /** For logs and metrics: fulfill, attest, dispute, finalize, ... */
  kind: string
  address: Address
  abi: Abi
  functionName: string
  args: readonly unknown[]
  value?: bigint | undefined
  /** Revert error names that mean the work is already done by someone (treated as success). */
  alreadyDone?: readonly string[] | undefined
  /**
   * The call only succeeds in a block with at least this timestamp (a challenge window's end): it
   * is simulated as of that time, so it can be sent while the block before it is the head and land
   * in the first block that allows it.
   */
  notBefore?: bigint | undefined
  /** Called with each transaction hash as soon as it is sent (to checkpoint it). */
  onSent?: ((hash: Hex) => void) | undefined
  /**
   * A gas limit known in advance, for a send on the clock (an attestation that must reach the next
   * block): no simulation or estimate, which under load can take a block's time. A revert is then
   * found out on-chain (and an `alreadyDone` one still counts as done).
   */
  gas?: bigint | undefined
}

export type SendReturnType = { status: 'mined'; receipt: TransactionReceipt } | { status: 'already'; errorName: string }

/** The revert's custom error name, if the error is a contract revert. */
export function revertErrorName(error: unknown): string | undefined {
  if (!(error instanceof ViemBaseError)) return undefined
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null
  return revert?.data?.errorName
}

type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }
type Call = { address: Address; abi: Abi; functionName: string; args: readonly unknown[]; value?: bigint | undefined; account: LocalAccount }

/** Fee estimates are reused for this long (one estimate per block instead of one per transaction). */
const FEE_CACHE_MS = 1_000
/** How old a fee reading may be and still be used while a fresh one is read. */
const FEE_MAX_STALE_MS = 10_000
type FeeEntry = { value: Promise<Fees>; settled?: Fees; at: number; refreshing?: boolean }

/**
 * Sends the node's transactions from one key, pipelined: nonces are assigned locally under a lock
 * that covers only signing and `eth_sendRawTransaction`, so many transactions from one key can be
 * in flight in the same block; a `ReceiptWatcher` finds all their receipts with one call per block.
 * Before sending, one `eth_estimateGas` both simulates the call (a revert naming an `alreadyDone`
 * error is success) and sizes its gas (plus headroom). A transaction not mined within
 * `stuckAfterMs` is looked up directly, then re-sent with the same nonce at `feeBumpPercent` higher
 * fees (25% by default; this also fills the gap if a node dropped it); a nonce taken by a transaction
 * we did not send ends the send with an error, and the caller's retry simulates again. Fees never
 * pass `maxFeePerGas`: a send that needs more is refused before it leaves (GasPriceAboveCapError; the
 * job retries later), and a stuck one whose bump would pass the cap stays as it is. A send rejected for its nonce resyncs the
 * sequence from the chain's pending count.
 */
export class TxManager {
  private nextNonce: number | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private fees: FeeEntry | undefined
  private readonly receipts: ReceiptWatcher

  constructor(
    private readonly p: {
      publicClient: PublicClient
      account: LocalAccount
      chain: Chain
      headroomPercent: number
      stuckAfterMs: number
      /** The most maxFeePerGas the node pays (wei); undefined: no cap. */
      maxFeePerGas?: bigint | undefined
      /** How much a stuck transaction's fees rise when it is sent again (percent, at least 10). */
      feeBumpPercent?: number | undefined
      /** How often the receipt watcher looks for a new block. */
      pollIntervalMs?: number | undefined
      logger: Logger
      metrics: NodeMetrics
    },
  ) {
    this.receipts = new ReceiptWatcher({ client: p.publicClient, pollIntervalMs: Math.min(250, p.pollIntervalMs ?? 100), logger: p.logger })
  }

  get address(): Address {
    return this.p.account.address
  }

  /** The node's cap on maxFeePerGas (wei), if any. */
  get maxFeePerGas(): bigint | undefined {
    return this.p.maxFeePerGas
  }

  close(): void {
    this.receipts.close()
  }

  /** Serializes `fn` on the nonce lock. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  async send(params: SendParameters): Promise<SendReturnType> {
    const { kind, address, abi, functionName, args, value, alreadyDone = [], notBefore, onSent } = params
    const { publicClient, account, logger, metrics } = this.p
    const call: Call = { address, abi, functionName, args, value, account }
    const data = encodeFunctionData({ abi, functionName, args } as never)
    let estimated: bigint
    const started = Date.now()
    try {
      estimated = params.gas !== undefined ? (params.gas * 100n) / BigInt(this.p.headroomPercent) : await this.estimate(call, data, notBefore)
      logger.debug({ kind, ms: Date.now() - started, estimated, given: params.gas !== undefined }, 'gas estimated')
    } catch (error) {
      const name = revertErrorName(error)
      if (name && alreadyDone.includes(name)) {
        metrics.transactions.inc({ kind, result: 'already' })
        return { status: 'already', errorName: name }
      }
      logger.debug({ kind, err: (error as Error).message }, 'simulation failed')
      throw new TransactionError({ action: `${kind} (${functionName})`, reason: `simulation reverted${name ? ` with ${name}` : ''}: ${(error as Error).message.split('\n')[0]}`, cause: error })
    }
    const gas = (estimated * BigInt(this.p.headroomPercent)) / 100n
    let fees = this.capped(await this.currentFees(), kind)
    const hashes: Hex[] = []
    const nonce = await this.locked(async () => {
      let n = this.nextNonce ?? (await this.pendingNonce())
      let hash: Hex
      try {
        hash = await this.sendSigned({ address, data, value, gas, nonce: n, fees })
      } catch (error) {
        // Our view of the nonce was stale (another process used the key, or a send that "failed" got
        // through): resync once from the chain.
        if (!/nonce|underpriced|already known/i.test((error as Error).message)) throw error
        n = await this.pendingNonce()
        hash = await this.sendSigned({ address, data, value, gas, nonce: n, fees })
      }
      this.nextNonce = n + 1
      hashes.push(hash)
      onSent?.(hash)
      logger.debug({ kind, nonce: n, hash, gas, maxFeePerGas: fees.maxFeePerGas }, 'transaction sent')
      return n
    })
    for (let attempt = 0; ; attempt++) {
      const receipt = (await this.receipts.wait(hashes, this.p.stuckAfterMs)) ?? (await this.lookUp(hashes))
      if (receipt) return this.settle(receipt, { kind, functionName, call, alreadyDone, notBefore, data, gasLimit: gas })
      const mined = await publicClient.getTransactionCount({ address: account.address, blockTag: 'latest' })
      if (mined > nonce) {
        // Mined meanwhile, or the nonce went to a transaction we did not send.
        const late = await this.lookUp(hashes)
        if (late) return this.settle(late, { kind, functionName, call, alreadyDone, notBefore, data, gasLimit: gas })
        metrics.transactions.inc({ kind, result: 'replaced' })
        throw new TransactionError({ action: `${kind} (${functionName})`, reason: `nonce ${nonce} was used by another transaction (${hashes.join(', ')} not mined)` })
      }
      if (attempt >= 5) throw new TransactionError({ action: `${kind} (${functionName})`, reason: `not mined after ${attempt + 1} tries (${hashes.join(', ')})` })
      // Stuck (or dropped): same nonce, fees up by feeBumpPercent (a replacement needs at least +10%).
      const fresh = await this.currentFees()
      const bump = BigInt(100 + (this.p.feeBumpPercent ?? 25))
      const bumped = { maxFeePerGas: max((fees.maxFeePerGas * bump) / 100n + 1n, fresh.maxFeePerGas), maxPriorityFeePerGas: (fees.maxPriorityFeePerGas * bump) / 100n + 1n }
      const cap = this.p.maxFeePerGas
      if (cap !== undefined && bumped.maxFeePerGas > cap) {
        // A replacement must pay at least 10% more on both fees; under the cap it may not.
        if ((fees.maxFeePerGas * 110n) / 100n > cap) {
          logger.warn({ kind, nonce, maxFeePerGas: fees.maxFeePerGas, cap }, 'transaction stuck, and a replacement would pass maxGasPriceGwei: waiting')
          continue
        }
        bumped.maxFeePerGas = cap
        bumped.maxPriorityFeePerGas = min(max(bumped.maxPriorityFeePerGas, (fees.maxPriorityFeePerGas * 110n) / 100n + 1n), cap)
      }
      fees = bumped
      try {
        const hash = await this.sendSigned({ address, data, value, gas, nonce, fees })
        hashes.push(hash)
        onSent?.(hash)
        metrics.transactions.inc({ kind, result: 'resent' })
        logger.warn({ kind, nonce, hash, maxFeePerGas: fees.maxFeePerGas }, 'transaction stuck, resubmitted with a higher fee')
      } catch (error) {
        logger.debug({ err: (error as Error).message.split('\n')[0] }, 'replacement not accepted (probably mined meanwhile)')
      }
    }
  }

  /**
   * Waits for a transaction sent before a restart (its hash was checkpointed). Returns undefined if
   * the RPC does not know it (dropped, or never left): the caller then simulates and sends afresh.
   */
  async resume(hash: Hex, params: Omit<SendParameters, 'onSent'>): Promise<SendReturnType | undefined> {
    const { kind, address, abi, functionName, args, value, alreadyDone = [], notBefore } = params
    const known = await this.p.publicClient.getTransaction({ hash }).catch(() => undefined)
    if (!known) return undefined
    const receipt = (await this.lookUp([hash])) ?? (await this.receipts.wait([hash], this.p.stuckAfterMs))
    if (!receipt) return undefined
    const call: Call = { address, abi, functionName, args, value, account: this.p.account }
    return this.settle(receipt, { kind, functionName, call, alreadyDone, notBefore, data: encodeFunctionData({ abi, functionName, args } as never), gasLimit: known.gas })
  }

  private async settle(receipt: TransactionReceipt, c: { kind: string; functionName: string; call: Call; alreadyDone: readonly string[]; notBefore: bigint | undefined; data: Hex; gasLimit: bigint | undefined }): Promise<SendReturnType> {
    const { metrics, logger } = this.p
    metrics.gasUsed.inc({ kind: c.kind }, receipt.gasUsed)
    metrics.gasSpentWei.inc({ kind: c.kind }, receipt.gasUsed * receipt.effectiveGasPrice)
    if (receipt.status === 'success') {
      metrics.transactions.inc({ kind: c.kind, result: 'mined' })
      logger.debug({ kind: c.kind, hash: receipt.transactionHash, gasUsed: receipt.gasUsed, block: receipt.blockNumber }, 'transaction mined')
      return { status: 'mined', receipt }
    }
    // Reverted on-chain although the simulation passed (or none ran: a gas limit given): someone got
    // there between the two, the state moved under it, or the limit was too low. Simulated again
    // now, the call names the error it meets, if any.
    let name: string | undefined
    try {
      await this.p.publicClient.estimateContractGas({ ...c.call } as never)
    } catch (error) {
      name = revertErrorName(error)
      if (name && c.alreadyDone.includes(name)) {
        metrics.transactions.inc({ kind: c.kind, result: 'already' })
        return { status: 'already', errorName: name }
      }
    }
    metrics.transactions.inc({ kind: c.kind, result: 'reverted' })
    const limit = c.gasLimit
    const gas = (value: bigint | undefined) => value?.toLocaleString('en-US') ?? 'an unknown'
    const why =
      limit !== undefined && receipt.gasUsed >= limit
        ? `: it ran out of gas (used ${gas(receipt.gasUsed)} of its ${gas(limit)} limit)`
        : name
          ? ` with ${name}`
          : `, and the same call passes a simulation now: the chain's state changed between (gas used ${gas(receipt.gasUsed)} of its ${gas(limit)} limit)`
    logger.warn({ kind: c.kind, hash: receipt.transactionHash, block: receipt.blockNumber, gasUsed: receipt.gasUsed, gasLimit: limit, error: name }, `transaction reverted${why}`)
    throw new TransactionError({ action: `${c.kind} (${c.functionName})`, reason: `transaction ${receipt.transactionHash} reverted${why}` })
  }

  /** Simulation and gas estimate in one call; as of `notBefore` when given and the RPC takes block overrides. */
  private async estimate(call: Call, data: Hex, notBefore: bigint | undefined): Promise<bigint> {
    const { publicClient, account } = this.p
    if (notBefore !== undefined) {
      try {
        const tx = { from: account.address, to: call.address, data, ...(call.value ? { value: toHex(call.value) } : {}) }
        return BigInt(await publicClient.request({ method: 'eth_estimateGas', params: [tx, 'latest', {}, { time: toHex(notBefore) }] } as never))
      } catch {
        // No block overrides here, or it reverts anyway: the plain estimate below says which.
      }
    }
    return publicClient.estimateContractGas(call as never)
  }

  /**
   * Fees, read at most every FEE_CACHE_MS. A stale reading up to FEE_MAX_STALE_MS old is answered
   * with while a fresh one is read (a send on the clock does not wait for the round trip; viem's
   * maxFeePerGas is twice the base fee plus the tip, room for several blocks of base fee growth).
   */
  private currentFees(): Promise<Fees> {
    const now = Date.now()
    const cached = this.fees
    if (cached && now - cached.at <= FEE_CACHE_MS) return cached.value
    const read = () => {
      const value = this.p.publicClient.estimateFeesPerGas().then((f) => ({ maxFeePerGas: f.maxFeePerGas!, maxPriorityFeePerGas: f.maxPriorityFeePerGas! }))
      const entry: FeeEntry = { value, at: Date.now() }
      value.then(
        (settled) => (entry.settled = settled),
        () => this.fees === entry && (this.fees = undefined),
      )
      return { entry, value }
    }
    if (cached?.settled && now - cached.at <= FEE_MAX_STALE_MS) {
      if (!cached.refreshing) {
        cached.refreshing = true
        const { entry, value } = read()
        value.then(() => (this.fees = entry), () => (cached.refreshing = false))
      }
      return Promise.resolve(cached.settled)
    }
    const { entry, value } = read()
    this.fees = entry
    return value
  }

  /**
   * The fees with the tip kept under the cap; throws GasPriceAboveCapError when the network's fee
   * (the base fee plus the tip, with viem's margin for base fee growth) passes it.
   */
  private capped(fees: Fees, kind: string): Fees {
    const cap = this.p.maxFeePerGas
    if (cap === undefined || fees.maxFeePerGas <= cap) return fees
    // viem's estimate is twice the base fee plus the tip: one at the cap still pays the base fee
    // of the next block as long as the base fee is under the cap minus the tip.
    const tip = min(fees.maxPriorityFeePerGas, cap)
    const baseFee = (fees.maxFeePerGas - fees.maxPriorityFeePerGas) / 2n
    if (baseFee + tip <= cap) return { maxFeePerGas: cap, maxPriorityFeePerGas: tip }
    this.p.metrics.transactions.inc({ kind, result: 'fee_cap' })
    throw new GasPriceAboveCapError({ kind, needed: baseFee + tip, cap })
  }

  private pendingNonce(): Promise<number> {
    return this.p.publicClient.getTransactionCount({ address: this.p.account.address, blockTag: 'pending' })
  }

  private async sendSigned({ address, data, value, gas, nonce, fees }: { address: Address; data: Hex; value: bigint | undefined; gas: bigint; nonce: number; fees: Fees }): Promise<Hex> {
    const serializedTransaction = await this.p.account.signTransaction({ type: 'eip1559', chainId: this.p.chain.id, to: address, data, value, gas, nonce, ...fees })
    return this.p.publicClient.sendRawTransaction({ serializedTransaction })
  }

  /** Direct receipt lookups (the watcher may have missed a block during an outage). */
  private async lookUp(hashes: readonly Hex[]): Promise<TransactionReceipt | undefined> {
    for (const hash of hashes) {
      const receipt = await this.p.publicClient.getTransactionReceipt({ hash }).catch(() => undefined)
      if (receipt) return receipt
    }
    return undefined
  }
}

const max = (a: bigint, b: bigint) => (a > b ? a : b)
const min = (a: bigint, b: bigint) => (a < b ? a : b)
