import { type Account, type Address, type Hash, parseEventLogs, type TransactionReceipt, zeroAddress, type Hex } from 'viem'
import { getBlock, getGasPrice, simulateContract, writeContract } from 'viem/actions'
import { inferenceOracleAbi } from '../abi/inferenceOracleAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { InputShapeMismatchError } from '../errors/input.js'
import { ModelNotRequestableError } from '../errors/model.js'
import { InsufficientFeeError } from '../errors/request.js'
import type { InferenceMode } from '../types.js'
import { sendTransaction, walletOf } from '../utils/sendTransaction.js'
import { modeValue } from '../utils/status.js'
import type { NumberTensor } from '../utils/tensor.js'
import { encodeInput } from './encodeInput.js'
import { getModel } from './getModel.js'

/**
 * Gas a callback gets when a request names one and no limit.
 *
 * @example
 * await requestInference(veridict, { modelId, values, callback, callbackGasLimit: DEFAULT_CALLBACK_GAS_LIMIT * 2 })
 */
export const DEFAULT_CALLBACK_GAS_LIMIT = 200_000

/**
 * Seconds a request stays open when no deadline is given.
 *
 * @example
 * await requestInference(veridict, { modelId, values, ttl: DEFAULT_REQUEST_TTL * 24 })
 */
export const DEFAULT_REQUEST_TTL = 3600

export type RequestInferenceParameters = {
  modelId: Hex
  /** 'zk' (default when the model has a verifier) or 'attested'. */
  mode?: InferenceMode | undefined
  /** Operator signatures an attested request needs (default 1; 0 for zk). */
  quorum?: number | undefined
  /** Contract whose onInferenceResult receives the final output. */
  callback?: Address | undefined
  /** Gas for the callback (default 200,000 when a callback is set). */
  callbackGasLimit?: number | undefined
  /**
   * Wei per callback gas paid to whoever delivers the result (default: the network's current gas
   * price). The payment includes callbackGasLimit times this; what the callback does not use is
   * credited back to the requester's oracle balance.
   */
  callbackGasPrice?: bigint | undefined
  /**
   * Attested mode: stake each signer locks until the result is final, in wei (default and minimum:
   * the fee). A lie then costs each signer at least this much; operators with less free stake cannot sign.
   */
  valueAtRisk?: bigint | undefined
  /**
   * Who is credited the request's refunds at the oracle (an expired payment, unused callback gas,
   * the fee of an overturned attestation); default: the sender.
   */
  payer?: Address | undefined
  /** Unix time (seconds) after which the request can be refunded; default: now + `ttl`. */
  deadline?: bigint | undefined
  /** Seconds from the latest block to the deadline when no deadline is given (default 3600). */
  ttl?: number | undefined
  /** Payment in wei for the result (default: the model's fee); the callback prepayment is added to it. */
  value?: bigint | undefined
  /** Sender; default: the wallet client's account. */
  account?: Account | Address | undefined
} & (
  | { /** Packed input words (encodeInput). */ inputWords: readonly bigint[]; values?: undefined; inputCommitment?: undefined }
  | { /** Real-valued input; quantized and packed with the model's manifest (loaded from its metadata URI). */ values: NumberTensor; inputWords?: undefined; inputCommitment?: undefined }
  | {
      /**
       * A private-input model's request: the commitment of the input and a salt (commitInput), its
       * only input word. requestPrivateInference (`@veridict/sdk/private`) computes it.
       */
      inputCommitment: bigint
      inputWords?: undefined
      values?: undefined
    }
)

export type RequestInferenceReturnType = {
  requestId: bigint
  transactionHash: Hash
  receipt: TransactionReceipt
  inputWords: bigint[]
  mode: InferenceMode
  quorum: number
  deadline: bigint
  /** What the request pays for its result, in wei. */
  fee: bigint
  /** Prepaid for the callback's gas (callbackGasLimit * callbackGasPrice), in wei. */
  callbackPrepayment: bigint
}

/**
 * Requests a model's output on an input, paying the model's fee. Checks the model, the payment
 * and the input before sending (ModelNotFoundError, ModelNotRequestableError,
 * InsufficientFeeError, InputShapeMismatchError, InputOutOfRangeError), then waits for the
 * transaction and returns the new request id.
 *
 * @example
 * import { requestInference, waitForResult } from '@veridict/sdk'
 *
 * const { requestId } = await requestInference(veridict, { modelId, values: [5.1, 3.5, 1.4, 0.2] })
 * const result = await waitForResult(veridict, { requestId })
 */
export async function requestInference(client: VeridictClient, parameters: RequestInferenceParameters): Promise<RequestInferenceReturnType> {
  const { modelId, callback } = parameters
  const { wallet, account } = walletOf(client, 'requestInference', parameters.account)
  const model = await getModel(client, { modelId, manifest: parameters.values !== undefined })
  if (model.status !== 'active') throw new ModelNotRequestableError({ modelId, reason: 'it is deprecated (its owner may have registered a newer version)' })
  const mode = parameters.mode ?? model.modes[0]!
  if (!model.modes.includes(mode))
    throw new ModelNotRequestableError({ modelId, reason: model.privateInput ? 'its input is private, so it is served with proofs only (mode zk)' : 'it has no verifier, so it is served in attested mode only' })
  const quorum = parameters.quorum ?? (mode === 'zk' ? 0 : 1)
  const value = parameters.value ?? model.fee
  if (value < model.fee) throw new InsufficientFeeError({ paid: value, fee: model.fee })
  // A private-input model's request carries one word, the input's commitment: never its words.
  if (model.privateInput !== (parameters.inputCommitment !== undefined))
    throw new ModelNotRequestableError({
      modelId,
      reason: model.privateInput
        ? 'its input is private: requestPrivateInference (@veridict/sdk/private) sends only a commitment of it, never the input'
        : 'its circuit takes the input in public, so an input commitment cannot serve it; pass the input',
    })
  let inputWords: bigint[]
  if (parameters.inputCommitment !== undefined) inputWords = [parameters.inputCommitment]
  else {
    inputWords = parameters.values !== undefined ? encodeInput({ manifest: model.manifest!, values: parameters.values }).words : [...parameters.inputWords]
    if (inputWords.length !== model.input.words)
      throw new InputShapeMismatchError({
        expected: [model.input.words],
        received: [inputWords.length],
        reason: `The model takes ${model.input.values} values of ${model.input.bits} bits packed into ${model.input.words} words; encode the input with encodeInput.`,
      })
  }
  const callbackGasLimit = callback ? (parameters.callbackGasLimit ?? DEFAULT_CALLBACK_GAS_LIMIT) : 0
  const callbackGasPrice = callback ? (parameters.callbackGasPrice ?? (await getGasPrice(client.publicClient))) : 0n
  const callbackPrepayment = BigInt(callbackGasLimit) * callbackGasPrice
  const valueAtRisk = mode === 'zk' ? 0n : (parameters.valueAtRisk ?? 0n)
  const deadline = parameters.deadline ?? (await getBlock(client.publicClient)).timestamp + BigInt(parameters.ttl ?? DEFAULT_REQUEST_TTL)

  const receipt = await sendTransaction(client, 'requestInference', async () => {
    const { request } = await simulateContract(client.publicClient, {
      account,
      address: client.deployment.oracle,
      abi: inferenceOracleAbi,
      functionName: 'requestInference',
      args: [
        modelId,
        inputWords,
        { mode: modeValue(mode), quorum, callback: callback ?? zeroAddress, callbackGasLimit, callbackGasPrice, deadline, valueAtRisk, payer: parameters.payer ?? zeroAddress },
      ],
      value: value + callbackPrepayment,
    })
    return writeContract(wallet, { ...request, chain: wallet.chain ?? null })
  })
  const [event] = parseEventLogs({ abi: inferenceOracleAbi, logs: receipt.logs, eventName: 'InferenceRequested' })
  return {
    requestId: event!.args.requestId,
    transactionHash: receipt.transactionHash,
    receipt,
    inputWords,
    mode,
    quorum,
    deadline,
    fee: value,
    callbackPrepayment,
  }
}
