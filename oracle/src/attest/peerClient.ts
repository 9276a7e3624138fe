import type { Logger } from 'pino'
import type { Address, Hex } from 'viem'

/** What nodes POST to each other's /v1/attestations. */
export type PeerAttestation = {
  requestId: string
  modelId: Hex
  inputHash: Hex
  outputHash: Hex
  outputWords: string[]
  signer: Address
  signature: Hex
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Pushes our signatures to the configured peers. Each push is retried with backoff (0.25 s doubling
 * to 5 s) while `stillNeeded()` says the request still waits for a quorum, for at most `giveUpMs`;
 * a peer that is down therefore delays nothing but its own copy, and catches up when it returns if
 * the request is still open.
 */
export class PeerClient {
  private closed = false

  constructor(
    private readonly peers: readonly string[],
    private readonly logger: Logger,
    private readonly giveUpMs = 120_000,
  ) {}

  close(): void {
    this.closed = true
  }

  broadcast(attestation: PeerAttestation, stillNeeded: () => boolean): void {
    for (const peer of this.peers) void this.push(peer, attestation, stillNeeded)
  }

  private async push(peer: string, attestation: PeerAttestation, stillNeeded: () => boolean): Promise<void> {
    const url = `${peer.replace(/\/$/, '')}/v1/attestations`
    const start = Date.now()
    for (let attempt = 0; !this.closed && Date.now() - start < this.giveUpMs; attempt++) {
      if (attempt > 0 && !stillNeeded()) return
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(attestation), signal: AbortSignal.timeout(5_000) })
        if (response.ok) return
        if (response.status >= 400 && response.status < 500) {
          this.logger.warn({ peer, requestId: attestation.requestId, status: response.status, body: (await response.text()).slice(0, 300) }, 'peer rejected our attestation')
          return
        }
      } catch (error) {
        if (attempt === 0) this.logger.debug({ peer, err: (error as Error).message }, 'peer unreachable, retrying')
      }
      await sleep(Math.min(5_000, 250 * 2 ** attempt))
    }
  }
}
