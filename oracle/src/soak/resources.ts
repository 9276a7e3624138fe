import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100

/** Resident memory (bytes) and CPU time (seconds, user + system) of one process from /proc; undefined once it is gone. */
export function processUsage(pid: number): { rssBytes: number; cpuSeconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command name; 24 (rss, pages) is 21.
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0)
    return { rssBytes: rssKb * 1024, cpuSeconds }
  } catch {
    return undefined
  }
}

/** The summed usage of a group of processes (a node and its provers). */
export function groupUsage(pids: readonly number[]): { rssBytes: number; cpuSeconds: number; processes: number } {
  let rssBytes = 0
  let cpuSeconds = 0
  let processes = 0
  for (const pid of pids) {
    const usage = processUsage(pid)
    if (!usage) continue
    rssBytes += usage.rssBytes
    cpuSeconds += usage.cpuSeconds
    processes++
  }
  return { rssBytes, cpuSeconds, processes }
}

/** Bytes of the files in `dir` whose names pass `filter` (not recursive); 0 for a folder that is not there. */
export function filesBytes(dir: string, filter: (name: string) => boolean = () => true): number {
  let bytes = 0
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return 0
  }
  for (const name of names) {
    if (!filter(name)) continue
    try {
      const stat = statSync(join(dir, name))
      if (stat.isFile()) bytes += stat.size
    } catch {
      // removed meanwhile
    }
  }
  return bytes
}

/** CPU use between two samples, in percent of one core; 0 for samples under a second apart (/proc counts in 10 ms ticks). */
export function cpuPercent(before: number, after: number, elapsedMs: number): number {
  return elapsedMs >= 1_000 ? ((after - before) / (elapsedMs / 1000)) * 100 : 0
}

/** The q-quantile (0..1) of `values` (nearest rank); undefined when empty. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}
