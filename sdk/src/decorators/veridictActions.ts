import type { Account, Chain, Client, Transport } from 'viem'
import { decodeOutput, type DecodeOutputParameters, type DecodeOutputReturnType } from '../actions/decodeOutput.js'
import { disputeWithProof, type DisputeWithProofParameters, type DisputeWithProofReturnType } from '../actions/disputeWithProof.js'
import { encodeInput, type EncodeInputParameters, type EncodeInputReturnType } from '../actions/encodeInput.js'
import { fulfillWithProof, type FulfillWithProofParameters, type FulfillWithProofReturnType } from '../actions/fulfillWithProof.js'
import { getDispute, type GetDisputeParameters, type VeridictDispute } from '../actions/getDispute.js'
import { getModel, type GetModelParameters, type GetModelReturnType } from '../actions/getModel.js'
import { getRequest, type GetRequestParameters, type GetRequestReturnType } from '../actions/getRequest.js'
import { getResult, type GetResultParameters, type GetResultReturnType } from '../actions/getResult.js'
import { getVerificationKey, type GetVerificationKeyParameters, type GetVerificationKeyReturnType } from '../actions/getVerificationKey.js'
import { listModels, type ListModelsParameters, type ListModelsReturnType } from '../actions/listModels.js'
import { quote, type QuoteParameters, type QuoteReturnType } from '../actions/quote.js'
import { refundExpired, type RefundExpiredParameters, type RefundExpiredReturnType } from '../actions/refundExpired.js'
import { requestInference, type RequestInferenceParameters, type RequestInferenceReturnType } from '../actions/requestInference.js'
import { verifyAttestation, type VerifyAttestationParameters, type VerifyAttestationReturnType } from '../actions/verifyAttestation.js'
import { waitForResult, type WaitForResultParameters, type WaitForResultReturnType } from '../actions/waitForResult.js'
import { watchDisputes, type WatchDisputesParameters, type WatchDisputesReturnType } from '../actions/watchDisputes.js'
import { watchResults, type WatchResultsParameters, type WatchResultsReturnType } from '../actions/watchResults.js'
import { withdraw, type WithdrawParameters, type WithdrawReturnType } from '../actions/withdraw.js'
import {
  createVeridictClient,
  type CreateVeridictClientParameters,
  type VeridictClient,
  type VeridictWalletClient,
} from '../client/createVeridictClient.js'

export type VeridictActionsParameters = Pick<CreateVeridictClientParameters, 'deployment' | 'loadManifest' | 'ipfsGateway' | 'pollingInterval'> & {
  /**
   * Sends transactions (requestInference, refundExpired, withdraw, fulfillWithProof,
   * disputeWithProof). Default: the extended client itself when it is a wallet client or has an
   * account; otherwise none, and write actions throw `AccountNotFoundError`.
   */
  walletClient?: VeridictWalletClient | undefined
}

/**
 * What `client.extend(veridictActions({ deployment }))` adds: every action of `@veridict/sdk`,
 * bound to one Veridict client built from the extended client, with the plain actions'
 * parameters and return types. Manifests and verification keys are cached across calls.
 */
export type VeridictActions = {
  /**
   * The Veridict client the actions run on (the extended client, the deployment and the caches):
   * pass it to the plain actions and to `proveLocally` (`@veridict/sdk/prover`) or
   * `verifyResultOffchain` (`@veridict/sdk/verify`), which take one.
   *
   * @example
   * const proved = await proveLocally(client.veridict, { requestId, dir: './models/digits' })
   */
  veridict: VeridictClient
  /**
   * A registered model: fee, modes, layout, setup, and with `manifest: true` its checked manifest. See `getModel`.
   *
   * @example
   * const model = await client.getModel({ modelId, manifest: true })
   */
  getModel: (parameters: GetModelParameters) => Promise<GetModelReturnType>
  /**
   * A model's registered verification key (cached: it never changes). See `getVerificationKey`.
   *
   * @example
   * const { vkey, proofSystem } = await client.getVerificationKey({ modelId })
   */
  getVerificationKey: (parameters: GetVerificationKeyParameters) => Promise<GetVerificationKeyReturnType>
  /**
   * The registry's models, active ones by default, in registration order. See `listModels`.
   *
   * @example
   * const models = await client.listModels()
   */
  listModels: (parameters?: ListModelsParameters | undefined) => Promise<ListModelsReturnType>
  /**
   * Quantizes and packs an input with a model's manifest (no chain call). See `encodeInput`.
   *
   * @example
   * const { words } = client.encodeInput({ manifest: model.manifest!, values })
   */
  encodeInput: (parameters: EncodeInputParameters) => EncodeInputReturnType
  /**
   * Unpacks and dequantizes output words with a model's manifest (no chain call). See `decodeOutput`.
   *
   * @example
   * const { class: predicted } = client.decodeOutput({ manifest: model.manifest!, words: result.outputWords })
   */
  decodeOutput: (parameters: DecodeOutputParameters) => DecodeOutputReturnType
  /**
   * What a request would cost and how long each mode would take. See `quote`.
   *
   * @example
   * const { fee, requestCost, modes } = await client.quote({ modelId })
   */
  quote: (parameters: QuoteParameters) => Promise<QuoteReturnType>
  /**
   * Requests a model's output on an input, from the wallet's account (needs one: `AccountNotFoundError`). See `requestInference`.
   *
   * @example
   * const { requestId } = await client.requestInference({ modelId, values: [5.1, 3.5, 1.4, 0.2] })
   */
  requestInference: (parameters: RequestInferenceParameters) => Promise<RequestInferenceReturnType>
  /**
   * A request's state as the oracle holds it, with the commitment the other actions pass back. See `getRequest`.
   *
   * @example
   * const { status, deadline } = await client.getRequest({ requestId })
   */
  getRequest: (parameters: GetRequestParameters) => Promise<GetRequestReturnType>
  /**
   * A request's result (`ResultNotFinalError` while there is none final). See `getResult`.
   *
   * @example
   * const result = await client.getResult({ requestId })
   */
  getResult: (parameters: GetResultParameters) => Promise<GetResultReturnType>
  /**
   * Waits for a request's result. See `waitForResult`.
   *
   * @example
   * const result = await client.waitForResult({ requestId, timeout: 120_000 })
   */
  waitForResult: (parameters: WaitForResultParameters) => Promise<WaitForResultReturnType>
  /**
   * Calls `onResult` with each result the oracle delivers; returns a function that stops watching. See `watchResults`.
   *
   * @example
   * const unwatch = client.watchResults({ modelId, onResult: (result) => console.log(result.requestId) })
   */
  watchResults: (parameters: WatchResultsParameters) => WatchResultsReturnType
  /**
   * A trace game's state. See `getDispute`.
   *
   * @example
   * const dispute = await client.getDispute({ gameId })
   */
  getDispute: (parameters: GetDisputeParameters) => Promise<VeridictDispute>
  /**
   * Calls `onDispute` each time a trace game starts, moves or ends; resolves to a function that stops watching. See `watchDisputes`.
   *
   * @example
   * const unwatch = await client.watchDisputes({ requestIds: [requestId], onDispute: (d) => console.log(d.phase) })
   */
  watchDisputes: (parameters: WatchDisputesParameters) => Promise<WatchDisputesReturnType>
  /**
   * Checks an attestation's signatures against the staked operators. See `verifyAttestation`.
   *
   * @example
   * const { valid, signers } = await client.verifyAttestation({ requestId: 0n, modelId, inputWords, outputWords, signatures, quorum: 2 })
   */
  verifyAttestation: (parameters: VerifyAttestationParameters) => Promise<VerifyAttestationReturnType>
  /**
   * Refunds an expired request without a result (needs an account). See `refundExpired`.
   *
   * @example
   * const { amount } = await client.refundExpired({ requestId, withdraw: true })
   */
  refundExpired: (parameters: RefundExpiredParameters) => Promise<RefundExpiredReturnType>
  /**
   * Withdraws the sender's oracle balance (needs an account). See `withdraw`.
   *
   * @example
   * const { amount } = await client.withdraw()
   */
  withdraw: (parameters?: WithdrawParameters | undefined) => Promise<WithdrawReturnType>
  /**
   * Delivers a proved result for a request (needs an account). See `fulfillWithProof`.
   *
   * @example
   * await client.fulfillWithProof(await proveLocally(client.veridict, { requestId, dir }))
   */
  fulfillWithProof: (parameters: FulfillWithProofParameters) => Promise<FulfillWithProofReturnType>
  /**
   * Disputes an attested result with a proof of another output (needs an account). See `disputeWithProof`.
   *
   * @example
   * const { slashed } = await client.disputeWithProof(await proveLocally(client.veridict, { requestId, dir }))
   */
  disputeWithProof: (parameters: DisputeWithProofParameters) => Promise<DisputeWithProofReturnType>
}

/**
 * A viem decorator: `client.extend(veridictActions({ deployment }))` gives a viem client every
 * Veridict action, `client.getModel({ modelId })` for `getModel(veridict, { modelId })`. Reads go
 * through the extended client; writes through `walletClient`, else the extended client when it is
 * a wallet client or has an account (a public client without one: write actions throw
 * `AccountNotFoundError`, as the plain actions on a client without `walletClient`). Checks the
 * deployment and the chain as `createVeridictClient` does, when `extend` runs (`ChainMismatchError`).
 *
 * @example
 * import { createPublicClient, createWalletClient, http, publicActions } from 'viem'
 * import { privateKeyToAccount } from 'viem/accounts'
 * import { foundry } from 'viem/chains'
 * import { veridictActions } from '@veridict/sdk'
 *
 * const reader = createPublicClient({ chain: foundry, transport: http() }).extend(veridictActions({ deployment }))
 * const models = await reader.listModels()
 *
 * const client = createWalletClient({ chain: foundry, transport: http(), account: privateKeyToAccount(key) })
 *   .extend(publicActions)
 *   .extend(veridictActions({ deployment }))
 * const { requestId } = await client.requestInference({ modelId, values })
 * const result = await client.waitForResult({ requestId })
 */
export function veridictActions(
  parameters: VeridictActionsParameters,
): <transport extends Transport, chain extends Chain | undefined, account extends Account | undefined>(client: Client<transport, chain, account>) => VeridictActions {
  return (client) => {
    const veridict = createVeridictClient({
      ...parameters,
      publicClient: client,
      walletClient: parameters.walletClient ?? (client.account !== undefined || client.type === 'walletClient' ? client : undefined),
    })
    return {
      veridict,
      getModel: (args) => getModel(veridict, args),
      getVerificationKey: (args) => getVerificationKey(veridict, args),
      listModels: (args) => listModels(veridict, args),
      encodeInput,
      decodeOutput,
      quote: (args) => quote(veridict, args),
      requestInference: (args) => requestInference(veridict, args),
      getRequest: (args) => getRequest(veridict, args),
      getResult: (args) => getResult(veridict, args),
      waitForResult: (args) => waitForResult(veridict, args),
      watchResults: (args) => watchResults(veridict, args),
      getDispute: (args) => getDispute(veridict, args),
      watchDisputes: (args) => watchDisputes(veridict, args),
      verifyAttestation: (args) => verifyAttestation(veridict, args),
      refundExpired: (args) => refundExpired(veridict, args),
      withdraw: (args) => withdraw(veridict, args),
      fulfillWithProof: (args) => fulfillWithProof(veridict, args),
      disputeWithProof: (args) => disputeWithProof(veridict, args),
    }
  }
}
