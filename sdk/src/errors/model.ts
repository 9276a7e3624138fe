import type { Hex } from 'viem'
import { BaseError } from './base.js'

/**
 * The registry has no model with this id.
 *
 * @example
 * await getModel(veridict, { modelId: unknownId }) // throws ModelNotFoundError
 */
export class ModelNotFoundError extends BaseError {
  override name = 'ModelNotFoundError'
  readonly modelId: Hex
  constructor({ modelId, cause }: { modelId: Hex; cause?: unknown }) {
    super(`Model ${modelId} is not registered.`, {
      details: 'Check the model id (registration prints it; it depends on the owner) and that the client points at the right registry; listModels shows what is registered.',
      cause,
    })
    this.modelId = modelId
  }
}

/**
 * The model exists but takes no new requests (deprecated), or cannot serve the mode asked for.
 *
 * @example
 * await requestInference(veridict, { modelId: deprecatedId, values }) // throws ModelNotRequestableError
 */
export class ModelNotRequestableError extends BaseError {
  override name = 'ModelNotRequestableError'
  readonly modelId: Hex
  constructor({ modelId, reason, cause }: { modelId: Hex; reason: string; cause?: unknown }) {
    super(`Model ${modelId} cannot be requested: ${reason}.`, { cause })
    this.modelId = modelId
  }
}

/**
 * A manifest could not be fetched or read.
 *
 * @example
 * await getModel(veridict, { modelId, manifest: true }) // throws ManifestNotFoundError if the metadata URI cannot be read
 */
export class ManifestNotFoundError extends BaseError {
  override name = 'ManifestNotFoundError'
  readonly uri: string
  constructor({ uri, reason, cause }: { uri: string; reason: string; cause?: unknown }) {
    super(`The manifest at ${JSON.stringify(uri)} cannot be loaded: ${reason}.`, {
      details: 'Pass the manifest yourself (the `manifest` parameter), or give the client a `loadManifest` function that can read this URI.',
      cause,
    })
    this.uri = uri
  }
}

/**
 * The manifest describes another model, or a layout that disagrees with the registry.
 *
 * @example
 * await getModel(veridict, { modelId, manifest: manifestOfAnotherModel }) // throws ManifestMismatchError
 */
export class ManifestMismatchError extends BaseError {
  override name = 'ManifestMismatchError'
  constructor({ modelId, reason }: { modelId: Hex; reason: string }) {
    super(`The manifest does not match model ${modelId}: ${reason}.`, {
      details: 'Use the manifest.json written when this exact model was compiled and set up.',
    })
  }
}

/**
 * A model's setup does not meet what the caller requires (assertSetup).
 *
 * @example
 * assertSetup(model, { minContributions: 3 }) // a dev setup: throws UntrustedSetupError
 */
export class UntrustedSetupError extends BaseError {
  override name = 'UntrustedSetupError'
  readonly modelId: Hex
  constructor({ modelId, summary, reason }: { modelId: Hex; summary: string; reason: string }) {
    super(`The setup of model ${modelId} (${summary}) is not trusted: ${reason}.`, {
      details: 'Use a model set up over a listed ceremony file with a multi-party phase 2 (veridict ceremony), or relax the requirement for local development.',
    })
    this.modelId = modelId
  }
}
