import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { RequestStatus } from '../oracle/src/chain/requestStatus.js'
import type { RunningNode } from '../oracle/src/node/startNode.js'
import { eventsOf, freePort, nodeConfig, startTestChain, startTestNode, statusOf, waitFor, type TestChain } from '../oracle/src/testing/harness.js'

describe('oracle nodes on anvil', () => {
  let chain: TestChain
  const nodes: RunningNode[] = []

  beforeAll(async () => {
    chain = await startTestChain({ challengeWindow: 6n, blockTime: 1 })
    const ports = await Promise.all([freePort(), freePort(), freePort()])
    const urls = ports.map((p) => `http://127.0.0.1:${p}`)
    for (const key of [1, 2, 3]) await chain.registerOperator(key)
    for (const [i, port] of ports.entries()) {
      const peers = urls.filter((_, j) => j !== i)
      nodes.push(await startTestNode(nodeConfig(chain, { httpPort: port, peers, modes: i === 0 ? ['zk', 'attested'] : ['attested'], batchAttestations: true }), i + 1))
    }
  })

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
    await chain?.stop()
  })

  test('fulfils a ZK request with a proof the chain accepts, once', async () => {
    const requestId = await chain.request({ input: chain.testInputs[0]!, mode: 'zk' })
    await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Fulfilled, { what: 'the ZK request to be fulfilled' })
    const fulfilled = await eventsOf(chain, 'ResultFulfilled', requestId)
    expect(fulfilled).toHaveLength(1)
    expect(fulfilled[0]!.args.fulfiller).toBe(nodes[0]!.node.address)
    await waitFor(() => nodes[0]!.node.store.getJob(requestId)?.state === 'done', { what: 'the job to be done' })
    const response = await fetch(`${nodes[0]!.url}/v1/requests/${requestId}`)
    const body = (await response.json()) as { state: string; output: { words: string[]; float?: number[] } }
    expect(body.state).toBe('done')
    // The float output is computed after the job moved on, and recorded with it.
    expect(body.output.float).toHaveLength(nodes[0]!.node.models[0]!.manifest.output.count)
    expect(body.output.float!.every(Number.isFinite)).toBe(true)
  })

  test('an attested request with quorum 3 reaches quorum over HTTP and finalizes after the window', async () => {
    const requestId = await chain.request({ input: chain.testInputs[1]!, mode: 'attested', quorum: 3 })
    await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Attested, { what: 'the attestation', timeoutMs: 30_000 })
    const submitted = await eventsOf(chain, 'AttestationSubmitted', requestId)
    expect(submitted).toHaveLength(1)
    expect(submitted[0]!.args.signers).toHaveLength(3)
    await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Finalized, { what: 'finalization', timeoutMs: 40_000 })
    expect(await eventsOf(chain, 'ResultFinalized', requestId)).toHaveLength(1)
    await waitFor(() => nodes.every((n) => n.node.store.getJob(requestId)?.state === 'done'), { what: 'every node to mark the job done' })
    const metrics = await (await fetch(`${nodes[0]!.url}/metrics`)).text()
    expect(metrics).toMatch(/veridict_jobs\{state="done"\} 2/)
    expect(metrics).toMatch(/veridict_last_processed_block \d+/)
  })
  test('requests of one block are attested together: one batch, one transaction, each finalized', async () => {
    const inputs = chain.testInputs.slice(2, 7)
    const requestIds = await chain.requestMany({ inputs, quorum: 2 })
    await waitFor(async () => (await Promise.all(requestIds.map((id) => statusOf(chain, id)))).every((s) => s === RequestStatus.Attested || s === RequestStatus.Finalized), {
      what: 'every request to be attested',
      timeoutMs: 30_000,
    })
    const submitted = (await Promise.all(requestIds.map((id) => eventsOf(chain, 'AttestationSubmitted', id)))).map((events) => events[0]!)
    // Requests mined in one block share one submitAttestations transaction.
    const byBlock = new Map<string, Set<string>>()
    for (const [i, id] of requestIds.entries()) {
      const job = nodes[0]!.node.store.getJob(id)!
      const key = String(job.blockNumber)
      if (!byBlock.has(key)) byBlock.set(key, new Set())
      byBlock.get(key)!.add((submitted[i] as unknown as { transactionHash: string }).transactionHash)
    }
    const shared = [...byBlock.entries()].filter(([block]) => requestIds.filter((id) => String(nodes[0]!.node.store.getJob(id)!.blockNumber) === block).length > 1)
    expect(shared.length).toBeGreaterThan(0)
    for (const [, transactions] of shared) expect(transactions.size).toBe(1)
    await waitFor(async () => (await Promise.all(requestIds.map((id) => statusOf(chain, id)))).every((s) => s === RequestStatus.Finalized), {
      what: 'every request to be finalized',
      timeoutMs: 40_000,
    })
  })
})
