import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Groth16Proof, PlonkProof, PublicSignals } from 'snarkjs'
import { ProofError } from '../errors/artifacts.js'

/** One proof: the circuit's inputs, its wasm and its proving key, for the model's proof system. */
export type ProofJob = { protocol: 'groth16' | 'plonk'; input: Record<string, string | string[]>; wasm: string; zkey: string }
/** `maxRssKb`: the prover process's peak resident memory so far. */
export type ProofResult = { proof: Groth16Proof | PlonkProof; publicSignals: PublicSignals; seconds: number; maxRssKb: number }

type Pending = { job: ProofJob; resolve: (r: ProofResult) => void; reject: (e: Error) => void }
type Slot = { worker: ChildProcess; busy: Pending | undefined }

/**
 * A fixed set of prover processes running snarkjs: at most `concurrency` proofs at once, the rest
 * queued in order. Proving never runs on the caller's thread, and provers are started lazily and
 * reused (snarkjs keeps its curve and threads warm between proofs).
 */
export class ProverPool {
  readonly concurrency: number
  private readonly slots: Slot[] = []
  private readonly queue: Pending[] = []
  private closed = false
  private nextId = 0

  constructor({ concurrency = 1 }: { concurrency?: number } = {}) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new ProofError({ reason: `prover concurrency must be a positive integer, got ${concurrency}` })
    this.concurrency = concurrency
  }

  /** Jobs waiting for a free worker. */
  get queued(): number {
    return this.queue.length
  }

  /** Jobs being proved now. */
  get active(): number {
    return this.slots.filter((s) => s.busy).length
  }

  prove(job: ProofJob): Promise<ProofResult> {
    if (this.closed) return Promise.reject(new ProofError({ reason: 'the prover pool is closed' }))
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject })
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
    const worker = fork(fileURLToPath(new URL('./snarkjsProver.mjs', import.meta.url)), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const slot: Slot = { worker, busy: undefined }
    worker.on('message', (message: { error?: string } & ProofResult) => {
      const pending = slot.busy
      slot.busy = undefined
      if (message.error !== undefined) pending?.reject(new ProofError({ reason: message.error }))
      else pending?.resolve({ proof: message.proof, publicSignals: message.publicSignals, seconds: message.seconds, maxRssKb: message.maxRssKb })
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
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((done) => {
    child.once('exit', () => done())
    child.kill('SIGTERM')
  })
}
