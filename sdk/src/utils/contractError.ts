import { BaseError as ViemBaseError, ContractFunctionRevertedError, type Hex } from 'viem'
import { BaseError } from '../errors/base.js'
import { ContractCallError } from '../errors/client.js'
import { InputShapeMismatchError } from '../errors/input.js'
import { ModelNotFoundError, ModelNotRequestableError } from '../errors/model.js'
import {
  InputHashMismatchError,
  InsufficientFeeError,
  InvalidProofError,
  NotDisputableError,
  RequestExpiredError,
  RequestNotFoundError,
  RequestNotPendingError,
  RequestNotRefundableError,
  ResultNotFinalError,
} from '../errors/request.js'
import { statusName } from './status.js'

export type Revert = { errorName: string; args: readonly unknown[] }

/** The decoded custom error of a reverted contract call, if viem could decode one. */
export function revertOf(error: unknown): Revert | undefined {
  if (!(error instanceof ViemBaseError)) return undefined
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
  if (!(reverted instanceof ContractFunctionRevertedError) || !reverted.data?.errorName) return undefined
  return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] }
}

/**
 * Turns a failed contract call into the SDK's typed error: the oracle's and registry's custom
 * errors map to their SDK counterparts, anything else becomes a ContractCallError with the cause.
 */
export function toVeridictError(error: unknown, functionName: string): Error {
  if (error instanceof BaseError) return error
  const revert = revertOf(error)
  if (!revert) return new ContractCallError({ functionName, cause: error })
  const a = revert.args
  const cause = error
  switch (revert.errorName) {
    case 'ModelNotFound':
      return new ModelNotFoundError({ modelId: a[0] as Hex, cause })
    case 'ModelNotRequestable':
      return Number(a[1]) === 0
        ? new ModelNotFoundError({ modelId: a[0] as Hex, cause })
        : new ModelNotRequestableError({ modelId: a[0] as Hex, reason: 'it is deprecated (its owner may have registered a newer version)', cause })
    case 'ModelHasNoVerifier':
      return new ModelNotRequestableError({ modelId: a[0] as Hex, reason: 'it has no verifier, so it is served in attested mode only', cause })
    case 'InsufficientFee':
      return new InsufficientFeeError({ paid: a[0] as bigint, fee: a[1] as bigint, cause })
    case 'InputWordCountMismatch':
      return new InputShapeMismatchError({
        expected: [Number(a[0])],
        received: [Number(a[1])],
        reason: `The model takes ${a[0]} packed input words, ${a[1]} were given; encode the input with encodeInput.`,
      })
    case 'RequestNotFound':
      return new RequestNotFoundError({ requestId: a[0] as bigint, cause })
    case 'RequestExpired':
      return new RequestExpiredError({ requestId: a[0] as bigint, deadline: a[1] as bigint, cause })
    case 'RequestNotPending': {
      const status = statusName(Number(a[1]))
      return new RequestNotPendingError({ requestId: a[0] as bigint, status: status === 'none' ? 'requested' : status, cause })
    }
    case 'RequestNotExpired':
      return new RequestNotRefundableError({ requestId: a[0] as bigint, reason: `its deadline (timestamp ${a[1]}) has not passed`, cause })
    case 'ResultNotFinal': {
      const status = statusName(Number(a[1]))
      return new ResultNotFinalError({ requestId: a[0] as bigint, status: status === 'none' ? 'requested' : status, cause })
    }
    case 'InvalidProof':
      return new InvalidProofError({ requestId: a[0] as bigint, reason: "the model's verifier does not accept it for these input and output words", cause })
    case 'InputHashMismatch':
      return new InputHashMismatchError({ requestId: a[0] as bigint, expected: a[1] as Hex, received: a[2] as Hex, cause })
    case 'RequestNotAttested':
      return new NotDisputableError({ requestId: a[0] as bigint, reason: `it is ${statusName(Number(a[1]))}, not attested`, cause })
    case 'ChallengeWindowClosed':
      return new NotDisputableError({ requestId: a[0] as bigint, reason: `its challenge window closed at timestamp ${a[1]}`, cause })
    case 'OutputNotDifferent':
      return new NotDisputableError({ requestId: a[0] as bigint, reason: 'the proven output equals the attested one', cause })
    default:
      return new ContractCallError({ functionName, errorName: revert.errorName, args: revert.args, cause })
  }
}
