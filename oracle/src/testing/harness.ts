import { mkdtempSync } from 'node:fs'
import { cp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, createWalletClient, defineChain, http, parseEther, parseEventLogs, type Address, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { ensureCompiledModel } from '@veridict/circuits'
import { deployVeridict, type Deployment } from '../deploy/deploy.js'
import { requestOptions, inferenceOracleAbi, operatorStakingAbi, packValues } from '@veridict/sdk'
import { anvilPrivateKeys, freePort, freePortPair, startAnvil, type Anvil } from '../devnet/anvil.js'
import { registerModel, type RegisterModelReturnType } from '../chain/registerModel.js'
import type { NodeConfigInput } from '../config/schema.js'
import { loadConfig } from '../config/loadConfig.js'
import { createLogger, logDestination } from '../logger.js'
import type { NodeFaults } from '../node/faults.js'
import { startNode, type RunningNode } from '../node/startNode.js'
import { waitFor } from '../devnet/waitFor.js'

export { freePort, freePortPair, waitFor }

/** `count` nodes' public and peer ports, and their peer URLs (what each other's `peers` list). */
export async function nodePorts(count: number): Promise<{ httpPort: number; peerHttpPort: number; peerUrl: string }[]> {
  const ports: { httpPort: number; peerHttpPort: number; peerUrl: string }[] = []
  for (let i = 0; i < count; i++) {
    const [httpPort, peerHttpPort] = [await freePort(), await freePort()]
    ports.push({ httpPort, peerHttpPort, peerUrl: `http://127.0.0.1:${peerHttpPort}` })
  }
  return ports
}

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..')

/**
 * The bundled Iris model, compiled and set up once (cached in .cache/models by ensureCompiledModel),
 * copied into a fresh models folder of its own so each test's nodes serve exactly this model.
 */
export async function compileIris(modelsDir = mkdtempSync(join(tmpdir(), 'veridict-models-'))): Promise<{ modelsDir: string; dir: string; testInputs: number[][] }> {
  const testset = JSON.parse(await readFile(join(REPO_ROOT, 'circuits/models/iris.testset.json'), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
  const compiled = await ensureCompiledModel({ onnx: join(REPO_ROOT, 'circuits/models/iris.onnx'), name: 'iris', calibration: testset.calibration.inputs })
  const dir = join(modelsDir, 'iris')
  await cp(compiled.dir, dir, { recursive: true })
  return { modelsDir, dir, testInputs: testset.inputs }
}

export type TestChain = {
  anvil: Anvil
  deployment: Deployment
  client: PublicClient
  modelId: Hex
  modelsDir: string
  modelDir: string
  testInputs: number[][]
  /** Registers the model folder `dir` from anvil account `index` (fee 0.01 ETH). */
  registerModel: (dir: string, index: number, options?: { allowInsecureSetup?: boolean }) => Promise<RegisterModelReturnType>
  /** Registers anvil account `index` as an operator with 1 ETH stake. */
  /** Registers anvil account `index` as an operator with `stake` (default 1 ETH). */
  registerOperator: (index: number, stake?: bigint) => Promise<Address>
  /**
   * Sends a request from anvil account 5 (for the registered Iris unless `modelId`, with `words`
   * as its input words when given, else Iris's packing of `input`); returns its id.
   */
  request: (p: { input?: number[]; words?: bigint[]; mode: 'zk' | 'attested'; quorum?: number; deadlineSeconds?: number; modelId?: Hex }) => Promise<bigint>
  /**
   * Sends one attested request per input from anvil account 5 at once (consecutive nonces, no wait
   * between them, so with interval mining they share a block); returns their ids in order.
   */
  /** Sends the requests at once (one block when they fit); `fees` per request, 0.01 ETH each by default. */
  requestMany: (p: { inputs: number[][]; quorum: number; fees?: bigint[] }) => Promise<bigint[]>
  /** Input words as the request carries them. */
  inputWords: (input: number[]) => bigint[]
  stop: () => Promise<void>
}

/**
 * A real anvil with the protocol deployed and Iris compiled, set up and registered. Unbonding
 * defaults to 10 windows; a trace game's move period is what unbonding leaves after the window,
 * over 16 moves.
 */
export async function startTestChain({ challengeWindow = 6n, unbondingPeriod = challengeWindow * 10n, blockTime, anvilArgs }: { challengeWindow?: bigint; unbondingPeriod?: bigint; blockTime?: number; anvilArgs?: string[] } = {}): Promise<TestChain> {
  const [anvil, iris] = await Promise.all([startAnvil({ blockTime, args: anvilArgs }), compileIris()])
  const deployment = await deployVeridict({ rpcUrl: anvil.rpcUrl, challengeWindow, unbondingPeriod, roundBlocks: 4n, minStake: parseEther('1') })
  const chain = defineChain({ id: anvil.chainId, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } })
  const client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 })
  const wallet = (index: number) => createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[index]!), chain, transport: http(anvil.rpcUrl) })
  const register: TestChain['registerModel'] = (dir, index, { allowInsecureSetup = true } = {}) => {
    const w = wallet(index)
    return registerModel({ publicClient: client, walletClient: w, account: w.account, chain, registry: deployment.contracts.modelRegistry, dir, fee: parseEther('0.01'), allowInsecureSetup })
  }
  const { modelId } = await register(iris.dir, 0)
  const { loadCompiledModel } = await import('@veridict/circuits')
  const { manifest } = await loadCompiledModel(iris.dir)
  const inputWords = (input: number[]) => packValues(input.map((v) => BigInt(Math.round(v * 2 ** manifest.input.scale))), manifest.input.bits)
  return {
    anvil,
    deployment,
    client,
    modelId,
    modelsDir: iris.modelsDir,
    modelDir: iris.dir,
    testInputs: iris.testInputs,
    inputWords,
    registerModel: register,
    registerOperator: async (index, stake = parseEther('1')) => {
      const w = wallet(index)
      const hash = await w.writeContract({ address: deployment.contracts.operatorStaking, abi: operatorStakingAbi, functionName: 'register', value: stake })
      await client.waitForTransactionReceipt({ hash })
      return w.account.address
    },
    request: async ({ input = [], words, mode, quorum = mode === 'zk' ? 0 : 1, deadlineSeconds = 3600, modelId: requested = modelId }) => {
      const w = wallet(5)
      const block = await client.getBlock()
      const hash = await w.writeContract({
        address: deployment.contracts.inferenceOracle,
        abi: inferenceOracleAbi,
        functionName: 'requestInference',
        args: [
          requested,
          words ?? inputWords(input),
          requestOptions({ mode: mode === 'zk' ? 0 : 1, quorum, deadline: block.timestamp + BigInt(deadlineSeconds) }),
        ],
        value: parseEther('0.01'),
      })
      const receipt = await client.waitForTransactionReceipt({ hash })
      const [event] = parseEventLogs({ abi: inferenceOracleAbi, eventName: 'InferenceRequested', logs: receipt.logs })
      return event!.args.requestId
    },
    requestMany: async ({ inputs, quorum, fees }) => {
      const w = wallet(5)
      const [block, nonce] = await Promise.all([client.getBlock(), client.getTransactionCount({ address: w.account.address, blockTag: 'pending' })])
      const hashes = await Promise.all(
        inputs.map((input, i) =>
          w.writeContract({
            address: deployment.contracts.inferenceOracle,
            abi: inferenceOracleAbi,
            functionName: 'requestInference',
            args: [modelId, inputWords(input), requestOptions({ mode: 1, quorum, deadline: block.timestamp + 3600n })],
            value: fees?.[i] ?? parseEther('0.01'),
            nonce: nonce + i,
            gas: 400_000n,
          }),
        ),
      )
      const receipts = await Promise.all(hashes.map((hash) => client.waitForTransactionReceipt({ hash })))
      return receipts.map((receipt) => parseEventLogs({ abi: inferenceOracleAbi, eventName: 'InferenceRequested', logs: receipt.logs })[0]!.args.requestId)
    },
    stop: () => anvil.stop(),
  }
}

/** Node settings for tests: fast polling, no confirmations, a fresh data folder, the peer API on a free port unless given. */
export function nodeConfig(chain: TestChain, overrides: Partial<NodeConfigInput> & { httpPort: number }): NodeConfigInput {
  return {
    rpcUrl: chain.anvil.rpcUrl,
    chainId: chain.anvil.chainId,
    oracle: chain.deployment.contracts.inferenceOracle,
    startBlock: Number(chain.deployment.deploymentBlock),
    modelsDir: chain.modelsDir,
    dataDir: mkdtempSync(join(tmpdir(), 'veridict-node-')),
    confirmations: 0,
    pollIntervalMs: 100,
    peerHttpPort: 0,
    executionProvider: 'cpu',
    logLevel: (process.env.VERIDICT_TEST_LOG ?? 'silent') as NodeConfigInput['logLevel'],
    ...overrides,
  }
}

/** Starts a node in this process with anvil account `keyIndex` as its operator key (and `faults`, to test the defences); it logs as `veridict node start` would (`logFile`, else stderr). */
export async function startTestNode(config: NodeConfigInput, keyIndex: number, faults?: NodeFaults): Promise<RunningNode> {
  const loaded = loadConfig({ env: { VERIDICT_OPERATOR_KEY: anvilPrivateKeys[keyIndex]! }, flags: config as Record<string, unknown> })
  return startNode({ ...loaded, logger: createLogger(loaded.config.logLevel, { node: keyIndex }, logDestination(loaded.config)), faults })
}

/** The request's status on-chain (IInferenceOracle.Status). */
export async function statusOf(chain: TestChain, requestId: bigint): Promise<number> {
  const [status] = await chain.client.readContract({ address: chain.deployment.contracts.inferenceOracle, abi: inferenceOracleAbi, functionName: 'getRequestState', args: [requestId] })
  return status
}

/** All oracle events of `name` for a request. */
export async function eventsOf<const N extends 'ResultFulfilled' | 'AttestationSubmitted' | 'ResultFinalized' | 'AttestationDisputed'>(chain: TestChain, name: N, requestId: bigint) {
  const logs = await chain.client.getContractEvents({ address: chain.deployment.contracts.inferenceOracle, abi: inferenceOracleAbi, eventName: name, fromBlock: 0n, args: { requestId } as never, strict: true })
  return logs as unknown as { args: Extract<(typeof logs)[number]['args'], Record<string, unknown>> & Record<string, unknown> }[]
}
