import type { Logger } from 'pino'
import { formatTransactionReceipt, toHex, type Hex, type PublicClient, type RpcTransactionReceipt, type TransactionReceipt } from 'viem'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

type Waiter = { hashes: ReadonlySet<Hex>; resolve: (receipt: TransactionReceipt | undefined) => void; timer: NodeJS.Timeout }

/**
 * Finds the receipts of the node's transactions block by block: one `eth_getBlockReceipts` per new
 * block covers every transaction in flight, however many there are (per-transaction
 * `eth_getTransactionReceipt` polling costs one call per transaction per poll). An RPC without
 * `eth_getBlockReceipts` gets one receipt lookup per waiting transaction per new block instead.
 * The loop runs only while someone waits.
 */
export class ReceiptWatcher {
  private readonly waiters = new Set<Waiter>()
  private scanned: bigint | undefined
  private loop: Promise<void> | undefined
  private blockReceipts = true
  private closed = false

  constructor(private readonly p: { client: PublicClient; pollIntervalMs: number; logger: Logger }) {}

  /** Resolves with the receipt of whichever of `hashes` is mined first, or undefined after `timeoutMs`. */
  wait(hashes: readonly Hex[], timeoutMs: number): Promise<TransactionReceipt | undefined> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        hashes: new Set(hashes.map((h) => h.toLowerCase() as Hex)),
        resolve: (receipt) => {
          clearTimeout(waiter.timer)
          this.waiters.delete(waiter)
          resolve(receipt)
        },
        timer: setTimeout(() => waiter.resolve(undefined), timeoutMs),
      }
      this.waiters.add(waiter)
      this.ensureLoop()
    })
  }

  private ensureLoop(): void {
    if (this.loop || this.closed) return
    this.loop = this.run().finally(() => {
      this.loop = undefined
      if (this.waiters.size) this.ensureLoop()
    })
  }

  close(): void {
    this.closed = true
    for (const waiter of [...this.waiters]) waiter.resolve(undefined)
  }

  private async run(): Promise<void> {
    // After an idle spell, look two blocks back: a transaction sent just before may already be in the head.
    this.scanned = undefined
    while (this.waiters.size && !this.closed) {
      try {
        const head = await this.p.client.getBlockNumber({ cacheTime: 0 })
        let next: bigint = this.scanned === undefined ? (head > 2n ? head - 1n : 0n) : this.scanned + 1n
        // Far behind (a long RPC outage): the stuck-transaction path looks receipts up directly.
        if (head - next > 16n) next = head - 16n
        for (; next <= head && this.waiters.size; next++) {
          this.deliver(await this.receiptsIn(next))
          this.scanned = next
        }
      } catch (error) {
        this.p.logger.debug({ err: (error as Error).message.split('\n')[0] }, 'receipt scan failed, retrying')
      }
      await sleep(this.p.pollIntervalMs)
    }
  }

  private async receiptsIn(blockNumber: bigint): Promise<TransactionReceipt[]> {
    if (this.blockReceipts) {
      try {
        const receipts = await this.p.client.request({ method: 'eth_getBlockReceipts', params: [toHex(blockNumber)] } as never)
        return ((receipts ?? []) as RpcTransactionReceipt[]).map((r) => formatTransactionReceipt(r))
      } catch (error) {
        if (!/not (found|supported|available)|does not exist|unsupported|-32601/i.test(String((error as Error).message))) throw error
        this.blockReceipts = false
        this.p.logger.info('the RPC has no eth_getBlockReceipts: looking receipts up one transaction at a time')
      }
    }
    const hashes = [...new Set([...this.waiters].flatMap((w) => [...w.hashes]))]
    const found = await Promise.all(hashes.map((hash) => this.p.client.getTransactionReceipt({ hash }).catch(() => undefined)))
    return found.filter((r): r is TransactionReceipt => r !== undefined)
  }

  private deliver(receipts: readonly TransactionReceipt[]): void {
    if (!receipts.length) return
    const byHash = new Map(receipts.map((r) => [r.transactionHash.toLowerCase(), r]))
    for (const waiter of [...this.waiters]) {
      for (const hash of waiter.hashes) {
        const receipt = byHash.get(hash)
        if (receipt) {
          waiter.resolve(receipt)
          break
        }
      }
    }
  }
}
