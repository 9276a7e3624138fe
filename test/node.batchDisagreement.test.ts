import { afterAll, beforeAll, expect, test } from 'vitest'
import { parseEther } from 'viem'
import { nodeConfig, nodePorts, RequestStatus, type RunningNode, startTestChain, startTestNode, statusOf, type TestChain, waitFor } from '@veridict/oracle/testing'

// Two nodes that cut a block's requests into different batches (one refuses the cheapest request):
// neither batch can reach a quorum, and each node sees the other's batch over the same requests,
// which is its cue to attest those requests one by one, soon after the batch wait (not after the
// minute a silent peer is given).
let chain: TestChain
const nodes: RunningNode[] = []

beforeAll(async () => {
  chain = await startTestChain({ challengeWindow: 30n, blockTime: 1 })
  const ports = await nodePorts(2)
  for (const key of [1, 2]) await chain.registerOperator(key)
  for (const [i, { httpPort, peerHttpPort }] of ports.entries())
    nodes.push(await startTestNode(nodeConfig(chain, { httpPort, peerHttpPort, peers: ports.filter((_, j) => j !== i).map((p) => p.peerUrl), modes: ['attested'], minFee: i === 1 ? parseEther('0.015') : 0n, quorumBackupDelayMs: 1_000 }), i + 1))
})

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()))
  await chain?.stop()
})

test('peers that batched a block differently attest its requests alone, and only those both serve', async () => {
  const [cheap, ...others] = await chain.requestMany({ inputs: chain.testInputs.slice(0, 3), quorum: 2, fees: [parseEther('0.01'), parseEther('0.02'), parseEther('0.02')] })
  await waitFor(async () => (await Promise.all(others.map((id) => statusOf(chain, id)))).every((s) => s === RequestStatus.Attested), { what: 'the requests both nodes serve to be attested', timeoutMs: 30_000 })
  expect(await statusOf(chain, cheap!)).toBe(RequestStatus.Requested)
  // They were attested one by one, each with both nodes' signatures.
  for (const id of others) expect(nodes.every((n) => n.node.store.signatures(id).length === 2)).toBe(true)
  // One block: the nodes' chunks of it differ ([cheap, a, b] and [a, b]).
  expect(new Set([cheap!, ...others].map((id) => String(nodes[0]!.node.store.getJob(id)!.blockNumber))).size).toBe(1)
}, 90_000)
