import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { getAddress, type Address, type Hex } from 'viem'
import type { z } from 'zod'
import { ConfigError } from '../errors/config.js'
import { parseEncryptionKey } from './encryptionKey.js'
import { loadOperatorKey } from './keystore.js'
import { nodeConfigSchema, type NodeConfig } from './schema.js'

export type LoadConfigParameters = {
  /** Path of a JSON config file (relative paths inside it are resolved against its folder). */
  file?: string | undefined
  /** Environment (VERIDICT_* variables); defaults to process.env. */
  env?: NodeJS.ProcessEnv | undefined
  /** Values from command-line flags; they win over the environment, which wins over the file. */
  flags?: Record<string, unknown> | undefined
}

export type ResolvedConfig = Omit<NodeConfig, 'oracle' | 'startBlock' | 'peerHttpPort' | 'encryptionKey'> & {
  /** httpPort + 1 unless set (0 stays 0: a free port). */
  peerHttpPort: number
  oracle: Address
  /** The ModelRegistry, when the deployment file names it (else the node reads it from the oracle). */
  registry: Address | undefined
  startBlock: bigint
}

export type LoadConfigReturnType = {
  config: ResolvedConfig
  /** Kept apart from `config` so that logging the config never prints it. */
  operatorKey: Hex
  /** The configured encryption secret key (undefined: the node derives one from the operator key); kept apart from `config` too. */
  encryptionKey: bigint | undefined
}

const listKeys = new Set(['modes', 'peers', 'rpcFallbackUrls', 'apiKeys'])
const booleanKeys = new Set(['watchtower', 'finalize'])

/** The variable a key is read from: rpcUrl -> VERIDICT_RPC_URL, logMaxMiB -> VERIDICT_LOG_MAX_MIB (the unit is one word). */
const envNameOf = (key: string): string => `VERIDICT_${key.replace(/MiB/g, 'Mib').replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`

/** The VERIDICT_* variables, for every key of the schema. */
function envToConfig(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(nodeConfigSchema.shape)) {
    const name = envNameOf(key)
    const value = env[name]
    if (value === undefined || value === '') continue
    if (listKeys.has(key)) out[key] = value.split(',').map((s) => s.trim()).filter(Boolean)
    else if (booleanKeys.has(key)) out[key] = value === 'true' || value === '1'
    else if (key === 'keystore') out[key] = { path: value }
    else out[key] = value
  }
  return out
}

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
}

/** Loads, merges and validates the node's configuration and its operator key. */
export function loadConfig({ file, env = process.env, flags = {} }: LoadConfigParameters = {}): LoadConfigReturnType {
  let fromFile: Record<string, unknown> = {}
  const base = file ? dirname(resolve(file)) : process.cwd()
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    } catch (cause) {
      throw new ConfigError({ source: file, problems: [`the file cannot be read as JSON: ${(cause as Error).message}`] })
    }
  }
  const merged = { ...fromFile, ...envToConfig(env), ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) }
  const parsed = nodeConfigSchema.safeParse(merged)
  if (!parsed.success) throw new ConfigError({ source: file ?? 'environment and flags', problems: formatIssues(parsed.error) })
  const { encryptionKey, ...config } = parsed.data
  const path = (p: string) => (isAbsolute(p) ? p : resolve(base, p))

  let oracle = config.oracle
  let registry: string | undefined
  let startBlock = config.startBlock === undefined ? undefined : BigInt(config.startBlock)
  if (config.deployment) {
    let deployment: { chainId?: number; deploymentBlock?: string | number; contracts?: { inferenceOracle?: string; modelRegistry?: string } }
    try {
      deployment = JSON.parse(readFileSync(path(config.deployment), 'utf8')) as typeof deployment
    } catch (cause) {
      throw new ConfigError({ source: file ?? 'environment and flags', problems: [`deployment: ${path(config.deployment)} cannot be read as JSON: ${(cause as Error).message}`] })
    }
    const problems: string[] = []
    if (deployment.chainId !== undefined && deployment.chainId !== config.chainId) problems.push(`deployment: it is for chain ${deployment.chainId}, but chainId is ${config.chainId}`)
    if (!deployment.contracts?.inferenceOracle) problems.push('deployment: it has no contracts.inferenceOracle address')
    if (problems.length) throw new ConfigError({ source: path(config.deployment), problems })
    // A deployment's registry belongs to its oracle: not taken when `oracle` names another one.
    if (oracle === undefined || getAddress(oracle) === getAddress(deployment.contracts!.inferenceOracle!)) registry = deployment.contracts!.modelRegistry
    oracle ??= deployment.contracts!.inferenceOracle
    startBlock ??= deployment.deploymentBlock === undefined ? undefined : BigInt(deployment.deploymentBlock)
  }
  const keystore = config.keystore ? { ...config.keystore, path: path(config.keystore.path) } : undefined
  const operatorKey = loadOperatorKey(env, keystore)
  return {
    config: {
      ...config,
      keystore,
      modelsDir: path(config.modelsDir),
      dataDir: path(config.dataDir),
      deployment: config.deployment ? path(config.deployment) : undefined,
      logFile: config.logFile === undefined ? undefined : path(config.logFile),
      oracle: getAddress(oracle!),
      registry: registry === undefined ? undefined : getAddress(registry),
      startBlock: startBlock ?? 0n,
      peerHttpPort: config.peerHttpPort ?? (config.httpPort === 0 ? 0 : config.httpPort + 1),
    },
    operatorKey,
    encryptionKey: encryptionKey === undefined ? undefined : parseEncryptionKey(encryptionKey),
  }
}
