import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { toFunctionSelector } from 'viem'
import { inferenceOracleAbi } from '@veridict/sdk'
import { eventsOf, nodeConfig, nodePorts, RequestStatus, type RunningNode, startTestChain, startTestNode, statusOf, type TestChain, waitFor } from '@veridict/oracle/testing'

describe('oracle nodes on anvil', () => {
  let chain: TestChain
  const nodes: RunningNode[] = []

  beforeAll(async () => {
    chain = await startTestChain({ challengeWindow: 6n, blockTime: 1 })
    const ports = await nodePorts(3)
    for (const key of [1, 2, 3]) await chain.registerOperator(key)
    for (const [i, { httpPort, peerHttpPort }] of ports.entries()) {
      const peers = ports.filter((_, j) => j !== i).map((p) => p.peerUrl)
      nodes.push(await startTestNode(nodeConfig(chain, { httpPort, peerHttpPort, peers, modes: i === 0 ? ['zk', 'attested'] : ['attested'], batchAttestations: true }), i + 1))
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
  test('a batch whose transaction waits in the pool keeps its members: none is signed or sent alone meanwhile', async () => {
    const rpc = (method: string, params: unknown[]) => chain.client.request({ method, params } as never)
    const requestIds = await chain.requestMany({ inputs: chain.testInputs.slice(7, 12), quorum: 2 })
    await waitFor(() => requestIds.every((id) => nodes[0]!.node.store.getJob(id) !== undefined), { what: 'the node to see the requests' })
    const blocks = requestIds.map((id) => nodes[0]!.node.store.getJob(id)!.blockNumber)
    const first = blocks.reduce((a, b) => (a < b ? a : b))
    // Mining stops once the committees are drawn: the batch transaction waits in the pool for longer
    // than a member used to wait before going alone (BATCH_WAIT_MS + the backup delay).
    await waitFor(async () => (await chain.client.getBlockNumber({ cacheTime: 0 })) > blocks.reduce((a, b) => (a > b ? a : b)), { intervalMs: 20, what: 'the seed block' })
    await rpc('evm_setIntervalMining', [0])
    try {
      await waitFor(() => nodes.some((n) => requestIds.some((id) => n.node.store.getJob(id)?.state === 'submitted')), { what: 'a batch to be sent', timeoutMs: 20_000 })
      await new Promise((resolve) => setTimeout(resolve, 10_000))
    } finally {
      await rpc('evm_setIntervalMining', [1])
    }
    await waitFor(async () => (await Promise.all(requestIds.map((id) => statusOf(chain, id)))).every((s) => s === RequestStatus.Attested || s === RequestStatus.Finalized), { what: 'every request to be attested', timeoutMs: 30_000 })
    const attestations = new Set((await Promise.all(requestIds.map((id) => eventsOf(chain, 'AttestationSubmitted', id)))).map((events) => (events[0] as unknown as { transactionHash: string }).transactionHash))
    // Every submitAttestations transaction mined since, reverted ones included: only the batches.
    const head = await chain.client.getBlockNumber({ cacheTime: 0 })
    const selector = toFunctionSelector(inferenceOracleAbi.find((x) => x.type === 'function' && x.name === 'submitAttestations')!)
    const sent: string[] = []
    for (let b = first; b <= head; b++) {
      const block = await chain.client.getBlock({ blockNumber: b, includeTransactions: true })
      for (const tx of block.transactions) if (tx.to?.toLowerCase() === chain.deployment.contracts.inferenceOracle.toLowerCase() && tx.input.startsWith(selector)) sent.push(tx.hash)
    }
    expect(sent.sort()).toEqual([...attestations].sort())
    expect(attestations.size).toBe(new Set(blocks.map(String)).size)
    // No node fell back to single attestations (signing, sharing and simulating each request again).
    for (const n of nodes) for (const id of requestIds) expect(n.node.store.signatures(id)).toEqual([])
  }, 90_000)
})
