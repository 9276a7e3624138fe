import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { Hex } from 'viem'

import { REPO_ROOT } from '../deploy/artifacts.js'
import { BaseError } from '@veridict/sdk'

/** Private keys of anvil's default accounts (mnemonic "test test ... junk"); index 0 deploys by default. */
export const anvilPrivateKeys = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
] as const satisfies readonly Hex[]

export type StartAnvilParameters = {
  /** Chain id of the new chain (anvil's default: 31337). */
  chainId?: number | undefined
  /** Seconds per block; mines on every transaction when unset. */
  blockTime?: number | undefined
  /** More anvil command-line arguments. */
  args?: readonly string[] | undefined
  /** How long to wait for the RPC to answer, in ms. */
  timeoutMs?: number | undefined
}

export type Anvil = {
  rpcUrl: string
  port: number
  chainId: number
  /** The anvil process (undefined for a chain this process did not start). */
  pid?: number | undefined
  /** Stops the anvil process and waits for it to exit. */
  stop: () => Promise<void>
}

/** anvil did not start or did not answer in time. */
export class AnvilStartError extends BaseError {
  override name = 'AnvilStartError'
}

/** Starts a real anvil (from node_modules/.bin) on a free local port and waits until its RPC answers. */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<Anvil> {
  const { chainId = 31337, blockTime, args = [], timeoutMs = 30_000 } = parameters
  const port = await freePort()
  const argv = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), '--silent', ...args]
  if (blockTime !== undefined) argv.push('--block-time', String(blockTime))
  const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'anvil'), argv, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const rpcUrl = `http://127.0.0.1:${port}`
  const stop = () => stopProcess(child)
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break
    if (await answers(rpcUrl)) return { rpcUrl, port, chainId, pid: child.pid, stop }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await stop()
  throw new AnvilStartError(`anvil did not answer on ${rpcUrl} within ${timeoutMs} ms.`, {
    details: stderr.trim() || 'Is @foundry-rs/anvil installed (npm ci)?',
  })
}

async function answers(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    })
    return response.ok
  } catch {
    return false
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now (`port` 0: any; else that one, if free). */
export function freePort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const address = server.address()
      const bound = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(bound))
    })
  })
}

/**
 * A free port whose next port is free too: a node's public API and, by default, its peer API
 * (peerHttpPort = httpPort + 1).
 */
export async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort()
    if (port < 65535 && (await freePort(port + 1).then(() => true, () => false))) return port
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
