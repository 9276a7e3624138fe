import type { Account, Address, Hash, TransactionReceipt } from 'viem'
import { simulateContract, writeContract } from 'viem/actions'
import { inferenceOracleAbi } from '../abi/inferenceOracleAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { encodeProof, type AnyProof } from '../encoding/encodeProof.js'
import { NO_ATTESTATION, readRequestState } from '../utils/requestState.js'
import { sendTransaction, walletOf } from '../utils/sendTransaction.js'

export type FulfillWithProofParameters = {
  requestId: bigint
  /** The request's input words (from getRequest or proveLocally). */
  inputWords: readonly bigint[]
  /** The proven output words. */
  outputWords: readonly bigint[]
  /**
   * Who is paid: the beneficiary the proof binds (its last public signal; proveLocally's
   * `beneficiary`). A copy of the transaction still pays it.
   */
  beneficiary: Address
  /** A snarkjs Groth16 or PLONK proof, or the proof already encoded as bytes. */
  proof: AnyProof
  account?: Account | Address | undefined
}

export type FulfillWithProofReturnType = { transactionHash: Hash; receipt: TransactionReceipt }

/**
 * Delivers a proved result for a request: anyone may send it, and the proof's beneficiary earns
 * the request's fee (withdraw it with `withdraw`). The result is final at once and the consumer
 * callback runs. An attested request takes a proof too: of the attested output, it is final at
 * once (a requester stuck behind an attestation need not wait out the window); of another output,
 * it is a dispute.
 * Throws InvalidProofError, InputHashMismatchError, RequestNotPendingError or RequestExpiredError
 * before sending when the oracle would reject the call.
 *
 * @example
 * import { fulfillWithProof } from '@veridict/sdk'
 * import { proveLocally } from '@veridict/sdk/prover'
 *
 * const proved = await proveLocally(veridict, { requestId, dir: './models/iris' })
 * await fulfillWithProof(veridict, { requestId, ...proved })
 */
export async function fulfillWithProof(client: VeridictClient, parameters: FulfillWithProofParameters): Promise<FulfillWithProofReturnType> {
  const { wallet, account } = walletOf(client, 'fulfillWithProof', parameters.account)
  const args = await proofCallArgs(client, parameters)
  const receipt = await sendTransaction(client, 'fulfillWithProof', async () => {
    const { request } = await simulateContract(client.publicClient, {
      account,
      address: client.deployment.oracle,
      abi: inferenceOracleAbi,
      functionName: 'fulfillWithProof',
      args,
    })
    return writeContract(wallet, { ...request, chain: wallet.chain ?? null })
  })
  return { transactionHash: receipt.transactionHash, receipt }
}

/**
 * The arguments fulfillWithProof and disputeWithProof take: the request as committed and its
 * pending attestation (read from the oracle's events), then the words, the beneficiary and the
 * encoded proof.
 */
export async function proofCallArgs(
  client: VeridictClient,
  parameters: Pick<FulfillWithProofParameters, 'requestId' | 'inputWords' | 'outputWords' | 'beneficiary' | 'proof'>,
) {
  const state = await readRequestState(client, parameters.requestId)
  return [
    state.commitment,
    state.attested ?? NO_ATTESTATION,
    [...parameters.inputWords],
    [...parameters.outputWords],
    parameters.beneficiary,
    encodeProof(parameters.proof),
  ] as const
}
