import type { Account, Address, Chain, Client, Transport } from 'viem'
import { ChainMismatchError } from '../errors/client.js'
import type { VeridictDeployment, VeridictManifest } from '../types.js'
import type { GetVerificationKeyReturnType } from '../actions/getVerificationKey.js'
import { loadManifestFromUri } from '../manifest/loadManifestFromUri.js'

/** A viem client used for reads (a PublicClient, or any client with a transport). */
export type VeridictPublicClient = Client<Transport, Chain | undefined>

/** A viem client that sends transactions (a WalletClient with an account). */
export type VeridictWalletClient = Client<Transport, Chain | undefined, Account | undefined>

export type CreateVeridictClientParameters = {
  /** Reads: contract calls, logs, receipts. */
  publicClient: VeridictPublicClient
  /** Sends transactions (requestInference, refundExpired, disputeWithProof, fulfillWithProof). */
  walletClient?: VeridictWalletClient | undefined
  /**
   * The contracts: `{ chainId, oracle, registry, staking, fromBlock? }`, or the JSON that
   * `oracle/src/deploy/deploy.ts` writes (`{ chainId, deploymentBlock, contracts: {...} }`).
   */
  deployment: VeridictDeployment | DeploymentJson
  /** Reads a model's manifest from its metadata URI; the default handles http(s), ipfs (through `ipfsGateway`) and data: URIs. */
  loadManifest?: ((uri: string) => Promise<unknown>) | undefined
  /** Gateway for ipfs:// metadata URIs (default https://ipfs.io/ipfs/). */
  ipfsGateway?: string | undefined
  /** How often waitForResult and watchResults poll, in ms (default: the public client's pollingInterval). */
  pollingInterval?: number | undefined
}

/** The deployment file written by oracle/src/deploy/deploy.ts (bigints may be decimal strings). */
export type DeploymentJson = {
  chainId: number
  deploymentBlock?: bigint | string | number | undefined
  contracts: { inferenceOracle: Address; modelRegistry: Address; operatorStaking: Address; traceDisputes?: Address | undefined }
}

/** What every action takes as its first argument. */
export type VeridictClient = {
  publicClient: VeridictPublicClient
  walletClient: VeridictWalletClient | undefined
  deployment: VeridictDeployment
  pollingInterval: number
  loadManifest: (uri: string) => Promise<unknown>
  /** Manifests already loaded and checked, by model id. */
  manifests: Map<string, VeridictManifest>
  /** Verification keys already read from the registry, by lower-case model id (they never change). */
  verificationKeys: Map<string, GetVerificationKeyReturnType>
}

/**
 * Creates the client every Veridict action takes: viem's public client (and optionally a wallet
 * client) plus the addresses of the oracle, registry and staking contracts. Works in Node and in
 * browsers; it holds no connection of its own.
 *
 * @example
 * import { createPublicClient, createWalletClient, http } from 'viem'
 * import { privateKeyToAccount } from 'viem/accounts'
 * import { foundry } from 'viem/chains'
 * import { createVeridictClient } from '@veridict/sdk'
 *
 * const veridict = createVeridictClient({
 *   publicClient: createPublicClient({ chain: foundry, transport: http() }),
 *   walletClient: createWalletClient({ chain: foundry, transport: http(), account: privateKeyToAccount(key) }),
 *   deployment: { chainId: 31337, oracle: '0x…', registry: '0x…', staking: '0x…' },
 * })
 */
export function createVeridictClient(parameters: CreateVeridictClientParameters): VeridictClient {
  const deployment = normalizeDeployment(parameters.deployment)
  for (const client of [parameters.publicClient, parameters.walletClient]) {
    const chainId = client?.chain?.id
    if (chainId !== undefined && chainId !== deployment.chainId) throw new ChainMismatchError({ expected: deployment.chainId, received: chainId })
  }
  const ipfsGateway = parameters.ipfsGateway ?? 'https://ipfs.io/ipfs/'
  return {
    publicClient: parameters.publicClient,
    walletClient: parameters.walletClient,
    deployment,
    pollingInterval: parameters.pollingInterval ?? parameters.publicClient.pollingInterval,
    loadManifest: parameters.loadManifest ?? ((uri) => loadManifestFromUri(uri, { ipfsGateway })),
    manifests: new Map(),
    verificationKeys: new Map(),
  }
}

function normalizeDeployment(deployment: VeridictDeployment | DeploymentJson): VeridictDeployment {
  if ('oracle' in deployment) return deployment
  const { contracts, chainId, deploymentBlock } = deployment
  return {
    chainId,
    oracle: contracts.inferenceOracle,
    registry: contracts.modelRegistry,
    staking: contracts.operatorStaking,
    traceDisputes: contracts.traceDisputes,
    fromBlock: deploymentBlock === undefined ? undefined : BigInt(deploymentBlock),
  }
}
