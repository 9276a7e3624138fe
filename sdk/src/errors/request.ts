import type { Hex } from 'viem'
import { BaseError } from './base.js'
import type { RequestStatus } from '../types.js'

/**
 * The payment is below the model's fee.
 *
 * @example
 * await requestInference(veridict, { modelId, values, value: 1n }) // throws InsufficientFeeError (fee and paid)
 */
export class InsufficientFeeError extends BaseError {
  override name = 'InsufficientFeeError'
  readonly fee: bigint
  readonly paid: bigint
  constructor({ paid, fee, cause }: { paid: bigint; fee: bigint; cause?: unknown }) {
    super(`A payment of ${paid} wei is below the model's fee of ${fee} wei.`, {
      details: 'Pay at least the fee that quote or getModel returns (leave `value` out to pay exactly the fee).',
      cause,
    })
    this.fee = fee
    this.paid = paid
  }
}

/**
 * The oracle has no request with this id.
 *
 * @example
 * await getRequest(veridict, { requestId: 999_999n }) // throws RequestNotFoundError
 */
export class RequestNotFoundError extends BaseError {
  override name = 'RequestNotFoundError'
  readonly requestId: bigint
  constructor({ requestId, cause }: { requestId: bigint; cause?: unknown }) {
    super(`Request ${requestId} does not exist.`, {
      details: 'Request ids start at 1 and come from requestInference (or the InferenceRequested event).',
      cause,
    })
    this.requestId = requestId
  }
}

/**
 * The request's deadline passed without a final result.
 *
 * @example
 * try {
 *   await waitForResult(veridict, { requestId })
 * } catch (error) {
 *   if (error instanceof RequestExpiredError) await refundExpired(veridict, { requestId, withdraw: true })
 * }
 */
export class RequestExpiredError extends BaseError {
  override name = 'RequestExpiredError'
  readonly requestId: bigint
  readonly deadline: bigint
  constructor({ requestId, deadline, status, cause }: { requestId: bigint; deadline: bigint; status?: RequestStatus; cause?: unknown }) {
    super(`Request ${requestId} expired at ${new Date(Number(deadline) * 1000).toISOString()} (timestamp ${deadline}) without a final result.`, {
      details:
        status === 'refunded'
          ? 'Its fee has been refunded to the requester; withdraw it with `withdraw`.'
          : 'Its fee can be refunded to the requester with `refundExpired`.',
      cause,
    })
    this.requestId = requestId
    this.deadline = deadline
  }
}

/**
 * A refund was asked for a request that is still open or already settled.
 *
 * @example
 * await refundExpired(veridict, { requestId }) // before the deadline: throws RequestNotRefundableError
 */
export class RequestNotRefundableError extends BaseError {
  override name = 'RequestNotRefundableError'
  readonly requestId: bigint
  constructor({ requestId, reason, cause }: { requestId: bigint; reason: string; cause?: unknown }) {
    super(`Request ${requestId} cannot be refunded: ${reason}.`, { cause })
    this.requestId = requestId
  }
}

/**
 * The request cannot be fulfilled now (it already has a result, or it expired).
 *
 * @example
 * await fulfillWithProof(veridict, proved) // a second time: throws RequestNotPendingError (status 'fulfilled')
 */
export class RequestNotPendingError extends BaseError {
  override name = 'RequestNotPendingError'
  readonly requestId: bigint
  readonly status: RequestStatus
  constructor({ requestId, status, cause }: { requestId: bigint; status: RequestStatus; cause?: unknown }) {
    super(`Request ${requestId} is ${status}, not waiting for a result.`, {
      details: 'Only a request with status "requested" can be fulfilled; read it with getResult.',
      cause,
    })
    this.requestId = requestId
    this.status = status
  }
}

/**
 * The request has no final result yet.
 *
 * @example
 * try {
 *   await getResult(veridict, { requestId })
 * } catch (error) {
 *   if (error instanceof ResultNotFinalError) console.log(error.status) // 'requested' or 'attested'
 * }
 */
export class ResultNotFinalError extends BaseError {
  override name = 'ResultNotFinalError'
  readonly requestId: bigint
  readonly status: RequestStatus
  constructor({ requestId, status, challengeEnd, cause }: { requestId: bigint; status: RequestStatus; challengeEnd?: bigint | undefined; cause?: unknown }) {
    super(`Request ${requestId} has no final result yet (status ${status}).`, {
      details:
        status === 'attested' && challengeEnd !== undefined
          ? `Its attested output becomes final after the challenge window ends at timestamp ${challengeEnd} and someone finalizes it; pass \`includePending: true\` to read it now.`
          : 'Wait for it with waitForResult, or prove it yourself with proveLocally and fulfillWithProof from @veridict/sdk/prover.',
      cause,
    })
    this.requestId = requestId
    this.status = status
  }
}

/**
 * waitForResult gave up.
 *
 * @example
 * try {
 *   await waitForResult(veridict, { requestId, timeout: 60_000 })
 * } catch (error) {
 *   if (error instanceof WaitForResultTimeoutError) {
 *     const proved = await proveLocally(veridict, { requestId, dir }) // from '@veridict/sdk/prover'
 *     await fulfillWithProof(veridict, proved)
 *   }
 * }
 */
export class WaitForResultTimeoutError extends BaseError {
  override name = 'WaitForResultTimeoutError'
  readonly requestId: bigint
  constructor({ requestId, timeout, status }: { requestId: bigint; timeout: number; status: RequestStatus | undefined }) {
    super(`Timed out after ${timeout} ms waiting for the result of request ${requestId}${status ? ` (status ${status})` : ''}.`, {
      details:
        'Call waitForResult again with a longer `timeout`, or, if no operator serves the model, prove it yourself with proveLocally and fulfillWithProof from @veridict/sdk/prover.',
    })
    this.requestId = requestId
  }
}

/**
 * A dispute needs a request whose attested result is still in its challenge window.
 *
 * @example
 * await disputeWithProof(veridict, proved) // after the challenge window: throws NotDisputableError
 */
export class NotDisputableError extends BaseError {
  override name = 'NotDisputableError'
  readonly requestId: bigint
  constructor({ requestId, reason, cause }: { requestId: bigint; reason: string; cause?: unknown }) {
    super(`Request ${requestId} cannot be disputed: ${reason}.`, { cause })
    this.requestId = requestId
  }
}

/**
 * The oracle rejected the proof, or the proof does not match the request.
 *
 * @example
 * await fulfillWithProof(veridict, { ...proved, outputWords: otherWords }) // throws InvalidProofError
 */
export class InvalidProofError extends BaseError {
  override name = 'InvalidProofError'
  readonly requestId: bigint
  constructor({ requestId, reason, cause }: { requestId: bigint; reason: string; cause?: unknown }) {
    super(`The proof for request ${requestId} was rejected: ${reason}.`, {
      details: 'Prove with the model folder that was set up for this model id (its zkey matches the registered verifier), on the request\'s own input words.',
      cause,
    })
    this.requestId = requestId
  }
}

/**
 * The input hash of the supplied words differs from the one the request stored.
 *
 * @example
 * await fulfillWithProof(veridict, { ...proved, inputWords: otherWords }) // throws InputHashMismatchError
 */
export class InputHashMismatchError extends BaseError {
  override name = 'InputHashMismatchError'
  constructor({ requestId, expected, received, cause }: { requestId: bigint; expected: Hex; received: Hex; cause?: unknown }) {
    super(`The input words do not hash to request ${requestId}'s input hash.`, {
      details: `Expected keccak256 ${expected}, got ${received}. Use the input words of the request's InferenceRequested event (getRequest returns them).`,
      cause,
    })
  }
}

export class DisputeNotFoundError extends BaseError {
  override name = 'DisputeNotFoundError'
  readonly gameId: bigint
  constructor({ gameId }: { gameId: bigint }) {
    super(`Trace game ${gameId} does not exist.`, {
      details: 'Game ids start at 1 and come from TraceDisputes.challenge (its GameStarted event).',
    })
    this.gameId = gameId
  }
}
