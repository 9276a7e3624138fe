import { readFileSync } from 'node:fs'
import { createPublicClient, defineChain, getAddress, http, isAddress, type Address, type PublicClient } from 'viem'
import { createVeridictClient, inferenceOracleAbi, type DeploymentJson, type VeridictClient, type VeridictDeployment } from '@veridict/sdk'
import { ExplorerConnectionError, ExplorerOptionsError } from '../errors/explorer.js'
import { loadManifestFromUri } from './loadManifest.js'

export type ConnectExplorerParameters = {
  rpcUrl: string
  /** A deployment file's path or its contents (what oracle/src/deploy writes), or */
  deployment?: string | DeploymentJson | undefined
  /** only the oracle's address: the registry, staking and trace games contracts are read from it. */
  oracle?: Address | undefined
  /** Where event scans start when the deployment does not say (default 0). */
  fromBlock?: bigint | undefined
  /** Milliseconds a model's hosted manifest may take before the explorer shows the model without it. */
  manifestTimeoutMs?: number | undefined
  /** Milliseconds an RPC call may take. */
  rpcTimeoutMs?: number | undefined
}

export type ExplorerConnection = {
  rpcUrl: string
  /** The RPC's origin without path, query or credentials, for pages and API errors: a provider URL often carries an API key. */
  rpcName: string
  chainId: number
  publicClient: PublicClient
  /** The SDK client every read goes through (it caches manifests and verification keys). */
  client: VeridictClient
  deployment: Required<Pick<VeridictDeployment, 'traceDisputes' | 'fromBlock'>> & VeridictDeployment
}

/**
 * Connects to a chain and finds the Veridict contracts on it: checks that the RPC answers and that
 * the oracle has code, so a wrong URL or address fails at start with a message naming it.
 */
export async function connectExplorer(parameters: ConnectExplorerParameters): Promise<ExplorerConnection> {
  const { rpcUrl, manifestTimeoutMs = 4_000, rpcTimeoutMs = 10_000 } = parameters
  if (!/^https?:\/\//i.test(rpcUrl)) throw new ExplorerOptionsError(`The RPC URL "${rpcUrl}" is not an http(s) URL.`, { details: 'Pass --rpc-url http://host:port (anvil: http://127.0.0.1:8545).' })
  const probe = createPublicClient({ transport: http(rpcUrl, { timeout: rpcTimeoutMs, retryCount: 1 }) })
  const chainId = await probe.getChainId().catch((cause: unknown) => {
    throw new ExplorerConnectionError(`No chain answers at ${rpcUrl}.`, { details: 'Check --rpc-url: the node must be running and reachable from here.', cause })
  })
  const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } })
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl, { timeout: rpcTimeoutMs, retryCount: 1 }), pollingInterval: 1_000 })

  const known = parameters.deployment === undefined ? undefined : readDeployment(parameters.deployment)
  if (known && known.chainId !== chainId) throw new ExplorerOptionsError(`The deployment is for chain ${known.chainId}, but ${rpcUrl} is chain ${chainId}.`, { details: 'Pass the deployment file of this chain, or the RPC URL of the deployment\'s chain.' })
  const oracle = known ? getAddress(known.contracts.inferenceOracle) : parameters.oracle
  if (!oracle) throw new ExplorerOptionsError('The explorer needs the contracts: pass --deployment <file> or --oracle <address>.')
  const code = await publicClient.getCode({ address: oracle }).catch((cause: unknown) => {
    throw new ExplorerConnectionError(`The RPC at ${rpcUrl} failed to read the oracle's code.`, { cause })
  })
  if (!code || code === '0x') throw new ExplorerConnectionError(`There is no contract at ${oracle} on chain ${chainId} (${rpcUrl}).`, { details: 'Check --oracle or the deployment file: it names the InferenceOracle this chain should hold.' })

  const read = <const F extends 'REGISTRY' | 'STAKING' | 'TRACE_DISPUTES'>(functionName: F) =>
    publicClient.readContract({ address: oracle, abi: inferenceOracleAbi, functionName }).catch((cause: unknown) => {
      throw new ExplorerConnectionError(`The contract at ${oracle} on ${rpcUrl} does not answer ${functionName}(): it is not a Veridict InferenceOracle.`, { cause })
    })
  const [registry, staking, traceDisputes] = known
    ? [known.contracts.modelRegistry, known.contracts.operatorStaking, known.contracts.traceDisputes ?? (await read('TRACE_DISPUTES'))]
    : await Promise.all([read('REGISTRY'), read('STAKING'), read('TRACE_DISPUTES')])
  const fromBlock = parameters.fromBlock ?? (known?.deploymentBlock === undefined ? 0n : BigInt(known.deploymentBlock))
  const deployment = { chainId, oracle, registry: getAddress(registry), staking: getAddress(staking), traceDisputes: getAddress(traceDisputes), fromBlock }
  const client = createVeridictClient({ publicClient, deployment, loadManifest: (uri) => loadManifestFromUri(uri, manifestTimeoutMs) })
  return { rpcUrl, rpcName: new URL(rpcUrl).origin, chainId, publicClient, client, deployment }
}

/** A deployment file (path or contents), checked for the addresses the explorer needs. */
function readDeployment(deployment: string | DeploymentJson): DeploymentJson {
  if (typeof deployment !== 'string') return deployment
  let parsed: Partial<DeploymentJson>
  try {
    parsed = JSON.parse(readFileSync(deployment, 'utf8')) as Partial<DeploymentJson>
  } catch (cause) {
    throw new ExplorerOptionsError(`The deployment file ${deployment} cannot be read as JSON.`, { details: (cause as Error).message, cause })
  }
  const contracts = parsed.contracts
  const missing = (['inferenceOracle', 'modelRegistry', 'operatorStaking'] as const).filter((name) => !contracts?.[name] || !isAddress(contracts[name]))
  if (typeof parsed.chainId !== 'number' || missing.length)
    throw new ExplorerOptionsError(`The deployment file ${deployment} is not a Veridict deployment.`, {
      details: `It needs chainId and contracts.${missing.join(', contracts.') || 'inferenceOracle'} (what \`npm run deploy\` writes).`,
    })
  return parsed as DeploymentJson
}
