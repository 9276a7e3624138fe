/**
 * Deploys ModelRegistry, OperatorStaking and InferenceOracle to any RPC and writes their addresses,
 * the chain id and the deployment block to a JSON file that the node and the SDK read.
 *
 *   npm run deploy:local   (or: npx tsx --conditions=@veridict/source oracle/src/deploy/deploy.ts --rpc-url URL --out FILE)
 *
 * The deployer key is VERIDICT_DEPLOYER_KEY, else anvil's first default account. OperatorStaking
 * must know the oracle's address at construction, so the three contracts go out with consecutive
 * nonces and the oracle's address is computed in advance (the oracle checks it at construction).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import {
  type Address,
  type Hex,
  createPublicClient,
  createWalletClient,
  getAddress,
  getContractAddress,
  http,
  parseEther,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

import { BaseError } from '@veridict/sdk'
import { readArtifacts } from './artifacts.js'

/** anvil's first default account: the deployer when no key is given. */
/** The most moves a trace game takes (TraceDisputes: 7 + 7 bisection rounds, the header, the one step). */
export const TRACE_GAME_MAX_MOVES = 16n

export const ANVIL_DEFAULT_KEY: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

export type DeployVeridictParameters = {
  rpcUrl: string
  /** Deployer key; anvil's first default account when unset. */
  privateKey?: Hex | undefined
  /** Minimum operator stake in wei (default 1 ETH). */
  minStake?: bigint | undefined
  /** Seconds an unstake takes (default 7 days); must exceed the challenge window. */
  unbondingPeriod?: bigint | undefined
  /** Seconds an attested result can be disputed (default 1 day). */
  challengeWindow?: bigint | undefined
  /**
   * Blocks per committee round (1..256, default 10): an attested request's committee has this many
   * blocks to itself, starting two blocks after the request, before the request opens to every
   * operator (a model with a verifier) or a new committee is drawn (a model without one).
   */
  roundBlocks?: bigint | undefined
  /** The most one slash pays a disputer, reporter or requester, in wei (default 0.1 ETH: enough to pay for proving, little enough that a self-dispute recovers little). */
  maxBounty?: bigint | undefined
  /** Receives the treasury share of slashed stake (default: the deployer). */
  treasury?: Address | undefined
  /** What a trace challenger sends, in wei, forfeited if it loses (default 0.1 ETH). */
  traceBond?: bigint | undefined
  /**
   * Seconds each side of a trace game has per move (default: an hour, or less where the unbonding
   * period must still outlast the challenge window plus the longest game, 16 moves).
   */
  traceMovePeriod?: bigint | undefined
  /** Writes the deployment as JSON to this path when set. */
  out?: string | undefined
}

export type Deployment = {
  chainId: number
  deploymentBlock: bigint
  deployer: Address
  contracts: {
    modelRegistry: Address
    operatorStaking: Address
    inferenceOracle: Address
    traceDisputes: Address
  }
  parameters: {
    minStake: bigint
    unbondingPeriod: bigint
    challengeWindow: bigint
    roundBlocks: bigint
    maxBounty: bigint
    treasury: Address
    traceBond: bigint
    traceMovePeriod: bigint
  }
}

export type DeployVeridictReturnType = Deployment

/** A deployment transaction failed or put a contract somewhere unexpected. */
export class DeploymentError extends BaseError {
  override name = 'DeploymentError'
}

/** Deploys the protocol; builds the contracts with forge first if their artifacts are missing. */
export async function deployVeridict(parameters: DeployVeridictParameters): Promise<DeployVeridictReturnType> {
  const {
    rpcUrl,
    privateKey = ANVIL_DEFAULT_KEY,
    minStake = parseEther('1'),
    unbondingPeriod = 7n * 24n * 3600n,
    challengeWindow = 24n * 3600n,
    roundBlocks = 10n,
    maxBounty = parseEther('0.1'),
    out,
  } = parameters
  if (roundBlocks < 1n || roundBlocks > 256n) {
    throw new DeploymentError(`Round length ${roundBlocks} blocks is outside 1..256.`, {
      details: 'A round is drawn from a block hash the oracle must still be able to read (the last 256 blocks).',
    })
  }
  if (unbondingPeriod <= challengeWindow) {
    throw new DeploymentError(`Unbonding period ${unbondingPeriod}s is not longer than the challenge window ${challengeWindow}s.`, {
      details: 'Stake backing a pending attestation must not be able to leave before the window ends.',
    })
  }
  const traceBond = parameters.traceBond ?? parseEther('0.1')
  const longestMove = (unbondingPeriod - challengeWindow - 1n) / TRACE_GAME_MAX_MOVES
  const traceMovePeriod = parameters.traceMovePeriod ?? (longestMove < 3600n ? longestMove : 3600n)
  if (traceMovePeriod < 1n || unbondingPeriod <= challengeWindow + TRACE_GAME_MAX_MOVES * traceMovePeriod) {
    throw new DeploymentError(`A trace game move period of ${traceMovePeriod}s does not fit: unbonding (${unbondingPeriod}s) must outlast the challenge window (${challengeWindow}s) plus ${TRACE_GAME_MAX_MOVES} moves.`, {
      details: 'A signer slashed by a trace game must still have its stake when the longest game a window can start ends. Lengthen the unbonding period or shorten the move period.',
    })
  }
  const artifacts = readArtifacts({
    registry: ['ModelRegistry.sol', 'ModelRegistry'],
    staking: ['OperatorStaking.sol', 'OperatorStaking'],
    disputes: ['TraceDisputes.sol', 'TraceDisputes'],
    oracle: ['InferenceOracle.sol', 'InferenceOracle'],
  })
  const account = privateKeyToAccount(privateKey)
  const transport = http(rpcUrl)
  const publicClient = createPublicClient({ transport })
  const walletClient = createWalletClient({ account, transport })
  const chainId = await publicClient.getChainId()
  const treasury = parameters.treasury ?? account.address
  const nonce = await publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' })
  // Registry, staking and the trace games first; the last two name the oracle that comes after them.
  const predictedOracle = getContractAddress({ from: account.address, nonce: BigInt(nonce + 3) })

  const registryHash = await walletClient.deployContract({
    abi: artifacts.registry.abi,
    bytecode: artifacts.registry.bytecode,
    chain: null,
    nonce,
  })
  const stakingHash = await walletClient.deployContract({
    abi: artifacts.staking.abi,
    bytecode: artifacts.staking.bytecode,
    args: [predictedOracle, minStake, unbondingPeriod],
    chain: null,
    nonce: nonce + 1,
  })
  const registryReceipt = await publicClient.waitForTransactionReceipt({ hash: registryHash })
  const stakingReceipt = await publicClient.waitForTransactionReceipt({ hash: stakingHash })
  const modelRegistry = contractAddressOf('ModelRegistry', registryReceipt)
  const operatorStaking = contractAddressOf('OperatorStaking', stakingReceipt)
  const disputesHash = await walletClient.deployContract({
    abi: artifacts.disputes.abi,
    bytecode: artifacts.disputes.bytecode,
    args: [predictedOracle, modelRegistry, traceBond, traceMovePeriod],
    chain: null,
    nonce: nonce + 2,
  })
  const traceDisputes = contractAddressOf('TraceDisputes', await publicClient.waitForTransactionReceipt({ hash: disputesHash }))
  const oracleHash = await walletClient.deployContract({
    abi: artifacts.oracle.abi,
    bytecode: artifacts.oracle.bytecode,
    args: [modelRegistry, operatorStaking, traceDisputes, treasury, challengeWindow, roundBlocks, maxBounty],
    chain: null,
    nonce: nonce + 3,
  })
  const inferenceOracle = contractAddressOf(
    'InferenceOracle',
    await publicClient.waitForTransactionReceipt({ hash: oracleHash }),
  )
  if (inferenceOracle.toLowerCase() !== predictedOracle.toLowerCase()) {
    throw new DeploymentError(`InferenceOracle landed at ${inferenceOracle}, not at ${predictedOracle}.`, {
      details: 'Another transaction from the deployer key went out during the deployment; deploy again.',
    })
  }

  const deployment: Deployment = {
    chainId,
    deploymentBlock: registryReceipt.blockNumber,
    deployer: account.address,
    contracts: { modelRegistry, operatorStaking, inferenceOracle, traceDisputes },
    parameters: { minStake, unbondingPeriod, challengeWindow, roundBlocks, maxBounty, treasury, traceBond, traceMovePeriod },
  }
  if (out) writeDeployment(out, deployment)
  return deployment
}

/** Writes a deployment as JSON (bigints as decimal strings). */
export function writeDeployment(path: string, deployment: Deployment): void {
  mkdirSync(dirname(resolve(path)), { recursive: true })
  writeFileSync(path, `${JSON.stringify(deployment, (_, value) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`)
}

function contractAddressOf(
  name: string,
  receipt: { status: string; contractAddress?: Address | null | undefined; transactionHash: Hex },
): Address {
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new DeploymentError(`Deploying ${name} failed (transaction ${receipt.transactionHash}).`)
  }
  return getAddress(receipt.contractAddress)
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'rpc-url': { type: 'string', default: 'http://127.0.0.1:8545' },
      out: { type: 'string', default: 'deployments/local.json' },
      'min-stake': { type: 'string' },
      'unbonding-period': { type: 'string' },
      'challenge-window': { type: 'string' },
      'round-blocks': { type: 'string' },
      'max-bounty': { type: 'string' },
      treasury: { type: 'string' },
      'trace-bond': { type: 'string' },
      'trace-move-period': { type: 'string' },
    },
  })
  const deployment = await deployVeridict({
    rpcUrl: values['rpc-url'],
    privateKey: process.env.VERIDICT_DEPLOYER_KEY as Hex | undefined,
    minStake: values['min-stake'] === undefined ? undefined : BigInt(values['min-stake']),
    unbondingPeriod: values['unbonding-period'] === undefined ? undefined : BigInt(values['unbonding-period']),
    challengeWindow: values['challenge-window'] === undefined ? undefined : BigInt(values['challenge-window']),
    roundBlocks: values['round-blocks'] === undefined ? undefined : BigInt(values['round-blocks']),
    maxBounty: values['max-bounty'] === undefined ? undefined : BigInt(values['max-bounty']),
    treasury: values.treasury as Address | undefined,
    traceBond: values['trace-bond'] === undefined ? undefined : BigInt(values['trace-bond']),
    traceMovePeriod: values['trace-move-period'] === undefined ? undefined : BigInt(values['trace-move-period']),
    out: values.out,
  })
  console.log(`Veridict deployed on chain ${deployment.chainId} at block ${deployment.deploymentBlock}:`)
  for (const [name, address] of Object.entries(deployment.contracts)) console.log(`  ${name}: ${address}`)
  console.log(`written to ${values.out}`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  })
}
