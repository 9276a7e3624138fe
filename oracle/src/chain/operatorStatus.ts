import { formatEther, type Address, type PublicClient } from 'viem'
import { maxFeePerGasOf, type Mode } from '../config/schema.js'
import { preflight } from '../node/preflight.js'
import { readOperatorState } from './operatorState.js'

export type OperatorStatusParameters = { oracle: Address; operator: Address; modes: readonly Mode[]; maxGasPriceGwei?: number | undefined }

/**
 * `veridict operator status`: the operator as the chain sees it, in ETH, with what the node's
 * startup checks would say for these modes (`canServe` false: the node would refuse to start).
 */
export async function operatorStatus(client: PublicClient, { oracle, operator, modes, maxGasPriceGwei }: OperatorStatusParameters) {
  const state = await readOperatorState(client, { oracle, operator })
  const checks = preflight({ state, modes, maxFeePerGas: maxFeePerGasOf(maxGasPriceGwei), models: [] })
  const eth = (wei: bigint) => formatEther(wei)
  return {
    operator,
    chainBlock: state.blockNumber.toString(),
    staking: state.staking,
    balanceEth: eth(state.balance),
    registered: state.registered,
    active: state.active,
    slashed: state.slashed,
    stakeEth: eth(state.stake),
    lockedStakeEth: eth(state.locked),
    freeStakeEth: eth(state.stake - state.locked),
    minStakeEth: eth(state.minStake),
    unbondingEth: eth(state.unbonding),
    unbondingEnd: state.unbondingEnd === 0n ? undefined : new Date(Number(state.unbondingEnd) * 1000).toISOString(),
    rewardsEth: eth(state.rewards),
    oracleBalanceEth: eth(state.oracleBalance),
    modes,
    canServe: checks.problems.length === 0,
    problems: checks.problems,
    warnings: checks.warnings,
  }
}
