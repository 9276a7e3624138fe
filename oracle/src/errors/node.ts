import { BaseError } from './base.js'

/** A request names a model this node does not serve. */
export class UnknownModelError extends BaseError {
  override name = 'UnknownModelError'
  readonly model: string
  constructor({ model, known }: { model: string; known: string[] }) {
    super(`Unknown model ${JSON.stringify(model)}.`, { details: `This node serves: ${known.length ? known.join(', ') : 'no models'}. Use a name or modelId from GET /v1/models.` })
    this.model = model
  }
}

/** An input does not fit the model (wrong number of values, out of range). */
export class InvalidInputError extends BaseError {
  override name = 'InvalidInputError'
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Invalid input: ${reason}.`, { cause })
  }
}

/** A model folder could not be loaded. */
export class ModelLoadError extends BaseError {
  override name = 'ModelLoadError'
  constructor({ dir, reason, cause }: { dir: string; reason: string; cause?: unknown }) {
    super(`Cannot load the model in ${dir}: ${reason}.`, { cause })
  }
}

/** A model cannot be proved (it has no circuit, or was not set up). */
export class NotProvableError extends BaseError {
  override name = 'NotProvableError'
  constructor({ model }: { model: string }) {
    super(`Model ${model} has no circuit, so its outputs cannot be proved.`, { details: 'Serve it in ATTESTED mode only, or compile it with a circuit and run setup.' })
  }
}

/** A peer's attestation is malformed or signed by someone else. */
export class InvalidAttestationError extends BaseError {
  override name = 'InvalidAttestationError'
  constructor({ reason }: { reason: string }) {
    super(`Invalid attestation: ${reason}.`)
  }
}

/** A request id this node has no job for. */
export class RequestNotFoundError extends BaseError {
  override name = 'RequestNotFoundError'
  constructor({ requestId }: { requestId: bigint }) {
    super(`Request ${requestId} is unknown to this node.`, { details: 'The node may not have seen it yet (confirmations), or it is for a model or mode this node does not serve.' })
  }
}

/** A transaction reverted or could not be sent. */
export class TransactionError extends BaseError {
  override name = 'TransactionError'
  constructor({ action, reason, cause }: { action: string; reason: string; cause?: unknown }) {
    super(`${action} failed: ${reason}.`, { cause })
  }
}
