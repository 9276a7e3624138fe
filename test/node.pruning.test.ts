import { afterAll, beforeAll, expect, test } from 'vitest'
import { eventsOf, freePort, JobStore, nodeConfig, RequestStatus, type RunningNode, startTestChain, startTestNode, statusOf, type TestChain, waitFor } from '@veridict/oracle/testing'

/**
 * A node that runs for months prunes its final jobs (jobRetentionHours). A request it pruned and
 * then sees again, when it reads the chain again from an older cursor, is not taken up: no job, no
 * transaction.
 */
let chain: TestChain
let node: RunningNode | undefined

beforeAll(async () => {
  chain = await startTestChain({ challengeWindow: 6n, blockTime: 1 })
  await chain.registerOperator(1)
})

afterAll(async () => {
  await node?.stop()
  await chain?.stop()
})

test('prunes a final job past its retention at start, and a replay of its events from an older cursor takes no action on it', async () => {
  // One block per eth_getLogs call: replayed, the request's block is applied alone, and the worker
  // runs before the blocks with its attestation and finalization are read.
  const config = nodeConfig(chain, { httpPort: await freePort(), modes: ['attested'], logBatchBlocks: 1 })
  node = await startTestNode(config, 1)
  const requestId = await chain.request({ input: chain.testInputs[0]!, mode: 'attested', quorum: 1 })
  await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Finalized, { what: 'the request to be attested and finalized', timeoutMs: 60_000 })
  await waitFor(() => node!.node.store.getJob(requestId)?.state === 'done', { what: 'the job to be done' })
  const requestBlock = node.node.store.getJob(requestId)!.blockNumber
  const operator = node.node.address
  await node.stop()
  node = undefined

  // Eight days pass (the job's last change is older than the default 168 hours), and the cursor goes
  // back before the request (as a restored backup or a deep rewind would have it).
  const store = new JobStore({ dataDir: config.dataDir })
  store.db.prepare('UPDATE jobs SET updated_at = updated_at - ? WHERE request_id = ?').run(8 * 24 * 3_600_000, String(requestId))
  const before = await chain.client.getBlock({ blockNumber: requestBlock - 1n })
  store.setCursor(before.number, before.hash)
  store.close()
  const nonce = await chain.client.getTransactionCount({ address: operator })
  const head = await chain.client.getBlockNumber({ cacheTime: 0 })

  node = await startTestNode(config, 1)
  const running = node
  await waitFor(() => running.node.metrics.jobsPruned.get() === 1, { what: 'the node to prune the job at start' })
  expect(running.node.store.getJob(requestId)).toBeUndefined()
  expect(running.node.store.prunedThroughBlock).toBe(requestBlock)
  // The whole replay, watched block by block: the request never becomes a job again.
  let reappeared = false
  const watch = setInterval(() => (reappeared ||= running.node.store.db.open && running.node.store.getJob(requestId) !== undefined), 5)
  try {
    await waitFor(() => (running.node.store.getCursor()?.blockNumber ?? 0n) >= head, { what: 'the follower to replay every block since the request', timeoutMs: 60_000 })
    await new Promise((resolve) => setTimeout(resolve, 2_000))
  } finally {
    clearInterval(watch)
  }
  expect(reappeared).toBe(false)
  expect(await chain.client.getTransactionCount({ address: operator })).toBe(nonce)
  expect(await eventsOf(chain, 'AttestationSubmitted', requestId)).toHaveLength(1)
  expect(await eventsOf(chain, 'ResultFinalized', requestId)).toHaveLength(1)
  const metrics = await (await fetch(`${running.url}/metrics`)).text()
  expect(metrics).toMatch(/^veridict_jobs_pruned_total 1$/m)
  expect(Number(/^veridict_jobstore_bytes (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0)
})
