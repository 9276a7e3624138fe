import { seededRandom } from '@veridict/circuits/testing'

/** The faults a chaos run injects (docs/operations.md says what the node does on each). */
export const faultKinds = ['kill', 'rpcPause', 'peerDrop', 'diskFull', 'slowRpc'] as const
export type FaultKind = (typeof faultKinds)[number]

export type Fault = {
  /** Milliseconds from the start of the load. */
  at: number
  kind: FaultKind
  /** The node hit (index into the honest nodes; diskFull: always the first); peerDrop cuts the link between `node` and `peer`. */
  node: number
  peer?: number | undefined
  /** How long the fault lasts (a killed node is started again after it). */
  durationMs: number
  /** slowRpc: milliseconds each chunk of the node's RPC traffic is held. */
  delayMs?: number | undefined
}

export type FaultScheduleParameters = {
  seed: number
  /** The load's length: no fault starts in its last fifth, so the run ends calm. */
  durationMs: number
  nodes: number
  /** Kinds to draw from (default all). */
  kinds?: readonly FaultKind[] | undefined
  /** Mean quiet time between one fault's end and the next's start (default 20 s). */
  meanGapMs?: number | undefined
}

/**
 * A reproducible fault schedule: the same seed gives the same faults at the same times. Faults do
 * not overlap (one ends before the next starts); the first rounds go through every kind once, in a
 * seeded order, so even a short run sees each.
 */
export function faultSchedule({ seed, durationMs, nodes, kinds = faultKinds, meanGapMs = 20_000 }: FaultScheduleParameters): Fault[] {
  const random = seededRandom(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const between = (lo: number, hi: number) => Math.round(lo + (hi - lo) * random())
  const firstRound = [...kinds]
  for (let i = firstRound.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[firstRound[i], firstRound[j]] = [firstRound[j]!, firstRound[i]!]
  }
  const faults: Fault[] = []
  let at = between(meanGapMs / 2, meanGapMs)
  while (at < durationMs * 0.8) {
    const kind = faults.length < firstRound.length ? firstRound[faults.length]! : pick(kinds)
    // The full-disk fault hits the first node, whose data folder has the quota.
    const node = kind === 'diskFull' ? 0 : Math.floor(random() * nodes)
    const fault: Fault = { at, kind, node, durationMs: 0 }
    if (kind === 'kill') fault.durationMs = between(2_000, 8_000)
    if (kind === 'rpcPause') fault.durationMs = between(3_000, 10_000)
    if (kind === 'diskFull') fault.durationMs = between(5_000, 15_000)
    if (kind === 'peerDrop') {
      fault.peer = (node + 1 + Math.floor(random() * (nodes - 1))) % nodes
      fault.durationMs = between(5_000, 20_000)
    }
    if (kind === 'slowRpc') {
      fault.delayMs = between(200, 1_500)
      fault.durationMs = between(5_000, 20_000)
    }
    faults.push(fault)
    at += fault.durationMs + between(meanGapMs / 2, (meanGapMs * 3) / 2)
  }
  return faults
}

export function describeFault(fault: Fault, names: readonly string[]): string {
  const node = names[fault.node] ?? `node ${fault.node}`
  const seconds = `${(fault.durationMs / 1000).toFixed(1)} s`
  switch (fault.kind) {
    case 'kill':
      return `kill -9 ${node} (and its provers), started again after ${seconds}`
    case 'rpcPause':
      return `${node}'s chain RPC hangs for ${seconds}`
    case 'peerDrop':
      return `the peer network between ${node} and ${names[fault.peer!] ?? fault.peer} is cut for ${seconds}`
    case 'diskFull':
      return `${node}'s data folder is full for ${seconds}`
    case 'slowRpc':
      return `${node}'s chain RPC answers ${fault.delayMs} ms late for ${seconds}`
  }
}
