import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type Anvil, anvilPrivateKeys, exited, freePort, freePortPair, killGroup, REPO_ROOT, startAnvil, waitFor } from '@veridict/oracle/testing'

/**
 * compose.yaml's network without docker (it cannot run here): its setup service's command against an
 * anvil, then its three node services' commands, keys and the image's environment, each node on a
 * port of this machine instead of its container's 9545. The network must come up and serve.
 */

/** compose.yaml's services: each one's command (flow or block list) and environment, read line by line. */
function readCompose(): Record<string, { command: string[]; environment: Record<string, string> }> {
  const services: Record<string, { command: string[]; environment: Record<string, string> }> = {}
  let inServices = false
  let service: string | undefined
  let section: string | undefined
  for (const line of readFileSync(join(REPO_ROOT, 'compose.yaml'), 'utf8').split('\n')) {
    if (/^\S/.test(line)) {
      service = undefined
      inServices = line.startsWith('services:')
      continue
    }
    const name = inServices ? /^ {2}([\w-]+):\s*$/.exec(line)?.[1] : undefined
    if (name) {
      service = name
      services[name] = { command: [], environment: {} }
      continue
    }
    if (!service) continue
    const key = /^ {4}(\w+):\s*(.*)$/.exec(line)
    if (key) {
      section = key[1]
      if (key[1] === 'command' && key[2]) services[service]!.command = JSON.parse(key[2]) as string[]
      continue
    }
    const item = /^ {6}- (.+)$/.exec(line)
    if (item && section === 'command') services[service]!.command.push(item[1]!)
    const variable = /^ {6}(\w+): "(.*)"$/.exec(line)
    if (variable && section === 'environment') services[service]!.environment[variable[1]!] = variable[2]!
  }
  return services
}

const compose = readCompose()
const nodeNames = ['node1', 'node2', 'node3'] as const
let anvil: Anvil
let setup: ChildProcess
const nodes: ChildProcess[] = []
const dir = mkdtempSync(join(tmpdir(), 'veridict-compose-'))
let setupLog = ''

beforeAll(async () => {
  anvil = await startAnvil()
  // Each node's peer API listens on its port + 1 (the image's 9545 and 9546).
  const ports = [await freePortPair(), await freePortPair(), await freePortPair(), await freePort()]
  // The setup service's arguments, with the containers' addresses replaced by this machine's.
  const local: Record<string, string> = {
    '--rpc-url': anvil.rpcUrl,
    '--node-urls': ports.slice(0, 3).map((port) => `http://127.0.0.1:${port}`).join(','),
    '--model-host-url': `http://127.0.0.1:${ports[3]}`,
    '--data-dir': join(dir, 'devnet'),
  }
  const [npx, tsx, ...args] = compose.setup!.command
  expect([npx, tsx]).toEqual(['npx', 'tsx'])
  const argv = args.map((arg) => {
    const [flag] = arg.split('=', 1)
    return flag! in local ? `${flag}=${local[flag!]}` : arg
  })
  // `npx tsx ARGS` as one node process: tsx's loader registered with --import.
  setup = spawn(process.execPath, ['--import', 'tsx', ...argv], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  for (const stream of [setup.stdout!, setup.stderr!]) stream.on('data', (chunk: Buffer) => (setupLog += chunk.toString()))
  const network = join(dir, 'devnet', 'compose', 'network.json')
  await waitFor(() => existsSync(network) || setup.exitCode !== null, { what: "the setup service's node configs", timeoutMs: 400_000 })
  expect(setup.exitCode, setupLog).toBeNull()

  const image = { VERIDICT_HTTP_HOST: '127.0.0.1' }
  for (const [i, name] of nodeNames.entries()) {
    const [node, start, flag, config] = compose[name]!.command
    expect([node, start, flag]).toEqual(['node', 'start', '--config'])
    const child = spawn(process.execPath, [join(REPO_ROOT, 'oracle/bin/veridict.mjs'), node!, start!, flag!, config!.replace('/network/devnet', join(dir, 'devnet'))], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...image, VERIDICT_HTTP_PORT: String(ports[i]), VERIDICT_DATA_DIR: join(dir, `${name}-data`), ...compose[name]!.environment },
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
    })
    nodes.push(child)
  }
  await Promise.all(ports.slice(0, 3).map((port) => waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200, { what: `the node on port ${port}`, timeoutMs: 90_000 })))
}, 600_000)

afterAll(async () => {
  for (const child of [...nodes, setup]) {
    if (!child) continue
    killGroup(child, 'SIGTERM')
    await exited(child)
  }
  await anvil?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('the node services run anvil accounts 1 to 3, the operators the setup staked', () => {
  expect(nodeNames.map((name) => compose[name]!.environment.VERIDICT_OPERATOR_KEY)).toEqual(anvilPrivateKeys.slice(1, 4))
})

test("the setup's node configs name the other two nodes as peers and the setup's chain", () => {
  const network = JSON.parse(readFileSync(join(dir, 'devnet', 'compose', 'network.json'), 'utf8')) as { nodes: { url: string; peerUrl: string; config: string }[]; rpcUrl: string }
  expect(network.rpcUrl).toBe(anvil.rpcUrl)
  for (const node of network.nodes) {
    const config = JSON.parse(readFileSync(node.config, 'utf8')) as { peers: string[]; rpcUrl: string }
    expect(config.rpcUrl).toBe(anvil.rpcUrl)
    expect(config.peers.sort()).toEqual(network.nodes.filter((n) => n.url !== node.url).map((n) => n.peerUrl).sort())
  }
})

test('the three nodes serve every model the setup registered, and the setup serves their manifests', async () => {
  const network = JSON.parse(readFileSync(join(dir, 'devnet', 'compose', 'network.json'), 'utf8')) as { nodes: { url: string }[]; modelHost: string; models: Record<string, { modelId: string }> }
  for (const node of network.nodes) {
    const health = (await (await fetch(`${node.url}/health`)).json()) as { status: string; models: { name: string; modelIds: string[] }[] }
    expect(health.status).toBe('ok')
    expect(health.models.flatMap((m) => m.modelIds).sort()).toEqual(Object.values(network.models).map((m) => m.modelId).sort())
  }
  for (const name of Object.keys(network.models)) expect((await fetch(`${network.modelHost}/${name}/manifest.json`)).status).toBe(200)
})
