import { formatEther, formatGwei } from 'viem'
import type { Mode } from '../config/schema.js'
import type { OperatorState } from '../chain/operatorState.js'

/**
 * Gas a busy operation of the node can take (a batched attestation, a fulfilment with a proof and
 * its consumer's callback): what one transaction must be able to pay for.
 */
export const TRANSACTION_GAS = 500_000n
/** Below this many transactions' worth of ETH the node warns that the key needs topping up. */
export const LOW_BALANCE_TRANSACTIONS = 20n

export type PreflightParameters = {
  state: OperatorState
  modes: readonly Mode[]
  /** The node's maxGasPriceGwei in wei, if any: a transaction is priced at the lower of it and the network's fee. */
  maxFeePerGas?: bigint | undefined
  /** Local models and whether a registration names them. */
  models: readonly { name: string; registered: boolean }[]
}

export type PreflightReturnType = {
  /** What stops the node from serving at all: it refuses to start. */
  problems: string[]
  /** What will hurt it (a low balance, unregistered models): it starts and says so. */
  warnings: string[]
}

/**
 * The startup checks of a node, on its operator as the chain sees it. Each finding says what is
 * wrong, with the values, and the command that fixes it.
 */
export function preflight({ state, modes, maxFeePerGas, models }: PreflightParameters): PreflightReturnType {
  const problems: string[] = []
  const warnings: string[] = []
  const eth = (wei: bigint) => `${formatEther(wei)} ETH`
  const gasPrice = maxFeePerGas !== undefined && maxFeePerGas < state.maxFeePerGas ? maxFeePerGas : state.maxFeePerGas
  const perTransaction = TRANSACTION_GAS * gasPrice
  const priced = `at ${formatGwei(gasPrice)} gwei a transaction of ${TRANSACTION_GAS} gas costs ${eth(perTransaction)}`
  if (state.balance < perTransaction) problems.push(`the operator key ${state.operator} holds ${eth(state.balance)}, not enough for one transaction (${priced}): send it ETH`)
  else if (state.balance < perTransaction * LOW_BALANCE_TRANSACTIONS) warnings.push(`the operator key ${state.operator} holds ${eth(state.balance)}, enough for fewer than ${LOW_BALANCE_TRANSACTIONS} transactions (${priced}): top it up`)

  if (modes.includes('attested')) {
    const zkOnly = modes.includes('zk') ? ', or serve ZK requests only (--modes zk)' : ''
    if (!state.registered) problems.push(`attested mode needs a registered operator: ${state.operator} is not registered in OperatorStaking ${state.staking}; run \`veridict operator register --stake <eth>\` with at least ${eth(state.minStake)}${zkOnly}`)
    else if (state.slashed) problems.push(`the operator ${state.operator} was slashed: its signatures never count again; attest with another key${zkOnly}`)
    else if (!state.active) problems.push(`the operator's stake (${eth(state.stake)}) is below MIN_STAKE (${eth(state.minStake)}), so its signatures do not count: run \`veridict operator stake --amount ${formatEther(state.minStake - state.stake)}\`${zkOnly}`)
    else if (state.locked === state.stake) warnings.push(`all of the operator's stake (${eth(state.stake)}) is locked behind attestations not yet final: it cannot sign more until they are (\`veridict operator stake --amount <eth>\` adds stake)`)
  }
  const unregistered = models.filter((m) => !m.registered).map((m) => m.name)
  if (unregistered.length === models.length && models.length > 0) warnings.push(`no local model is registered on this chain (${unregistered.join(', ')}): no request can name them until one is (\`veridict model register --dir <folder>\`)`)
  else if (unregistered.length) warnings.push(`local models not registered on this chain: ${unregistered.join(', ')} (\`veridict model register --dir <folder>\`)`)
  return { problems, warnings }
}
