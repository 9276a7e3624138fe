import type { ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'

/**
 * What a long command must undo when it is stopped (SIGTERM from a supervisor or a timeout, SIGINT
 * from Ctrl-C): the child processes it started (circom, prover processes), which would otherwise
 * run on, orphaned, and the half-written outputs it would otherwise leave. Work registers both here
 * while it runs; `exitOnSignals` (the CLI) stops the children and removes the outputs, then exits.
 */

const children = new Set<ChildProcess>()
const partialPaths = new Set<string>()

/** Tracks a child process until it exits: a signal to this process stops it too. */
export function trackChild(child: ChildProcess): void {
  children.add(child)
  child.once('exit', () => children.delete(child))
}

/** Registers a path (file or folder) that is incomplete until `done` is called: a signal before that removes it. */
export function removeOnInterrupt(path: string): () => void {
  partialPaths.add(path)
  return () => void partialPaths.delete(path)
}

/** The children being tracked (tests). */
export function trackedChildren(): ChildProcess[] {
  return [...children]
}

/** Stops every tracked child (SIGKILL: circom and snarkjs hold no state worth a clean stop) and removes every partial output. */
export function stopTrackedWork(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL')
    } catch {
      // Already gone.
    }
  }
  children.clear()
  for (const path of partialPaths) rmSync(path, { recursive: true, force: true })
  partialPaths.clear()
}

/**
 * Installs SIGTERM and SIGINT handlers: the first signal stops the tracked work, says so on
 * `report`, and exits with 128 + the signal's number (143, 130), as a shell reports it. Returns a
 * function that removes the handlers.
 */
export function exitOnSignals(report: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): () => void {
  const handle = (signal: 'SIGTERM' | 'SIGINT') => {
    const stopped = children.size
    const removed = [...partialPaths]
    stopTrackedWork()
    const done = [...(stopped ? [`stopped ${stopped} child process${stopped === 1 ? '' : 'es'}`] : []), ...(removed.length ? [`removed the unfinished ${removed.join(', ')}`] : [])]
    report(`${signal}: ${done.join(', ') || 'nothing was running'}; exiting`)
    process.exit(128 + (signal === 'SIGTERM' ? 15 : 2))
  }
  const onTerm = () => handle('SIGTERM')
  const onInt = () => handle('SIGINT')
  process.once('SIGTERM', onTerm)
  process.once('SIGINT', onInt)
  return () => {
    process.off('SIGTERM', onTerm)
    process.off('SIGINT', onInt)
  }
}

/** A process's peak resident memory so far (VmHWM, MiB), or undefined where /proc cannot tell. */
export async function peakMemoryMiB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1])
    return Number.isFinite(kb) && kb > 0 ? kb / 1024 : undefined
  } catch {
    return undefined
  }
}

/** Whether a process with this pid runs (EPERM: it does, as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
