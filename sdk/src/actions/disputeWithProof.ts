import { type Account, type Address, type Hash, parseEventLogs, type TransactionReceipt } from 'viem'
import { simulateContract, writeContract } from 'viem/actions'
import { inferenceOracleAbi } from '../abi/inferenceOracleAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import type { AnyProof } from '../encoding/encodeProof.js'
import { sendTransaction, walletOf } from '../utils/sendTransaction.js'
import { proofCallArgs } from './fulfillWithProof.js'

export type DisputeWithProofParameters = {
  requestId: bigint
  inputWords: readonly bigint[]
  /** The proven output words, which must differ from the attested ones. */
  outputWords: readonly bigint[]
  /**
   * Who is paid the bounty: the beneficiary the proof binds (its last public signal;
   * proveLocally's `beneficiary`). A copy of the transaction still pays it.
   */
  beneficiary: Address
  proof: AnyProof
  account?: Account | Address | undefined
}

export type DisputeWithProofReturnType = {
  transactionHash: Hash
  receipt: TransactionReceipt
  /** Stake taken from the attestation's signers, in wei (split between the beneficiary, the requester and the treasury). */
  slashed: bigint
}

/**
 * Overturns an attested result during its challenge window with a proof of a different output:
 * every signer is slashed, the proven output becomes final, the requester is refunded and the
 * proof's beneficiary rewarded (at most the oracle's MAX_BOUNTY). Throws NotDisputableError when the request is not attested, the window has
 * closed or the output is the attested one, InvalidProofError for a rejected proof.
 *
 * @example
 * import { disputeWithProof } from '@veridict/sdk'
 * import { proveLocally } from '@veridict/sdk/prover'
 *
 * const proved = await proveLocally(veridict, { requestId, dir: './models/iris' })
 * const { slashed } = await disputeWithProof(veridict, { requestId, ...proved })
 */
export async function disputeWithProof(client: VeridictClient, parameters: DisputeWithProofParameters): Promise<DisputeWithProofReturnType> {
  const { wallet, account } = walletOf(client, 'disputeWithProof', parameters.account)
  const args = await proofCallArgs(client, parameters)
  const receipt = await sendTransaction(client, 'disputeWithProof', async () => {
    const { request } = await simulateContract(client.publicClient, {
      account,
      address: client.deployment.oracle,
      abi: inferenceOracleAbi,
      functionName: 'disputeWithProof',
      args,
    })
    return writeContract(wallet, { ...request, chain: wallet.chain ?? null })
  })
  const [event] = parseEventLogs({ abi: inferenceOracleAbi, logs: receipt.logs, eventName: 'AttestationDisputed' })
  return { transactionHash: receipt.transactionHash, receipt, slashed: event?.args.slashed ?? 0n }
}
