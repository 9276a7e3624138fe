import { afterAll, beforeAll, expect, test } from 'vitest'
import { freePort, nodeConfig, type RunningNode, startTestChain, startTestNode, type TestChain, waitFor } from '@veridict/oracle/testing'

let chain: TestChain
let node: RunningNode

beforeAll(async () => {
  chain = await startTestChain({ challengeWindow: 6n })
  await chain.registerOperator(1)
  node = await startTestNode(nodeConfig(chain, { httpPort: await freePort(), modes: ['attested'], confirmations: 0 }), 1)
})

afterAll(async () => {
  await node?.stop()
  await chain?.stop()
})

test('a request that a reorg removes from the chain cancels its job', async () => {
  const rpc = (method: string, params: unknown[] = []) => chain.client.request({ method: method as never, params: params as never })
  const snapshot = (await rpc('evm_snapshot')) as string
  // Quorum 3 with one operator: the job waits for peers, so it is still open when the reorg comes.
  const requestId = await chain.request({ input: chain.testInputs[0]!, mode: 'attested', quorum: 3 })
  await waitFor(() => node.node.store.getJob(requestId)?.state === 'inferred', { what: 'the node to take the request' })

  await rpc('evm_revert', [snapshot])
  await rpc('anvil_mine', ['0x3'])
  await waitFor(() => node.node.store.getJob(requestId)?.state === 'cancelled', { what: 'the reorged-out job to be cancelled', timeoutMs: 20_000 })
  expect(node.node.store.history(requestId).at(-1)?.note).toBe('request reorged out')
})
