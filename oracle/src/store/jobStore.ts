import Database from 'better-sqlite3'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Address, Hex } from 'viem'
import type { RequestCommitment } from '@veridict/sdk'
import type { EncryptedInput } from '@veridict/sdk/private'

/**
 * pending: seen on-chain, not computed yet. inferred: canonical output known (and, for attested
 * requests, our signature made). proving / proved: a proof is being made / is ready. submitted: a
 * transaction is out. attested: an attestation is on-chain, inside its challenge window.
 * done / failed / cancelled are final.
 */
export const jobStates = ['pending', 'inferred', 'proving', 'proved', 'submitted', 'attested', 'done', 'failed', 'cancelled'] as const
export type JobState = (typeof jobStates)[number]
export const finalStates: readonly JobState[] = ['done', 'failed', 'cancelled']

/**
 * What the node does for the request: prove it (ZK), attest it, only watch it (attested mode not
 * served: recompute, dispute if wrong), dispute a wrong attestation, or finalize the attestation it
 * submitted itself.
 */
export type JobAction = 'fulfill' | 'attest' | 'watch' | 'dispute' | 'finalize'

export type Job = {
  requestId: bigint
  modelId: Hex
  mode: 'zk' | 'attested'
  quorum: number
  requester: Address
  fee: bigint
  deadline: number
  inputWords: bigint[]
  blockNumber: bigint
  blockHash: Hex
  /** What the request committed to on-chain: every transaction about it passes this back. */
  commitment: RequestCommitment
  state: JobState
  action: JobAction
  outputWords: bigint[] | undefined
  outputHash: Hex | undefined
  /** The trace root of our run (docs/disputes.md), kept for attested requests: signed with the output. */
  traceRoot: Hex | undefined
  proof: Hex | undefined
  attestedOutputHash: Hex | undefined
  /** The pending attestation's trace root (AttestationRecord.traceRoot). */
  attestedTraceRoot: Hex | undefined
  /** The pending attestation's packed challenge end and signer indices (AttestationRecord.packed). */
  attestedPacked: bigint | undefined
  /** The pending attestation's output words (finalize passes them back). */
  attestedOutputWords: bigint[] | undefined
  challengeEnd: number | undefined
  txHash: Hex | undefined
  /**
   * A private request's input as its user sent it: encrypted for this node's key (POST
   * /v1/private-inputs). Only the ciphertext is stored; the words and salt exist in memory while
   * the job is computed and proved.
   */
  encryptedInput: EncryptedInput | undefined
  attempts: number
  error: string | undefined
  createdAt: number
  updatedAt: number
}

export type NewJob = Pick<Job, 'requestId' | 'modelId' | 'mode' | 'quorum' | 'requester' | 'fee' | 'deadline' | 'inputWords' | 'blockNumber' | 'blockHash' | 'commitment' | 'action'>

export type JobPatch = Partial<
  Pick<Job, 'action' | 'commitment' | 'deadline' | 'outputWords' | 'outputHash' | 'traceRoot' | 'proof' | 'attestedOutputHash' | 'attestedTraceRoot' | 'attestedPacked' | 'attestedOutputWords' | 'challengeEnd' | 'txHash' | 'encryptedInput' | 'error' | 'blockNumber' | 'blockHash' | 'attempts'>
>

/** A signature over a batch of attestations: `batchId` is keccak256 of their EIP-712 struct hashes, in order. */
export type StoredBatchSignature = { batchId: Hex; signer: Address; requestIds: bigint[]; outputHashes: Hex[]; traceRoots: Hex[]; signature: Hex }

/** A trace the node keeps until its request is final (docs/disputes.md): where it lies in its segment under `<dataDir>/traces`. */
export type StoredTrace = { requestId: bigint; traceRoot: Hex; outputHash: Hex; file: string; offset: number; bytes: number; createdAt: number }

/**
 * A trace game on a request this node has a job for (TraceDisputes' GameStarted): the challenger's
 * side, and what the game was opened on (the request and attestation record that step,
 * resolveInput and timeout pass back). `open` until GameResolved.
 */
export type StoredGame = {
  gameId: bigint
  requestId: bigint
  challenger: Address
  challengerTrace: Hex
  challengerOutputHash: Hex
  request: RequestCommitment
  attested: { outputHash: Hex; traceRoot: Hex; packed: bigint }
  startedBlock: bigint
  status: 'open' | 'over'
  attestersLost: boolean | undefined
  reason: string | undefined
}

export type StoredSignature = { requestId: bigint; signer: Address; outputHash: Hex; traceRoot: Hex; outputWords: bigint[]; signature: Hex }

export type PruneFinalParameters = {
  /** Unix milliseconds: final jobs whose last change is before this go. */
  olderThan: number
  /** The most jobs pruned by this call (one transaction); call again while it prunes this many. */
  limit?: number | undefined
}

/** Rows deleted by one pruneFinal call, by table. */
export type PruneFinalReturnType = { jobs: number; events: number; signatures: number; batchSignatures: number; traces: number; games: number }

type Row = Record<string, string | number | null>

const schema = `
CREATE TABLE IF NOT EXISTS jobs (
  request_id TEXT PRIMARY KEY,
  model_id TEXT NOT NULL,
  mode TEXT NOT NULL,
  quorum INTEGER NOT NULL,
  requester TEXT NOT NULL,
  fee TEXT NOT NULL,
  deadline INTEGER NOT NULL,
  input_words TEXT NOT NULL,
  block_number INTEGER NOT NULL,
  block_hash TEXT NOT NULL,
  commitment TEXT,
  state TEXT NOT NULL,
  action TEXT NOT NULL,
  output_words TEXT,
  output_hash TEXT,
  proof TEXT,
  attested_output_hash TEXT,
  attested_packed TEXT,
  attested_output_words TEXT,
  challenge_end INTEGER,
  tx_hash TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state);
CREATE INDEX IF NOT EXISTS jobs_block ON jobs (block_number);
CREATE TABLE IF NOT EXISTS job_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  note TEXT,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS signatures (
  request_id TEXT NOT NULL,
  signer TEXT NOT NULL,
  output_hash TEXT NOT NULL,
  trace_root TEXT NOT NULL,
  output_words TEXT NOT NULL,
  signature TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (request_id, signer, output_hash, trace_root)
);
CREATE TABLE IF NOT EXISTS batch_signatures (
  batch_id TEXT NOT NULL,
  signer TEXT NOT NULL,
  request_ids TEXT NOT NULL,
  output_hashes TEXT NOT NULL,
  trace_roots TEXT NOT NULL,
  signature TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (batch_id, signer)
);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS traces (
  request_id TEXT NOT NULL,
  trace_root TEXT NOT NULL,
  output_hash TEXT NOT NULL,
  file TEXT NOT NULL,
  offset INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (request_id, trace_root)
);
CREATE TABLE IF NOT EXISTS games (
  game_id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL,
  challenger TEXT NOT NULL,
  challenger_trace TEXT NOT NULL,
  challenger_output_hash TEXT NOT NULL,
  subject TEXT NOT NULL,
  started_block INTEGER NOT NULL,
  status TEXT NOT NULL,
  attesters_lost INTEGER,
  reason TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS games_request ON games (request_id);
`

/**
 * What pruneFinal looks rows up by (created after migrate(), on the current tables): final jobs by
 * their last change (a partial index, so steps between unfinished states never touch it), a job's
 * events, and peers' signatures by when they came. An older database gets them on open.
 */
const pruneIndexes = `
CREATE INDEX IF NOT EXISTS jobs_final ON jobs (updated_at) WHERE state IN ('done','failed','cancelled');
CREATE INDEX IF NOT EXISTS job_events_request ON job_events (request_id);
CREATE INDEX IF NOT EXISTS signatures_received ON signatures (received_at);
CREATE INDEX IF NOT EXISTS batch_signatures_received ON batch_signatures (received_at);
`

/** Columns added after version 1 of the schema, with their types (added to an older database on open). */
const addedColumns: [string, string][] = [
  ['commitment', 'TEXT'],
  ['attested_packed', 'TEXT'],
  ['attested_output_words', 'TEXT'],
  ['trace_root', 'TEXT'],
  ['attested_trace_root', 'TEXT'],
  ['encrypted_input', 'TEXT'],
]

/** The Request struct's fields that are uint64 or wider (bigint in viem); the rest are numbers, booleans or hex. */
const bigintFields = ['id', 'fee', 'callbackGasPrice', 'blockNumber', 'valueAtRisk', 'totalWeight'] as const

export function encodeCommitment(commitment: RequestCommitment): string {
  return JSON.stringify(commitment, (_, value) => (typeof value === 'bigint' ? value.toString() : value))
}

/** The commitment stored with a job ('{}' for a finished job from before protocol v2: all zeros, never sent). */
export function decodeCommitment(text: string): RequestCommitment {
  const raw = JSON.parse(text) as Record<string, unknown>
  for (const field of bigintFields) raw[field] = BigInt((raw[field] as string | undefined) ?? 0)
  return raw as RequestCommitment
}

/** An encrypted input as JSON with decimal strings (the ciphertext only: nothing in it is readable without the node's key). */
export function encodeEncryptedInput(e: EncryptedInput): string {
  return JSON.stringify({ ephemeralKey: { x: String(e.ephemeralKey.x), y: String(e.ephemeralKey.y) }, nonce: String(e.nonce), ciphertext: e.ciphertext.map(String), length: e.length })
}

export function decodeEncryptedInput(text: string): EncryptedInput {
  const raw = JSON.parse(text) as { ephemeralKey: { x: string; y: string }; nonce: string; ciphertext: string[]; length: number }
  return { ephemeralKey: { x: BigInt(raw.ephemeralKey.x), y: BigInt(raw.ephemeralKey.y) }, nonce: BigInt(raw.nonce), ciphertext: raw.ciphertext.map(BigInt), length: raw.length }
}

const words = (w: bigint[] | undefined) => (w === undefined ? null : JSON.stringify(w.map(String)))
const parseWords = (s: string | number | null | undefined) => (typeof s === 'string' ? (JSON.parse(s) as string[]).map(BigInt) : undefined)
const optional = <T>(v: string | number | null | undefined) => (v === null || v === undefined ? undefined : (v as T))

function toJob(row: Row): Job {
  return {
    requestId: BigInt(row.request_id as string),
    modelId: row.model_id as Hex,
    mode: row.mode as Job['mode'],
    quorum: row.quorum as number,
    requester: row.requester as Address,
    fee: BigInt(row.fee as string),
    deadline: row.deadline as number,
    inputWords: parseWords(row.input_words)!,
    blockNumber: BigInt(row.block_number as number),
    blockHash: row.block_hash as Hex,
    commitment: decodeCommitment(row.commitment as string),
    state: row.state as JobState,
    action: row.action as JobAction,
    outputWords: parseWords(row.output_words),
    outputHash: optional<Hex>(row.output_hash),
    traceRoot: optional<Hex>(row.trace_root),
    proof: optional<Hex>(row.proof),
    attestedOutputHash: optional<Hex>(row.attested_output_hash),
    attestedTraceRoot: optional<Hex>(row.attested_trace_root),
    attestedPacked: typeof row.attested_packed === 'string' ? BigInt(row.attested_packed) : undefined,
    attestedOutputWords: parseWords(row.attested_output_words),
    challengeEnd: optional<number>(row.challenge_end),
    txHash: optional<Hex>(row.tx_hash),
    encryptedInput: typeof row.encrypted_input === 'string' ? decodeEncryptedInput(row.encrypted_input) : undefined,
    attempts: row.attempts as number,
    error: optional<string>(row.error),
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  }
}

function toTrace(row: Row): StoredTrace {
  return { requestId: BigInt(row.request_id as string), traceRoot: row.trace_root as Hex, outputHash: row.output_hash as Hex, file: row.file as string, offset: row.offset as number, bytes: row.bytes as number, createdAt: row.created_at as number }
}

function toGame(row: Row): StoredGame {
  const subject = JSON.parse(row.subject as string) as { request: unknown; attested: { outputHash: Hex; traceRoot: Hex; packed: string } }
  return {
    gameId: BigInt(row.game_id as string),
    requestId: BigInt(row.request_id as string),
    challenger: row.challenger as Address,
    challengerTrace: row.challenger_trace as Hex,
    challengerOutputHash: row.challenger_output_hash as Hex,
    request: decodeCommitment(JSON.stringify(subject.request)),
    attested: { ...subject.attested, packed: BigInt(subject.attested.packed) },
    startedBlock: BigInt(row.started_block as number),
    status: row.status as StoredGame['status'],
    attestersLost: row.attesters_lost === null ? undefined : row.attesters_lost === 1,
    reason: optional<string>(row.reason),
  }
}

const columns: Record<keyof JobPatch, [string, (v: never) => unknown]> = {
  action: ['action', (v: string) => v],
  commitment: ['commitment', (v: RequestCommitment) => encodeCommitment(v)],
  deadline: ['deadline', (v: number) => v],
  outputWords: ['output_words', words],
  outputHash: ['output_hash', (v: string | undefined) => v ?? null],
  traceRoot: ['trace_root', (v: string | undefined) => v ?? null],
  proof: ['proof', (v: string | undefined) => v ?? null],
  attestedOutputHash: ['attested_output_hash', (v: string | undefined) => v ?? null],
  attestedTraceRoot: ['attested_trace_root', (v: string | undefined) => v ?? null],
  attestedPacked: ['attested_packed', (v: bigint | undefined) => (v === undefined ? null : String(v))],
  attestedOutputWords: ['attested_output_words', words],
  challengeEnd: ['challenge_end', (v: number | undefined) => v ?? null],
  txHash: ['tx_hash', (v: string | undefined) => v ?? null],
  encryptedInput: ['encrypted_input', (v: EncryptedInput | undefined) => (v === undefined ? null : encodeEncryptedInput(v))],
  error: ['error', (v: string | undefined) => v ?? null],
  blockNumber: ['block_number', (v: bigint) => Number(v)],
  blockHash: ['block_hash', (v: string) => v],
  attempts: ['attempts', (v: number) => v],
}

/**
 * The node's durable state in SQLite (WAL): one row per request, every change of state in one
 * transaction together with its audit row, signatures from peers, and the follower's cursor.
 * The request id is the primary key, so a request is never taken twice.
 */
/** How many decoded jobs JobStore keeps (a few minutes of requests at hundreds a second). */
const JOB_CACHE_SIZE = 50_000
/** The kv key of the highest request block among pruned jobs. */
const PRUNED_THROUGH_KEY = 'prunedThroughBlock'
/**
 * Jobs pruned per transaction when the caller gives no limit: 500 attested jobs with their
 * history, two signatures and a trace take 25-100 ms on this 2-core machine (idle to
 * oversubscribed), short enough to run between a node's other work.
 */
const PRUNE_LIMIT = 500
/**
 * What the WAL is cut back to after a checkpoint. SQLite checkpoints it at 1,000 pages (4 MiB), so
 * it stays under this unless one transaction wrote more.
 */
export const WAL_LIMIT_BYTES = 8 * 1024 * 1024

export class JobStore {
  readonly db: Database.Database
  private readonly statements = new Map<string, Database.Statement>()
  /**
   * Decoded jobs by request id (frozen; at most JOB_CACHE_SIZE, oldest dropped first): a job is read
   * at every step and by every peer signature, and decoding its row (JSON, bigints) was a tenth of
   * the node's CPU under load. Every change goes through transition(), which refreshes its entry;
   * a rolled-back transaction empties the cache.
   */
  private readonly cache = new Map<string, Job>()
  /** The database file (its WAL is this path with `-wal`). */
  readonly path: string
  /** The highest request block of a pruned job (pruneFinal), if any was pruned: no request at or below it is taken again. */
  private prunedThrough: bigint | undefined

  constructor({ dataDir, file = 'node.sqlite' }: { dataDir: string; file?: string }) {
    mkdirSync(dataDir, { recursive: true })
    this.path = join(dataDir, file)
    this.db = new Database(this.path)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.pragma('busy_timeout = 5000')
    // A large transaction (a backfill's batch of logs) grows the WAL; once checkpointed it is cut back to this.
    this.db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`)
    this.db.exec(schema)
    this.migrate()
    this.db.exec(pruneIndexes)
    const pruned = this.getValue(PRUNED_THROUGH_KEY)
    this.prunedThrough = pruned === undefined ? undefined : BigInt(pruned)
  }

  /**
   * Brings a database made by an older node up to this schema: missing columns are added, and
   * unfinished jobs without a request commitment (from before protocol v2, whose oracle kept the
   * whole request) are cancelled, since no transaction about them can be built any more.
   */
  private migrate(): void {
    // Signatures from before attestations signed a trace root are over another EIP-712 type: no
    // oracle takes them. Their tables are remade with the trace columns; our own jobs sign again.
    const signatureColumns = new Set((this.db.prepare('PRAGMA table_info(signatures)').all() as { name: string }[]).map((c) => c.name))
    if (!signatureColumns.has('trace_root')) {
      this.db.exec('DROP TABLE IF EXISTS signatures; DROP TABLE IF EXISTS batch_signatures;')
      this.db.exec(schema)
    }
    const present = new Set((this.db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[]).map((c) => c.name))
    for (const [name, type] of addedColumns) if (!present.has(name)) this.db.exec(`ALTER TABLE jobs ADD COLUMN ${name} ${type}`)
    const stale = this.db.prepare(`SELECT request_id FROM jobs WHERE commitment IS NULL AND state NOT IN ('done','failed','cancelled')`).all() as { request_id: string }[]
    this.db.prepare(`UPDATE jobs SET commitment = '{}' WHERE commitment IS NULL`).run()
    for (const { request_id } of stale) this.transition(BigInt(request_id), 'cancelled', { note: 'no request commitment (made by a node before protocol v2)' })
  }

  /** A prepared statement, compiled once per SQL text. */
  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql)
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)))
    return statement
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  /**
   * Adds a job for a newly seen request; false if the request is already known, or if its block is
   * at or below that of a pruned job (prunedThroughBlock). The follower reads blocks in order, so
   * every request there was seen before: its job was pruned (it is final), or the node did not
   * serve it. A replay from an older cursor therefore never brings a pruned request back to act on.
   */
  insertJob(job: NewJob): boolean {
    if (this.prunedThrough !== undefined && job.blockNumber <= this.prunedThrough) return false
    const now = Date.now()
    return this.db.transaction(() => {
      const result = this
        .prepare(
          `INSERT OR IGNORE INTO jobs (request_id, model_id, mode, quorum, requester, fee, deadline, input_words, block_number, block_hash, commitment, state, action, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
        )
        .run(
          String(job.requestId),
          job.modelId,
          job.mode,
          job.quorum,
          job.requester,
          String(job.fee),
          job.deadline,
          words(job.inputWords),
          Number(job.blockNumber),
          job.blockHash,
          encodeCommitment(job.commitment),
          job.action,
          now,
          now,
        )
      if (result.changes === 0) return false
      this.prepare('INSERT INTO job_events (request_id, from_state, to_state, note, at) VALUES (?, NULL, ?, ?, ?)').run(String(job.requestId), 'pending', `block ${job.blockNumber}`, now)
      return true
    })()
  }

  getJob(requestId: bigint): Job | undefined {
    const key = String(requestId)
    const cached = this.cache.get(key)
    if (cached) return cached
    const row = this.prepare('SELECT * FROM jobs WHERE request_id = ?').get(key) as Row | undefined
    if (!row) return undefined
    const job = Object.freeze(toJob(row))
    if (this.cache.size >= JOB_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!)
    this.cache.set(key, job)
    return job
  }

  /** Jobs in the given states, oldest first. */
  listJobs(states: readonly JobState[], limit = 1000): Job[] {
    const rows = this
      .prepare(`SELECT * FROM jobs WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY block_number, CAST(request_id AS INTEGER) LIMIT ?`)
      .all(...states, limit) as Row[]
    return rows.map(toJob)
  }

  /** Ids of the jobs in the given states, oldest first, without loading them (the worker's scan). */
  listJobIds(states: readonly JobState[], limit = 1000): bigint[] {
    const rows = this
      .prepare(`SELECT request_id FROM jobs WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY block_number, CAST(request_id AS INTEGER) LIMIT ?`)
      .all(...states, limit) as { request_id: string }[]
    return rows.map((r) => BigInt(r.request_id))
  }

  /** Unfinished jobs requested at or after `blockNumber` (for reorg checks). */
  jobsSinceBlock(blockNumber: bigint): Job[] {
    const rows = this.prepare(`SELECT * FROM jobs WHERE block_number >= ? AND state NOT IN ('done','failed','cancelled')`).all(Number(blockNumber)) as Row[]
    return rows.map(toJob)
  }

  /**
   * Moves a job to `to` if it is in one of `from` (any unfinished state when omitted), applying
   * `patch` in the same transaction. Returns the updated job, or undefined when the job was not in
   * an allowed state (someone else moved it first).
   */
  transition(requestId: bigint, to: JobState, { from, patch = {}, note }: { from?: readonly JobState[]; patch?: JobPatch; note?: string } = {}): Job | undefined {
    const allowed = from ?? jobStates.filter((s) => !finalStates.includes(s))
    const now = Date.now()
    return this.guarded(() => {
      const current = this.prepare('SELECT state FROM jobs WHERE request_id = ?').get(String(requestId)) as { state: JobState } | undefined
      if (!current || !allowed.includes(current.state)) return undefined
      const sets = ['state = ?', 'updated_at = ?']
      const values: unknown[] = [to, now]
      for (const [key, value] of Object.entries(patch) as [keyof JobPatch, never][]) {
        const [column, encode] = columns[key]
        sets.push(`${column} = ?`)
        values.push(encode(value))
      }
      this.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE request_id = ?`).run(...values, String(requestId))
      this.prepare('INSERT INTO job_events (request_id, from_state, to_state, note, at) VALUES (?, ?, ?, ?, ?)').run(String(requestId), current.state, to, note ?? null, now)
      this.cache.delete(String(requestId))
      return this.getJob(requestId)
    })
  }

  /** Runs `fn` in a transaction; if it rolls back, cached jobs may describe undone changes: drop them all. */
  private guarded<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)()
    } catch (error) {
      this.cache.clear()
      throw error
    }
  }

  /** Job counts by state (every state present, zeros included). */
  countByState(): Record<JobState, number> {
    const counts = Object.fromEntries(jobStates.map((s) => [s, 0])) as Record<JobState, number>
    for (const row of this.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as { state: JobState; n: number }[]) counts[row.state] = row.n
    return counts
  }

  /** The state history of a request, oldest first. */
  history(requestId: bigint): { from: JobState | undefined; to: JobState; note: string | undefined; at: number }[] {
    const rows = this.prepare('SELECT from_state, to_state, note, at FROM job_events WHERE request_id = ? ORDER BY id').all(String(requestId)) as Row[]
    return rows.map((r) => ({ from: optional<JobState>(r.from_state), to: r.to_state as JobState, note: optional<string>(r.note), at: r.at as number }))
  }

  /** Stores a signature (ours or a peer's); false if this signer already signed this output and trace. */
  addSignature(s: StoredSignature): boolean {
    const result = this
      .prepare('INSERT OR IGNORE INTO signatures (request_id, signer, output_hash, trace_root, output_words, signature, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(String(s.requestId), s.signer, s.outputHash, s.traceRoot, words(s.outputWords), s.signature, Date.now())
    return result.changes > 0
  }

  /** Drops a stored signature (one that failed its check when it was about to be used). */
  deleteSignature(s: Pick<StoredSignature, 'requestId' | 'signer' | 'outputHash' | 'traceRoot'>): void {
    this.prepare('DELETE FROM signatures WHERE request_id = ? AND signer = ? AND output_hash = ? AND trace_root = ?').run(String(s.requestId), s.signer, s.outputHash, s.traceRoot)
  }

  signatures(requestId: bigint): StoredSignature[] {
    const rows = this.prepare('SELECT * FROM signatures WHERE request_id = ? ORDER BY received_at').all(String(requestId)) as Row[]
    return rows.map((r) => ({ requestId, signer: r.signer as Address, outputHash: r.output_hash as Hex, traceRoot: r.trace_root as Hex, outputWords: parseWords(r.output_words)!, signature: r.signature as Hex }))
  }

  /** Stores a batch signature (ours or a peer's); false if this signer already signed this batch. */
  addBatchSignature(s: StoredBatchSignature): boolean {
    const result = this
      .prepare('INSERT OR IGNORE INTO batch_signatures (batch_id, signer, request_ids, output_hashes, trace_roots, signature, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(s.batchId, s.signer, words(s.requestIds), JSON.stringify(s.outputHashes), JSON.stringify(s.traceRoots), s.signature, Date.now())
    return result.changes > 0
  }

  deleteBatchSignature(batchId: Hex, signer: Address): void {
    this.prepare('DELETE FROM batch_signatures WHERE batch_id = ? AND signer = ?').run(batchId, signer)
  }

  batchSignatures(batchId: Hex): StoredBatchSignature[] {
    const rows = this.prepare('SELECT * FROM batch_signatures WHERE batch_id = ? ORDER BY received_at').all(batchId) as Row[]
    return rows.map((r) => ({ batchId, signer: r.signer as Address, requestIds: parseWords(r.request_ids)!, outputHashes: JSON.parse(r.output_hashes as string) as Hex[], traceRoots: JSON.parse(r.trace_roots as string) as Hex[], signature: r.signature as Hex }))
  }

  /**
   * The attested jobs requested in `blockNumber` for `modelId` (a batch's candidates), by id, with
   * only the columns that decide membership: one indexed query without decoding the rows' words.
   */
  batchCandidates(blockNumber: bigint, modelId: Hex): { requestId: bigint; state: JobState; action: JobAction; quorum: number; inputHash: Hex; outputHash: Hex | undefined; traceRoot: Hex | undefined }[] {
    const rows = this
      .prepare(`SELECT request_id, state, action, quorum, output_hash, trace_root, json_extract(commitment, '$.inputHash') AS input_hash FROM jobs WHERE block_number = ? AND model_id = ? AND mode = 'attested' ORDER BY CAST(request_id AS INTEGER)`)
      .all(Number(blockNumber), modelId) as Row[]
    return rows.map((r) => ({ requestId: BigInt(r.request_id as string), state: r.state as JobState, action: r.action as JobAction, quorum: r.quorum as number, inputHash: r.input_hash as Hex, outputHash: optional<Hex>(r.output_hash), traceRoot: optional<Hex>(r.trace_root) }))
  }

  /**
   * Where a job stands among its batch's candidates (batchCandidates filtered to quorum `quorum`,
   * action attest, pending or inferred): how many come before it and how many there are, counted
   * by SQLite without loading a row.
   */
  batchPosition(job: Pick<Job, 'requestId' | 'blockNumber' | 'modelId' | 'quorum'>): { before: number; total: number } {
    const row = this
      .prepare(
        `SELECT SUM(CAST(request_id AS INTEGER) < CAST(? AS INTEGER)) AS before, COUNT(*) AS total FROM jobs
         WHERE block_number = ? AND model_id = ? AND mode = 'attested' AND quorum = ? AND action = 'attest' AND state IN ('pending', 'inferred')`,
      )
      .get(String(job.requestId), Number(job.blockNumber), job.modelId, job.quorum) as { before: number | null; total: number }
    return { before: row.before ?? 0, total: row.total }
  }

  addTrace(t: Omit<StoredTrace, 'createdAt'>): void {
    this.prepare('INSERT OR REPLACE INTO traces (request_id, trace_root, output_hash, file, offset, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(String(t.requestId), t.traceRoot, t.outputHash, t.file, t.offset, t.bytes, Date.now())
  }

  getTrace(requestId: bigint, traceRoot: Hex): StoredTrace | undefined {
    const row = this.prepare('SELECT * FROM traces WHERE request_id = ? AND trace_root = ?').get(String(requestId), traceRoot) as Row | undefined
    return row && toTrace(row)
  }

  /** Bytes of every kept trace. */
  tracesBytes(): number {
    return (this.prepare('SELECT COALESCE(SUM(bytes), 0) AS total FROM traces').get() as { total: number }).total
  }

  /** The segment files that hold a kept trace. */
  traceFiles(): Set<string> {
    return new Set((this.prepare('SELECT DISTINCT file FROM traces').all() as { file: string }[]).map((r) => r.file))
  }

  /**
   * Forgets the traces no longer needed: their job is final (or gone) and no game on their request
   * is open (none can be opened on a final result). Returns how many.
   */
  releaseTraces(): number {
    return this.prepare(
      `DELETE FROM traces WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.request_id = traces.request_id AND j.state NOT IN ('done','failed','cancelled'))
         AND NOT EXISTS (SELECT 1 FROM games g WHERE g.request_id = traces.request_id AND g.status = 'open')`,
    ).run().changes
  }

  /**
   * Deletes up to `limit` final jobs (done, failed, cancelled) whose last change is before
   * `olderThan`, oldest first, with everything kept for them: their state history, signatures,
   * traces, ended games and challenge marks; also peers' signatures and batch signatures older than
   * the cutoff that no remaining job is named in (a peer's signature for a request this node does
   * not serve, a batch whose members are all gone). A job with an open game on its request is kept
   * (the game's moves read it, and its trace), and so is every unfinished job. One transaction;
   * the highest request block pruned is remembered (insertJob). The file does not shrink: SQLite
   * reuses the freed pages, so a node that prunes stops growing.
   */
  pruneFinal({ olderThan, limit = PRUNE_LIMIT }: PruneFinalParameters): PruneFinalReturnType {
    const { counts, highest } = this.guarded(() => {
      const counts: PruneFinalReturnType = { jobs: 0, events: 0, signatures: 0, batchSignatures: 0, traces: 0, games: 0 }
      // INDEXED BY: without statistics the planner would go through jobs_state, reading every final job.
      const doomed = this.prepare(
        `SELECT request_id, block_number FROM jobs INDEXED BY jobs_final WHERE state IN ('done','failed','cancelled') AND updated_at < ?
           AND NOT EXISTS (SELECT 1 FROM games g WHERE g.request_id = jobs.request_id AND g.status = 'open')
         ORDER BY updated_at LIMIT ?`,
      ).all(olderThan, limit) as { request_id: string; block_number: number }[]
      let highest = this.prunedThrough
      // By request: every table below is indexed on it (job_events_request, the primary keys, games_request).
      for (const { request_id: id, block_number: block } of doomed) {
        counts.events += this.prepare('DELETE FROM job_events WHERE request_id = ?').run(id).changes
        counts.signatures += this.prepare('DELETE FROM signatures WHERE request_id = ?').run(id).changes
        counts.traces += this.prepare('DELETE FROM traces WHERE request_id = ?').run(id).changes
        counts.games += this.prepare(`DELETE FROM games WHERE request_id = ? AND status = 'over'`).run(id).changes
        // GamePlayer.challenge's marks for the request: `challenge:<id>:<trace root>:<output hash>`.
        this.prepare('DELETE FROM kv WHERE key >= ? AND key < ?').run(`challenge:${id}:`, `challenge:${id};`)
        counts.jobs += this.prepare('DELETE FROM jobs WHERE request_id = ?').run(id).changes
        this.cache.delete(id)
        if (highest === undefined || BigInt(block) > highest) highest = BigInt(block)
      }
      counts.signatures += this.prepare('DELETE FROM signatures WHERE received_at < ? AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.request_id = signatures.request_id)').run(olderThan).changes
      counts.batchSignatures += this.prepare(
        `DELETE FROM batch_signatures WHERE received_at < ?
           AND NOT EXISTS (SELECT 1 FROM json_each(batch_signatures.request_ids) r JOIN jobs j ON j.request_id = r.value)`,
      ).run(olderThan).changes
      if (highest !== undefined && highest !== this.prunedThrough) this.setValue(PRUNED_THROUGH_KEY, String(highest))
      return { counts, highest }
    })
    this.prunedThrough = highest
    return counts
  }

  /** The highest request block among pruned jobs (undefined until a job is pruned). */
  get prunedThroughBlock(): bigint | undefined {
    return this.prunedThrough
  }

  /** Bytes the store takes on disk: the database file and its write-ahead log. */
  fileBytes(): number {
    const wal = `${this.path}-wal`
    return statSync(this.path).size + (existsSync(wal) ? statSync(wal).size : 0)
  }

  /** Records a game (once: a game id seen again changes nothing). */
  addGame(g: Omit<StoredGame, 'status' | 'attestersLost' | 'reason'>): boolean {
    const subject = JSON.stringify({ request: JSON.parse(encodeCommitment(g.request)) as unknown, attested: { ...g.attested, packed: String(g.attested.packed) } })
    return (
      this.prepare(`INSERT OR IGNORE INTO games (game_id, request_id, challenger, challenger_trace, challenger_output_hash, subject, started_block, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)`).run(
        String(g.gameId),
        String(g.requestId),
        g.challenger,
        g.challengerTrace,
        g.challengerOutputHash,
        subject,
        Number(g.startedBlock),
        Date.now(),
      ).changes === 1
    )
  }

  /** A game is decided (GameResolved). */
  endGame(gameId: bigint, attestersLost: boolean, reason: string): boolean {
    return this.prepare(`UPDATE games SET status = 'over', attesters_lost = ?, reason = ?, updated_at = ? WHERE game_id = ? AND status = 'open'`).run(attestersLost ? 1 : 0, reason, Date.now(), String(gameId)).changes === 1
  }

  getGame(gameId: bigint): StoredGame | undefined {
    const row = this.prepare('SELECT * FROM games WHERE game_id = ?').get(String(gameId)) as Row | undefined
    return row && toGame(row)
  }

  /** Games not decided yet (all requests, or one). */
  openGames(requestId?: bigint): StoredGame[] {
    const rows = requestId === undefined ? this.prepare(`SELECT * FROM games WHERE status = 'open' ORDER BY CAST(game_id AS INTEGER)`).all() : this.prepare(`SELECT * FROM games WHERE status = 'open' AND request_id = ? ORDER BY CAST(game_id AS INTEGER)`).all(String(requestId))
    return (rows as Row[]).map(toGame)
  }

  getValue(key: string): string | undefined {
    const row = this.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined
    return row?.value
  }

  setValue(key: string, value: string): void {
    this.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value)
  }

  /** The last block whose logs are fully processed, with its hash (to notice a reorg under it). */
  getCursor(): { blockNumber: bigint; blockHash: Hex } | undefined {
    const v = this.getValue('cursor')
    if (!v) return undefined
    const { blockNumber, blockHash } = JSON.parse(v) as { blockNumber: string; blockHash: Hex }
    return { blockNumber: BigInt(blockNumber), blockHash }
  }

  setCursor(blockNumber: bigint, blockHash: Hex): void {
    this.setValue('cursor', JSON.stringify({ blockNumber: String(blockNumber), blockHash }))
  }

  /** Runs `fn` in one transaction (for changes that must land together, e.g. a batch of logs and the cursor). */
  atomically<T>(fn: () => T): T {
    return this.guarded(fn)
  }
}
