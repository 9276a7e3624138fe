import type { Address, PublicClient } from 'viem'
import { inferenceOracleAbi, operatorStakingAbi } from '@veridict/sdk'

export type ReadOperatorStateParameters = {
  oracle: Address
  /** OperatorStaking (the oracle's STAKING()); read from the oracle when not given. */
  staking?: Address | undefined
  operator: Address
}

/** An operator as the chain sees it: what it can pay, what backs its signatures, what it earned. */
export type OperatorState = {
  operator: Address
  staking: Address
  /** ETH the key holds to pay gas. */
  balance: bigint
  /** Registered in OperatorStaking (slashed or not). */
  registered: boolean
  /** Its signatures count now: registered, never slashed, stake at least MIN_STAKE. */
  active: boolean
  slashed: boolean
  stake: bigint
  /** Part of the stake backing attestations not yet final. */
  locked: bigint
  unbonding: bigint
  /** Unix seconds when `unbonding` can be withdrawn (0: nothing unbonding). */
  unbondingEnd: bigint
  /** Attestation fees earned, withdrawable from OperatorStaking (`veridict operator withdraw --rewards`). */
  rewards: bigint
  /** Proof fees, refunds and slashing rewards, withdrawable from the oracle (its balanceOf). */
  oracleBalance: bigint
  minStake: bigint
  /** The network's fee per gas now (base fee plus tip, with viem's margin), to price a transaction. */
  maxFeePerGas: bigint
  blockNumber: bigint
}

/** Reads an operator's balance, registration, stake, locks and earnings in one round of calls. */
export async function readOperatorState(client: PublicClient, { oracle, staking, operator }: ReadOperatorStateParameters): Promise<OperatorState> {
  const stakingAddress = staking ?? (await client.readContract({ address: oracle, abi: inferenceOracleAbi, functionName: 'STAKING' }))
  const [blockNumber, balance, record, active, minStake, oracleBalance, fees] = await Promise.all([
    client.getBlockNumber({ cacheTime: 0 }),
    client.getBalance({ address: operator }),
    client.readContract({ address: stakingAddress, abi: operatorStakingAbi, functionName: 'getOperator', args: [operator] }),
    client.readContract({ address: stakingAddress, abi: operatorStakingAbi, functionName: 'isActive', args: [operator] }),
    client.readContract({ address: stakingAddress, abi: operatorStakingAbi, functionName: 'MIN_STAKE' }),
    client.readContract({ address: oracle, abi: inferenceOracleAbi, functionName: 'balanceOf', args: [operator] }),
    client.estimateFeesPerGas(),
  ])
  return {
    operator,
    staking: stakingAddress,
    balance,
    registered: record.account.toLowerCase() === operator.toLowerCase(),
    active,
    slashed: record.slashed,
    stake: record.stake,
    locked: record.locked,
    unbonding: record.unbonding,
    unbondingEnd: BigInt(record.unbondingEnd),
    rewards: record.rewards,
    oracleBalance,
    minStake,
    maxFeePerGas: fees.maxFeePerGas,
    blockNumber,
  }
}
