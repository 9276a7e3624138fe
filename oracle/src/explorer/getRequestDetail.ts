import { decodeAbiParameters, type Hex } from 'viem'
import { decodeOutput, getDispute, getRequest, getResult, unpackValues, verifyAttestation, type VeridictResult } from '@veridict/sdk'
import type { Explorer } from './createExplorer.js'
import { modelView } from './modelView.js'

export type GetRequestDetailParameters = { requestId: bigint }

/**
 * Everything the request page shows: the request as committed, its input and output decoded with
 * the model's manifest, the proof or the attestation (its signatures checked here), the public
 * signals a proof binds, trace games, and the request's events (disputes and slashes among them).
 * Throws the SDK's RequestNotFoundError for an unknown id.
 */
export async function getRequestDetail(explorer: Explorer, { requestId }: GetRequestDetailParameters) {
  const { client } = explorer.connection
  await explorer.index.refresh()
  const request = await getRequest(client, { requestId })
  const entry = await explorer.models.get(request.modelId)
  const { manifest, model } = entry
  // Without the manifest the words still unpack by the registry's layout, as plain integers.
  const inputLayout = manifest?.input ?? { count: model.input.values, bits: model.input.bits, scale: 0, shape: [model.input.values] }
  const outputLayout = manifest?.output ?? { ...model.output, count: model.output.values, scale: 0, shape: [model.output.values], kind: 'values' as const }
  // A private-input model's request carries one word, the input's commitment: nothing to decode.
  const privateInput = model.privateInput
  const inputQuantized = privateInput ? [] : unpackValues(request.inputWords, inputLayout.count, inputLayout.bits)

  let result: VeridictResult | undefined
  if (request.status === 'attested' || request.status === 'fulfilled' || request.status === 'finalized')
    result = await getResult(client, { requestId, includePending: true, manifest: { output: outputLayout } })
  const fulfilment = result?.fulfilment
  const decoded = result && decodeOutput({ manifest: { output: outputLayout }, words: result.outputWords })
  const summary = explorer.index.requests.get(requestId)
  const disputes = await Promise.all((summary?.gameIds ?? []).map((gameId) => getDispute(client, { gameId })))

  let attestationCheck: { valid: boolean; reason: string | undefined; recovered: readonly Hex[] } | undefined
  if (result && fulfilment?.kind === 'attestation' && fulfilment.signatures) {
    const checked = await verifyAttestation(client, {
      requestId,
      modelId: request.modelId,
      inputWords: request.inputWords,
      outputWords: result.outputWords,
      traceRoot: fulfilment.traceRoot,
      signatures: fulfilment.signatures,
      batch: fulfilment.batch,
      quorum: request.quorum,
      expectedSigners: fulfilment.signers,
      blockNumber: fulfilment.blockNumber,
    })
    attestationCheck = { valid: checked.valid, reason: checked.reason, recovered: checked.signers }
  }

  return {
    requestId,
    status: request.status,
    finality: result?.finality ?? (request.expired ? 'expired' : request.status === 'refunded' ? 'refunded' : 'open'),
    expired: request.expired,
    mode: request.mode,
    quorum: request.quorum,
    modelId: request.modelId,
    requester: request.requester,
    payer: request.commitment.payer,
    callback: request.callback,
    fee: request.fee,
    valueAtRisk: request.valueAtRisk,
    deadline: request.deadline,
    provable: request.provable,
    blockNumber: request.blockNumber,
    transactionHash: request.transactionHash,
    requestedAt: summary?.requestedAt,
    finalAt: summary?.finalAt,
    latencySeconds: summary?.finalAt === undefined ? undefined : summary.finalAt - summary.requestedAt,
    callbackFailed: summary?.callbackFailed ?? false,
    slashed: summary?.slashed ?? 0n,
    model: modelView(entry, explorer.models),
    input: {
      private: privateInput,
      commitment: privateInput ? request.inputWords[0] : undefined,
      words: request.inputWords,
      quantized: inputQuantized,
      values: inputQuantized.map((q) => Number(q) / 2 ** inputLayout.scale),
      shape: inputLayout.shape,
      decodedWithManifest: manifest !== undefined,
    },
    output: result &&
      decoded && {
      words: result.outputWords,
      ...decoded,
      kind: outputLayout.kind,
      classLabel: manifest?.classLabels?.[decoded.class],
      decodedWithManifest: manifest !== undefined,
    },
    fulfilment: fulfilment && {
      ...fulfilment,
      proofPoints: fulfilment.kind === 'proof' && fulfilment.proof ? proofPoints(fulfilment.proof) : undefined,
    },
    attestationCheck,
    // What the page needs to check the proof itself: the model's key (from the registry) and the
    // public signals the SDK's verifier builds: input words, output words, the paid beneficiary.
    verification:
      fulfilment?.kind === 'proof'
        ? {
            proofSystem: model.proofSystem,
            proof: fulfilment.proof,
            verificationKeyUrl: `/api/models/${request.modelId}/verification-key`,
            publicSignals: { inputWords: request.inputWords, outputWords: result!.outputWords, beneficiary: fulfilment.fulfiller },
            unavailable: fulfilment.proof ? undefined : 'the proof was submitted through another contract, so it is not in the transaction calldata',
          }
        : undefined,
    disputes,
    events: summary?.events ?? [],
  }
}

/** The proof's curve points as the Solidity verifier takes them, for people. */
function proofPoints(proof: Hex) {
  try {
    const [a, b, c] = decodeAbiParameters([{ type: 'uint256[2]' }, { type: 'uint256[2][2]' }, { type: 'uint256[2]' }], proof)
    return { a, b, c }
  } catch {
    return undefined
  }
}

export type RequestDetail = Awaited<ReturnType<typeof getRequestDetail>>
