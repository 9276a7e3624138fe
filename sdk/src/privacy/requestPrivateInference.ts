import type { Hex } from 'viem'
import { encodeInput } from '../actions/encodeInput.js'
import { getModel } from '../actions/getModel.js'
import { requestInference, type RequestInferenceParameters, type RequestInferenceReturnType } from '../actions/requestInference.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { InputShapeMismatchError } from '../errors/input.js'
import { ModelNotRequestableError } from '../errors/model.js'
import type { NumberTensor } from '../utils/tensor.js'
import { commitInput, randomSalt } from './commitInput.js'

/** What a private request's commitment hides: keep it to prove the request or to delegate it (never published). */
export type PrivateInput = { inputWords: bigint[]; salt: bigint }

export type RequestPrivateInferenceParameters = Omit<RequestInferenceParameters, 'mode' | 'quorum' | 'valueAtRisk' | 'inputWords' | 'values' | 'inputCommitment'> & {
  modelId: Hex
  /** The commitment's salt (default: randomSalt()). Reusing one across requests links their inputs. */
  salt?: bigint | undefined
} & (
    | { /** Packed input words (encodeInput). */ inputWords: readonly bigint[]; values?: undefined }
    | { /** Real-valued input; quantized and packed with the model's manifest. */ values: NumberTensor; inputWords?: undefined }
  )

export type RequestPrivateInferenceReturnType = RequestInferenceReturnType & {
  /** The Poseidon commitment of the input and the salt: the request's only input word, and the proof's first public signal. */
  commitment: bigint
  /** The input words and the salt, which stay on this machine: proveLocally or delegatePrivateInput takes them. */
  privateInput: PrivateInput
}

/**
 * Requests a private-input model's output without the input ever reaching the chain: the input is
 * quantized and packed here, committed to with a fresh salt (Poseidon), and the request carries the
 * commitment alone (ZK mode: only a proof can show a result for an input no one else sees). Then
 * prove it yourself (proveLocally with `privateInput`) or encrypt it to an operator
 * (delegatePrivateInput). The output, the model and the timing are public; the input is not.
 *
 * @example
 * import { delegatePrivateInput, requestPrivateInference } from '@veridict/sdk/private'
 *
 * const { requestId, privateInput } = await requestPrivateInference(veridict, { modelId, values: pixels })
 * await delegatePrivateInput(veridict, { requestId, privateInput, operator, nodeUrl: 'https://node.example' })
 * const result = await waitForResult(veridict, { requestId })
 */
export async function requestPrivateInference(client: VeridictClient, parameters: RequestPrivateInferenceParameters): Promise<RequestPrivateInferenceReturnType> {
  const { salt = randomSalt(), values, inputWords: given, ...options } = parameters
  const model = await getModel(client, { modelId: parameters.modelId, manifest: values !== undefined })
  if (!model.privateInput)
    throw new ModelNotRequestableError({ modelId: model.modelId, reason: 'its circuit takes the input in public, so a commitment cannot serve it; use requestInference (the input will be on-chain)' })
  const inputWords = values !== undefined ? encodeInput({ manifest: model.manifest!, values }).words : [...given]
  if (inputWords.length !== model.input.words)
    throw new InputShapeMismatchError({
      expected: [model.input.words],
      received: [inputWords.length],
      reason: `The model takes ${model.input.values} values of ${model.input.bits} bits packed into ${model.input.words} words; encode the input with encodeInput.`,
    })
  const commitment = await commitInput({ inputWords, salt })
  const requested = await requestInference(client, { ...options, inputCommitment: commitment, mode: 'zk' })
  return { ...requested, commitment, privateInput: { inputWords, salt } }
}
