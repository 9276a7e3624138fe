import { type Address, type Hash, type Hex, zeroAddress } from 'viem'
import { readContract } from 'viem/actions'
import { inferenceOracleAbi } from '../abi/inferenceOracleAbi.js'
import { modelRegistryAbi } from '../abi/modelRegistryAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { RequestNotFoundError } from '../errors/request.js'
import type { InferenceMode, RequestStatus } from '../types.js'
import { toVeridictError } from '../utils/contractError.js'
import { hashWords } from '../encoding/hashWords.js'
import { requestLogs } from '../utils/requestLogs.js'
import { modeName, statusName } from '../utils/status.js'

/** A request as the oracle stores it, with the input words from its event. */
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
  /** Last timestamp (seconds) at which a result can be delivered. */
  deadline: bigint
  /** What the requester paid, in wei. */
  fee: bigint
  inputWords: bigint[]
  /** keccak256 of the packed input words. */
  inputHash: Hex
  /** Whether the deadline passed (by the latest block) with no final result. */
  expired: boolean
  transactionHash: Hash
  blockNumber: bigint
}

export type GetRequestParameters = { requestId: bigint }

export type GetRequestReturnType = VeridictRequest

/**
 * Reads a request: its stored terms and status, and its input words from the InferenceRequested
 * event. Throws RequestNotFoundError for an unknown id.
 *
 * @example
 * import { getRequest } from '@veridict/sdk'
 *
 * const request = await getRequest(veridict, { requestId: 1n })
 * console.log(request.status, request.deadline, request.inputWords)
 */
export async function getRequest(client: VeridictClient, { requestId }: GetRequestParameters): Promise<GetRequestReturnType> {
  let stored
  try {
    stored = await readContract(client.publicClient, {
      address: client.deployment.oracle,
      abi: inferenceOracleAbi,
      functionName: 'getRequest',
      args: [requestId],
    })
  } catch (error) {
    throw toVeridictError(error, 'getRequest')
  }
  const [logs, [modelId], block] = await Promise.all([
    requestLogs(client, requestId),
    readContract(client.publicClient, { address: client.deployment.registry, abi: modelRegistryAbi, functionName: 'getModelAt', args: [stored.modelIndex] }),
    client.publicClient.request({ method: 'eth_getBlockByNumber', params: ['latest', false] }),
  ])
  const requested = logs.find((log) => log.eventName === 'InferenceRequested')
  if (!requested || requested.eventName !== 'InferenceRequested') throw new RequestNotFoundError({ requestId })
  const status = statusName(stored.status)
  if (status === 'none') throw new RequestNotFoundError({ requestId })
  const now = BigInt(block?.timestamp ?? 0)
  const inputWords = [...requested.args.inputWords]
  return {
    requestId,
    modelId,
    requester: stored.requester,
    status,
    mode: modeName(stored.mode),
    quorum: stored.quorum,
    callback: stored.callback === zeroAddress ? undefined : stored.callback,
    callbackGasLimit: stored.callbackGasLimit,
    deadline: BigInt(stored.deadline),
    fee: stored.fee,
    inputWords,
    inputHash: hashWords(inputWords),
    expired: (status === 'requested' && now > BigInt(stored.deadline)) || status === 'refunded',
    transactionHash: requested.transactionHash,
    blockNumber: requested.blockNumber,
  }
}
