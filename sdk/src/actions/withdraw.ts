import { type Account, type Address, type Hash, parseEventLogs, type TransactionReceipt } from 'viem'
import { simulateContract, writeContract } from 'viem/actions'
import { inferenceOracleAbi } from '../abi/inferenceOracleAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { sendTransaction, walletOf } from '../utils/sendTransaction.js'

export type WithdrawParameters = {
  /** Receives the ETH; default: the sender. */
  to?: Address | undefined
  account?: Account | Address | undefined
}

export type WithdrawReturnType = { transactionHash: Hash; receipt: TransactionReceipt; amount: bigint }

/**
 * Withdraws the sender's whole oracle balance: fees earned by proofs, refunds, slashing rewards.
 *
 * @example
 * import { withdraw } from '@veridict/sdk'
 *
 * const { amount } = await withdraw(veridict)
 */
export async function withdraw(client: VeridictClient, parameters: WithdrawParameters = {}): Promise<WithdrawReturnType> {
  const { wallet, account } = walletOf(client, 'withdraw', parameters.account)
  const from = typeof account === 'string' ? account : account.address
  const receipt = await sendTransaction(client, 'withdraw', async () => {
    const { request } = await simulateContract(client.publicClient, {
      account,
      address: client.deployment.oracle,
      abi: inferenceOracleAbi,
      functionName: 'withdraw',
      args: [parameters.to ?? from],
    })
    return writeContract(wallet, { ...request, chain: wallet.chain ?? null })
  })
  const [event] = parseEventLogs({ abi: inferenceOracleAbi, logs: receipt.logs, eventName: 'Withdrawn' })
  return { transactionHash: receipt.transactionHash, receipt, amount: event?.args.amount ?? 0n }
}
