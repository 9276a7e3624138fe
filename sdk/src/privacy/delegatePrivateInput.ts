import type { Address } from 'viem'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { DelegationRefusedError } from '../errors/privacy.js'
import { encryptInputFor, type EncryptedInput } from './encryptInput.js'
import { getEncryptionKey } from './getEncryptionKey.js'
import type { PrivateInput } from './requestPrivateInference.js'

export type DelegatePrivateInputParameters = {
  requestId: bigint
  /** The words and salt requestPrivateInference returned. */
  privateInput: PrivateInput
  /** The operator to prove it: the input is encrypted to the key it published in OperatorStaking. */
  operator: Address
  /** That operator's node (its public API, e.g. https://node.example:9545). */
  nodeUrl: string
  /** Sent as `Authorization: Bearer …` to a node that asks for API keys. */
  apiKey?: string | undefined
  /**
   * How long to keep asking a node that has not seen the request yet (404: it follows the chain a
   * block or two behind), in ms; default 30,000.
   */
  timeoutMs?: number | undefined
}

export type DelegatePrivateInputReturnType = {
  requestId: bigint
  operator: Address
  /** The node's job state for the request when it took the input. */
  state: string
}

/** The body of POST /v1/private-inputs: every number a decimal string (docs/privacy.md). */
export function encryptedInputBody(requestId: bigint, encrypted: EncryptedInput) {
  return {
    requestId: String(requestId),
    encrypted: {
      ephemeralKey: { x: String(encrypted.ephemeralKey.x), y: String(encrypted.ephemeralKey.y) },
      nonce: String(encrypted.nonce),
      ciphertext: encrypted.ciphertext.map(String),
      length: encrypted.length,
    },
  }
}

/**
 * Hands a private request to one operator: encrypts its input and salt to the operator's
 * published key (Baby Jubjub ECDH + Poseidon encryption) and posts the ciphertext to its node, off
 * the chain. Only that operator can read it; its node checks the input against the request's
 * commitment, runs the model, proves and fulfils. If it does not before the deadline, ask another
 * operator or prove it yourself (proveLocally): the request is open to any proof.
 * Throws EncryptionKeyNotFoundError (no key published) or DelegationRefusedError (the node said no).
 *
 * @example
 * const { requestId, privateInput } = await requestPrivateInference(veridict, { modelId, values })
 * await delegatePrivateInput(veridict, { requestId, privateInput, operator, nodeUrl })
 */
export async function delegatePrivateInput(
  client: VeridictClient,
  { requestId, privateInput, operator, nodeUrl, apiKey, timeoutMs = 30_000 }: DelegatePrivateInputParameters,
): Promise<DelegatePrivateInputReturnType> {
  const publicKey = await getEncryptionKey(client, { operator })
  const encrypted = await encryptInputFor({ publicKey, inputWords: privateInput.inputWords, salt: privateInput.salt })
  const url = `${nodeUrl.replace(/\/+$/, '')}/v1/private-inputs`
  const body = JSON.stringify(encryptedInputBody(requestId, encrypted))
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) }
  const giveUpAt = Date.now() + timeoutMs
  // A node follows the chain a block or so behind: ask again soon, then less often.
  let retryMs = 200
  for (;;) {
    let response: Response
    try {
      response = await fetch(url, { method: 'POST', headers, body })
    } catch (cause) {
      throw new DelegationRefusedError({ nodeUrl, message: `unreachable (${(cause as Error).message})`, cause })
    }
    const reply = (await response.json().catch(() => ({}))) as { state?: string; error?: { code?: string; message?: string } }
    if (response.ok) return { requestId, operator, state: reply.state ?? 'accepted' }
    if (response.status === 404 && reply.error?.code === 'request_not_found' && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, retryMs))
      retryMs = Math.min(retryMs * 2, 2000)
      continue
    }
    throw new DelegationRefusedError({ nodeUrl, status: response.status, code: reply.error?.code, message: reply.error?.message ?? response.statusText })
  }
}
