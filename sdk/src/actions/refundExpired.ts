import type { Account, Address, Hash, TransactionReceipt } from 'viem'
import { getBlock, simulateContract, writeContract } from 'viem/actions'
import { inferenceOracleAbi } from '../abi/inferenceOracleAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { RequestNotRefundableError } from '../errors/request.js'
import { sendTransaction, walletOf } from '../utils/sendTransaction.js'
import { getRequest } from './getRequest.js'
import { withdraw } from './withdraw.js'

export type RefundExpiredParameters = {
  requestId: bigint
  /** Also withdraw the requester's whole oracle balance (only when the sender is the requester). */
  withdraw?: boolean | undefined
  account?: Account | Address | undefined
}

export type RefundExpiredReturnType = {
  transactionHash: Hash
  receipt: TransactionReceipt
  /** The payment (fee and callback prepayment) credited back to the requester's oracle balance, in wei. */
  amount: bigint
  /** The withdrawal, when asked for. */
  withdrawal: { transactionHash: Hash; amount: bigint } | undefined
}

/**
 * Credits the payment of a request whose deadline passed without a final result back to its
 * requester (anyone may send it), and optionally withdraws it. Throws RequestNotRefundableError
 * while the deadline has not passed or when the request has a result or was refunded already.
 *
 * @example
 * import { refundExpired } from '@veridict/sdk'
 *
 * const { amount } = await refundExpired(veridict, { requestId, withdraw: true })
 */
export async function refundExpired(client: VeridictClient, parameters: RefundExpiredParameters): Promise<RefundExpiredReturnType> {
  const { requestId } = parameters
  const { wallet, account } = walletOf(client, 'refundExpired', parameters.account)
  const request = await getRequest(client, { requestId })
  if (request.status !== 'requested') throw new RequestNotRefundableError({ requestId, reason: `it is ${request.status}` })
  const now = (await getBlock(client.publicClient)).timestamp
  if (now <= request.deadline)
    throw new RequestNotRefundableError({ requestId, reason: `its deadline (timestamp ${request.deadline}) is ${request.deadline - now} s after the latest block` })
  const receipt = await sendTransaction(client, 'refund', async () => {
    const { request: call } = await simulateContract(client.publicClient, {
      account,
      address: client.deployment.oracle,
      abi: inferenceOracleAbi,
      functionName: 'refund',
      args: [request.commitment],
    })
    return writeContract(wallet, { ...call, chain: wallet.chain ?? null })
  })
  const withdrawal = parameters.withdraw ? await withdraw(client, { account }) : undefined
  const amount = request.fee + BigInt(request.callbackGasLimit) * request.callbackGasPrice
  return { transactionHash: receipt.transactionHash, receipt, amount, withdrawal }
}
