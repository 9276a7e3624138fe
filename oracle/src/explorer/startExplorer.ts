import { serve, type ServerType } from '@hono/node-server'
import type { Hono } from 'hono'
import { ExplorerListenError } from '../errors/explorer.js'
import { createExplorer, type CreateExplorerParameters, type Explorer } from './createExplorer.js'
import { createExplorerApp } from './explorerApp.js'
import { loadExplorerAssets, type ExplorerAssets } from './explorerAssets.js'

export type StartExplorerParameters = CreateExplorerParameters & {
  /** Default 8090; 0 for any free port. */
  port?: number | undefined
  /** Default 127.0.0.1 (0.0.0.0 to be reachable from other machines). */
  host?: string | undefined
  /** Told each step of the start, for a command line's progress lines. */
  onProgress?: ((message: string) => void) | undefined
  /** The front end, when the caller prepared it already (the devnet bundles it while the network starts). */
  assets?: Promise<ExplorerAssets> | undefined
}

export type RunningExplorer = { url: string; app: Hono; explorer: Explorer; server: ServerType; stop: () => Promise<void> }

/** Connects to the chain, reads its events, prepares the front end and serves the explorer over HTTP. */
export async function startExplorer(parameters: StartExplorerParameters): Promise<RunningExplorer> {
  const { port = 8090, host = '127.0.0.1', onProgress = () => {} } = parameters
  onProgress(`connecting to ${parameters.rpcUrl} and reading the protocol's events`)
  const explorer = await createExplorer(parameters)
  const { deployment, chainId } = explorer.connection
  onProgress(`chain ${chainId}: oracle ${deployment.oracle}, ${explorer.index.requests.size} requests and ${explorer.index.operators.size} operators up to block ${explorer.index.head.number}`)
  let assets
  try {
    assets = await (parameters.assets ?? loadExplorerAssets())
  } catch (error) {
    explorer.close()
    throw error
  }
  const app = createExplorerApp(explorer, assets)
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(s))
    s.once('error', (cause: NodeJS.ErrnoException) => {
      explorer.close()
      reject(new ExplorerListenError(`The explorer cannot listen on ${host}:${port}: ${cause.code === 'EADDRINUSE' ? 'the port is in use' : cause.message}.`, { details: 'Pass another --port (0 picks a free one).', cause }))
    })
  })
  const address = server.address()
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${typeof address === 'object' && address ? address.port : port}`
  return {
    url,
    app,
    explorer,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        explorer.close()
        if ('closeAllConnections' in server) server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
