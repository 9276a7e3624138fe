/**
 * Deploys ModelRegistry, OperatorStaking and InferenceOracle to any RPC and writes their addresses,
 * the chain id and the deployment block to a JSON file that the node and the SDK read.
 *
 *   npm run deploy -- --rpc-url URL --keystore FILE --out deployments/NAME.json
 *   npm run deploy:local   (anvil on port 8545)
 *
 * The deployer key is an encrypted keystore (--keystore), else VERIDICT_DEPLOYER_KEY; only on anvil
 * (chain 31337) anvil's first default account. `--help` lists the parameters. OperatorStaking
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
  formatEther,
  formatGwei,
  getContractAddress,
  http,
  parseEther,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

import { BaseError } from '@veridict/sdk'
import { loadOperatorKey, parsePrivateKey } from '../config/keystore.js'
import { startAnvil } from '../devnet/anvil.js'
import { readArtifacts } from './artifacts.js'

/** anvil's first default account: the deployer when no key is given. */
/** The most moves a trace game takes (TraceDisputes: 7 + 7 bisection rounds, the header, the one step). */
export const TRACE_GAME_MAX_MOVES = 16n

/** anvil's chain id: the only chain the deploy command sends from anvil's default account on. */
export const ANVIL_CHAIN_ID = 31337

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
  /** Called with each deployment transaction once mined (what `--dry-run` prices). */
  onTransaction?: ((transaction: { contract: string; hash: Hex; gasUsed: bigint }) => void) | undefined
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
  const mined = async (contract: string, hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    parameters.onTransaction?.({ contract, hash, gasUsed: receipt.gasUsed })
    return receipt
  }
  const registryReceipt = await mined('ModelRegistry', registryHash)
  const stakingReceipt = await mined('OperatorStaking', stakingHash)
  const modelRegistry = contractAddressOf('ModelRegistry', registryReceipt)
  const operatorStaking = contractAddressOf('OperatorStaking', stakingReceipt)
  const disputesHash = await walletClient.deployContract({
    abi: artifacts.disputes.abi,
    bytecode: artifacts.disputes.bytecode,
    args: [predictedOracle, modelRegistry, traceBond, traceMovePeriod],
    chain: null,
    nonce: nonce + 2,
  })
  const traceDisputes = contractAddressOf('TraceDisputes', await mined('TraceDisputes', disputesHash))
  const oracleHash = await walletClient.deployContract({
    abi: artifacts.oracle.abi,
    bytecode: artifacts.oracle.bytecode,
    args: [modelRegistry, operatorStaking, traceDisputes, treasury, challengeWindow, roundBlocks, maxBounty],
    chain: null,
    nonce: nonce + 3,
  })
  const inferenceOracle = contractAddressOf('InferenceOracle', await mined('InferenceOracle', oracleHash))
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

const USAGE = `Deploys Veridict (ModelRegistry, OperatorStaking, TraceDisputes, InferenceOracle) and writes the
deployment JSON that nodes (deployment) and the SDK (createVeridictClient) read.

  npm run deploy -- --rpc-url URL [--keystore FILE] [--out FILE] [--dry-run] [parameters]
  npm run deploy:local [-- --rpc-url http://127.0.0.1:PORT]   (a local anvil; default port 8545)

The deployer key: --keystore FILE (an encrypted JSON keystore, as \`cast wallet import\` or geth write;
its password in VERIDICT_KEYSTORE_PASSWORD), else VERIDICT_DEPLOYER_KEY (hex). Only on a local anvil
(chain id 31337) does it fall back to anvil's first default account.

  --rpc-url URL              the chain's JSON-RPC endpoint (default http://127.0.0.1:8545)
  --out FILE                 where to write the deployment JSON (default deployments/local.json)
  --keystore FILE            encrypted keystore of the deployer
  --dry-run                  deploy to a fork of the chain (a local anvil --fork-url) instead: prints
                             the addresses, the gas and its cost at today's fees and whether the
                             deployer can pay; sends nothing to the chain and writes no file
  --min-stake WEI            minimum operator stake (default 1 ETH)
  --unbonding-period S       seconds an unstake takes (default 7 days)
  --challenge-window S       seconds an attested result can be disputed (default 1 day)
  --round-blocks N           blocks per committee round, 1..256 (default 10)
  --max-bounty WEI           the most one slash pays a disputer, reporter or requester (default 0.1 ETH)
  --treasury ADDRESS         receives the treasury share of slashed stake (default: the deployer)
  --trace-bond WEI           what a trace challenger sends, forfeited if it loses (default 0.1 ETH)
  --trace-move-period S      seconds per move of a trace game (default: up to an hour)
  --help                     this text`

/** Which key deploys: the keystore, else VERIDICT_DEPLOYER_KEY, else (anvil only) anvil's first account. */
function deployerKey(keystore: string | undefined, env: NodeJS.ProcessEnv, chainId: number): { key: Hex; source: string } {
  if (keystore !== undefined) {
    const password = env.VERIDICT_KEYSTORE_PASSWORD
    if (password === undefined) throw new DeploymentError(`--keystore ${keystore} needs its password in VERIDICT_KEYSTORE_PASSWORD.`)
    return { key: loadOperatorKey({ VERIDICT_KEYSTORE_PASSWORD: password }, { path: keystore, passwordEnv: 'VERIDICT_KEYSTORE_PASSWORD' }, 'deployer'), source: `keystore ${keystore}` }
  }
  const raw = env.VERIDICT_DEPLOYER_KEY
  if (raw !== undefined && raw !== '') return { key: parsePrivateKey('VERIDICT_DEPLOYER_KEY', raw, 'deployer'), source: 'VERIDICT_DEPLOYER_KEY' }
  if (chainId !== ANVIL_CHAIN_ID) {
    throw new DeploymentError(`No deployer key for chain ${chainId}.`, {
      details: 'Pass --keystore FILE (password in VERIDICT_KEYSTORE_PASSWORD) or set VERIDICT_DEPLOYER_KEY. Only a local anvil (chain 31337) deploys with its default account.',
    })
  }
  return { key: ANVIL_DEFAULT_KEY, source: "anvil's first default account (local chain)" }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'rpc-url': { type: 'string', default: 'http://127.0.0.1:8545' },
      out: { type: 'string', default: 'deployments/local.json' },
      keystore: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'min-stake': { type: 'string' },
      'unbonding-period': { type: 'string' },
      'challenge-window': { type: 'string' },
      'round-blocks': { type: 'string' },
      'max-bounty': { type: 'string' },
      treasury: { type: 'string' },
      'trace-bond': { type: 'string' },
      'trace-move-period': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const integer = (name: keyof typeof values): bigint | undefined => {
    const value = values[name]
    if (value === undefined || typeof value !== 'string') return undefined
    if (!/^\d+$/.test(value)) throw new DeploymentError(`--${name} ${value} is not a whole number.`, { details: 'Amounts are in wei and periods in seconds, as plain digits.' })
    return BigInt(value)
  }
  const chainId = await createPublicClient({ transport: http(values['rpc-url']) })
    .getChainId()
    .catch((cause: unknown) => {
      throw new DeploymentError(`No chain answers at ${values['rpc-url']}.`, { details: 'Check --rpc-url.', cause })
    })
  const { key, source } = deployerKey(values.keystore, process.env, chainId)
  const deployer = privateKeyToAccount(key).address
  const dryRun = values['dry-run']
  // A dry run deploys for real, to a local fork of the chain: the same nonces, addresses, code and gas.
  const fork = dryRun ? await startAnvil({ chainId, args: ['--fork-url', values['rpc-url']] }) : undefined
  const transactions: { contract: string; gasUsed: bigint }[] = []
  console.log(`${dryRun ? 'Dry run: deploying to a local fork of' : 'Deploying to'} chain ${chainId} from ${deployer} (${source})...`)
  const deployed = deployVeridict({
    rpcUrl: fork?.rpcUrl ?? values['rpc-url'],
    privateKey: key,
    minStake: integer('min-stake'),
    unbondingPeriod: integer('unbonding-period'),
    challengeWindow: integer('challenge-window'),
    roundBlocks: integer('round-blocks'),
    maxBounty: integer('max-bounty'),
    treasury: values.treasury as Address | undefined,
    traceBond: integer('trace-bond'),
    traceMovePeriod: integer('trace-move-period'),
    out: dryRun ? undefined : values.out,
    onTransaction: (t) => transactions.push(t),
  })
  const deployment = await deployed.finally(() => fork?.stop())
  console.log(`Veridict ${dryRun ? 'would be deployed' : 'deployed'} on chain ${deployment.chainId}${dryRun ? '' : ` at block ${deployment.deploymentBlock}`}:`)
  for (const [name, address] of Object.entries(deployment.contracts)) console.log(`  ${name}: ${address}`)
  if (!dryRun) {
    console.log(`written to ${values.out}`)
    return
  }
  const client = createPublicClient({ transport: http(values['rpc-url']) })
  const [fees, balance] = await Promise.all([client.estimateFeesPerGas(), client.getBalance({ address: deployer })])
  const gas = transactions.reduce((sum, t) => sum + t.gasUsed, 0n)
  const cost = gas * fees.maxFeePerGas
  console.log('Gas:')
  for (const t of transactions) console.log(`  ${t.contract}: ${t.gasUsed}`)
  console.log(`${gas} gas in ${transactions.length} transactions: at most ${formatEther(cost)} ETH at today's fee cap of ${formatGwei(fees.maxFeePerGas)} gwei per gas.`)
  console.log(`The deployer holds ${formatEther(balance)} ETH. Nothing was sent and no file written.`)
  if (balance < cost) throw new DeploymentError(`The deployer ${deployer} holds ${formatEther(balance)} ETH, less than the ${formatEther(cost)} ETH the deployment may cost.`, { details: 'Fund the deployer key before deploying.' })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error instanceof BaseError ? error.message : error)
    process.exit(1)
  })
}
