/**
 * `npm start`: a local Veridict network (anvil, the contracts, the digits and Iris models, three
 * staked operators' nodes), the scripted demo through the SDK, then the network keeps running
 * until Ctrl-C.
 *
 *   npm start                     # setup, demo, keep running
 *   npm start -- --demo-only      # setup, demo, exit 0 when every check passed (1 otherwise)
 *   npm start -- --no-demo        # setup, keep running
 */
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { REPO_ROOT } from '../deploy/artifacts.js'
import { BaseError } from '../errors/base.js'
import { ExplorerListenError } from '../errors/explorer.js'
import { loadExplorerAssets, type ExplorerAssets } from '../explorer/explorerAssets.js'
import { startExplorer, type RunningExplorer } from '../explorer/startExplorer.js'
import { runDemo } from './runDemo.js'
import { startDevnet, type Devnet } from './startDevnet.js'
import { createTerminalReporter, formatSeconds, type Reporter } from './terminal.js'

const usage = `npm start [-- options]: a local Veridict network and a scripted demo

  --demo-only   run the demo, then stop everything and exit (0 when every check passed)
  --no-demo     start the network and keep it running, without the demo
  --challenge-window <seconds>   (default 12)
  --explorer-port <port>         the web explorer's port (default 8090, or a free one if taken)
  --help

For nodes that run elsewhere (compose.yaml's containers):
  --rpc-url <url>             use this anvil instead of starting one
  --node-urls <a,b,c>         where the three nodes will listen: write their configs, start none
  --model-host-url <url>      serve the manifests on this URL's port on every interface
  --data-dir <dir>            the network's folder (default .cache/devnet)
With --node-urls it sets the network up, writes <data-dir>/compose/node-<n>.json, and serves the
manifests until stopped.`

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'demo-only': { type: 'boolean', default: false },
      'no-demo': { type: 'boolean', default: false },
      'challenge-window': { type: 'string' },
      'explorer-port': { type: 'string' },
      'rpc-url': { type: 'string' },
      'node-urls': { type: 'string' },
      'model-host-url': { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    console.log(usage)
    return 0
  }
  const reporter = createTerminalReporter()
  // The explorer's front end is bundled while the network starts, so the demo does not wait for it.
  const explorerAssets = loadExplorerAssets()
  explorerAssets.catch(() => {})
  const aborted = new AbortController()
  let devnet: Devnet | undefined
  let explorer: RunningExplorer | undefined
  let starting: Promise<unknown> | undefined
  let stopping = false
  let stoppingAt = 0
  const shutdown = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches this process twice: directly and relayed by npm/tsx.
    if (stopping && Date.now() - stoppingAt < 1_000) return
    if (stopping) {
      reporter.line(`${signal} again: exiting now`)
      process.exit(130)
    }
    stopping = true
    stoppingAt = Date.now()
    reporter.line('')
    reporter.line(`${signal}: stopping the nodes, the model host and anvil…`)
    aborted.abort()
    const stopped = devnet ? Promise.all([explorer?.stop(), devnet.stop()]) : (starting ?? Promise.resolve()).catch(() => {})
    void stopped.then(() => {
      reporter.ok('stopped cleanly')
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)

  reporter.line('Veridict devnet: verifiable AI inference on a local chain')
  reporter.line('a local anvil chain, three staked oracle nodes, two models, and a scripted demo through @veridict/sdk')
  reporter.section('Setup')
  const nodeUrls = values['node-urls']?.split(',').map((url) => url.trim())
  const modelHostUrl = values['model-host-url'] === undefined ? undefined : new URL(values['model-host-url'])
  const started = startDevnet({
    reporter,
    signal: aborted.signal,
    challengeWindow: values['challenge-window'] === undefined ? undefined : BigInt(values['challenge-window']),
    rpcUrl: values['rpc-url'],
    nodeUrls,
    dataDir: values['data-dir'],
    modelHost: modelHostUrl && { host: '0.0.0.0', port: Number(modelHostUrl.port || 80), publicUrl: modelHostUrl.origin },
  })
  starting = started
  devnet = await started.catch((error: unknown) => {
    if (stopping) return new Promise<never>(() => {})
    throw error
  })
  if (Object.values(devnet.models).some((m) => m.manifest.setup?.insecure))
    reporter.warn('Groth16 keys come from a single-party dev powers of tau: INSECURE, for local use only (see README.md, "Security model")')
  reporter.ok(`network ready ${formatSeconds(devnet.timings.nodesReadyMs)} after start`)
  if (!nodeUrls) {
    explorer = await startDevnetExplorer(devnet, values['explorer-port'] === undefined ? 8090 : Number(values['explorer-port']), explorerAssets).catch((error: unknown) => {
      reporter.warn(`the explorer did not start: ${error instanceof BaseError ? error.shortMessage : String(error)}`)
      return undefined
    })
    if (explorer) reporter.ok(`explorer at ${explorer.url} (requests, proofs, models, operators; watch the demo there)`)
  }
  if (nodeUrls) {
    reporter.ok(`node configs in ${join(devnet.dataDir, 'compose')}; serving the manifests at ${devnet.modelHost.url} until stopped`)
    return new Promise<number>(() => {})
  }
  try {
    return await demoAndServe(devnet, reporter, values, explorer)
  } catch (error) {
    if (stopping) return new Promise<number>(() => {})
    await explorer?.stop()
    await devnet.stop()
    throw error
  }
}

/** The web explorer over the devnet, on `port` or, when that is taken, on a free one. */
async function startDevnetExplorer(devnet: Devnet, port: number, assets: Promise<ExplorerAssets>): Promise<RunningExplorer> {
  const parameters = { rpcUrl: devnet.rpcUrl, deployment: devnet.deployment, nodeUrls: devnet.nodes.map((n) => n.url), port, assets }
  return startExplorer(parameters).catch((error: unknown) => {
    if (error instanceof ExplorerListenError) return startExplorer({ ...parameters, port: 0 })
    throw error
  })
}

async function demoAndServe(devnet: Devnet, reporter: Reporter, values: { 'demo-only': boolean; 'no-demo': boolean }, explorer: RunningExplorer | undefined): Promise<number> {
  let ok = true
  if (!values['no-demo']) {
    const report = await runDemo(devnet, { reporter, explorerUrl: explorer?.url })
    ok = report.ok
    reporter.section('Summary')
    const passed = report.checks.filter((c) => c.ok).length
    reporter.table([
      ['checks', `${passed}/${report.checks.length} passed${ok ? '' : `; failed: ${report.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')}`}`],
      ['first verified result', `${formatSeconds(report.firstVerifiedAt)} after start (network ready at ${formatSeconds(devnet.timings.nodesReadyMs)}, ZK request to proof on-chain ${formatSeconds(report.zk.latencyMs)})`],
      ['ZK (digits)', `final in ${formatSeconds(report.zk.latencyMs)}, fulfilment ${report.zk.fulfillGas.toLocaleString('en-US')} gas`],
      ['attested (Iris)', `attested in ${formatSeconds(report.attested.attestedMs)}, final in ${formatSeconds(report.attested.latencyMs)}, ${(report.attested.submitGas + report.attested.finalizeGas).toLocaleString('en-US')} gas`],
      ['escape hatch', `proved locally in ${report.escapeHatch.proveSeconds.toFixed(2)} s, fulfilled by the requester (${report.escapeHatch.fulfillGas.toLocaleString('en-US')} gas)`],
      ['fraud', `liar slashed ${Number(report.fraud.slashed) / 1e18} ETH, proven output final ${formatSeconds(report.fraud.latencyMs)} after the request`],
      ['private (digits)', `image encrypted to ${report.private.operator.slice(0, 10)}…, final in ${formatSeconds(report.private.latencyMs)}, fulfilment ${report.private.fulfillGas.toLocaleString('en-US')} gas, input on-chain: ${report.private.inputOnChain ? 'YES' : 'no'}`],
    ])
    if (ok) reporter.ok('every check passed')
    else reporter.fail('some checks failed (see above)')
  }

  if (values['demo-only']) {
    await explorer?.stop()
    await devnet.stop()
    return ok ? 0 : 1
  }

  reporter.section('The network keeps running (Ctrl-C stops everything)')
  const home = (path: string) => relative(REPO_ROOT, path) || '.'
  reporter.table(
    [
      ['what', 'where'],
      ['RPC (anvil)', `${devnet.rpcUrl}  chain id ${devnet.anvil.chainId}`],
      ...(explorer ? [['explorer', `${explorer.url}  requests, proofs (verify in the browser), models, operators`]] : []),
      ...devnet.nodes.map((n) => [n.name, `${n.url}  operator ${n.operator}  config ${home(n.configFile)}  log ${home(n.logFile)}`]),
      ['InferenceOracle', devnet.deployment.contracts.inferenceOracle],
      ['ModelRegistry', devnet.deployment.contracts.modelRegistry],
      ['OperatorStaking', devnet.deployment.contracts.operatorStaking],
      ['DigitConsumer', devnet.consumer],
      ...Object.values(devnet.models).map((m) => [`model ${m.name}`, `${m.modelId}  ${m.setup}  ${devnet.modelHost.url}/${m.name}/manifest.json`]),
      ['deployment', home(devnet.deploymentFile)],
    ],
    { header: true },
  )
  reporter.line('')
  reporter.line('  Try it:')
  reporter.line(`    curl -s ${devnet.nodes[0]!.url}/v1/models`)
  reporter.line(`    curl -s ${devnet.nodes[0]!.url}/v1/inference -H 'content-type: application/json' -d '{"model":"iris","input":[5.1,3.5,1.4,0.2]}'`)
  reporter.line('')
  return new Promise<number>(() => {})
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('')
    console.error(error instanceof BaseError ? error.message : error)
    process.exit(1)
  },
)
