import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Address, Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import Database from 'better-sqlite3'
import { encryptInputFor, generateEncryptionKey, randomSalt } from '@veridict/sdk/private'
import { JobStore, WAL_LIMIT_BYTES, type JobState, type NewJob } from './jobStore.js'

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

describe('JobStore.pruneFinal', () => {
  const hex = (byte: number, bytes = 32) => `0x${byte.toString(16).padStart(2, '0').repeat(bytes)}` as Hex
  const peer = hex(0x66, 20) as Address
  /** A job requested in `block` and moved through `states` (its last change is now). */
  const add = (store: JobStore, requestId: bigint, block: bigint, states: JobState[]) => {
    store.insertJob({ ...job(requestId), blockNumber: block })
    for (const state of states) store.transition(requestId, state, { from: [store.getJob(requestId)!.state] })
  }
  /** Everything a job of an attested request leaves behind: a peer's signature, a kept trace, a challenge mark. */
  const leaveRows = (store: JobStore, requestId: bigint) => {
    store.addSignature({ requestId, signer: peer, outputHash: hex(0x44), traceRoot: hex(0x45), outputWords: [5n], signature: '0x01' })
    store.addTrace({ requestId, traceRoot: hex(0x45), outputHash: hex(0x44), file: 'segment.traces', offset: 0, bytes: 100 })
    store.setValue(`challenge:${requestId}:${hex(0x45)}:${hex(0x44)}`, 'done')
  }
  const game = (gameId: bigint, requestId: bigint) => ({ gameId, requestId, challenger: peer, challengerTrace: hex(0x46), challengerOutputHash: hex(0x47), request: job(requestId).commitment, attested: { outputHash: hex(0x44), traceRoot: hex(0x45), packed: 1n }, startedBlock: 9n })
  const batch = (requestIds: bigint[]) => ({ batchId: hex(Number(requestIds[0])), signer: peer, requestIds, outputHashes: requestIds.map(() => hex(0x44)), traceRoots: requestIds.map(() => hex(0x45)), signature: '0x02' as Hex })

  test('deletes exactly the final jobs last changed before the cutoff, with the rows only they use; keeps unfinished, recent and disputed ones', async () => {
    const store = new JobStore({ dataDir: mkdtempSync(join(tmpdir(), 'veridict-prune-')) })
    // Before the cutoff: three final jobs (done with a game over, failed, cancelled), two unfinished, one final with a game still open.
    add(store, 1n, 10n, ['inferred', 'submitted', 'attested', 'done'])
    add(store, 2n, 11n, ['failed'])
    add(store, 3n, 12n, ['cancelled'])
    add(store, 5n, 13n, ['inferred', 'submitted', 'attested'])
    add(store, 6n, 14n, [])
    add(store, 7n, 9n, ['inferred', 'submitted', 'attested', 'done'])
    add(store, 4n, 15n, ['inferred'])
    for (const id of [1n, 4n, 5n, 7n]) leaveRows(store, id)
    store.addGame(game(100n, 1n))
    store.endGame(100n, false, 'challenger timed out')
    store.addGame(game(101n, 7n))
    store.addBatchSignature(batch([1n, 2n]))
    store.addBatchSignature(batch([3n, 4n]))
    // A peer's signature for a request this node holds no job for.
    store.addSignature({ requestId: 99n, signer: peer, outputHash: hex(0x44), traceRoot: hex(0x45), outputWords: [5n], signature: '0x03' })
    store.setCursor(20n, hex(0x55))
    expect(store.getJob(1n)?.state).toBe('done')
    await sleep(5)
    const cutoff = Date.now()
    await sleep(5)
    // After the cutoff: job 4 becomes final (its last change is recent), and another orphan signature comes.
    store.transition(4n, 'done')
    store.addSignature({ requestId: 98n, signer: peer, outputHash: hex(0x44), traceRoot: hex(0x45), outputWords: [5n], signature: '0x04' })

    expect(store.pruneFinal({ olderThan: cutoff })).toEqual({ jobs: 3, events: 5 + 2 + 2, signatures: 2, batchSignatures: 1, traces: 1, games: 1 })
    for (const id of [1n, 2n, 3n]) {
      expect(store.getJob(id)).toBeUndefined()
      expect(store.history(id)).toEqual([])
    }
    expect(store.signatures(1n)).toEqual([])
    expect(store.getTrace(1n, hex(0x45))).toBeUndefined()
    expect(store.getGame(100n)).toBeUndefined()
    expect(store.getValue(`challenge:1:${hex(0x45)}:${hex(0x44)}`)).toBeUndefined()
    expect(store.batchSignatures(hex(1))).toEqual([])
    expect(store.signatures(99n)).toEqual([])
    // Kept: unfinished jobs, a job final since the cutoff, a final job whose game is open, and what they use.
    expect([4n, 5n, 6n, 7n].map((id) => store.getJob(id)?.state)).toEqual(['done', 'attested', 'pending', 'done'])
    for (const id of [4n, 5n, 7n]) {
      expect(store.signatures(id)).toHaveLength(1)
      expect(store.getTrace(id, hex(0x45))).toBeDefined()
      expect(store.getValue(`challenge:${id}:${hex(0x45)}:${hex(0x44)}`)).toBe('done')
    }
    expect(store.history(7n).map((h) => h.to)).toEqual(['pending', 'inferred', 'submitted', 'attested', 'done'])
    expect(store.openGames(7n)).toHaveLength(1)
    expect(store.batchSignatures(hex(3))).toHaveLength(1)
    expect(store.signatures(98n)).toHaveLength(1)
    expect(store.getCursor()?.blockNumber).toBe(20n)
    expect(store.countByState()).toMatchObject({ done: 2, failed: 0, cancelled: 0, attested: 1, pending: 1 })
    // Nothing left to prune before the same cutoff.
    expect(store.pruneFinal({ olderThan: cutoff })).toEqual({ jobs: 0, events: 0, signatures: 0, batchSignatures: 0, traces: 0, games: 0 })
    // Once its game is over, the disputed job goes too.
    store.endGame(101n, true, 'attesters lost')
    expect(store.pruneFinal({ olderThan: cutoff })).toMatchObject({ jobs: 1, games: 1, traces: 1 })
    store.close()
  })

  test('prunes the oldest first, at most `limit` per call', async () => {
    const store = new JobStore({ dataDir: mkdtempSync(join(tmpdir(), 'veridict-prune-limit-')) })
    for (const id of [3n, 1n, 2n]) {
      add(store, id, 10n + id, ['done'])
      await sleep(2)
    }
    expect(store.pruneFinal({ olderThan: Date.now() + 1, limit: 2 }).jobs).toBe(2)
    expect([1n, 2n, 3n].map((id) => store.getJob(id)?.state)).toEqual([undefined, 'done', undefined])
    expect(store.pruneFinal({ olderThan: Date.now() + 1, limit: 2 }).jobs).toBe(1)
    store.close()
  })

  test('the file stops growing over repeated insert and prune cycles (without pruning it grows every cycle)', () => {
    /**
     * Cycles of 300 attested jobs, each with its history, two peers' signatures and a share of a
     * batch signature, all final. After each: the database's size (its pages, free ones included:
     * what the file holds once the WAL is checkpointed into it) and the bytes on disk (file + WAL).
     */
    const run = (prune: boolean) => {
      const store = new JobStore({ dataDir: mkdtempSync(join(tmpdir(), 'veridict-prune-size-')) })
      const sizes: { database: number; onDisk: number }[] = []
      let id = 1n
      for (let cycle = 0; cycle < 10; cycle++) {
        store.atomically(() => {
          for (let i = 0; i < 300; i++, id++) {
            store.insertJob({ ...job(id), mode: 'attested', quorum: 2, action: 'attest', blockNumber: id })
            store.transition(id, 'inferred', { patch: { outputWords: [7n, 8n], outputHash: hex(0x44), traceRoot: hex(0x45) } })
            for (const signer of [0x61, 0x62]) store.addSignature({ requestId: id, signer: hex(signer, 20) as Address, outputHash: hex(0x44), traceRoot: hex(0x45), outputWords: [7n, 8n], signature: `0x${'ab'.repeat(65)}` })
            if (id % 30n === 0n) store.addBatchSignature({ ...batch(Array.from({ length: 30 }, (_, k) => id - 29n + BigInt(k))), batchId: `0x${id.toString(16).padStart(64, '0')}` })
            store.transition(id, 'submitted', { patch: { txHash: hex(0x77) } })
            store.transition(id, 'attested', { patch: { attestedOutputHash: hex(0x44), attestedTraceRoot: hex(0x45), attestedPacked: 5n, attestedOutputWords: [7n, 8n], challengeEnd: 1_900_000_000 } })
            store.transition(id, 'done', { note: 'ResultFinalized in block 123' })
          }
        })
        if (prune) expect(store.pruneFinal({ olderThan: Date.now() + 1 })).toMatchObject({ jobs: 300, events: 1500, signatures: 600, batchSignatures: 10 })
        const pages = (name: string) => store.db.pragma(name, { simple: true }) as number
        sizes.push({ database: pages('page_count') * pages('page_size'), onDisk: store.fileBytes() })
      }
      store.close()
      return sizes
    }
    const pruned = run(true)
    const kept = run(false)
    // Pruned: the next cycle's rows take the freed pages, so the database is as large after the
    // tenth cycle as after the second; on disk, the WAL adds at most its limit.
    expect(Math.max(...pruned.slice(1).map((s) => s.database))).toBeLessThanOrEqual(pruned[1]!.database * 1.02)
    for (const s of pruned) expect(s.onDisk).toBeLessThanOrEqual(s.database + WAL_LIMIT_BYTES)
    // Not pruned: every cycle adds its rows.
    for (let cycle = 1; cycle < kept.length; cycle++) expect(kept[cycle]!.database).toBeGreaterThan(kept[cycle - 1]!.database)
    expect(kept.at(-1)!.database).toBeGreaterThan(5 * pruned.at(-1)!.database)
  })

  test('a pruned request seen again (a replay from an older cursor) is not taken again, after a reopen too', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'veridict-prune-replay-'))
    let store = new JobStore({ dataDir })
    add(store, 1n, 10n, ['done'])
    add(store, 2n, 12n, ['done'])
    add(store, 3n, 11n, ['inferred'])
    expect(store.prunedThroughBlock).toBeUndefined()
    store.pruneFinal({ olderThan: Date.now() + 1 })
    expect(store.prunedThroughBlock).toBe(12n)
    store.close()
    store = new JobStore({ dataDir })
    expect(store.prunedThroughBlock).toBe(12n)
    expect(store.insertJob({ ...job(1n), blockNumber: 10n })).toBe(false)
    expect(store.insertJob({ ...job(2n), blockNumber: 12n })).toBe(false)
    expect(store.getJob(1n)).toBeUndefined()
    expect(store.getJob(2n)).toBeUndefined()
    // The unfinished job below the mark is untouched; a request after the mark is taken.
    expect(store.getJob(3n)?.state).toBe('inferred')
    expect(store.insertJob({ ...job(4n), blockNumber: 13n })).toBe(true)
    store.close()
  })
})
