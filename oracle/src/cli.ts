import { parseArgs } from 'node:util'
import { BaseError } from './errors/base.js'
import { version } from './version.js'
import { isStorageFull } from './store/storageFull.js'

// Only what --help and --version need is loaded up front: viem, the node and the compiler are
// imported by the command that uses them, so `veridict --help` answers in about half a second.

const usage = `veridict: the Veridict model compiler and oracle node

  veridict --version | --help
  veridict compile | setup | ceremony | prove | verify | run ...   the model compiler (veridict compile --help)
  veridict node start [--config node.json] [flags]
  veridict operator status                 the operator's balance, stake, locks, rewards and whether it can serve
  veridict operator register --stake <eth>
  veridict operator stake --amount <eth>
  veridict operator unstake --amount <eth>
  veridict operator withdraw [--rewards]
  veridict model register --dir <compiled model folder> [--fee <wei>] [--metadata-uri <uri>] [--allow-insecure-setup]
    The registry derives the model id from the folder's artifacts and your address; a model set up
    over a single-party dev powers of tau is refused unless --allow-insecure-setup (local chains only).
  veridict explorer --rpc-url <url> (--deployment <file> | --oracle <address>) [--port 8090] [--node-urls a,b]
    a web explorer of requests, proofs, models and operators (veridict explorer --help)

Configuration: a JSON file (--config), VERIDICT_* environment variables (VERIDICT_RPC_URL, VERIDICT_CHAIN_ID,
VERIDICT_DEPLOYMENT, VERIDICT_MODELS_DIR, VERIDICT_DATA_DIR, ...) and these flags, flags winning:
  --rpc-url <http(s) or ws(s) URL> --rpc-fallback-urls url,url --chain-id --deployment --oracle
  --models-dir --data-dir --modes zk,attested --min-fee <wei> --prover-concurrency --confirmations
  --http-port --http-host (public API) --peer-http-port --peer-http-host (peer API; default port: http port + 1)
  --rate-limit-per-minute <n> (POST /v1/inference per client; API keys: VERIDICT_API_KEYS=key,key)
  --execution-provider auto|cuda|cpu --gpu-device <n> --max-gas-price-gwei <gwei> --fee-bump-percent <n>
  --peers url,url (the other operators' peer APIs) --poll-interval-ms --log-level
  --log-file <path> (JSON logs there instead of stderr) --log-max-mib <n> (rotated at this size, default 64)
  --log-files <n> (rotated files kept, default 5)
The operator key comes from VERIDICT_OPERATOR_KEY or an encrypted keystore (keystore.path in the file,
password in VERIDICT_KEYSTORE_PASSWORD); it is never logged.`

const flagOptions = {
  config: { type: 'string' },
  'rpc-url': { type: 'string' },
  'rpc-fallback-urls': { type: 'string' },
  'peer-http-port': { type: 'string' },
  'peer-http-host': { type: 'string' },
  'rate-limit-per-minute': { type: 'string' },
  'gpu-device': { type: 'string' },
  'max-gas-price-gwei': { type: 'string' },
  'fee-bump-percent': { type: 'string' },
  'chain-id': { type: 'string' },
  deployment: { type: 'string' },
  oracle: { type: 'string' },
  'models-dir': { type: 'string' },
  'data-dir': { type: 'string' },
  modes: { type: 'string' },
  'min-fee': { type: 'string' },
  'prover-concurrency': { type: 'string' },
  confirmations: { type: 'string' },
  'http-port': { type: 'string' },
  'http-host': { type: 'string' },
  'execution-provider': { type: 'string' },
  peers: { type: 'string' },
  'poll-interval-ms': { type: 'string' },
  'log-level': { type: 'string' },
  'log-file': { type: 'string' },
  'log-max-mib': { type: 'string' },
  'log-files': { type: 'string' },
  stake: { type: 'string' },
  amount: { type: 'string' },
  rewards: { type: 'boolean' },
  dir: { type: 'string' },
  fee: { type: 'string' },
  'metadata-uri': { type: 'string' },
  'allow-insecure-setup': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const


// --log-max-mib -> logMaxMiB: the unit keeps its spelling.
const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()).replace(/Mib$/, 'MiB')
const configFlags = [
  'rpc-url',
  'chain-id',
  'deployment',
  'oracle',
  'models-dir',
  'data-dir',
  'min-fee',
  'prover-concurrency',
  'confirmations',
  'http-port',
  'http-host',
  'peer-http-port',
  'peer-http-host',
  'rate-limit-per-minute',
  'execution-provider',
  'gpu-device',
  'max-gas-price-gwei',
  'fee-bump-percent',
  'poll-interval-ms',
  'log-level',
  'log-file',
  'log-max-mib',
  'log-files',
]

const COMPILER_COMMANDS = new Set(['compile', 'setup', 'ceremony', 'prove', 'verify', 'run'])

async function main(): Promise<void> {
  const first = process.argv[2]
  if (first && COMPILER_COMMANDS.has(first)) {
    const { runCompilerCli } = await import('@veridict/circuits/cli')
    // snarkjs keeps curve worker threads alive: exit explicitly.
    process.exit(await runCompilerCli(process.argv.slice(2)))
  }
  if (first === 'explorer') {
    const { runExplorerCli } = await import('./explorer/runExplorerCli.js')
    return runExplorerCli(process.argv.slice(3))
  }
  const { values, positionals } = parseArgs({ options: flagOptions, allowPositionals: true })
  const [group, command] = positionals
  if (values.version) {
    console.log(`veridict ${version}`)
    return
  }
  if (values.help || !group) {
    console.log(usage)
    return
  }
  const known: Record<string, string[]> = { node: ['start'], operator: ['status', 'register', 'stake', 'unstake', 'withdraw'], model: ['register'] }
  if (!known[group]?.includes(command ?? '')) throw new BaseError(`Unknown command "${positionals.join(' ')}".`, { details: 'veridict --help lists the commands.' })
  const [{ createPublicClient, createWalletClient, defineChain, parseEther }, { privateKeyToAccount }, { inferenceOracleAbi, describeSetup }, { runOperatorAction }, { registerModel }, { loadConfig }, { createLogger, logDestination }, { startNode }, { rpcTransport }, { operatorStatus }] = await Promise.all([
    import('viem'),
    import('viem/accounts'),
    import('@veridict/sdk'),
    import('./chain/operatorActions.js'),
    import('./chain/registerModel.js'),
    import('./config/loadConfig.js'),
    import('./logger.js'),
    import('./node/startNode.js'),
    import('./chain/rpcTransport.js'),
    import('./chain/operatorStatus.js'),
  ])
  const flags: Record<string, unknown> = Object.fromEntries(configFlags.filter((f) => values[f as keyof typeof values] !== undefined).map((f) => [camel(f), values[f as keyof typeof values]]))
  if (values.modes) flags.modes = values.modes.split(',')
  if (values.peers) flags.peers = values.peers.split(',').filter(Boolean)
  if (values['rpc-fallback-urls']) flags.rpcFallbackUrls = values['rpc-fallback-urls'].split(',').filter(Boolean)
  // Commands other than `node start` need no models or data folder.
  if (!(group === 'node' && command === 'start')) {
    flags.modelsDir ??= '.'
    flags.dataDir ??= '.'
  }
  const { config, operatorKey, encryptionKey } = loadConfig({ file: values.config, flags })

  if (group === 'node' && command === 'start') {
    // A file destination writes each line synchronously: the process.exit calls below lose no line.
    const logger = createLogger(config.logLevel, {}, logDestination(config))
    if (config.logFile !== undefined) console.error(`veridict node: logging to ${config.logFile} (rotated at ${config.logMaxMiB} MiB, ${config.logFiles} rotated files kept)`)
    const running = await startNode({ config, operatorKey, encryptionKey, logger })
    let signals = 0
    const shutdown = (signal: string) => {
      if (signals++ > 0) {
        logger.warn({ signal }, 'second signal: exiting now')
        process.exit(1)
      }
      logger.info({ signal }, 'shutting down: finishing or checkpointing jobs in flight')
      running.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: (error as Error).message }, 'shutdown failed')
          process.exit(1)
        },
      )
    }
    process.on('SIGINT', () => shutdown('SIGINT'))
    process.on('SIGTERM', () => shutdown('SIGTERM'))
    // The startup checks failed (an unregistered or unfunded operator, another chain): say why and exit 1.
    running.node.startup.catch(async (error: unknown) => {
      console.error(error instanceof BaseError ? error.message : error)
      await running.stop().catch(() => {})
      process.exit(1)
    })
    return
  }

  const chain = defineChain({ id: config.chainId, name: `chain ${config.chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [config.rpcUrl] } } })
  const account = privateKeyToAccount(operatorKey)
  const transport = rpcTransport({ urls: [config.rpcUrl, ...config.rpcFallbackUrls] })
  const publicClient = createPublicClient({ chain, transport })
  const walletClient = createWalletClient({ account, chain, transport })
  const print = (v: unknown) => console.log(JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x), 2))

  if (group === 'operator' && command === 'status') {
    const status = await operatorStatus(publicClient, { oracle: config.oracle, operator: account.address, modes: config.modes, maxGasPriceGwei: config.maxGasPriceGwei })
    print(status)
    if (!status.canServe) process.exitCode = 1
    return
  }
  if (group === 'operator') {
    const staking = await publicClient.readContract({ address: config.oracle, abi: inferenceOracleAbi, functionName: 'STAKING' })
    const eth = (v: string | undefined, name: string) => {
      if (v === undefined) throw new BaseError(`operator ${command} needs --${name} <eth>.`)
      return parseEther(v)
    }
    const action: import('./chain/operatorActions.js').OperatorAction =
      command === 'register'
        ? { action: 'register', stake: eth(values.stake, 'stake') }
        : command === 'stake'
          ? { action: 'stake', amount: eth(values.amount, 'amount') }
          : command === 'unstake'
            ? { action: 'unstake', amount: eth(values.amount, 'amount') }
            : command === 'withdraw'
              ? { action: 'withdraw', what: values.rewards ? 'rewards' : 'stake' }
              : (() => {
                  throw new BaseError(`Unknown command "operator ${command}".`, { details: usage })
                })()
    print({ account: account.address, ...(await runOperatorAction({ publicClient, walletClient, account, chain, staking }, action)) })
    return
  }
  if (group === 'model' && command === 'register') {
    if (!values.dir) throw new BaseError('model register needs --dir <compiled model folder>.')
    const registry = await publicClient.readContract({ address: config.oracle, abi: inferenceOracleAbi, functionName: 'REGISTRY' })
    const allowInsecureSetup = values['allow-insecure-setup'] === true
    const registered = await registerModel({ publicClient, walletClient, account, chain, registry, dir: values.dir, fee: BigInt(values.fee ?? '0'), metadataURI: values['metadata-uri'], allowInsecureSetup })
    if (registered.setup.insecure) console.error('warning: registered with an INSECURE single-party dev setup (--allow-insecure-setup): never use this model where value is at stake')
    print({ ...registered, setup: { ...registered.setup, summary: registered.proofSystem === 'none' ? 'no proof system (attested only)' : describeSetup(registered.proofSystem, registered.setup).summary } })
    return
  }
  throw new BaseError(`Unknown command "${positionals.join(' ')}".`, { details: usage })
}

main().catch((error: unknown) => {
  if (isStorageFull(error)) console.error(`The node's data folder cannot take a write (${(error as Error).message}): free space on its disk (or raise its quota) and start the node again. Its stored jobs are intact.`)
  else console.error(error instanceof BaseError ? error.message : error)
  process.exit(1)
})
