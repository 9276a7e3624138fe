/**
 * A whole local Veridict network in one call: anvil, the contracts, the bundled digits and Iris
 * models (and digits again with a private input) compiled, set up, hosted and registered, a DigitConsumer, staked operators and their
 * nodes. `npm start` (main.ts) and test/devnet.test.ts both build on it.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  parseEther,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type WalletClient,
  zeroAddress,
  zeroHash,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createVeridictClient, describeSetup, modelRegistryAbi, operatorStakingAbi, type VeridictClient } from '@veridict/sdk'
import { ensureCompiledModel, type ModelManifest } from '@veridict/circuits'
import { readArtifact, REPO_ROOT } from '../deploy/artifacts.js'
import { deployVeridict, writeDeployment, type Deployment } from '../deploy/deploy.js'
import { anvilPrivateKeys, freePort, startAnvil, type Anvil } from './anvil.js'
import { registerModel } from '../chain/registerModel.js'
import { buildContractsIfMissing } from './buildContracts.js'
import { DevnetNode } from './devnetNode.js'
import { DevnetError } from './errors.js'
import { startModelHost, type ModelHost } from './modelHost.js'
import { silentReporter, type Reporter } from './terminal.js'

export const DEVNET_DIR = join(REPO_ROOT, '.cache', 'devnet')

/** anvil accounts: who does what on the devnet. */
export const DEVNET_ACCOUNTS = { deployer: 0, operators: [1, 2, 3], liar: 4, user: 5 } as const
/** Blocks per committee round on the devnet (1 s blocks): a request's committee has 4 s to itself. */
export const DEVNET_ROUND_BLOCKS = 4n

export type DevnetModelName = 'digits' | 'iris' | 'digits_private'

/** The devnet's models: each compiled from a bundled ONNX file; digits_private keeps its input private (docs/privacy.md). */
const DEVNET_MODELS: readonly { name: DevnetModelName; source: string; privateInput: boolean }[] = [
  { name: 'digits', source: 'digits', privateInput: false },
  { name: 'iris', source: 'iris', privateInput: false },
  { name: 'digits_private', source: 'digits', privateInput: true },
]

export type DevnetModel = {
  name: DevnetModelName
  /** The model folder the nodes serve and the model host publishes. */
  dir: string
  manifest: ModelManifest
  /** The id the registry derived from the model's artifacts and the deployer (set at registration). */
  modelId: Hex
  /** The registry's Groth16 verifier, which checks the model's proofs with its registered key. */
  verifier: Address
  /** The registry's setup record, for people: "dev setup, 1 contribution, INSECURE". */
  setup: string
  fee: bigint
  /** Held-out samples and their labels (circuits/models/<name>.testset.json). */
  testset: { inputs: number[][]; labels: number[]; classLabels: string[] | undefined }
}

export type StartDevnetParameters = {
  /** Folder for the deployment, node configs, data and logs; emptied first. Default .cache/devnet (a fresh temporary folder when `tempDir`). */
  dataDir?: string | undefined
  tempDir?: boolean | undefined
  /** Seconds an attested result can be disputed (default 12). */
  challengeWindow?: bigint | undefined
  /** Seconds an unstake takes (default 3600). */
  unbondingPeriod?: bigint | undefined
  /** Seconds per block once the network runs (default 1); setup mines on every transaction. */
  blockTime?: number | undefined
  /** The nodes' log level (their logs go to files in dataDir). */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' | undefined
  reporter?: Reporter | undefined
  /** Aborting stops the setup at the next step, and everything started so far. */
  signal?: AbortSignal | undefined
  /**
   * An anvil already running (compose's `chain` service) instead of one started here; it is funded
   * from anvil's default accounts like the embedded one, and `stop` leaves it running.
   */
  rpcUrl?: string | undefined
  /**
   * Where the three honest nodes will be reachable, when they run elsewhere (compose's node
   * containers): their config files are written (these URLs as each other's peers, `rpcUrl` as the
   * chain) and no node is started here.
   */
  nodeUrls?: readonly string[] | undefined
  /**
   * false: the honest nodes' configs are made (`nodes[i].config`) but no node is started here: the
   * soak runs them as processes of their own (oracle/src/soak). Default true.
   */
  startNodes?: boolean | undefined
  /** Where the model host listens, and the URL the metadata URIs use (default: a free port on 127.0.0.1). */
  modelHost?: { host: string; port: number; publicUrl: string } | undefined
}

export type Devnet = {
  anvil: Anvil
  rpcUrl: string
  chain: Chain
  dataDir: string
  deployment: Deployment
  deploymentFile: string
  publicClient: PublicClient
  account: (index: number) => Account
  wallet: (index: number) => WalletClient
  /** A Veridict SDK client whose wallet is anvil account `index`. */
  sdk: (index: number) => VeridictClient
  models: Record<DevnetModelName, DevnetModel>
  modelHost: ModelHost
  /** DigitConsumer: asks the digits model in ZK mode and records the digit. */
  consumer: Address
  /** The three honest operators' nodes (anvil accounts 1..3). */
  nodes: DevnetNode[]
  /** A node for the liar (anvil account 4, staked, not started): attests wrong outputs, no watchtower. */
  liar: DevnetNode
  /** Milliseconds from the call to each milestone. */
  timings: { setupMs: number; nodesReadyMs: number }
  stop: () => Promise<void>
}

const OPERATOR_STAKE = parseEther('2')
const LIAR_STAKE = parseEther('1')
const MODEL_FEE = parseEther('0.01')

/**
 * The peer API of a node whose public API is at `url`: the next port (a node's peerHttpPort
 * defaults to its httpPort + 1, as in the container image: 9545 and 9546).
 */
export function peerUrlOf(url: string): string {
  const parsed = new URL(url)
  parsed.port = String(Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)) + 1)
  return parsed.origin
}

/** Starts the devnet; on any failure everything started so far is stopped again. */
export async function startDevnet(parameters: StartDevnetParameters = {}): Promise<Devnet> {
  const started = performance.now()
  const { challengeWindow = 12n, unbondingPeriod = 3600n, blockTime = 1, logLevel = 'info', signal } = parameters
  // Every step checks the signal first, so Ctrl-C during setup stops what has started.
  const outer = parameters.reporter ?? silentReporter
  const reporter: Reporter = {
    ...outer,
    step: (label, run, done) => {
      if (signal?.aborted) return Promise.reject(new DevnetError('The devnet was stopped while it started.'))
      return outer.step(label, run, done)
    },
  }
  const dataDir = parameters.dataDir ?? (parameters.tempDir ? mkdtempSync(join(tmpdir(), 'veridict-devnet-')) : DEVNET_DIR)
  rmSync(dataDir, { recursive: true, force: true })
  mkdirSync(join(dataDir, 'models'), { recursive: true })

  const cleanups: (() => Promise<void>)[] = []
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {})
  }
  try {
    await reporter.step(
      'building the contracts with forge (solc-js 0.8.28; about 20 s the first time)',
      () => buildContractsIfMissing(),
      ({ built }) => (built ? 'contracts built with forge' : 'contracts built with forge (cached)'),
    )

    const models = {} as Record<DevnetModelName, DevnetModel>
    for (const spec of DEVNET_MODELS) models[spec.name] = await prepareModel(spec, join(dataDir, 'models'), reporter)

    const external = parameters.rpcUrl
    const anvil = external
      ? await reporter.step(
          `joining the chain at ${external}`,
          () => joinAnvil(external),
          (a) => `anvil chain ${a.chainId} at ${a.rpcUrl}`,
        )
      : await reporter.step(
          'starting anvil',
          () => startAnvil(),
          (a) => `anvil chain ${a.chainId} at ${a.rpcUrl}`,
        )
    cleanups.push(() => anvil.stop())
    const rpcUrl = anvil.rpcUrl
    const chain = defineChain({ id: anvil.chainId, name: 'Veridict devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } })
    const transport = http(rpcUrl)
    const publicClient = createPublicClient({ chain, transport, pollingInterval: 100 })
    const account = (index: number) => privateKeyToAccount(anvilPrivateKeys[index]!)
    const wallet = (index: number) => createWalletClient({ chain, transport, account: account(index), pollingInterval: 100 })
    const owner = wallet(DEVNET_ACCOUNTS.deployer)

    const modelHost = await startModelHost(join(dataDir, 'models'), parameters.modelHost)
    cleanups.push(() => modelHost.stop())

    const deploymentFile = join(dataDir, 'deployment.json')
    const deployment = await reporter.step(
      'deploying ModelRegistry, OperatorStaking and InferenceOracle',
      () => deployVeridict({ rpcUrl, challengeWindow, unbondingPeriod, roundBlocks: DEVNET_ROUND_BLOCKS, minStake: parseEther('1') }),
      (d) => `contracts deployed: oracle ${d.contracts.inferenceOracle} (challenge window ${challengeWindow} s, unbonding ${unbondingPeriod} s)`,
    )
    writeDeployment(deploymentFile, deployment)

    const groth16Verifier = await publicClient.readContract({ address: deployment.contracts.modelRegistry, abi: modelRegistryAbi, functionName: 'GROTH16_VERIFIER' })
    for (const model of Object.values(models)) {
      const registered = await reporter.step(
        `registering ${model.name} (the registry stores its verification key; dev setup allowed on this local chain)`,
        () =>
          registerModel({
            publicClient,
            walletClient: owner,
            account: owner.account,
            chain,
            registry: deployment.contracts.modelRegistry,
            dir: model.dir,
            fee: model.fee,
            metadataURI: `${modelHost.url}/${model.name}/manifest.json`,
            allowInsecureSetup: true,
          }),
        (r) => `${model.name} registered: model ${short(r.modelId)}, ${describeSetup(r.proofSystem, r.setup).summary}`,
      )
      if (registered.proofSystem !== 'groth16') throw new DevnetError(`The ${model.name} model was registered without a proof system.`, { details: 'It should have a circuit and keys; delete .cache/models and run again.' })
      model.modelId = registered.modelId
      model.verifier = groth16Verifier
      model.setup = describeSetup(registered.proofSystem, registered.setup).summary
    }

    const consumer = await reporter.step(
      'deploying DigitConsumer (a dApp that acts on a digit classification)',
      async () => {
        const artifact = readArtifact('DigitConsumer.sol', 'DigitConsumer')
        const hash = await owner.deployContract({
          abi: artifact.abi,
          bytecode: artifact.bytecode,
          // The devnet's models have a dev setup: the consumer is told to accept it (a real dApp would not).
          args: [deployment.contracts.inferenceOracle, models.digits.modelId, models.digits.manifest.output.bits, 0, 0, 150_000, { minContributions: 1, allowUnlistedCeremony: true, allowInsecure: true }],
        })
        const receipt = await publicClient.waitForTransactionReceipt({ hash })
        if (receipt.status !== 'success' || !receipt.contractAddress) throw new DevnetError(`Deploying DigitConsumer failed (transaction ${hash}).`)
        return getAddress(receipt.contractAddress)
      },
      (address) => `DigitConsumer deployed at ${address}`,
    )

    await reporter.step(
      'registering and staking four operators',
      () =>
        Promise.all(
          [...DEVNET_ACCOUNTS.operators, DEVNET_ACCOUNTS.liar].map(async (index) => {
            const hash = await wallet(index).writeContract({
              address: deployment.contracts.operatorStaking,
              abi: operatorStakingAbi,
              functionName: 'register',
              value: index === DEVNET_ACCOUNTS.liar ? LIAR_STAKE : OPERATOR_STAKE,
            })
            const receipt = await publicClient.waitForTransactionReceipt({ hash })
            if (receipt.status !== 'success') throw new DevnetError(`Registering operator ${account(index).address} failed (transaction ${hash}).`)
          }),
        ),
      () => 'operators registered: three honest with 2 ETH each, one liar with 1 ETH (minimum stake 1 ETH)',
    )

    if (signal?.aborted) throw new DevnetError('The devnet was stopped while it started.')
    // Setup mined a block per transaction; from here on the chain ticks like a real one.
    await publicClient.request({ method: 'evm_setIntervalMining' as never, params: [blockTime] as never })
    const setupMs = performance.now() - started

    if (parameters.nodeUrls) {
      const nodeUrls = parameters.nodeUrls
      if (nodeUrls.length !== DEVNET_ACCOUNTS.operators.length) throw new DevnetError(`${nodeUrls.length} node URLs for ${DEVNET_ACCOUNTS.operators.length} operators.`, { details: 'Give one URL per honest operator node.' })
      // For nodes in containers: the port, listen address and data folder come from the image's environment.
      mkdirSync(join(dataDir, 'compose'), { recursive: true })
      const configs = DEVNET_ACCOUNTS.operators.map((index, i) => {
        const file = join(dataDir, 'compose', `node-${index}.json`)
        const config = { rpcUrl, chainId: anvil.chainId, deployment: deploymentFile, modelsDir: join(dataDir, 'models'), peers: nodeUrls.filter((_, j) => j !== i).map(peerUrlOf), confirmations: 0, pollIntervalMs: 250, executionProvider: 'cpu', logLevel }
        writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`)
        return { name: `node-${index}`, url: nodeUrls[i]!, peerUrl: peerUrlOf(nodeUrls[i]!), operator: account(index).address, config: file }
      })
      writeFileSync(
        join(dataDir, 'compose', 'network.json'),
        `${JSON.stringify({ rpcUrl, chainId: anvil.chainId, deployment: deploymentFile, consumer, modelHost: modelHost.url, models: Object.fromEntries(Object.values(models).map((m) => [m.name, { modelId: m.modelId, dir: m.dir }])), nodes: configs }, null, 2)}\n`,
      )
    }
    const ports: { http: number; peer: number }[] = []
    for (const _ of [...DEVNET_ACCOUNTS.operators, DEVNET_ACCOUNTS.liar]) ports.push({ http: await freePort(), peer: await freePort() })
    const peerUrls = ports.map((port) => `http://127.0.0.1:${port.peer}`)
    const nodeConfig = (index: number, port: { http: number; peer: number }, peers: string[]) => ({
      rpcUrl,
      chainId: anvil.chainId,
      deployment: deploymentFile,
      modelsDir: join(dataDir, 'models'),
      dataDir: join(dataDir, `node-${index}-data`),
      httpPort: port.http,
      peerHttpPort: port.peer,
      peers,
      confirmations: 0,
      pollIntervalMs: 250,
      executionProvider: 'cpu' as const,
      logLevel,
    })
    const nodes = DEVNET_ACCOUNTS.operators.map(
      (index, i) =>
        new DevnetNode({
          name: `node-${index}`,
          operatorKey: anvilPrivateKeys[index]!,
          runDir: dataDir,
          config: nodeConfig(index, ports[i]!, peerUrls.slice(0, DEVNET_ACCOUNTS.operators.length).filter((_, j) => j !== i)),
        }),
    )
    const liar = new DevnetNode({
      name: 'node-liar',
      operatorKey: anvilPrivateKeys[DEVNET_ACCOUNTS.liar]!,
      runDir: dataDir,
      config: { ...nodeConfig(DEVNET_ACCOUNTS.liar, ports[DEVNET_ACCOUNTS.operators.length]!, []), modes: ['attested'], watchtower: false },
      faults: { dishonest: true },
    })
    cleanups.push(() => Promise.all([...nodes, liar].map((n) => n.stop())).then(() => {}))
    if (!parameters.nodeUrls && parameters.startNodes !== false)
      await reporter.step(
        'starting three oracle nodes',
        () => Promise.all(nodes.map((n) => n.start())),
        () => `three nodes running (logs in ${dataDir}/node-*.log)`,
      )

    // What another terminal needs to join or use this network (the README's operator guide reads it).
    if (!parameters.nodeUrls)
      writeFileSync(
      join(dataDir, 'network.json'),
      `${JSON.stringify({ rpcUrl, chainId: anvil.chainId, deployment: deploymentFile, consumer, models: Object.fromEntries(Object.values(models).map((m) => [m.name, { modelId: m.modelId, dir: m.dir }])), nodes: nodes.map((n) => ({ name: n.name, url: n.url, operator: n.operator, config: n.configFile })) }, null, 2)}\n`,
    )
    return {
      anvil,
      rpcUrl,
      chain,
      dataDir,
      deployment,
      deploymentFile,
      publicClient,
      account,
      wallet,
      sdk: (index) => createVeridictClient({ publicClient, walletClient: wallet(index), deployment, pollingInterval: 100 }),
      models,
      modelHost,
      consumer,
      nodes,
      liar,
      timings: { setupMs, nodesReadyMs: performance.now() - started },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** An anvil started by someone else: used like the embedded one, left running by `stop`. */
async function joinAnvil(rpcUrl: string): Promise<Anvil> {
  const chainId = await createPublicClient({ transport: http(rpcUrl) })
    .getChainId()
    .catch((cause: unknown) => {
      throw new DevnetError(`No chain answers at ${rpcUrl}.`, { details: 'Start anvil first (compose starts its chain service before the setup).', cause })
    })
  return { rpcUrl, port: Number(new URL(rpcUrl).port || 80), chainId, stop: async () => {} }
}

/** Compiles and sets up a bundled model once (cached in .cache/models) and copies it into the devnet's models folder. */
async function prepareModel({ name, source, privateInput }: (typeof DEVNET_MODELS)[number], modelsDir: string, reporter: Reporter): Promise<DevnetModel> {
  const testset = JSON.parse(readFileSync(join(REPO_ROOT, 'circuits', 'models', `${source}.testset.json`), 'utf8')) as {
    inputs: number[][]
    labels: number[]
    classLabels?: string[]
    calibration: { inputs: number[][] }
  }
  const compiled = await reporter.step(
    `compiling ${name} to a circuit${privateInput ? ' with a private input' : ''} and running its Groth16 setup`,
    (progress) =>
      ensureCompiledModel({
        onnx: join(REPO_ROOT, 'circuits', 'models', `${source}.onnx`),
        name,
        privateInput,
        calibration: testset.calibration.inputs,
        onProgress: (p) => progress(p.message.replace(/ \(INSECURE:.*$/, ' (INSECURE dev ptau)'), 'fraction' in p ? p.fraction : undefined),
      }),
    (c) => `${name}: ${c.manifest.circuit?.constraints.toLocaleString('en-US')} constraints, Groth16 keys ready${c.cached ? ' (cached)' : ''}`,
  )
  if (!compiled.manifest.definitionHash) throw new DevnetError(`The compiled ${name} model is not set up.`, { details: `Delete ${compiled.dir} and run again.` })
  const dir = join(modelsDir, name)
  cpSync(compiled.dir, dir, { recursive: true })
  return {
    name,
    dir,
    manifest: compiled.manifest,
    modelId: zeroHash,
    verifier: zeroAddress,
    setup: '',
    fee: MODEL_FEE,
    testset: { inputs: testset.inputs, labels: testset.labels, classLabels: testset.classLabels },
  }
}

export const short = (hex: string): string => `${hex.slice(0, 10)}…${hex.slice(-4)}`
