import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import Database from 'better-sqlite3'
import { encryptInputFor, generateEncryptionKey, randomSalt } from '@veridict/sdk/private'
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
  commitment: {
    id: requestId,
    modelId: `0x${'11'.repeat(32)}`,
    inputHash: `0x${'55'.repeat(32)}`,
    requester: `0x${'22'.repeat(20)}`,
    payer: `0x${'22'.repeat(20)}`,
    fee: 10n ** 18n,
    callback: `0x${'00'.repeat(20)}`,
    callbackGasLimit: 0,
    callbackGasPrice: 0n,
    deadline: 2_000_000_000,
    mode: 0,
    quorum: 0,
    provable: true,
    modelIndex: 3,
    outputValues: 10,
    outputBits: 16,
    blockNumber: 7n,
    valueAtRisk: 0n,
    totalWeight: 2n ** 100n,
  },
  action: 'fulfill',
})

describe('JobStore', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'veridict-store-'))

  test('takes each request once and keeps its words exactly', () => {
    const store = new JobStore({ dataDir })
    expect(store.insertJob(job(1n))).toBe(true)
    expect(store.insertJob(job(1n))).toBe(false)
    expect(store.getJob(1n)?.inputWords).toEqual([1n, 2n ** 200n])
    expect(store.getJob(1n)?.commitment).toEqual(job(1n).commitment)
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

  test('a job read again reflects every change, and none that was rolled back', () => {
    const store = new JobStore({ dataDir: mkdtempSync(join(tmpdir(), 'veridict-store-')) })
    store.insertJob(job(9n))
    const before = store.getJob(9n)!
    expect(Object.isFrozen(before)).toBe(true)
    expect(store.transition(9n, 'inferred', { patch: { outputWords: [3n] } })?.state).toBe('inferred')
    expect(store.getJob(9n)).toMatchObject({ state: 'inferred', outputWords: [3n] })
    // A transition inside a transaction that then fails is undone, in the table and in what getJob says.
    expect(() =>
      store.atomically(() => {
        store.transition(9n, 'done')
        throw new Error('the batch failed after the transition')
      }),
    ).toThrow('the batch failed')
    expect(store.getJob(9n)?.state).toBe('inferred')
    expect(before.state).toBe('pending')
    store.close()
  })

  test('survives a reopen: cursor, jobs and signatures persist', () => {
    let store = new JobStore({ dataDir })
    store.setCursor(42n, `0x${'55'.repeat(32)}`)
    store.addSignature({ requestId: 1n, signer: `0x${'66'.repeat(20)}`, outputHash: `0x${'44'.repeat(32)}`, traceRoot: `0x${'45'.repeat(32)}`, outputWords: [5n], signature: '0x01' })
    store.close()
    store = new JobStore({ dataDir })
    expect(store.getCursor()?.blockNumber).toBe(42n)
    expect(store.getJob(1n)?.state).toBe('done')
    expect(store.signatures(1n)).toHaveLength(1)
    store.close()
  })

  test('opens a database made before protocol v2: adds the columns and cancels jobs it cannot act on', () => {
    const oldDir = mkdtempSync(join(tmpdir(), 'veridict-store-v1-'))
    const old = new Database(join(oldDir, 'node.sqlite'))
    old.exec(`CREATE TABLE jobs (request_id TEXT PRIMARY KEY, model_id TEXT NOT NULL, mode TEXT NOT NULL, quorum INTEGER NOT NULL, requester TEXT NOT NULL,
      fee TEXT NOT NULL, deadline INTEGER NOT NULL, input_words TEXT NOT NULL, block_number INTEGER NOT NULL, block_hash TEXT NOT NULL, state TEXT NOT NULL,
      action TEXT NOT NULL, output_words TEXT, output_hash TEXT, proof TEXT, attested_output_hash TEXT, challenge_end INTEGER, tx_hash TEXT,
      attempts INTEGER NOT NULL DEFAULT 0, error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`)
    const insert = old.prepare(`INSERT INTO jobs (request_id, model_id, mode, quorum, requester, fee, deadline, input_words, block_number, block_hash, state, action, created_at, updated_at)
      VALUES (?, '0x11', 'zk', 0, '0x22', '1', 2000000000, '["1"]', 7, '0x33', ?, 'fulfill', 0, 0)`)
    insert.run('1', 'pending')
    insert.run('2', 'done')
    old.close()
    const store = new JobStore({ dataDir: oldDir })
    expect(store.getJob(1n)?.state).toBe('cancelled')
    expect(store.history(1n).at(-1)?.note).toMatch(/before protocol v2/)
    expect(store.getJob(2n)?.state).toBe('done')
    expect(store.insertJob(job(3n))).toBe(true)
    expect(store.getJob(3n)?.commitment.totalWeight).toBe(2n ** 100n)
    store.close()
  })
  test("a batch's candidates and a job's place among them come from the stored rows, numerically ordered", () => {
    const store = new JobStore({ dataDir: mkdtempSync(join(tmpdir(), 'veridict-store-batch-')) })
    const attested = (requestId: bigint, quorum = 2): NewJob => ({ ...job(requestId), mode: 'attested', quorum, action: 'attest', commitment: { ...job(requestId).commitment, inputHash: `0x${requestId.toString(16).padStart(64, '0')}` } })
    // Ids 9, 10 and 100 sort numerically, not as text; a job of another quorum or block is not a candidate.
    for (const id of [100n, 9n, 10n]) store.insertJob(attested(id))
    store.insertJob(attested(11n, 3))
    store.insertJob({ ...attested(12n), blockNumber: 8n })
    store.transition(10n, 'inferred', { patch: { outputHash: `0x${'44'.repeat(32)}` } })
    const candidates = store.batchCandidates(7n, job(1n).modelId).filter((c) => c.quorum === 2)
    expect(candidates.map((c) => c.requestId)).toEqual([9n, 10n, 100n])
    expect(candidates[1]).toMatchObject({ state: 'inferred', action: 'attest', inputHash: `0x${'0a'.padStart(64, '0')}`, outputHash: `0x${'44'.repeat(32)}` })
    const at = (id: bigint, quorum = 2) => store.batchPosition({ requestId: id, blockNumber: 7n, modelId: job(1n).modelId, quorum })
    expect([at(9n), at(10n), at(100n)]).toEqual([{ before: 0, total: 3 }, { before: 1, total: 3 }, { before: 2, total: 3 }])
    expect(at(11n, 3)).toEqual({ before: 0, total: 1 })
    // A job that moved on (submitted) leaves the batch.
    store.transition(9n, 'submitted')
    expect(at(100n)).toEqual({ before: 1, total: 2 })
    store.close()
  })

  test('keeps a private input as its ciphertext only: neither the words nor the salt are anywhere in the database files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veridict-store-private-'))
    const store = new JobStore({ dataDir: dir })
    const inputWords = [0x1234_5678_9abc_def0_1234_5678n, 987_654_321_987_654_321n]
    const salt = randomSalt()
    const { publicKey } = await generateEncryptionKey()
    const encrypted = await encryptInputFor({ publicKey, inputWords, salt })
    store.insertJob({ ...job(5n), inputWords: [4242n] })
    expect(store.getJob(5n)?.encryptedInput).toBeUndefined()
    expect(store.transition(5n, 'pending', { from: ['pending'], patch: { encryptedInput: encrypted }, note: 'encrypted input received' })?.encryptedInput).toEqual(encrypted)
    store.close()
    const reopened = new JobStore({ dataDir: dir })
    expect(reopened.getJob(5n)?.encryptedInput).toEqual(encrypted)
    // Every file SQLite wrote (the database, its WAL and shared memory), as bytes: the ciphertext is there, the plaintext is not.
    const bytes = readdirSync(dir).map((file) => readFileSync(join(dir, file)).toString('latin1')).join('\n')
    expect(bytes).toContain(String(encrypted.ciphertext[0]))
    for (const secret of [salt, ...inputWords]) {
      expect(bytes).not.toContain(String(secret))
      expect(bytes.toLowerCase()).not.toContain(secret.toString(16))
      expect(bytes).not.toContain(Buffer.from(secret.toString(16).padStart(64, '0'), 'hex').toString('latin1'))
    }
    reopened.close()
  })
})
