import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createPublicClient, custom, defineChain, http, parseAbi, toFunctionSelector, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { anvilPrivateKeys, startAnvil, type Anvil } from '../devnet/anvil.js'
import { TransactionError } from '../errors/node.js'
import { createLogger } from '../logger.js'
import { NodeMetrics } from '../metrics/metrics.js'
import { TxManager } from './txManager.js'

// Calls to an address without code succeed, which is all the nonce and receipt logic needs.
const abi = parseAbi(['function ping(uint256 n)'])
const target = '0x000000000000000000000000000000000000bEEF'

describe('TxManager on anvil', () => {
  let anvil: Anvil
  let client: PublicClient
  const account = privateKeyToAccount(anvilPrivateKeys[1])
  const manager = (stuckAfterMs = 30_000) =>
    new TxManager({ publicClient: client, account, chain: client.chain!, headroomPercent: 125, stuckAfterMs, pollIntervalMs: 50, logger: createLogger('silent'), metrics: new NodeMetrics(() => ({})) })
  const rpc = (method: string, params: unknown[]) => client.request({ method, params } as never)
  const ping = (n: number, onSent?: (hash: `0x${string}`) => void) => ({ kind: 'ping', address: target, abi, functionName: 'ping', args: [BigInt(n)], onSent }) as const

  beforeAll(async () => {
    anvil = await startAnvil({ blockTime: 1 })
    const chain = defineChain({ id: anvil.chainId, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } })
    client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 })
  })

  afterAll(async () => {
    await anvil?.stop()
  })

  test('pipelines many transactions from one key into the same block, one nonce each', async () => {
    const txs = manager()
    const start = await client.getTransactionCount({ address: account.address })
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => txs.send(ping(i))))
    txs.close()
    const receipts = results.map((r) => (r.status === 'mined' ? r.receipt : undefined))
    expect(receipts.every((r) => r?.status === 'success')).toBe(true)
    expect(new Set(receipts.map((r) => r!.blockNumber)).size).toBeLessThanOrEqual(2)
    const nonces = await Promise.all(receipts.map(async (r) => (await client.getTransaction({ hash: r!.transactionHash })).nonce))
    expect(nonces.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => start + i))
  })

  test('a dropped transaction is re-sent with its nonce, unblocking the ones queued behind it', async () => {
    const txs = manager(1_500)
    await rpc('evm_setAutomine', [false])
    await rpc('evm_setIntervalMining', [0])
    let dropped: `0x${string}` | undefined
    const first = txs.send(ping(1, (hash) => (dropped ??= hash)))
    await expect.poll(() => dropped).toBeDefined()
    await rpc('anvil_dropTransaction', [dropped])
    const second = txs.send(ping(2))
    await rpc('evm_setIntervalMining', [1])
    const [a, b] = await Promise.all([first, second])
    txs.close()
    expect(a.status === 'mined' && a.receipt.transactionHash).not.toBe(dropped)
    expect(b.status).toBe('mined')
  })

  test('after a restart, a fresh manager continues from the pending nonce and does not clash with transactions still in the pool', async () => {
    await rpc('evm_setIntervalMining', [0])
    const before = manager()
    const inPool: `0x${string}`[] = []
    const pending = Promise.all([1, 2, 3].map((n) => before.send(ping(n, (hash) => inPool.push(hash)))))
    await expect.poll(() => inPool.length).toBe(3)
    // "Restart": a new manager knows nothing of the three transactions in the pool.
    const after = manager()
    const next = after.send(ping(4))
    await rpc('evm_setIntervalMining', [1])
    const results = await Promise.all([pending, next])
    before.close()
    after.close()
    expect(results.flat().every((r) => r.status === 'mined' && r.receipt.status === 'success')).toBe(true)
  })

  test('a nonce taken by a transaction it did not send ends the send with an error (the caller retries and simulates again)', async () => {
    const txs = manager(1_000)
    await rpc('evm_setIntervalMining', [0])
    let ours: `0x${string}` | undefined
    const send = txs.send(ping(5, (hash) => (ours ??= hash)))
    await expect.poll(() => ours).toBeDefined()
    const { nonce } = await client.getTransaction({ hash: ours! })
    await rpc('anvil_dropTransaction', [ours])
    // Another process with the same key uses the nonce first.
    const other = await account.signTransaction({ type: 'eip1559', chainId: anvil.chainId, to: target, nonce, gas: 30_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n })
    await client.sendRawTransaction({ serializedTransaction: other })
    await rpc('evm_mine', [])
    await rpc('evm_setIntervalMining', [1])
    await expect(send).rejects.toThrow(TransactionError)
    await expect(send).rejects.toThrow(/was used by another transaction/)
    txs.close()
  })
  test('a send on the clock with its gas limit given skips the estimate and uses that limit', async () => {
    const methods: string[] = []
    const counted = createPublicClient({
      chain: client.chain!,
      transport: custom({
        request: ({ method, params }: { method: string; params: unknown }) => {
          methods.push(method)
          return client.request({ method, params } as never)
        },
      }),
      pollingInterval: 50,
    })
    const txs = new TxManager({ publicClient: counted, account, chain: client.chain!, headroomPercent: 125, stuckAfterMs: 30_000, pollIntervalMs: 50, logger: createLogger('silent'), metrics: new NodeMetrics(() => ({})) })
    const given = await txs.send({ ...ping(7), gas: 60_000n })
    const estimated = await txs.send(ping(8))
    txs.close()
    expect(given.status).toBe('mined')
    expect(estimated.status).toBe('mined')
    const gasOf = async (r: typeof given) => (await client.getTransaction({ hash: r.status === 'mined' ? r.receipt.transactionHash : '0x' })).gas
    expect(await gasOf(given)).toBe(60_000n)
    expect(await gasOf(estimated)).not.toBe(60_000n)
    // One estimate in all (viem estimates with eth_fillTransaction where the node has it): the second send's.
    expect(methods.filter((m) => m === 'eth_estimateGas' || m === 'eth_fillTransaction')).toHaveLength(1)
  })

  test('a transaction that reverts on-chain says why: out of gas (used of its limit), or the error the contract names', async () => {
    // Contracts a node's transaction can meet: one that burns all the gas it gets (JUMPDEST PUSH1 0
    // JUMP), and one that reverts with Taken(7) (its 4-byte selector and the word 7).
    const burner = '0x000000000000000000000000000000000000b0a1'
    const taken = '0x000000000000000000000000000000000000b0a2'
    const selector = toFunctionSelector('Taken(uint256)').slice(2)
    await rpc('anvil_setCode', [burner, '0x5b600056'])
    await rpc('anvil_setCode', [taken, `0x63${selector}60e01b600052600760045260246000fd`])
    const takenAbi = parseAbi(['function ping(uint256 n)', 'error Taken(uint256 id)'])
    const metrics = new NodeMetrics(() => ({}))
    const txs = new TxManager({ publicClient: client, account, chain: client.chain!, headroomPercent: 125, stuckAfterMs: 30_000, pollIntervalMs: 50, logger: createLogger('silent'), metrics })
    // The gas limit given skips the simulation, as a send on the clock does: both are mined and revert.
    const outOfGas = await txs.send({ ...ping(1), address: burner, gas: 50_000n }).catch((error: unknown) => error)
    expect(outOfGas).toBeInstanceOf(TransactionError)
    expect((outOfGas as Error).message).toMatch(/reverted: it ran out of gas \(used 50,000 of its 50,000 limit\)/)
    const named = await txs.send({ kind: 'ping', address: taken, abi: takenAbi, functionName: 'ping', args: [1n], gas: 50_000n }).catch((error: unknown) => error)
    expect((named as Error).message).toMatch(/reverted with Taken/)
    // Named among alreadyDone, the same revert is a result someone else delivered, not a failure.
    const already = await txs.send({ kind: 'ping', address: taken, abi: takenAbi, functionName: 'ping', args: [1n], gas: 50_000n, alreadyDone: ['Taken'] })
    txs.close()
    expect(already).toEqual({ status: 'already', errorName: 'Taken' })
    const text = metrics.render()
    expect(text).toMatch(/veridict_transactions_total\{kind="ping",result="reverted"\} 2/)
    expect(text).toMatch(/veridict_transactions_total\{kind="ping",result="already"\} 1/)
  })
})
