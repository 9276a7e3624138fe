import { serve, type ServerType } from '@hono/node-server'
import type { Logger } from 'pino'
import type { Hex } from 'viem'
import { createApp, createPeerApp } from '../api/app.js'
import { ListenError } from '../errors/node.js'
import type { ResolvedConfig } from '../config/loadConfig.js'
import type { NodeFaults } from './faults.js'
import { OracleNode } from './oracleNode.js'

/** `url`: the public API; `peerUrl`: the peer API, which the other operators' `peers` list. */
export type RunningNode = { node: OracleNode; server: ServerType; peerServer: ServerType; url: string; peerUrl: string; stop: () => Promise<void> }

async function listen(fetch: (request: Request) => Response | Promise<Response>, port: number, hostname: string): Promise<{ server: ServerType; url: string }> {
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch, port, hostname }, () => resolve(s))
    s.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new ListenError({ host: hostname, port, cause: error }) : error))
  })
  const address = server.address()
  return { server, url: `http://${hostname}:${typeof address === 'object' && address ? address.port : port}` }
}

/** Creates and starts a node and its HTTP server; `faults` only for tests and the devnet's demo liar. */
export async function startNode({ config, operatorKey, encryptionKey, logger, faults }: { config: ResolvedConfig; operatorKey: Hex; encryptionKey?: bigint | undefined; logger: Logger; faults?: NodeFaults | undefined }): Promise<RunningNode> {
  const node = await OracleNode.create({ config, operatorKey, encryptionKey, logger, faults })
  const { server, url } = await listen(createApp(node).fetch, config.httpPort, config.httpHost)
  let peer: { server: ServerType; url: string }
  try {
    peer = await listen(createPeerApp(node).fetch, config.peerHttpPort, config.peerHttpHost)
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await node.stop()
    throw error
  }
  await node.start()
  logger.info({ url, peerUrl: peer.url }, 'HTTP APIs listening (public, peer)')
  let stopped: Promise<void> | undefined
  const close = (s: ServerType) => new Promise<void>((resolve) => s.close(() => resolve()))
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all([close(server), close(peer.server)])
      await node.stop()
    })())
  return { node, server, peerServer: peer.server, url, peerUrl: peer.url, stop }
}
