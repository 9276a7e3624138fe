import { serve, type ServerType } from '@hono/node-server'
import type { Logger } from 'pino'
import type { Hex } from 'viem'
import { createApp } from '../api/app.js'
import type { ResolvedConfig } from '../config/loadConfig.js'
import type { NodeFaults } from './faults.js'
import { OracleNode } from './oracleNode.js'

export type RunningNode = { node: OracleNode; server: ServerType; url: string; stop: () => Promise<void> }

/** Creates and starts a node and its HTTP server; `faults` only for tests and the devnet's demo liar. */
export async function startNode({ config, operatorKey, logger, faults }: { config: ResolvedConfig; operatorKey: Hex; logger: Logger; faults?: NodeFaults | undefined }): Promise<RunningNode> {
  const node = await OracleNode.create({ config, operatorKey, logger, faults })
  const app = createApp(node)
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.httpPort, hostname: config.httpHost }, () => resolve(s))
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.httpPort
  const url = `http://${config.httpHost}:${port}`
  await node.start()
  logger.info({ url }, 'HTTP API listening')
  let stopped: Promise<void> | undefined
  const stop = () =>
    (stopped ??= (async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await node.stop()
    })())
  return { node, server, url, stop }
}
