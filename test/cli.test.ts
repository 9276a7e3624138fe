import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { alive, anvilPrivateKeys, descendants, freePort, nodeConfig, REPO_ROOT, startTestChain, type TestChain, waitFor } from '@veridict/oracle/testing'

/** The `veridict` command as installed: oracle/bin/veridict.mjs, one node process. */
const BIN = join(REPO_ROOT, 'oracle/bin/veridict.mjs')
const run = promisify(execFile)

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
    expect(below.filter(alive)).toEqual([])
  } finally {
    child.kill('SIGKILL')
  }
}, 120_000)
