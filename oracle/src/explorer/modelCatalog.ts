import type { Hex } from 'viem'
import { getModel, listModels, ManifestMismatchError, ManifestNotFoundError, type VeridictManifest, type VeridictModel } from '@veridict/sdk'
import type { ExplorerConnection } from './connectExplorer.js'
import type { EventIndex } from './eventIndex.js'

/** What the explorer reads of a hosted manifest besides the SDK's part (the circuits package writes all of it). */
export type HostedManifest = VeridictManifest & {
  onnx?: { ops?: string[]; keccak256?: Hex; bytes?: number; opset?: number } | undefined
  quantization?: { scale?: number; inputScale?: number; inputBits?: number; maxBits?: number } | undefined
  publicSignals?: { count: number; layout: string[] } | undefined
  circuit?: { constraints: number; publicInputs: number; wires?: number } | undefined
  setup?: (VeridictManifest['setup'] & { phase2?: { contributions: { name: string; hash: Hex }[] } | undefined }) | undefined
  compiler?: { version?: string; seconds?: { compile?: number; setup?: number; prove?: number } } | undefined
  /** Optional names of the output classes, in order (a model owner may add them to the hosted manifest). */
  classLabels?: string[] | undefined
}

/** A model with its hosted manifest, or why the manifest could not be used. */
export type CatalogEntry = { model: VeridictModel; manifest: HostedManifest | undefined; manifestError: string | undefined }

/** How long a manifest that failed to load is not asked for again. */
const RETRY_FAILED_MS = 30_000

/**
 * The registry's models and their hosted manifests (loaded once each, within the connection's
 * manifest timeout; a failure is remembered for 30 s so a dead host costs one timeout, not one per
 * page).
 */
export class ModelCatalog {
  private readonly failures = new Map<string, { error: string; at: number }>()
  private listed: { at: number; models: VeridictModel[] } | undefined

  constructor(
    private readonly connection: ExplorerConnection,
    private readonly index: EventIndex,
  ) {}

  /** Every registered model, deprecated ones included, in registration order (the registry read at most every 5 s). */
  async list(): Promise<CatalogEntry[]> {
    if (!this.listed || Date.now() - this.listed.at > 5_000) this.listed = { at: Date.now(), models: await listModels(this.connection.client, { status: 'all' }) }
    return Promise.all(this.listed.models.map((model) => this.withManifest(model)))
  }

  /** One model; throws ModelNotFoundError for an id the registry does not hold. */
  async get(modelId: Hex): Promise<CatalogEntry> {
    return this.withManifest(await getModel(this.connection.client, { modelId }))
  }

  /** What the chain says about how long this model's proofs take: request to proof on-chain, over its ZK requests. */
  observedProveSeconds(modelId: Hex): { median: number; samples: number } | undefined {
    const latencies = [...this.index.requests.values()]
      .filter((r) => r.modelId.toLowerCase() === modelId.toLowerCase() && r.mode === 'zk' && r.status === 'fulfilled' && r.finalAt !== undefined)
      .map((r) => r.finalAt! - r.requestedAt)
      .sort((a, b) => a - b)
    if (!latencies.length) return undefined
    return { median: latencies[Math.floor(latencies.length / 2)]!, samples: latencies.length }
  }

  private async withManifest(model: VeridictModel): Promise<CatalogEntry> {
    const key = model.modelId.toLowerCase()
    const cached = this.connection.client.manifests.get(model.modelId)
    if (cached) return { model, manifest: cached as HostedManifest, manifestError: undefined }
    const failed = this.failures.get(key)
    if (failed && Date.now() - failed.at < RETRY_FAILED_MS) return { model, manifest: undefined, manifestError: failed.error }
    try {
      const { manifest } = await getModel(this.connection.client, { modelId: model.modelId, manifest: true })
      this.failures.delete(key)
      return { model, manifest: manifest as HostedManifest, manifestError: undefined }
    } catch (error) {
      if (!(error instanceof ManifestNotFoundError || error instanceof ManifestMismatchError)) throw error
      this.failures.set(key, { error: error.shortMessage, at: Date.now() })
      return { model, manifest: undefined, manifestError: error.shortMessage }
    }
  }
}
