import { parseArgs } from 'node:util'
import { getAddress, isAddress } from 'viem'
import { ExplorerOptionsError } from '../errors/explorer.js'
import { startExplorer } from './startExplorer.js'

export const explorerUsage = `veridict explorer: a web explorer for a Veridict deployment (requests, proofs, models, operators)

  veridict explorer --rpc-url <url> (--deployment <file> | --oracle <address>) [options]

  --rpc-url <url>            the chain's JSON-RPC (http or https), e.g. http://127.0.0.1:8545
  --deployment <file>        the deployment file (npm run deploy writes it), or
  --oracle <address>         only the InferenceOracle's address: the rest is read from it
  --from-block <n>           where to start reading events (default: the deployment's block, else 0)
  --node-urls <a,b,...>      operators' node URLs, whose /health gives their uptime (the contracts hold none)
  --port <n>                 default 8090 (0: any free port)
  --host <address>           default 127.0.0.1 (0.0.0.0: every interface)
  --manifest-timeout-ms <n>  how long a model's hosted manifest may take (default 4000)

It reads only the chain and the models' hosted manifests and keeps nothing but an in-memory cache.
Environment: VERIDICT_RPC_URL and VERIDICT_DEPLOYMENT stand in for the first two flags.`

/** `veridict explorer ...`: starts the explorer, prints its URL, and runs until stopped. */
export async function runExplorerCli(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'rpc-url': { type: 'string' },
      deployment: { type: 'string' },
      oracle: { type: 'string' },
      'from-block': { type: 'string' },
      'node-urls': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'manifest-timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(explorerUsage)
    return
  }
  const rpcUrl = values['rpc-url'] ?? process.env.VERIDICT_RPC_URL
  if (!rpcUrl) throw new ExplorerOptionsError('veridict explorer needs --rpc-url <url>.', { details: 'veridict explorer --help lists the options.' })
  const deployment = values.deployment ?? (values.oracle ? undefined : process.env.VERIDICT_DEPLOYMENT)
  if (values.oracle !== undefined && !isAddress(values.oracle)) throw new ExplorerOptionsError(`--oracle ${values.oracle} is not an address.`)
  const integer = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined
    if (!/^\d+$/.test(value)) throw new ExplorerOptionsError(`--${name} ${value} is not a whole number.`)
    return Number(value)
  }
  const fromBlock = integer('from-block', values['from-block'])
  const started = Date.now()
  const running = await startExplorer({
    rpcUrl,
    deployment,
    oracle: values.oracle === undefined ? undefined : getAddress(values.oracle),
    fromBlock: fromBlock === undefined ? undefined : BigInt(fromBlock),
    nodeUrls: values['node-urls']?.split(',').map((u) => u.trim()).filter(Boolean),
    port: integer('port', values.port),
    host: values.host,
    manifestTimeoutMs: integer('manifest-timeout-ms', values['manifest-timeout-ms']),
    onProgress: (message) => console.log(`explorer: ${message}`),
  })
  console.log(`explorer: ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${running.url}`)
  const stop = () => void running.stop().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
