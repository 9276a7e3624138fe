import type { ContractFunctionArgs, Hex } from 'viem'
import { readContract } from 'viem/actions'
import { inferenceOracleAbi } from '../abi/inferenceOracleAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { RequestNotFoundError } from '../errors/request.js'
import type { RequestStatus } from '../types.js'
import { toVeridictError } from './contractError.js'
import { requestLogs, type RequestLog } from './requestLogs.js'
import { statusName } from './status.js'

/**
 * What a request committed to on-chain (the oracle's `Request` struct, emitted whole by
 * InferenceRequested). The oracle stores only its hash; every later call (a proof, an attestation,
 * finalize, refund) passes it back.
 */
export type RequestCommitment = ContractFunctionArgs<typeof inferenceOracleAbi, 'nonpayable', 'refund'>[0]

/**
 * An attestation as the oracle keeps it until the result is final: the attested output hash, the
 * trace root its signers signed (docs/disputes.md) and the packed challenge end and signer indices
 * (from AttestationSubmitted).
 */
export type AttestationRecord = { outputHash: Hex; traceRoot: Hex; packed: bigint }

/** The record to pass for a request that has no attestation. */
export const NO_ATTESTATION: AttestationRecord = { outputHash: `0x${'00'.repeat(32)}`, traceRoot: `0x${'00'.repeat(32)}`, packed: 0n }

export type RequestState = {
  commitment: RequestCommitment
  status: RequestStatus
  inputWords: bigint[]
  /** The pending attestation while the request is attested. */
  attested: AttestationRecord | undefined
  /** Every oracle event about the request, oldest first. */
  logs: RequestLog[]
  requestedLog: Extract<RequestLog, { eventName: 'InferenceRequested' }>
}

/**
 * Reads a request's status from the oracle and what it committed to from its events: the
 * commitment, the input words and, while it is attested, the pending attestation record.
 * Throws RequestNotFoundError for an unknown id.
 */
export async function readRequestState(client: VeridictClient, requestId: bigint): Promise<RequestState> {
  let statusValue: number
  try {
    ;[statusValue] = await readContract(client.publicClient, {
      address: client.deployment.oracle,
      abi: inferenceOracleAbi,
      functionName: 'getRequestState',
      args: [requestId],
    })
  } catch (error) {
    throw toVeridictError(error, 'getRequestState')
  }
  const status = statusName(statusValue)
  if (status === 'none') throw new RequestNotFoundError({ requestId })
  const logs = await requestLogs(client, requestId)
  const requestedLog = logs.find((log) => log.eventName === 'InferenceRequested')
  if (!requestedLog || requestedLog.eventName !== 'InferenceRequested') throw new RequestNotFoundError({ requestId })
  let attested: AttestationRecord | undefined
  if (status === 'attested') {
    const submitted = logs.findLast((log) => log.eventName === 'AttestationSubmitted')
    if (submitted?.eventName === 'AttestationSubmitted') attested = { ...submitted.args.record }
  }
  // A trace game that overturned an attestation reopened the request with a later deadline: from
  // then on, that is the struct the oracle's stored hash is of.
  const reopened = logs.findLast((log) => log.eventName === 'AttestationOverturnedByTrace')
  return {
    commitment: reopened?.eventName === 'AttestationOverturnedByTrace' ? { ...reopened.args.request } : { ...requestedLog.args.request },
    status,
    inputWords: [...requestedLog.args.inputWords],
    attested,
    logs,
    requestedLog,
  }
}

/** The oracle's RequestOptions struct (requestInference's third argument). */
export type RequestOptions = ContractFunctionArgs<typeof inferenceOracleAbi, 'payable', 'requestInference'>[2]

/**
 * RequestOptions with the defaults filled in: no callback, nothing prepaid, the fee as value at
 * risk (valueAtRisk 0), the sender as payer (payer zero). `mode` is the oracle's enum value
 * (0 ZK, 1 ATTESTED).
 *
 * @example
 * const options = requestOptions({ mode: 1, quorum: 2, deadline: now + 3600n })
 */
export function requestOptions(options: Pick<RequestOptions, 'mode' | 'deadline'> & Partial<RequestOptions>): RequestOptions {
  const zero = '0x0000000000000000000000000000000000000000' as const
  return { quorum: 0, callback: zero, callbackGasLimit: 0, callbackGasPrice: 0n, valueAtRisk: 0n, payer: zero, ...options }
}
