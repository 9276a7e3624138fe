import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Groth16Proof, PlonkProof, PublicSignals } from 'snarkjs'
import { ProofError } from '../errors/artifacts.js'
import { trackChild } from '../process/interrupt.js'
import { WASM_TIERING_BUDGET, wasmTieringFlag } from '../process/wasmTiering.js'

/** One proof: the circuit's inputs, its wasm and its proving key, for the model's proof system. */
export type ProofJob = { protocol: 'groth16' | 'plonk'; input: Record<string, string | string[]>; wasm: string; zkey: string }
/**
 * `seconds`: the witness and the proof; `witnessSeconds`: the witness alone. `maxRssKb`: the prover
 * process's peak resident memory so far; `rssKb`: its resident memory after this proof.
 */
export type ProofResult = { proof: Groth16Proof | PlonkProof; publicSignals: PublicSignals; seconds: number; witnessSeconds: number; maxRssKb: number; rssKb: number }
/**
 * The step a proof is on ('witness', then snarkjs's: 'Reading Wtns', 'multiexp H', ...), the seconds
 * since it started, and for a Groth16 step the share of a proof's time usually done when it starts.
 */
export type ProofProgress = { step: string; seconds: number; fraction?: number | undefined }

/**
 * Where each Groth16 step starts, as a share of the proof (snarkjs 0.7, timed on LeNet-5's 2^18
 * domain: the witness and key reading about 10%, the six FFTs about 40%, the multi-exponentiations
 * of A, B and C about 15%, that of H about 35%).
 */
const GROTH16_STEPS: Record<string, number> = {
  witness: 0,
  'Reading Wtns': 0.05,
  'Reading Coeffs': 0.07,
  'Building ABC': 0.09,
  IFFT_A: 0.12,
  FFT_A: 0.18,
  IFFT_B: 0.24,
  FFT_B: 0.3,
  IFFT_C: 0.36,
  FFT_C: 0.42,
  'Join ABC': 0.48,
  'Reading A Points': 0.5,
  'multiexp A': 0.5,
  'Reading B1 Points': 0.54,
  'multiexp B1': 0.54,
  'Reading B2 Points': 0.57,
  'multiexp B2': 0.57,
  'Reading C Points': 0.62,
  'multiexp C': 0.62,
  'Reading H Points': 0.65,
  'multiexp H': 0.65,
}

export type ProverPoolParameters = {
  /** Proofs at once (default 1). */
  concurrency?: number | undefined
  /**
   * A prover process whose resident memory passes this after a proof is replaced by a fresh one
   * (default 1024 MiB): snarkjs's memory grows over repeated proofs in one process (hundreds of MiB
   * over a few proofs of a 784-input model) and is never given back.
   */
  maxRssMiB?: number | undefined
  /** A prover process is replaced after this many proofs whatever its memory (default 200). */
  maxProofsPerProcess?: number | undefined
  /** V8's WebAssembly tiering budget in the prover processes (default WASM_TIERING_BUDGET; V8's own is 1,800,000). */
  wasmTieringBudget?: number | undefined
}

type Pending = { job: ProofJob; resolve: (r: ProofResult) => void; reject: (e: Error) => void; onProgress: ((progress: ProofProgress) => void) | undefined }
type Slot = { worker: ChildProcess; busy: Pending | undefined; proofs: number }

/**
 * A fixed set of prover processes running snarkjs: at most `concurrency` proofs at once, the rest
 * queued in order. Proving never runs on the caller's thread, and provers are started lazily and
 * reused (snarkjs keeps its curve and threads warm between proofs) until one passes its memory
 * bound or proof count: it is then stopped and the next job starts a fresh one.
 */
export class ProverPool {
  readonly concurrency: number
  readonly maxRssMiB: number
  readonly maxProofsPerProcess: number
  readonly wasmTieringBudget: number
  /** Prover processes replaced for their memory or proof count so far. */
  recycled = 0
  private readonly slots: Slot[] = []
  private readonly queue: Pending[] = []
  private closed = false
  private nextId = 0

  constructor({ concurrency = 1, maxRssMiB = 1024, maxProofsPerProcess = 200, wasmTieringBudget = WASM_TIERING_BUDGET }: ProverPoolParameters = {}) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new ProofError({ reason: `prover concurrency must be a positive integer, got ${concurrency}` })
    if (!(maxRssMiB > 0)) throw new ProofError({ reason: `the prover memory bound must be a positive number of MiB, got ${maxRssMiB}` })
    if (!Number.isInteger(maxProofsPerProcess) || maxProofsPerProcess < 1) throw new ProofError({ reason: `proofs per prover process must be a positive integer, got ${maxProofsPerProcess}` })
    this.concurrency = concurrency
    this.maxRssMiB = maxRssMiB
    this.maxProofsPerProcess = maxProofsPerProcess
    if (!Number.isInteger(wasmTieringBudget) || wasmTieringBudget < 1) throw new ProofError({ reason: `the WebAssembly tiering budget must be a positive integer, got ${wasmTieringBudget}` })
    this.wasmTieringBudget = wasmTieringBudget
  }

  /** Jobs waiting for a free worker. */
  get queued(): number {
    return this.queue.length
  }

  /** Jobs being proved now. */
  get active(): number {
    return this.slots.filter((s) => s.busy).length
  }

  prove(job: ProofJob, { onProgress }: { onProgress?: ((progress: ProofProgress) => void) | undefined } = {}): Promise<ProofResult> {
    if (this.closed) return Promise.reject(new ProofError({ reason: 'the prover pool is closed' }))
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject, onProgress })
      this.dispatch()
    })
  }

  /** Stops every worker; queued and running jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true
    for (const p of this.queue.splice(0)) p.reject(new ProofError({ reason: 'the prover pool was closed' }))
    await Promise.all(
      this.slots.splice(0).map(async (slot) => {
        slot.busy?.reject(new ProofError({ reason: 'the prover pool was closed' }))
        await stopProcess(slot.worker)
      }),
    )
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.busy)
      if (!slot && this.slots.length < this.concurrency) slot = this.spawn()
      if (!slot) return
      const pending = this.queue.shift()!
      slot.busy = pending
      slot.worker.send({ id: this.nextId++, ...pending.job })
    }
  }

  private spawn(): Slot {
    // A larger WebAssembly tiering budget keeps circom's huge witness functions off V8's optimizing
    // compiler (snarkjsProver.mjs says why).
    const worker = fork(fileURLToPath(new URL('./snarkjsProver.mjs', import.meta.url)), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, wasmTieringFlag(this.wasmTieringBudget)] })
    // A signal to a command that proves (veridict prove) stops its prover too.
    trackChild(worker)
    const slot: Slot = { worker, busy: undefined, proofs: 0 }
    worker.on('message', (message: { error?: string; progress?: string } & ProofResult) => {
      if (message.progress !== undefined) {
        const fraction = slot.busy?.job.protocol === 'groth16' ? GROTH16_STEPS[message.progress] : undefined
        slot.busy?.onProgress?.({ step: message.progress, seconds: message.seconds, fraction })
        return
      }
      const pending = slot.busy
      slot.busy = undefined
      slot.proofs++
      if (message.error !== undefined) pending?.reject(new ProofError({ reason: message.error }))
      else pending?.resolve({ proof: message.proof, publicSignals: message.publicSignals, seconds: message.seconds, witnessSeconds: message.witnessSeconds, maxRssKb: message.maxRssKb, rssKb: message.rssKb })
      if ((message.rssKb ?? 0) > this.maxRssMiB * 1024 || slot.proofs >= this.maxProofsPerProcess) this.retire(slot)
      this.dispatch()
    })
    const lost = (reason: string) => {
      if (!this.slots.includes(slot)) return
      slot.busy?.reject(new ProofError({ reason }))
      slot.busy = undefined
      this.slots.splice(this.slots.indexOf(slot), 1)
      if (!this.closed) this.dispatch()
    }
    worker.on('error', (error) => lost(`prover process failed: ${error.message}`))
    worker.on('exit', (code, signal) => lost(`prover process exited (${signal ?? `code ${code}`})`))
    this.slots.push(slot)
    return slot
  }

  /** Takes an idle slot out of the pool and stops its process; the next job starts a fresh one. */
  private retire(slot: Slot): void {
    this.slots.splice(this.slots.indexOf(slot), 1)
    this.recycled++
    stopProcess(slot.worker).catch(noop)
  }
}

function noop(): void {}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((done) => {
    child.once('exit', () => done())
    child.kill('SIGTERM')
  })
}
