import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createPublicClient, createWalletClient, defineChain, http, parseEther, type Address, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { operatorStakingAbi } from '@veridict/sdk'
import { encryptionPublicKeyOf } from '@veridict/sdk/private'
import { deriveEncryptionKey } from '../config/encryptionKey.js'
import { deployVeridict } from '../deploy/deploy.js'
import { anvilPrivateKeys, startAnvil, type Anvil } from '../devnet/anvil.js'
import { createLogger } from '../logger.js'
import { NodeMetrics } from '../metrics/metrics.js'
import { publishEncryptionKey } from './publishEncryptionKey.js'
import { TxManager } from './txManager.js'

describe('publishEncryptionKey on anvil', () => {
  let anvil: Anvil
  let client: PublicClient
  let staking: Address
  const key = anvilPrivateKeys[1]
  const account = privateKeyToAccount(key)

  beforeAll(async () => {
    anvil = await startAnvil()
    const deployment = await deployVeridict({ rpcUrl: anvil.rpcUrl })
    staking = deployment.contracts.operatorStaking
    const chain = defineChain({ id: anvil.chainId, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } })
    client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 })
  })

  afterAll(async () => {
    await anvil?.stop()
  })

  const publish = async (publicKey: { x: bigint; y: bigint }) => {
    const txs = new TxManager({ publicClient: client, account, chain: client.chain!, headroomPercent: 125, stuckAfterMs: 30_000, pollIntervalMs: 50, logger: createLogger('silent'), metrics: new NodeMetrics(() => ({})) })
    try {
      return await publishEncryptionKey({ publicClient: client, txs, staking, operator: account.address, publicKey })
    } finally {
      txs.close()
    }
  }
  const registeredKey = async () => {
    const [x, y] = await client.readContract({ address: staking, abi: operatorStakingAbi, functionName: 'encryptionKeyOf', args: [account.address] })
    return { x, y }
  }
  const nonce = () => client.getTransactionCount({ address: account.address })

  test('an unregistered operator sends nothing (OperatorStaking takes no key from it) and is told so', async () => {
    const publicKey = await encryptionPublicKeyOf(deriveEncryptionKey(key))
    expect(await publish(publicKey)).toEqual({ status: 'unregistered', registered: { x: 0n, y: 0n } })
    expect(await nonce()).toBe(0)
  })

  test('a registered operator publishes its key once: run again with the same key, it sends nothing; another key replaces it', async () => {
    const wallet = createWalletClient({ account, chain: client.chain!, transport: http(anvil.rpcUrl) })
    await client.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: staking, abi: operatorStakingAbi, functionName: 'register', value: parseEther('1') }) })
    const publicKey = await encryptionPublicKeyOf(deriveEncryptionKey(key))
    const first = await publish(publicKey)
    expect(first.status).toBe('published')
    expect(await registeredKey()).toEqual(publicKey)
    const sent = await nonce()
    // A restart with the same key: one read, no transaction.
    expect(await publish(publicKey)).toEqual({ status: 'unchanged' })
    expect(await nonce()).toBe(sent)
    const other = await encryptionPublicKeyOf(12345n)
    expect((await publish(other)).status).toBe('published')
    expect(await registeredKey()).toEqual(other)
    expect(await nonce()).toBe(sent + 1)
  })
})
