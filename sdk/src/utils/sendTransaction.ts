import type { Account, Address, Hash, TransactionReceipt } from 'viem'
import { waitForTransactionReceipt } from 'viem/actions'
import type { VeridictClient, VeridictWalletClient } from '../client/createVeridictClient.js'
import { AccountNotFoundError, ContractCallError } from '../errors/client.js'
import { toVeridictError } from './contractError.js'

/** The wallet client and account a write action sends from. */
export function walletOf(client: VeridictClient, action: string, account?: Account | Address | undefined): { wallet: VeridictWalletClient; account: Account | Address } {
  const wallet = client.walletClient
  const from = account ?? wallet?.account
  if (!wallet || !from) throw new AccountNotFoundError({ action })
  return { wallet, account: from }
}

/**
 * Runs `send` (a simulation then the transaction, so reverts are decoded before anything is
 * sent), waits for the receipt and maps every failure to the SDK's typed errors.
 */
export async function sendTransaction(client: VeridictClient, action: string, send: () => Promise<Hash>): Promise<TransactionReceipt> {
  let receipt: TransactionReceipt
  try {
    const hash = await send()
    receipt = await waitForTransactionReceipt(client.publicClient, { hash, pollingInterval: client.pollingInterval })
  } catch (error) {
    throw toVeridictError(error, action)
  }
  if (receipt.status !== 'success') throw new ContractCallError({ functionName: action, reason: `transaction ${receipt.transactionHash} reverted` })
  return receipt
}
