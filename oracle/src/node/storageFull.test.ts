import { afterAll, beforeAll, expect, test } from 'vitest'
import { RequestStatus } from '../chain/requestStatus.js'
import type { RunningNode } from './startNode.js'
import { freePortPair, nodeConfig, startTestChain, startTestNode, statusOf, waitFor, type TestChain } from '../testing/harness.js'

/**
 * A node whose data folder fills up: SQLite's max_page_count caps the database at its size now and
 * a filler takes its free pages, so the next write fails with SQLITE_FULL as on a full disk (no
 * root or tmpfs needed). The node must not exit: it says so on /health and /metrics, jobs wait,
 * and once there is room again the request waiting meanwhile is proved and fulfilled.
 */
let chain: TestChain
let running: RunningNode

beforeAll(async () => {
  chain = await startTestChain()
  running = await startTestNode(nodeConfig(chain, { httpPort: await freePortPair(), modes: ['zk'] }), 1)
  await waitFor(() => running.node.health().ok, { what: 'the node to start' })
}, 300_000)

afterAll(async () => {
  await running?.stop()
  await chain?.stop()
})

test('a full data folder stops the jobs, not the node; with room again the waiting request is fulfilled', async () => {
  const { node } = running
  const db = node.store.db
  // Fill it: the database may not grow, and the filler takes every free page.
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`)
  // Every table the node writes on a request takes filler rows, large then smaller, until not even a
  // small one fits in what is left of its pages (final jobs, which the node never acts on).
  let filler = 0
  const fillers = {
    kv: (size: number) => node.store.setValue(`filler-${filler++}`, 'x'.repeat(size)),
    jobs: (size: number) =>
      db
        .prepare("INSERT INTO jobs (request_id, model_id, mode, quorum, requester, fee, deadline, input_words, block_number, block_hash, state, action, error, created_at, updated_at) VALUES (?, '0x', 'zk', 0, '0x', '0', 0, '[]', 0, '0x', 'done', 'fulfill', ?, ?, ?)")
        .run(`filler-${filler++}`, 'x'.repeat(size), Date.now(), Date.now()),
    job_events: (size: number) => db.prepare("INSERT INTO job_events (request_id, to_state, note, at) VALUES ('filler', 'done', ?, 0)").run('x'.repeat(size)),
  }
  for (const insert of Object.values(fillers))
    for (const size of [2_000, 200, 20, 1]) {
      const fill = () => {
        for (;;) insert(size)
      }
      expect(fill).toThrowError(/database or disk is full/)
    }
  const requestId = await chain.request({ input: chain.testInputs[0]!, mode: 'zk' })
  const health = await waitFor(
    async () => {
      const body = (await (await fetch(`${running.url}/health`)).json()) as { status: string; database: { ok: boolean; full?: boolean; error?: string } }
      return body.database.full === true && body
    },
    { timeoutMs: 30_000, what: '/health to say the data folder is full' },
  )
  expect(health.status).toBe('degraded')
  expect(health.database.error).toMatch(/database or disk is full/)
  const metrics = await (await fetch(`${running.url}/metrics`)).text()
  expect(metrics).toMatch(/^veridict_storage_full 1$/m)
  expect(metrics).toMatch(/^veridict_storage_full_total [1-9]/m)
  // Several seconds of blocks later the request is still open: nothing could be stored, so nothing was sent.
  await new Promise((resolve) => setTimeout(resolve, 4_000))
  expect(await statusOf(chain, requestId)).toBe(RequestStatus.Requested)

  // Room again: the filler goes and the cap is lifted.
  db.pragma('max_page_count = 1073741823')
  db.prepare("DELETE FROM kv WHERE key LIKE 'filler-%'").run()
  db.prepare("DELETE FROM jobs WHERE request_id LIKE 'filler-%'").run()
  db.prepare("DELETE FROM job_events WHERE request_id = 'filler'").run()
  await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Fulfilled, { timeoutMs: 60_000, what: `request ${requestId} to be fulfilled` })
  await waitFor(() => node.health().ok, { what: '/health to be ok again' })
  expect(node.health().database).toEqual({ ok: true })
  expect(await (await fetch(`${running.url}/metrics`)).text()).toMatch(/^veridict_storage_full 0$/m)
}, 180_000)
