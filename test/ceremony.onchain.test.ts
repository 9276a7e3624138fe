import { cp, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { beaconCeremony, contributeCeremony, contributeZkey, exportCeremony, finalizeCeremony, importContribution, initCeremony, setupModel, verifyCeremony } from '@veridict/circuits'
import { createVeridictClient, fulfillWithProof, getModel, requestInference, waitForResult } from '@veridict/sdk'
import { proveLocally } from '@veridict/sdk/prover'
import { verifyResultOffchain } from '@veridict/sdk/verify'
import { anvilPrivateKeys, freePort, nodeConfig, RequestStatus, startTestChain, startTestNode, statusOf, waitFor, type RunningNode, type TestChain } from '@veridict/oracle/testing'
import { createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

/**
 * Setups beyond the one-command dev path, proved on a real chain: a multi-party Groth16 phase 2
 * (three contributors, one on another machine through the exported key, and a beacon), and a
 * PLONK setup that a node proves and the registry's PLONK verifier checks.
 */
describe('multi-party and universal setups, verified on-chain', () => {
  let chain: TestChain
  let node: RunningNode | undefined
  let work: string

  beforeAll(async () => {
    chain = await startTestChain()
    work = await mkdtemp(join(tmpdir(), 'veridict-ceremony-onchain-'))
  })

  afterAll(async () => {
    await node?.stop()
    await chain?.stop()
  })

  const client = (index: number) =>
    createVeridictClient({
      publicClient: chain.client as never,
      walletClient: createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[index]!), chain: chain.client.chain!, transport: http(chain.anvil.rpcUrl) }),
      deployment: { chainId: chain.anvil.chainId, oracle: chain.deployment.contracts.inferenceOracle, registry: chain.deployment.contracts.modelRegistry, staking: chain.deployment.contracts.operatorStaking, fromBlock: chain.deployment.deploymentBlock },
    })

  test('a 3-contributor + beacon Groth16 ceremony: the registry records 3 contributions and a proof from its key is final on-chain', async () => {
    const dir = join(work, 'ceremony', 'iris')
    await cp(chain.modelDir, dir, { recursive: true })
    await initCeremony({ dir, restart: true })
    await contributeCeremony({ dir, name: 'alice', entropy: 'alice: 3 1 4 1 5' })
    const exported = await exportCeremony({ dir, out: join(work, 'for-bob.zkey') })
    const bob = await contributeZkey({ input: exported.out, output: join(work, 'from-bob.zkey'), name: 'bob', entropy: 'bob: qpwoeiruty' })
    await importContribution({ dir, file: bob.output })
    await contributeCeremony({ dir, name: 'carol', entropy: 'carol: HTTHHTHT' })
    await beaconCeremony({ dir, hash: '0x9b3f3a1c5e7d2b4f6a8c0e1d3f5b7a9c2e4d6f8a0b1c3e5d7f9a2b4c6d8e0f1a', iterationsExp: 10, name: 'beacon' })
    expect((await verifyCeremony({ dir })).contributions.map((c) => c.name)).toEqual(['alice', 'bob', 'carol'])
    await finalizeCeremony({ dir })

    const { modelId } = await chain.registerModel(dir, 0)
    const requester = client(5)
    const model = await getModel(requester, { modelId })
    expect(model.setup).toMatchObject({ contributions: 3, insecure: true, summary: 'dev setup, 3 contributions, INSECURE' })
    const { requestId } = await requestInference(requester, { modelId, inputWords: chain.inputWords(chain.testInputs[0]!), mode: 'zk' })
    const proved = await proveLocally(requester, { requestId, dir })
    await fulfillWithProof(client(4), proved)
    const result = await waitForResult(requester, { requestId })
    expect(result.status).toBe('fulfilled')
    expect(await verifyResultOffchain(requester, { result })).toEqual({ kind: 'proof', valid: true, reason: undefined })
  })

  test('a PLONK setup: a node proves it, the registry\'s PLONK verifier accepts it, the SDK verifies it from the chain', async () => {
    const modelsDir = join(work, 'plonk')
    const dir = join(modelsDir, 'iris')
    await cp(chain.modelDir, dir, { recursive: true })
    const { manifest } = await setupModel({ dir, scheme: 'plonk' })
    expect(manifest.setup).toMatchObject({ protocol: 'plonk', phase2: undefined, record: { contributions: 0, insecure: true } })
    const { modelId, proofSystem } = await chain.registerModel(dir, 0)
    expect(proofSystem).toBe('plonk')

    node = await startTestNode(nodeConfig(chain, { httpPort: await freePort(), modelsDir, modes: ['zk'] }), 2)
    await waitFor(() => node!.node.listings.get(modelId), { what: 'the node to serve the PLONK registration' })
    const requestId = await chain.request({ input: chain.testInputs[2]!, mode: 'zk', modelId })
    await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Fulfilled, { what: 'the PLONK proof to be accepted on-chain', timeoutMs: 90_000 })
    const requester = client(5)
    const result = await waitForResult(requester, { requestId })
    expect(result.fulfilment).toMatchObject({ kind: 'proof', fulfiller: node.node.address })
    expect(await verifyResultOffchain(requester, { result })).toEqual({ kind: 'proof', valid: true, reason: undefined })
    const tampered = { ...result, outputWords: result.outputWords.map((w, i) => (i === 0 ? w ^ 1n : w)) }
    expect(await verifyResultOffchain(requester, { result: tampered })).toMatchObject({ kind: 'proof', valid: false })
  })
})
