import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { descendants, REPO_ROOT, waitFor } from '@veridict/oracle/testing'

// A supervisor's SIGTERM (or a timeout's, or Ctrl-C's SIGINT) to `veridict compile` mid-way: nothing of the
// compile keeps running (circom ran on, orphaned, for half an hour before), and the output folder
// holds a whole model or none.

const BIN = join(REPO_ROOT, 'oracle/bin/veridict.mjs')
const MODELS = join(REPO_ROOT, 'circuits/models')

/** Whether `pid` runs (a zombie waiting for its reaper does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/** Starts `veridict compile ...`, waits for a progress line, sends `signal`, and returns what was running then and how it ended. */
async function interrupt(args: string[], line: RegExp, signal: NodeJS.Signals, settleMs: number) {
  const child = spawn(process.execPath, [BIN, 'compile', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()))
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  try {
    await waitFor(() => line.test(log), { what: `the line ${line} (log so far: ${log.slice(-400)})`, timeoutMs: 300_000 })
    await new Promise((resolve) => setTimeout(resolve, settleMs))
    const below = descendants(child.pid!)
    child.kill(signal)
    const code = await exited
    await waitFor(() => below.every((pid) => !running(pid)), { what: 'the compile\'s child processes to stop', timeoutMs: 10_000 }).catch(() => undefined)
    return { code, log, below, left: below.filter(running) }
  } finally {
    child.kill('SIGKILL')
  }
}

test.each([
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const)('%s while circom compiles: circom stops with the CLI, and no model folder or partial output is left', async (signal, exitCode) => {
  const base = mkdtempSync(join(tmpdir(), 'veridict-signal-circom-'))
  const out = join(base, 'digits')
  const { code, log, below, left } = await interrupt([join(MODELS, 'digits.onnx'), '--out', out, '--calibration', join(MODELS, 'digits.testset.json')], /\[circom\] compiling with circom/, signal, 500)
  expect(below.length, `circom should have been running under the CLI: ${log}`).toBeGreaterThan(0)
  expect(code).toBe(exitCode)
  expect(log).toMatch(new RegExp(`${signal}: stopped 1 child process, removed the unfinished .*\\.digits\\.partial-`))
  expect(left).toEqual([])
  // Neither the model folder nor the folder it was being written in.
  expect(readdirSync(base)).toEqual([])
}, 360_000)

test('SIGTERM during setup: the folder stays a whole compiled model, without a half-made ceremony or key', async () => {
  const base = mkdtempSync(join(tmpdir(), 'veridict-signal-setup-'))
  const out = join(base, 'iris')
  const { code, log, left } = await interrupt([join(MODELS, 'iris.onnx'), '--out', out, '--calibration', join(MODELS, 'iris.testset.json'), '--setup'], /\[(zkey|contribute)\]/, 'SIGTERM', 50)
  expect(code).toBe(143)
  expect(log).toMatch(/SIGTERM: .*removed the unfinished .*ceremony/)
  expect(left).toEqual([])
  expect(readdirSync(base)).toEqual(['iris'])
  const files = readdirSync(out).sort()
  expect(files).toEqual(['manifest.json', 'model.circom', 'model.onnx', 'model.r1cs', 'model.sym', 'model_js', 'quantized.json'])
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { setup?: unknown; circuit?: { constraints: number } }
  expect(manifest.setup).toBeUndefined()
  expect(manifest.circuit!.constraints).toBe(689)
  expect(existsSync(join(out, 'model_js', 'model.wasm'))).toBe(true)
}, 360_000)
