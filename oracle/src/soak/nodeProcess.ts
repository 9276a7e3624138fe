import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { NodeConfigInput } from '../config/schema.js'
import { REPO_ROOT } from '../deploy/artifacts.js'
import { waitFor } from '../devnet/waitFor.js'
import { descendants, exited, killGroup } from '../testing/processes.js'

export type NodeProcessParameters = {
  name: string
  operatorKey: Hex
  config: NodeConfigInput & { httpPort: number; dataDir: string }
  /** Folder for the config file and the process's output (`<name>.json`, `<name>.out`). */
  runDir: string
}

/**
 * One operator's node as an operating system process, started as an operator starts it
 * (`veridict node start --config <file>`, the key in VERIDICT_OPERATOR_KEY): it can be killed with
 * SIGKILL mid-work and started again on the same data folder, as a supervisor would.
 */
export class NodeProcess {
  readonly name: string
  readonly url: string
  readonly operator: Hex
  readonly configFile: string
  readonly outFile: string
  readonly config: NodeProcessParameters['config']
  private readonly operatorKey: Hex
  private child: ChildProcess | undefined
  /** Exits nobody asked for (the harness restarts the node, as a supervisor would). */
  crashes = 0
  private expectingExit = false

  constructor({ name, operatorKey, config, runDir }: NodeProcessParameters) {
    this.name = name
    this.operatorKey = operatorKey
    this.operator = privateKeyToAccount(operatorKey).address
    this.config = config
    this.url = `http://127.0.0.1:${config.httpPort}`
    this.configFile = join(runDir, `${name}.json`)
    this.outFile = join(runDir, `${name}.out`)
    writeFileSync(this.configFile, `${JSON.stringify(config, null, 2)}\n`)
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  get isRunning(): boolean {
    return this.child !== undefined
  }

  /** The node's process and its children (prover processes). */
  pids(): number[] {
    const pid = this.child?.pid
    return pid === undefined ? [] : [pid, ...descendants(pid)]
  }

  /** Starts the process and waits until its /health answers; `onCrash` hears of an exit nobody asked for. */
  async start(onCrash?: (node: NodeProcess, code: number | null, signal: NodeJS.Signals | null) => void): Promise<void> {
    if (this.child) return
    const out = openSync(this.outFile, 'a')
    const child = spawn(process.execPath, [join(REPO_ROOT, 'oracle/bin/veridict.mjs'), 'node', 'start', '--config', this.configFile], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', VERIDICT_OPERATOR_KEY: this.operatorKey },
      stdio: ['ignore', out, out],
      detached: true,
    })
    closeSync(out)
    this.child = child
    this.expectingExit = false
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined
      if (!this.expectingExit) {
        this.crashes++
        onCrash?.(this, code, signal)
      }
    })
    await waitFor(
      async () => {
        if (this.child !== child) throw new Error(`${this.name} exited while starting (see ${this.outFile})`)
        const response = await fetch(`${this.url}/health`).catch(() => undefined)
        return response?.ok === true
      },
      { timeoutMs: 120_000, intervalMs: 250, what: `${this.name}'s /health` },
    )
  }

  /** SIGKILL to the node and its prover processes: no shutdown code runs. */
  async kill(): Promise<void> {
    const child = this.child
    if (!child) return
    this.expectingExit = true
    killGroup(child, 'SIGKILL')
    await exited(child)
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    const child = this.child
    if (!child) return
    this.expectingExit = true
    killGroup(child, 'SIGTERM')
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs)
    await exited(child)
    clearTimeout(timer)
  }

  /** The node's /metrics, parsed: `name{labels}` to value. */
  async metrics(): Promise<Map<string, number>> {
    const text = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text())
    const values = new Map<string, number>()
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue
      const space = line.lastIndexOf(' ')
      values.set(line.slice(0, space), Number(line.slice(space + 1)))
    }
    return values
  }
}

/** The sum of a metric over its label sets (`name` alone or `name{...}`), filtered by a label substring. */
export function metricSum(metrics: Map<string, number>, name: string, labelFilter = ''): number {
  let sum = 0
  for (const [key, value] of metrics) if ((key === name || key.startsWith(`${name}{`)) && key.includes(labelFilter)) sum += value
  return sum
}
