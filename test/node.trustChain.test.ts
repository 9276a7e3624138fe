import { cp, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readModelDefinition, setupModel } from '@veridict/circuits'
import { modelRegistryAbi } from '@veridict/sdk'
import { freePort, InsecureSetupError, nodeConfig, RequestStatus, type RunningNode, startTestChain, startTestNode, statusOf, type TestChain, waitFor } from '@veridict/oracle/testing'

/**
 * The trust chain end to end on anvil: the registry's id names the key, a node serves an id only
 * when its local folder has exactly that key, and a dev setup is registered only when asked.
 */
describe('model ids bind their verification key', () => {
  let chain: TestChain
  let node: RunningNode
  /** Iris set up again: same ONNX and quantization, another phase-2 contribution, so another key. */
  let otherSetup: string

  beforeAll(async () => {
    chain = await startTestChain()
    const modelsDir = await mkdtemp(join(tmpdir(), 'veridict-other-setup-'))
    otherSetup = join(modelsDir, 'iris')
    await cp(chain.modelDir, otherSetup, { recursive: true })
    await setupModel({ dir: otherSetup })
    node = await startTestNode(nodeConfig(chain, { httpPort: await freePort(), modelsDir, modes: ['zk'] }), 1)
  })

  afterAll(async () => {
    await node?.stop()
    await chain?.stop()
  })

  test('registering a dev setup is refused without --allow-insecure-setup, and nothing is registered', async () => {
    const registry = chain.deployment.contracts.modelRegistry
    const before = await chain.client.readContract({ address: registry, abi: modelRegistryAbi, functionName: 'modelCount' })
    await expect(chain.registerModel(chain.modelDir, 4, { allowInsecureSetup: false })).rejects.toThrow(InsecureSetupError)
    expect(await chain.client.readContract({ address: registry, abi: modelRegistryAbi, functionName: 'modelCount' })).toBe(before)
    const model = await chain.client.readContract({ address: registry, abi: modelRegistryAbi, functionName: 'getModel', args: [chain.modelId] })
    expect(model.setup).toMatchObject({ contributions: 1, insecure: true })
    expect(model.listedCeremony).toBe(false)
  })

  test('a node whose folder has another key refuses the registered id and serves none of its requests', async () => {
    const [local, registered] = await Promise.all([readModelDefinition(otherSetup), readModelDefinition(chain.modelDir)])
    expect(local.definition.onnxHash).toBe(registered.definition.onnxHash)
    expect(local.definition.verificationKeyHash).not.toBe(registered.definition.verificationKeyHash)

    await waitFor(() => node.node.health().ok, { what: 'the node to read the registrations' })
    expect(node.node.health().refusedRegistrations).toEqual([{ modelId: chain.modelId, model: 'iris', reason: expect.stringMatching(/its verification key is not the local one/) }])
    expect(node.node.listings.get(chain.modelId)).toBeUndefined()

    const refused = await chain.request({ input: chain.testInputs[0]!, mode: 'zk' })
    const requestBlock = await chain.client.getBlockNumber()
    await waitFor(() => (node.node.store.getCursor()?.blockNumber ?? 0n) >= requestBlock, { what: 'the node to read past the request' })
    expect(node.node.store.getJob(refused)).toBeUndefined()
    expect(await statusOf(chain, refused)).toBe(RequestStatus.Requested)
  })

  test('registering the node\'s own folder gives a new id, which the node picks up and serves', async () => {
    const { modelId } = await chain.registerModel(otherSetup, 0)
    expect(modelId).not.toBe(chain.modelId)
    await waitFor(() => node.node.listings.get(modelId), { what: 'the node to follow the new registration' })
    const requestId = await chain.request({ input: chain.testInputs[1]!, mode: 'zk', modelId })
    await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Fulfilled, { what: 'the request to be proved with the new key', timeoutMs: 60_000 })
  })
})
