import type { Address, Hex } from 'viem'
import { readManifest, prove, type ProverPool } from '@veridict/circuits'
import { getModel } from '../actions/getModel.js'
import { getRequest } from '../actions/getRequest.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { encodeProof } from '../encoding/encodeProof.js'
import type { PlonkProof } from '../encoding/plonk.js'
import { BeneficiaryNotFoundError } from '../errors/client.js'
import { ManifestMismatchError } from '../errors/model.js'
import { CommitmentMismatchError, PrivateInputRequiredError } from '../errors/privacy.js'
import { commitInput } from '../privacy/commitInput.js'
import type { Groth16Proof } from '../types.js'

export type ProveLocallyParameters = {
  requestId: bigint
  /** Folder of the compiled and set-up model (manifest.json, model.zkey, model_js/model.wasm). */
  dir: string
  /**
   * Who the proof pays (bound as its last public signal, so a copied transaction still pays it);
   * default: the client's wallet account.
   */
  beneficiary?: Address | undefined
  /** Prove in this pool of worker threads (default: one worker for this proof). */
  pool?: ProverPool | undefined
  /**
   * A private-input model's input: the words and the salt the request's commitment hides
   * (requestPrivateInference's `privateInput`). Required for such a model: the chain has only the commitment.
   */
  privateInput?: { inputWords: readonly bigint[]; salt: bigint } | undefined
}

export type ProveLocallyReturnType = {
  requestId: bigint
  /** The request's input words as fulfillWithProof takes them: a private request's one word is its commitment. */
  inputWords: bigint[]
  outputWords: bigint[]
  /** The canonical quantized output values. */
  output: bigint[]
  /** The snarkjs proof (Groth16 or PLONK, as the model was set up); fulfillWithProof and disputeWithProof take it as it is. */
  proof: Groth16Proof | PlonkProof
  /** The proof as the oracle's `proof` bytes. */
  proofBytes: Hex
  /** The address the proof binds: fulfillWithProof and disputeWithProof pay it. */
  beneficiary: Address
  publicSignals: string[]
  seconds: number
}

/**
 * Proves a request on this machine: reads its input words from the chain (a private request's
 * come from `privateInput`, checked against its commitment), computes the model's canonical output
 * with the reference executor and proves it with the model's zkey. Pass the result to
 * fulfillWithProof (a request no operator serves) or disputeWithProof (a wrong attestation).
 * Throws ManifestMismatchError when the folder holds another model, PrivateInputRequiredError /
 * CommitmentMismatchError for a private request without its input or with another one.
 *
 * @example
 * import { fulfillWithProof, getResult } from '@veridict/sdk'
 * import { proveLocally } from '@veridict/sdk/prover'
 *
 * const proved = await proveLocally(veridict, { requestId, dir: './models/iris' })
 * await fulfillWithProof(veridict, { requestId, ...proved })
 * const result = await getResult(veridict, { requestId }) // final, fulfilled by you
 */
export async function proveLocally(client: VeridictClient, { requestId, dir, pool, beneficiary: chosen, privateInput }: ProveLocallyParameters): Promise<ProveLocallyReturnType> {
  const beneficiary = chosen ?? client.walletClient?.account?.address
  if (!beneficiary) throw new BeneficiaryNotFoundError({ action: 'proveLocally' })
  const [request, manifest] = await Promise.all([getRequest(client, { requestId }), readManifest(dir)])
  const model = await getModel(client, { modelId: request.modelId })
  if (manifest.definitionHash?.toLowerCase() !== model.definitionHash.toLowerCase())
    throw new ManifestMismatchError({ modelId: request.modelId, reason: `${dir} holds the model defined by ${manifest.definitionHash ?? '(not set up)'}, the registry's definition is ${model.definitionHash}` })
  let proved
  if (manifest.input.private === true) {
    if (!privateInput) throw new PrivateInputRequiredError({ requestId })
    const [expected] = request.inputWords
    const received = await commitInput({ inputWords: privateInput.inputWords, salt: privateInput.salt })
    if (received !== expected) throw new CommitmentMismatchError({ requestId, expected: expected ?? 0n, received })
    proved = await prove({ dir, input: { words: privateInput.inputWords }, salt: privateInput.salt, beneficiary, pool })
  } else {
    proved = await prove({ dir, input: { words: request.inputWords }, beneficiary, pool })
  }
  return {
    requestId,
    inputWords: [...request.inputWords],
    outputWords: proved.outputWords,
    output: proved.output,
    proof: proved.proof,
    proofBytes: encodeProof(proved.proof),
    beneficiary,
    publicSignals: proved.publicSignals.map(String),
    seconds: proved.seconds,
  }
}
