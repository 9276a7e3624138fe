import type { Account, Address, Chain, PublicClient, WalletClient } from 'viem'
import { operatorStakingAbi } from '@veridict/sdk'
import { TransactionError } from '../errors/node.js'

export type OperatorActionParameters = {
  publicClient: PublicClient
  walletClient: WalletClient
  account: Account
  chain: Chain
  staking: Address
}

export type OperatorAction =
  | { action: 'register'; stake: bigint }
  | { action: 'stake'; amount: bigint }
  | { action: 'unstake'; amount: bigint }
  | { action: 'withdraw'; what: 'stake' | 'rewards' }

/** The operator's staking calls: register with a first stake, add stake, start unbonding, withdraw stake or rewards. */
export async function runOperatorAction(p: OperatorActionParameters, a: OperatorAction) {
  const base = { address: p.staking, abi: operatorStakingAbi, account: p.account, chain: p.chain } as const
  const hash =
    a.action === 'register'
      ? await p.walletClient.writeContract({ ...base, functionName: 'register', value: a.stake })
      : a.action === 'stake'
        ? await p.walletClient.writeContract({ ...base, functionName: 'addStake', value: a.amount })
        : a.action === 'unstake'
          ? await p.walletClient.writeContract({ ...base, functionName: 'requestUnstake', args: [a.amount] })
          : await p.walletClient.writeContract({ ...base, functionName: a.what === 'stake' ? 'withdrawStake' : 'withdrawRewards' })
  const receipt = await p.publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new TransactionError({ action: `operator ${a.action}`, reason: `transaction ${hash} reverted` })
  const operator = await p.publicClient.readContract({ address: p.staking, abi: operatorStakingAbi, functionName: 'getOperator', args: [p.account.address] })
  return { hash, operator }
}
