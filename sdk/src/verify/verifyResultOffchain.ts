import type { Hex } from 'viem'
import * as snarkjs from 'snarkjs'
import type { VeridictResult } from '../actions/getResult.js'
import { getVerificationKey } from '../actions/getVerificationKey.js'
import { verifyAttestation } from '../actions/verifyAttestation.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { decodeGroth16Proof } from '../encoding/encodeGroth16Proof.js'
import { decodePlonkProof } from '../encoding/plonk.js'
import type { VerificationKey } from '../encoding/verificationKey.js'
import { NothingToVerifyError } from '../errors/verify.js'

export type VerifyResultOffchainParameters = {
  /** A result from getResult, waitForResult or watchResults. */
  result: Pick<VeridictResult, 'requestId' | 'modelId' | 'inputWords' | 'outputWords' | 'fulfilment' | 'request'>
  /** The model's verification key; default: the key the registry stores for the model (read from the chain). */
  vkey?: VerificationKey | undefined
}

export type VerifyResultOffchainReturnType =
  | { kind: 'proof'; valid: boolean; reason: string | undefined }
  | { kind: 'attestation'; valid: boolean; reason: string | undefined; signers: readonly Hex[] }

/**
 * Verifies a result without trusting the chain's verdict: a proved result's Groth16 or PLONK proof
 * is checked with snarkjs against the model's verification key, read from the registry (the very key
 * the model id names; no metadata needed), public signals the input words, the output words and
 * the beneficiary the result paid;
 * an attested result's signatures are recovered and checked against staked operators (as of the
 * attestation's block) and the request's quorum.
 *
 * @example
 * import { getResult } from '@veridict/sdk'
 * import { verifyResultOffchain } from '@veridict/sdk/verify'
 *
 * const result = await getResult(veridict, { requestId })
 * const { valid } = await verifyResultOffchain(veridict, { result })
 */
export async function verifyResultOffchain(client: VeridictClient, { result, vkey }: VerifyResultOffchainParameters): Promise<VerifyResultOffchainReturnType> {
  const { fulfilment } = result
  if (fulfilment.kind === 'attestation') {
    if (!fulfilment.signatures) throw new NothingToVerifyError({ requestId: result.requestId, reason: 'the attestation was submitted through another contract, so its signatures are not in the calldata' })
    const checked = await verifyAttestation(client, {
      requestId: result.requestId,
      modelId: result.modelId,
      inputWords: result.inputWords,
      outputWords: result.outputWords,
      traceRoot: fulfilment.traceRoot,
      signatures: fulfilment.signatures,
      batch: fulfilment.batch,
      quorum: result.request.quorum,
      expectedSigners: fulfilment.signers,
      blockNumber: fulfilment.blockNumber,
    })
    return { kind: 'attestation', valid: checked.valid, reason: checked.reason, signers: checked.signers }
  }
  if (!fulfilment.proof) throw new NothingToVerifyError({ requestId: result.requestId, reason: 'the proof was submitted through another contract, so it is not in the calldata' })
  const key = vkey ?? (await getVerificationKey(client, { modelId: result.modelId })).vkey
  // The proof binds its beneficiary (who was paid) as the last public signal.
  const signals = [...result.inputWords, ...result.outputWords, BigInt(fulfilment.fulfiller)].map(String)
  if (signals.length !== key.nPublic) return { kind: 'proof', valid: false, reason: `the key takes ${key.nPublic} public signals, the result has ${signals.length}` }
  let valid: boolean
  try {
    valid = await usingCurve(() =>
      key.protocol === 'plonk'
        ? snarkjs.plonk.verify(key as never, signals, decodePlonkProof(fulfilment.proof!) as never, silentLogger)
        : snarkjs.groth16.verify(key as never, signals, decodeGroth16Proof(fulfilment.proof!) as never, silentLogger),
    )
  } catch (error) {
    return { kind: 'proof', valid: false, reason: `the proof bytes are not a ${key.protocol} proof: ${(error as Error).message.split('\n')[0]}` }
  }
  return { kind: 'proof', valid, reason: valid ? undefined : 'the proof does not verify against the verification key' }
}

const silentLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

/** ffjavascript's cached BN254 curve, whose worker threads keep a process alive until terminated. */
type CurveHolder = { curve_bn128?: { terminate(): Promise<void> } | null }
let verifying = 0
let ownCurve = false

/**
 * Runs a verification, then stops the curve's worker threads once no verification is running, if a
 * verification started them: a script that verifies a result then ends by itself. A curve the
 * process already had (a prover's) is left running.
 */
async function usingCurve<T>(verify: () => Promise<T>): Promise<T> {
  const holder = globalThis as CurveHolder
  if (verifying++ === 0) ownCurve = !holder.curve_bn128
  try {
    return await verify()
  } finally {
    if (--verifying === 0 && ownCurve) await holder.curve_bn128?.terminate()
  }
}
