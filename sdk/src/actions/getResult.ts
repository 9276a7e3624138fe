import { decodeFunctionData, type Hash, type Hex } from 'viem'
import { getTransaction } from 'viem/actions'
import { inferenceOracleAbi } from '../abi/inferenceOracleAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { ManifestMismatchError, ManifestNotFoundError } from '../errors/model.js'
import { RequestExpiredError, ResultNotFinalError } from '../errors/request.js'
import type { InferenceMode, RequestStatus, ResultFulfilment, VeridictManifest } from '../types.js'
import { hashWords } from '../encoding/hashWords.js'
import { requestLogs, type RequestLog } from '../utils/requestLogs.js'
import { decodeOutput, type DecodeOutputReturnType } from './decodeOutput.js'
import { getModel } from './getModel.js'
import { getRequest, type VeridictRequest } from './getRequest.js'

/** A request's result: the output words, how they were delivered, and whether they are final. */
export type VeridictResult = {
  requestId: bigint
  modelId: Hex
  /** The mode the request asked for (an attested request can still be served by a proof). */
  mode: InferenceMode
  status: RequestStatus
  /** 'final': proved, or attested and finalized. 'pending': attested, challenge window open or not yet finalized. */
  finality: 'final' | 'pending'
  inputWords: bigint[]
  outputWords: bigint[]
  outputHash: Hex
  /** The decoded output, when the model's manifest is known to the client or passed in. */
  output: DecodeOutputReturnType | undefined
  /** A proof (with the proof bytes) or an attestation (with its signers and signatures). */
  fulfilment: ResultFulfilment
  /** Whether the consumer callback reverted or ran out of gas (the result stands regardless). */
  callbackFailed: boolean
  request: VeridictRequest
}

export type GetResultParameters = {
  requestId: bigint
  /** Also return an attested result that is not final yet (finality 'pending'), instead of throwing ResultNotFinalError. */
  includePending?: boolean | undefined
  /**
   * Decodes the output with this manifest. Without it, the model's manifest is loaded from its
   * metadata URI once per client; if that fails, `output` is undefined.
   */
  manifest?: Pick<VeridictManifest, 'output'> | undefined
}

export type GetResultReturnType = VeridictResult

/**
 * Reads the result of a request from the oracle's events: the output words, the proof or the
 * attestation signers, and the decoded output. Throws ResultNotFinalError while there is no final
 * result (unless `includePending` and the result is attested), RequestExpiredError once the
 * deadline passed without one, RequestNotFoundError for an unknown id.
 *
 * @example
 * import { getResult } from '@veridict/sdk'
 *
 * const result = await getResult(veridict, { requestId: 1n })
 * console.log(result.finality, result.output?.class, result.fulfilment.kind)
 */
export async function getResult(client: VeridictClient, parameters: GetResultParameters): Promise<GetResultReturnType> {
  const { requestId, includePending = false } = parameters
  const request = await getRequest(client, { requestId })
  if (request.status === 'refunded' || (request.status === 'requested' && request.expired))
    throw new RequestExpiredError({ requestId, deadline: request.deadline, status: request.status })
  if (request.status === 'requested') throw new ResultNotFinalError({ requestId, status: request.status })
  const logs = await requestLogs(client, requestId, request.blockNumber)
  const fulfilment = await fulfilmentOf(client, request, logs)
  if (!fulfilment) throw new ResultNotFinalError({ requestId, status: request.status })
  if (request.status === 'attested' && !includePending)
    throw new ResultNotFinalError({ requestId, status: request.status, challengeEnd: fulfilment.delivery.kind === 'attestation' ? fulfilment.delivery.challengeEnd : undefined })
  const manifest = parameters.manifest ?? (await knownManifest(client, request.modelId))
  return {
    requestId,
    modelId: request.modelId,
    mode: request.mode,
    status: request.status,
    finality: request.status === 'attested' ? 'pending' : 'final',
    inputWords: request.inputWords,
    outputWords: fulfilment.outputWords,
    outputHash: fulfilment.outputHash,
    output: manifest ? decodeOutput({ manifest, words: fulfilment.outputWords }) : undefined,
    fulfilment: fulfilment.delivery,
    callbackFailed: logs.some((log) => log.eventName === 'CallbackFailed'),
    request,
  }
}

/** The model's manifest if the client has it or can load it; undefined when it cannot be read or checked. */
async function knownManifest(client: VeridictClient, modelId: Hex): Promise<VeridictManifest | undefined> {
  const cached = client.manifests.get(modelId)
  if (cached) return cached
  try {
    return (await getModel(client, { modelId, manifest: true })).manifest
  } catch (error) {
    if (error instanceof ManifestNotFoundError || error instanceof ManifestMismatchError) return undefined
    throw error
  }
}

type Delivery = { outputWords: bigint[]; outputHash: Hex; delivery: ResultFulfilment }

/** The delivery behind the request's current status: the latest proof, or the latest attestation. */
async function fulfilmentOf(client: VeridictClient, request: VeridictRequest, logs: RequestLog[]): Promise<Delivery | undefined> {
  for (let i = logs.length - 1; i >= 0; i--) {
    const log = logs[i]!
    if (request.status === 'fulfilled' && (log.eventName === 'ResultFulfilled' || log.eventName === 'AttestationDisputed')) {
      const disputed = log.eventName === 'AttestationDisputed'
      const outputHash = disputed ? log.args.provenOutputHash : log.args.outputHash
      const fulfiller = disputed ? log.args.disputer : log.args.fulfiller
      const calldata = await callArgs(client, log.transactionHash, request.requestId)
      const proof = calldata?.functionName === 'fulfillWithProof' || calldata?.functionName === 'disputeWithProof' ? calldata.args[5] : undefined
      return {
        outputWords: [...log.args.outputWords],
        outputHash,
        delivery: { kind: 'proof', fulfiller, disputed, proof, transactionHash: log.transactionHash, blockNumber: log.blockNumber },
      }
    }
    if ((request.status === 'attested' || request.status === 'finalized') && log.eventName === 'AttestationSubmitted') {
      const calldata = await callArgs(client, log.transactionHash, request.requestId)
      const submitted = calldata?.functionName === 'submitAttestations' ? calldata : undefined
      const signatures = submitted ? [...submitted.args[1]] : undefined
      const batch = submitted?.args[0].map(({ request, outputWords, traceRoot }) => ({
        requestId: request.id,
        modelId: request.modelId,
        inputHash: request.inputHash,
        outputHash: hashWords(outputWords),
        traceRoot,
      }))
      return {
        outputWords: [...log.args.outputWords],
        outputHash: log.args.record.outputHash,
        delivery: {
          kind: 'attestation',
          submitter: log.args.submitter,
          signers: [...log.args.signers],
          traceRoot: log.args.record.traceRoot,
          signatures,
          batch,
          challengeEnd: log.args.challengeEnd,
          transactionHash: log.transactionHash,
          blockNumber: log.blockNumber,
        },
      }
    }
  }
  return undefined
}

/** The oracle call of a transaction, if it called the oracle directly for this request. */
async function callArgs(client: VeridictClient, hash: Hash, requestId: bigint) {
  const transaction = await getTransaction(client.publicClient, { hash })
  if (transaction.to?.toLowerCase() !== client.deployment.oracle.toLowerCase()) return undefined
  try {
    const call = decodeFunctionData({ abi: inferenceOracleAbi, data: transaction.input })
    if (call.functionName === 'fulfillWithProof' || call.functionName === 'disputeWithProof') return call.args[0].id === requestId ? call : undefined
    if (call.functionName === 'submitAttestations') return call.args[0].some((result) => result.request.id === requestId) ? call : undefined
    return undefined
  } catch {
    return undefined
  }
}
