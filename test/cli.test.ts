import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { alive, anvilPrivateKeys, descendants, DevnetNode, freePort, nodeConfig, REPO_ROOT, startTestChain, startTestNode, type TestChain, waitFor } from '@veridict/oracle/testing'

/** The `veridict` command as installed: oracle/bin/veridict.mjs, one node process. */
const BIN = join(REPO_ROOT, 'oracle/bin/veridict.mjs')
const run = promisify(execFile)
type LogLine = { level: number; service: string; node?: number | string; msg: string }
const linesOf = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '').split('\n').filter(Boolean).map((text) => JSON.parse(text) as LogLine)

let chain: TestChain
beforeAll(async () => {
  chain = await startTestChain()
}, 600_000)
afterAll(async () => {
  await chain?.stop()
})

test('--version, --help and an unknown command answer without loading the node, and without npm warnings', async () => {
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'oracle/package.json'), 'utf8')) as { version: string }
  const shown = await run(process.execPath, [BIN, '--version'])
  expect(shown.stdout.trim()).toBe(`veridict ${version}`)
  expect(shown.stderr).toBe('')
  const help = await run(process.execPath, [BIN, '--help'])
  expect(help.stdout).toMatch(/veridict node start/)
  expect(help.stderr).toBe('')
  const unknown = await run(process.execPath, [BIN, 'frob', 'it']).catch((error: { code: number; stderr: string }) => error)
  expect(unknown).toMatchObject({ code: 1, stderr: expect.stringMatching(/Unknown command "frob it"/) as unknown })
  // Through npm's bin link as a user runs it.
  const npx = await run('npx', ['veridict', '--version'], { cwd: REPO_ROOT })
  expect(npx.stdout.trim()).toBe(`veridict ${version}`)
  expect(npx.stderr).not.toMatch(/npm warn/)
})

test('SIGTERM to the veridict process (not its group) stops the node cleanly and leaves no process behind', async () => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'veridict-cli-'))
  const file = join(dir, 'node.json')
  writeFileSync(file, JSON.stringify({ ...nodeConfig(chain, { httpPort: port, modes: ['zk'], logLevel: 'info' }), dataDir: join(dir, 'data') }))
  const child = spawn(process.execPath, [BIN, 'node', 'start', '--config', file], { env: { ...process.env, VERIDICT_OPERATOR_KEY: anvilPrivateKeys[1] }, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200, { what: 'the node to serve /health', timeoutMs: 60_000 })
    const below = descendants(child.pid!)
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(log).toMatch(/shutting down/)
    expect(log).toMatch(/node stopped/)
    // Its prover processes exit when their parent's channel closes, a moment after it.
    await waitFor(() => below.filter(alive).length === 0, { what: 'the node\'s child processes to exit', timeoutMs: 10_000 }).catch(() => undefined)
    expect(below.filter(alive)).toEqual([])
  } finally {
    child.kill('SIGKILL')
  }
}, 120_000)

// Logs (docs/node.md, Logs): a file of the node's own, rotated by size (oracle/src/log/rotatingLogFile.test.ts tests the rotation).
test('veridict node start --log-file: every JSON line goes to the file, the last one before the exit; stderr only says where', async () => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'veridict-logs-'))
  const file = join(dir, 'node.json')
  const logFile = join(dir, 'logs', 'node.log')
  writeFileSync(file, JSON.stringify({ ...nodeConfig(chain, { httpPort: port, modes: ['zk'], logLevel: 'info' }), dataDir: join(dir, 'data') }))
  const child = spawn(process.execPath, [BIN, 'node', 'start', '--config', file, '--log-file', logFile, '--log-max-mib', '2', '--log-files', '3'], { env: { ...process.env, VERIDICT_OPERATOR_KEY: anvilPrivateKeys[1] }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200, { what: 'the node to serve /health', timeoutMs: 60_000 })
    expect(linesOf(logFile).map((l) => l.msg)).toContain('HTTP APIs listening (public, peer)')
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    const lines = linesOf(logFile)
    expect(lines.every((l) => l.service === 'veridict-node')).toBe(true)
    expect(lines.map((l) => l.msg)).toContain('shutting down: finishing or checkpointing jobs in flight')
    expect(lines.at(-1)?.msg).toBe('node stopped')
    expect(stderr).toBe(`veridict node: logging to ${logFile} (rotated at 2 MiB, 3 rotated files kept)\n`)
  } finally {
    child.kill('SIGKILL')
  }
}, 120_000)

test('a node started in this process with logFile logs there', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'veridict-logs-'))
  const logFile = join(dir, 'node.log')
  const running = await startTestNode(nodeConfig(chain, { httpPort: 0, modes: ['zk'], logLevel: 'info', logFile }), 2)
  await running.stop()
  const lines = linesOf(logFile)
  expect(lines.map((l) => l.msg)).toContain('HTTP APIs listening (public, peer)')
  expect(lines.every((l) => l.node === 2)).toBe(true)
  expect(lines.at(-1)?.msg).toBe('node stopped')
}, 120_000)

test('a devnet node stopped and started again appends to its log through one bounded writer', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'veridict-logs-'))
  const [httpPort, peerHttpPort] = [await freePort(), await freePort()]
  const node = new DevnetNode({ name: 'node-1', operatorKey: anvilPrivateKeys[3]!, runDir, config: { ...nodeConfig(chain, { httpPort, modes: ['zk'], logLevel: 'info' }), httpPort, peerHttpPort } })
  for (let run = 0; run < 2; run++) {
    await node.start()
    await node.stop()
  }
  const lines = linesOf(node.logFile)
  expect(lines.filter((l) => l.msg === 'HTTP APIs listening (public, peer)')).toHaveLength(2)
  expect(lines.filter((l) => l.msg === 'node stopped')).toHaveLength(2)
  expect(lines.every((l) => l.node === 'node-1')).toBe(true)
  expect(readdirSync(runDir).filter((name) => name.startsWith('node-1.log'))).toEqual(['node-1.log'])
}, 120_000)
