import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { JobStore, type NewJob } from './jobStore.js'

const job = (requestId: bigint): NewJob => ({
  requestId,
  modelId: `0x${'11'.repeat(32)}`,
  mode: 'zk',
  quorum: 0,
  requester: `0x${'22'.repeat(20)}`,
  fee: 10n ** 18n,
  deadline: 2_000_000_000,
  inputWords: [1n, 2n ** 200n],
  blockNumber: 7n,
  blockHash: `0x${'33'.repeat(32)}`,
  action: 'fulfill',
})

describe('JobStore', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'veridict-store-'))

  test('takes each request once and keeps its words exactly', () => {
    const store = new JobStore({ dataDir })
    expect(store.insertJob(job(1n))).toBe(true)
    expect(store.insertJob(job(1n))).toBe(false)
    expect(store.getJob(1n)?.inputWords).toEqual([1n, 2n ** 200n])
    expect(store.countByState().pending).toBe(1)
    store.close()
  })

  test('moves a job only from an allowed state and records every transition', () => {
    const store = new JobStore({ dataDir })
    expect(store.transition(1n, 'inferred', { from: ['pending'], patch: { outputWords: [5n], outputHash: `0x${'44'.repeat(32)}` } })?.outputWords).toEqual([5n])
    expect(store.transition(1n, 'proving', { from: ['pending'] })).toBeUndefined()
    expect(store.transition(1n, 'done')?.state).toBe('done')
    expect(store.transition(1n, 'failed')).toBeUndefined()
    expect(store.history(1n).map((h) => h.to)).toEqual(['pending', 'inferred', 'done'])
    store.close()
  })

  test('survives a reopen: cursor, jobs and signatures persist', () => {
    let store = new JobStore({ dataDir })
    store.setCursor(42n, `0x${'55'.repeat(32)}`)
    store.addSignature({ requestId: 1n, signer: `0x${'66'.repeat(20)}`, outputHash: `0x${'44'.repeat(32)}`, outputWords: [5n], signature: '0x01' })
    store.close()
    store = new JobStore({ dataDir })
    expect(store.getCursor()?.blockNumber).toBe(42n)
    expect(store.getJob(1n)?.state).toBe('done')
    expect(store.signatures(1n)).toHaveLength(1)
    store.close()
  })
})
