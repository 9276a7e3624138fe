import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { operatorStakingAbi } from '@veridict/sdk'
import { eventsOf, freePort, nodeConfig, RequestStatus, type RunningNode, startTestChain, startTestNode, statusOf, type TestChain, waitFor } from '@veridict/oracle/testing'

describe('watchtower', () => {
  let chain: TestChain
  const nodes: RunningNode[] = []

  beforeAll(async () => {
    chain = await startTestChain({ challengeWindow: 30n, blockTime: 1 })
    await chain.registerOperator(1)
    // Node 1 lies about attested outputs; node 2 serves ZK only and watches attested results.
    nodes.push(await startTestNode(nodeConfig(chain, { httpPort: await freePort(), modes: ['attested'] }), 1, { dishonest: true }))
    nodes.push(await startTestNode(nodeConfig(chain, { httpPort: await freePort(), modes: ['zk'], watchtower: true }), 2))
  })

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
    await chain?.stop()
  })

  test('disputes a lying attestation with a proof; the liar is slashed and the proven output is final', async () => {
    const liar = nodes[0]!.node.address
    const requestId = await chain.request({ input: chain.testInputs[2]!, mode: 'attested', quorum: 1 })
    await waitFor(async () => (await eventsOf(chain, 'AttestationSubmitted', requestId)).length > 0, { what: 'the lying attestation', timeoutMs: 30_000 })
    await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Fulfilled, { what: 'the dispute', timeoutMs: 30_000 })
    const [disputed] = await eventsOf(chain, 'AttestationDisputed', requestId)
    expect(disputed!.args.disputer).toBe(nodes[1]!.node.address)
    expect(disputed!.args.provenOutputHash).toBe(nodes[1]!.node.store.getJob(requestId)!.outputHash)
    const operator = await chain.client.readContract({ address: chain.deployment.contracts.operatorStaking, abi: operatorStakingAbi, functionName: 'getOperator', args: [liar] })
    expect(operator.slashed).toBe(true)
    expect(operator.stake).toBe(0n)
    await waitFor(async () => /veridict_disputes_total\{model="iris"\} 1/.test(await (await fetch(`${nodes[1]!.url}/metrics`)).text()), { what: 'the dispute metric' })
  })
})
