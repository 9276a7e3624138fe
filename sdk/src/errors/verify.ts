import { BaseError } from './base.js'

/**
 * Off-chain verification was asked for a result that carries nothing to check.
 *
 * @example
 * await verifyResultOffchain(veridict, { result }) // result delivered through another contract: throws NothingToVerifyError
 */
export class NothingToVerifyError extends BaseError {
  override name = 'NothingToVerifyError'
  constructor({ requestId, reason }: { requestId: bigint; reason: string }) {
    super(`Result ${requestId} cannot be verified off-chain: ${reason}.`)
  }
}

/**
 * The proof's verification key could not be found.
 *
 * @example
 * await verifyResultOffchain(veridict, { result }) // manifest without vkey: throws VerificationKeyNotFoundError
 */
export class VerificationKeyNotFoundError extends BaseError {
  override name = 'VerificationKeyNotFoundError'
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`No verification key: ${reason}.`, {
      details: 'Pass `vkey` (the model folder\'s vkey.json) or a manifest whose metadata URI points next to its vkey.json.',
      cause,
    })
  }
}

