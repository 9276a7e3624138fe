import type { Logger } from 'pino'
import type { Address, Hex } from 'viem'

/** What nodes POST to each other's peer API, /v1/attestations (one, or many as `{ attestations: [...] }`), signed (peerAuth.ts). */
export type PeerAttestation = {
  requestId: string
  modelId: Hex
  inputHash: Hex
  outputHash: Hex
  /** The trace root signed with the output (docs/disputes.md). */
  traceRoot: Hex
  outputWords: string[]
  signer: Address
  signature: Hex
  /** A signature over a batch of requests (ascending ids, their output hashes and trace roots in order); the fields above describe the first. */
  batch?: { requestIds: string[]; outputHashes: Hex[]; traceRoots: Hex[] } | undefined
}

/** The answer to a batch POST: one entry per attestation, in order. */
export type PeerBatchResult = { accepted: true; duplicate: boolean } | { accepted: false; retry?: boolean; error: { code: string; message: string } }

type Outgoing = { attestation: PeerAttestation; stillNeeded: () => boolean; since: number; attempt: number }

/** Attestations made while a POST to the same peer is in flight ride in the next one, up to this many. */
export const MAX_BATCH = 256
/** A fresh signature waits this long for company before its POST leaves. */
const BATCH_DELAY_MS = 2

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Pushes our signatures to the configured peers, batched: one POST per peer at a time, carrying
 * every signature made since the previous one left (keep-alive connections), so the number of
 * requests stays flat as the request rate grows. A batch that fails (peer down, 5xx) is retried
 * with backoff (0.25 s doubling to 5 s) for the signatures that `stillNeeded()` says still wait
 * for a quorum, each for at most `giveUpMs`; a peer that is down delays nothing but its own copy,
 * and catches up when it returns if the request is still open.
 */
export class PeerClient {
  private closed = false
  private readonly queues = new Map<string, Outgoing[]>()
  private readonly flushing = new Set<string>()

  constructor(
    private readonly peers: readonly string[],
    private readonly logger: Logger,
    /** The headers that sign a body as this operator (signPeerRequest): peers refuse unsigned calls. */
    private readonly sign: (body: string) => Promise<Record<string, string>>,
    private readonly giveUpMs = 120_000,
  ) {}

  close(): void {
    this.closed = true
    this.queues.clear()
  }

  broadcast(attestation: PeerAttestation, stillNeeded: () => boolean): void {
    const since = Date.now()
    for (const peer of this.peers) this.enqueue(peer, [{ attestation, stillNeeded, since, attempt: 0 }])
  }

  private enqueue(peer: string, items: Outgoing[]): void {
    if (this.closed || !items.length) return
    let queue = this.queues.get(peer)
    if (!queue) this.queues.set(peer, (queue = []))
    queue.push(...items)
    if (this.flushing.has(peer)) return
    this.flushing.add(peer)
    setTimeout(() => void this.flush(peer), BATCH_DELAY_MS)
  }

  private async flush(peer: string): Promise<void> {
    try {
      for (let queue = this.queues.get(peer); queue?.length && !this.closed; queue = this.queues.get(peer)) {
        const batch = queue.splice(0, MAX_BATCH)
        const failed = await this.post(peer, batch)
        const retry = failed.filter((o) => Date.now() - o.since < this.giveUpMs && o.stillNeeded()).map((o) => ({ ...o, attempt: o.attempt + 1 }))
        if (retry.length) {
          const attempt = Math.max(...retry.map((o) => o.attempt))
          void sleep(Math.min(5_000, 250 * 2 ** (attempt - 1))).then(() => this.enqueue(peer, retry.filter((o) => o.stillNeeded())))
        }
      }
    } finally {
      this.flushing.delete(peer)
    }
  }

  /** POSTs one batch; returns the attestations worth trying again (the peer was unreachable or failed). */
  private async post(peer: string, batch: Outgoing[]): Promise<Outgoing[]> {
    const url = `${peer.replace(/\/$/, '')}/v1/attestations`
    try {
      const body = JSON.stringify({ attestations: batch.map((o) => o.attestation) })
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await this.sign(body)) },
        body,
        signal: AbortSignal.timeout(5_000),
      })
      if (response.status >= 400 && response.status < 500) {
        this.logger.warn({ peer, count: batch.length, status: response.status, body: (await response.text()).slice(0, 300) }, 'peer rejected our attestations')
        return []
      }
      if (!response.ok) return batch
      const { results } = (await response.json()) as { results: PeerBatchResult[] }
      const again: Outgoing[] = []
      for (const [i, result] of results.entries()) {
        if (result.accepted) continue
        // Not ready: the peer has not seen the request yet; the backoff gives it time.
        if (result.retry) again.push(batch[i]!)
        else this.logger.warn({ peer, requestId: batch[i]?.attestation.requestId, error: result.error }, 'peer rejected our attestation')
      }
      return again
    } catch (error) {
      if (batch.some((o) => o.attempt === 0)) this.logger.debug({ peer, err: (error as Error).message }, 'peer unreachable, retrying')
      return batch
    }
  }
}
