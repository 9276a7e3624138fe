import { type Address, type Hash, type Hex, zeroAddress } from 'viem'
import type { VeridictClient } from '../client/createVeridictClient.js'
import type { InferenceMode, RequestStatus } from '../types.js'
import { readRequestState, type AttestationRecord, type RequestCommitment } from '../utils/requestState.js'
import { modeName } from '../utils/status.js'

/** A request: what it committed to, its status, and its input words (from its event). */
export type VeridictRequest = {
  requestId: bigint
  modelId: Hex
  requester: Address
  status: RequestStatus
  mode: InferenceMode
  /** Operator signatures needed in attested mode (0 in zk mode). */
  quorum: number
  callback: Address | undefined
  callbackGasLimit: number
  /** Wei per gas prepaid for the callback; what it does not use is credited back to the requester. */
  callbackGasPrice: bigint
  /** Last timestamp (seconds) at which a result can be delivered. */
  deadline: bigint
  /** What the request pays for its result, in wei (the payment less the callback prepayment). */
  fee: bigint
  /** Stake each attesting signer locks until the result is final (0 in zk mode). */
  valueAtRisk: bigint
  /** Whether the model has a verifier (a proof can serve or dispute the request). */
  provable: boolean
  inputWords: bigint[]
  /** keccak256 of the packed input words. */
  inputHash: Hex
  /** Whether the deadline passed (by the latest block) with no final result. */
  expired: boolean
  /** The oracle's Request struct, which calls about this request pass back. */
  commitment: RequestCommitment
  /** The pending attestation while the request is attested. */
  attested: AttestationRecord | undefined
  transactionHash: Hash
  blockNumber: bigint
}

export type GetRequestParameters = { requestId: bigint }

export type GetRequestReturnType = VeridictRequest

/**
 * Reads a request: its status, what it committed to and its input words (from the
 * InferenceRequested event). Throws RequestNotFoundError for an unknown id.
 *
 * @example
 * import { getRequest } from '@veridict/sdk'
 *
 * const request = await getRequest(veridict, { requestId: 1n })
 * console.log(request.status, request.deadline, request.inputWords)
 */
export async function getRequest(client: VeridictClient, { requestId }: GetRequestParameters): Promise<GetRequestReturnType> {
  const [state, block] = await Promise.all([
    readRequestState(client, requestId),
    client.publicClient.request({ method: 'eth_getBlockByNumber', params: ['latest', false] }),
  ])
  const { commitment, status } = state
  const now = BigInt(block?.timestamp ?? 0)
  const deadline = BigInt(commitment.deadline)
  return {
    requestId,
    modelId: commitment.modelId,
    requester: commitment.requester,
    status,
    mode: modeName(commitment.mode),
    quorum: commitment.quorum,
    callback: commitment.callback === zeroAddress ? undefined : commitment.callback,
    callbackGasLimit: commitment.callbackGasLimit,
    callbackGasPrice: commitment.callbackGasPrice,
    deadline,
    fee: commitment.fee,
    valueAtRisk: commitment.valueAtRisk,
    provable: commitment.provable,
    inputWords: state.inputWords,
    inputHash: commitment.inputHash,
    expired: (status === 'requested' && now > deadline) || status === 'refunded',
    commitment,
    attested: state.attested,
    transactionHash: state.requestedLog.transactionHash,
    blockNumber: state.requestedLog.blockNumber,
  }
}
