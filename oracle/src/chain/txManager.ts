import type { Logger } from 'pino'
import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
  encodeFunctionData,
} from 'viem'
import { TransactionError } from '../errors/node.js'
import type { NodeMetrics } from '../metrics/metrics.js'

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
  /** Called with each transaction hash as soon as it is sent (to checkpoint it). */
  onSent?: ((hash: Hex) => void) | undefined
}

export type SendReturnType = { status: 'mined'; receipt: TransactionReceipt } | { status: 'already'; errorName: string }

/** The revert's custom error name, if the error is a contract revert. */
export function revertErrorName(error: unknown): string | undefined {
  if (!(error instanceof ViemBaseError)) return undefined
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null
  return revert?.data?.errorName
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Sends the node's transactions from one key: one nonce sequence (sends are serialized, receipts
 * awaited in parallel), simulation first (a revert naming an `alreadyDone` error is success), gas
 * estimate plus headroom, and resubmission at a higher fee with the same nonce when a transaction
 * is not mined within `stuckAfterMs`.
 */
export class TxManager {
  private nextNonce: number | undefined
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly p: {
      publicClient: PublicClient
      walletClient: WalletClient
      account: Account
      chain: Chain
      headroomPercent: number
      stuckAfterMs: number
      logger: Logger
      metrics: NodeMetrics
    },
  ) {}

  get address(): Address {
    return this.p.account.address
  }

  /** Serializes `fn` on the nonce lock. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  async send(params: SendParameters): Promise<SendReturnType> {
    const { kind, address, abi, functionName, args, value, alreadyDone = [], onSent } = params
    const { publicClient, walletClient, account, chain, logger, metrics } = this.p
    const call = { address, abi, functionName, args, value, account } as const
    try {
      await publicClient.simulateContract(call as never)
    } catch (error) {
      const name = revertErrorName(error)
      if (name && alreadyDone.includes(name)) {
        metrics.transactions.inc({ kind, result: 'already' })
        return { status: 'already', errorName: name }
      }
      throw new TransactionError({ action: `${kind} (${functionName})`, reason: `simulation reverted${name ? ` with ${name}` : ''}: ${(error as Error).message.split('\n')[0]}`, cause: error })
    }
    const gas = ((await publicClient.estimateGas({ account, to: address, data: encodeFunctionData({ abi, functionName, args } as never), value })) * BigInt(this.p.headroomPercent)) / 100n
    let fees = await publicClient.estimateFeesPerGas()
    const hashes: Hex[] = []
    const nonce = await this.locked(async () => {
      const n = this.nextNonce ?? (await publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' }))
      const hash = await this.sendRaw({ call, gas, nonce: n, fees, chain }).catch(async (error) => {
        // Our view of the nonce was stale (another process used the key, or a restart): resync once.
        if (/nonce/i.test((error as Error).message)) {
          const fresh = await publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' })
          return { hash: await this.sendRaw({ call, gas, nonce: fresh, fees, chain }), nonce: fresh }
        }
        throw error
      })
      const sent = typeof hash === 'string' ? { hash, nonce: n } : hash
      this.nextNonce = sent.nonce + 1
      hashes.push(sent.hash)
      onSent?.(sent.hash)
      return sent.nonce
    })
    for (let attempt = 0; ; attempt++) {
      const receipt = await this.waitAny(hashes, this.p.stuckAfterMs)
      if (receipt) {
        const spent = receipt.gasUsed * receipt.effectiveGasPrice
        metrics.gasUsed.inc({ kind }, receipt.gasUsed)
        metrics.gasSpentWei.inc({ kind }, spent)
        if (receipt.status === 'success') {
          metrics.transactions.inc({ kind, result: 'mined' })
          logger.info({ kind, hash: receipt.transactionHash, gasUsed: receipt.gasUsed, block: receipt.blockNumber }, 'transaction mined')
          return { status: 'mined', receipt }
        }
        // Reverted on-chain although the simulation passed: someone got there between the two.
        try {
          await publicClient.simulateContract(call as never)
        } catch (error) {
          const name = revertErrorName(error)
          if (name && alreadyDone.includes(name)) {
            metrics.transactions.inc({ kind, result: 'already' })
            return { status: 'already', errorName: name }
          }
        }
        metrics.transactions.inc({ kind, result: 'reverted' })
        throw new TransactionError({ action: `${kind} (${functionName})`, reason: `transaction ${receipt.transactionHash} reverted` })
      }
      if (attempt >= 5) throw new TransactionError({ action: `${kind} (${functionName})`, reason: `not mined after ${attempt + 1} tries (${hashes.join(', ')})` })
      // Stuck: same nonce, fees up by 25% (replacement needs at least +10%).
      fees = { maxFeePerGas: (fees.maxFeePerGas! * 125n) / 100n + 1n, maxPriorityFeePerGas: (fees.maxPriorityFeePerGas! * 125n) / 100n + 1n } as typeof fees
      try {
        const hash = await this.sendRaw({ call, gas, nonce, fees, chain })
        hashes.push(hash)
        onSent?.(hash)
        metrics.transactions.inc({ kind, result: 'replaced' })
        logger.warn({ kind, nonce, hash, maxFeePerGas: fees.maxFeePerGas }, 'transaction stuck, resubmitted with a higher fee')
      } catch (error) {
        logger.debug({ err: (error as Error).message.split('\n')[0] }, 'replacement not accepted (probably mined meanwhile)')
      }
    }
  }

  private sendRaw({ call, gas, nonce, fees, chain }: { call: { address: Address; abi: Abi; functionName: string; args: readonly unknown[]; value?: bigint | undefined; account: Account }; gas: bigint; nonce: number; fees: Awaited<ReturnType<PublicClient['estimateFeesPerGas']>>; chain: Chain }): Promise<Hex> {
    return this.p.walletClient.writeContract({ ...call, chain, gas, nonce, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas } as never)
  }

  private async waitAny(hashes: Hex[], timeoutMs: number): Promise<TransactionReceipt | undefined> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      for (const hash of hashes) {
        try {
          const receipt = await this.p.publicClient.getTransactionReceipt({ hash })
          if (receipt) return receipt
        } catch {
          // not mined yet (or the RPC hiccuped): keep polling
        }
      }
      await sleep(Math.min(250, Math.max(20, timeoutMs / 20)))
    }
    return undefined
  }
}
