import { type Address, type Hex, recoverTypedDataAddress } from 'viem'
import { readContract } from 'viem/actions'
import { attestationBatchTypes, attestationTypes, eip712DomainName, eip712DomainVersion } from '../abi/eip712.js'
import { operatorStakingAbi } from '../abi/operatorStakingAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { hashWords } from '../encoding/hashWords.js'

export type VerifyAttestationParameters = {
  /** The request id (0 for an off-chain attestation served over HTTP). */
  requestId: bigint
  modelId: Hex
  inputWords: readonly bigint[]
  outputWords: readonly bigint[]
  /** The trace root the operators signed with the output (docs/disputes.md; the attestation's record has it). */
  traceRoot: Hex
  /**
   * 65-byte EIP-712 signatures of Attestation(requestId, modelId, inputHash, outputHash, traceRoot),
   * or of the AttestationBatch it was part of (pass `batch`).
   */
  signatures: readonly Hex[]
  /**
   * The batch the operators signed, for on-chain attestations (getResult's `fulfilment.batch`):
   * every attestation in it, in order; it must contain this one.
   */
  batch?: readonly AttestationMessage[] | undefined
  /** Distinct active operators required (default 1). */
  quorum?: number | undefined
  /** The signers the oracle recorded (AttestationSubmitted), which the recovered ones must equal. */
  expectedSigners?: readonly Address[] | undefined
  /** Check stakes as of this block (default: latest). */
  blockNumber?: bigint | undefined
}

/** One attestation as operators sign it: hashes are keccak256 of the packed words. */
export type AttestationMessage = { requestId: bigint; modelId: Hex; inputHash: Hex; outputHash: Hex; traceRoot: Hex }

export type VerifyAttestationReturnType = {
  valid: boolean
  /** Recovered signer of each signature, in order. */
  signers: Address[]
  /** Which signers are staked, unslashed operators with at least the minimum stake. */
  active: boolean[]
  /** Why it is not valid; undefined when valid. */
  reason: string | undefined
}

/**
 * Checks attestation signatures off-chain: recovers each EIP-712 signer (domain "Veridict" / "1"
 * / chain id / oracle), and checks they are distinct operators with active stake, at least
 * `quorum` of them. Works for on-chain attestations and requestId-0 HTTP attestations alike.
 *
 * @example
 * import { verifyAttestation } from '@veridict/sdk'
 *
 * const { valid, signers } = await verifyAttestation(veridict, {
 *   requestId: 0n, modelId, inputWords, outputWords, signatures, quorum: 2,
 * })
 */
export async function verifyAttestation(client: VeridictClient, parameters: VerifyAttestationParameters): Promise<VerifyAttestationReturnType> {
  const { requestId, modelId, inputWords, outputWords, traceRoot, signatures, quorum = 1, expectedSigners, blockNumber, batch } = parameters
  const message: AttestationMessage = { requestId, modelId, inputHash: hashWords(inputWords), outputHash: hashWords(outputWords), traceRoot }
  const domain = { name: eip712DomainName, version: eip712DomainVersion, chainId: client.deployment.chainId, verifyingContract: client.deployment.oracle }
  const inBatch = batch?.some(
    (item) =>
      item.requestId === message.requestId &&
      item.modelId === message.modelId &&
      item.inputHash === message.inputHash &&
      item.outputHash === message.outputHash &&
      item.traceRoot === message.traceRoot,
  )
  if (batch && !inBatch) return { valid: false, signers: [], active: [], reason: 'the signed batch does not contain this attestation' }
  const signers = await Promise.all(
    signatures.map((signature) =>
      (batch
        ? recoverTypedDataAddress({ domain, types: attestationBatchTypes, primaryType: 'AttestationBatch', message: { attestations: [...batch] }, signature })
        : recoverTypedDataAddress({ domain, types: attestationTypes, primaryType: 'Attestation', message, signature })
      ).catch(() => undefined),
    ),
  )
  const recovered = signers.filter((s): s is Address => s !== undefined)
  const active = await Promise.all(
    recovered.map((account) =>
      readContract(client.publicClient, { address: client.deployment.staking, abi: operatorStakingAbi, functionName: 'isActive', args: [account], blockNumber }),
    ),
  )
  const fail = (reason: string) => ({ valid: false, signers: recovered, active, reason })
  const unreadable = signers.indexOf(undefined)
  if (unreadable !== -1) return fail(`signature ${unreadable} cannot be recovered`)
  if (new Set(recovered.map((s) => s.toLowerCase())).size !== recovered.length) return fail('an operator signed twice')
  const inactive = active.indexOf(false)
  if (inactive !== -1) return fail(`signer ${recovered[inactive]} is not an active operator`)
  if (recovered.length < quorum) return fail(`${recovered.length} signatures, quorum is ${quorum}`)
  if (expectedSigners) {
    const expected = new Set(expectedSigners.map((s) => s.toLowerCase()))
    if (expected.size !== recovered.length || recovered.some((s) => !expected.has(s.toLowerCase())))
      return fail(`the signatures recover [${recovered.join(', ')}], the oracle recorded [${expectedSigners.join(', ')}]`)
  }
  return { valid: true, signers: recovered, active, reason: undefined }
}
