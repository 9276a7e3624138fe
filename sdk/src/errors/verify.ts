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
 * The model has no verification key: it has no proof system, so its results are attested, not proved.
 *
 * @example
 * await getVerificationKey(veridict, { modelId: attestedOnlyModel }) // throws VerificationKeyNotFoundError
 */
export class VerificationKeyNotFoundError extends BaseError {
  override name = 'VerificationKeyNotFoundError'
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`No verification key: ${reason}.`, {
      details: 'Only models registered with a proof system (Groth16 or PLONK) have a key; check model.proofSystem (getModel).',
      cause,
    })
  }
}

