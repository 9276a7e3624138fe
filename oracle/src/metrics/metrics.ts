import type { OperatorState } from '../chain/operatorState.js'
import { version } from '../version.js'

type Labels = Record<string, string>

const key = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))
const renderLabels = (labels: Labels) => {
  const entries = Object.entries(labels)
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')}}` : ''
}
const num = (v: number | bigint) => (typeof v === 'bigint' ? v.toString() : Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : '-Inf')

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}
  abstract lines(): string[]
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.lines()].join('\n')
  }
}

export class Counter extends Metric {
  private readonly values = new Map<string, { labels: Labels; value: number | bigint }>()
  constructor(name: string, help: string) {
    super(name, help, 'counter')
  }
  inc(labels: Labels = {}, by: number | bigint = 1): void {
    const k = key(labels)
    const current = this.values.get(k)?.value ?? (typeof by === 'bigint' ? 0n : 0)
    this.values.set(k, { labels, value: typeof by === 'bigint' ? BigInt(current) + by : Number(current) + by })
  }
  get(labels: Labels = {}): number | bigint {
    return this.values.get(key(labels))?.value ?? 0
  }
  lines(): string[] {
    return [...this.values.values()].map(({ labels, value }) => `${this.name}${renderLabels(labels)} ${num(value)}`)
  }
}

export class Gauge extends Metric {
  private readonly values = new Map<string, { labels: Labels; value: number | bigint }>()
  private collect: (() => { labels: Labels; value: number | bigint }[]) | undefined
  constructor(name: string, help: string, collect?: () => { labels: Labels; value: number | bigint }[]) {
    super(name, help, 'gauge')
    this.collect = collect
  }
  set(value: number | bigint, labels: Labels = {}): void {
    this.values.set(key(labels), { labels, value })
  }
  lines(): string[] {
    const values = this.collect ? this.collect() : [...this.values.values()]
    return values.map(({ labels, value }) => `${this.name}${renderLabels(labels)} ${num(value)}`)
  }
}

export class Histogram extends Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>()
  constructor(
    name: string,
    help: string,
    readonly buckets: readonly number[],
  ) {
    super(name, help, 'histogram')
  }
  observe(value: number, labels: Labels = {}): void {
    const k = key(labels)
    let s = this.series.get(k)
    if (!s) this.series.set(k, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }))
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]!++
    })
    s.sum += value
    s.count++
  }
  lines(): string[] {
    const out: string[] = []
    for (const { labels, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${renderLabels({ ...labels, le: String(b) })} ${counts[i]}`))
      out.push(`${this.name}_bucket${renderLabels({ ...labels, le: '+Inf' })} ${count}`)
      out.push(`${this.name}_sum${renderLabels(labels)} ${sum}`)
      out.push(`${this.name}_count${renderLabels(labels)} ${count}`)
    }
    return out
  }
}

/** The node's Prometheus metrics (text exposition format 0.0.4). */
export class NodeMetrics {
  readonly inferenceSeconds = new Histogram('veridict_inference_seconds', 'Time from an input to its canonical output (the exact integer graph, or the float session for attested-only models).', [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5])
  readonly proveSeconds = new Histogram('veridict_prove_seconds', 'Time to make one Groth16 proof.', [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120])
  readonly attestOnClockSeconds = new Histogram(
    'veridict_attestation_on_clock_seconds',
    'Time from seeing the block that draws a committee to sending the attestation it allows (it must reach the next block: under about one block time).',
    [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.5, 2, 5],
  )
  readonly gasSpentWei = new Counter('veridict_gas_spent_wei_total', 'Wei spent on gas by the operator key.')
  readonly gasUsed = new Counter('veridict_gas_used_total', 'Gas used by the operator key.')
  readonly transactions = new Counter('veridict_transactions_total', 'Transactions by kind and result (mined, already, reverted, replaced).')
  readonly disputes = new Counter('veridict_disputes_total', 'Attested results this node disputed with a proof.')
  readonly traceChallenges = new Counter('veridict_trace_challenges_total', 'Attested results this node challenged with its own trace (a trace game, docs/disputes.md).')
  readonly gameMoves = new Counter('veridict_trace_game_moves_total', 'Trace game moves this node sent, by move, side and result (mined, already: another party made it first).')
  readonly gamesEnded = new Counter('veridict_trace_games_total', 'Trace games this node played to the end, by its side and result (won, lost).')
  readonly proverRss = new Gauge('veridict_prover_rss_bytes', 'Resident memory of the prover process after its last proof (a process past proverMaxRssMiB is replaced).')
  readonly proverRecycled = new Counter('veridict_prover_recycled_total', 'Prover processes replaced for their memory or proof count.')
  readonly tracesKept = new Gauge('veridict_traces_kept_bytes', 'Bytes of traces the node keeps until their results are final.')
  readonly storageFull = new Gauge('veridict_storage_full', '1 while the data folder cannot take a write (a full disk: jobs wait, nothing is lost), else 0.')
  readonly storageFullEvents = new Counter('veridict_storage_full_total', 'Writes the data folder refused for want of room (each one retried later).')
  readonly jobsPruned = new Counter('veridict_jobs_pruned_total', 'Final jobs deleted past jobRetentionHours, with their history, signatures, traces and ended games.')
  readonly jobStoreBytes: Gauge
  readonly equivocations = new Counter('veridict_equivocations_reported_total', 'Operators this node reported for signing two outputs for one request.')
  readonly attestationsReceived = new Counter('veridict_peer_attestations_total', 'Attestation signatures received from peers, by result.')
  readonly lastBlock = new Gauge('veridict_last_processed_block', 'Last block whose logs the node processed.')
  readonly headBlock = new Gauge('veridict_chain_head_block', 'Latest block the RPC reported.')
  readonly rpcUp = new Gauge('veridict_rpc_up', '1 when the last RPC call succeeded, else 0.')
  readonly rpcCalls = new Counter('veridict_rpc_calls_total', 'JSON-RPC calls by endpoint (scheme and host; the primary first, then the fallbacks) and result: calls moving to a fallback mean the primary is failing.')
  readonly jobs: Gauge
  /** The operator as the chain saw it last (every 10 s): nothing until the node first read it. */
  readonly operator: Gauge[]
  readonly buildInfo = new Gauge('veridict_build_info', 'Always 1; the labels say which node runs: its version and Node.js version.', () => [{ labels: { version, node: process.version }, value: 1 }])

  constructor(jobsByState: () => Record<string, number>, operatorState: () => OperatorState | undefined = () => undefined, jobStoreBytes: () => number | undefined = () => undefined) {
    this.jobs = new Gauge('veridict_jobs', 'Jobs by state.', () => Object.entries(jobsByState()).map(([state, value]) => ({ labels: { state }, value })))
    this.jobStoreBytes = new Gauge('veridict_jobstore_bytes', "Bytes of the node's SQLite database on disk (file and write-ahead log); flat once final jobs are pruned (jobRetentionHours), since SQLite reuses the freed pages.", () => {
      const bytes = jobStoreBytes()
      return bytes === undefined ? [] : [{ labels: {}, value: bytes }]
    })
    const fromState = (name: string, help: string, read: (s: OperatorState) => bigint | boolean) =>
      new Gauge(name, help, () => {
        const state = operatorState()
        if (!state) return []
        const value = read(state)
        return [{ labels: {}, value: typeof value === 'boolean' ? (value ? 1 : 0) : value }]
      })
    this.operator = [
      fromState('veridict_operator_balance_wei', "Wei the operator key holds to pay gas (alert well before it runs out: each transaction needs it).", (s) => s.balance),
      fromState('veridict_operator_stake_wei', 'Active stake of the operator in OperatorStaking.', (s) => s.stake),
      fromState('veridict_operator_locked_stake_wei', 'Part of the stake locked behind attestations not yet final (no new signature beyond stake minus this).', (s) => s.locked),
      fromState('veridict_operator_unbonding_wei', 'Stake on its way out (still slashable until withdrawn).', (s) => s.unbonding),
      fromState('veridict_operator_rewards_wei', 'Attestation fees earned, withdrawable from OperatorStaking (veridict operator withdraw --rewards).', (s) => s.rewards),
      fromState('veridict_operator_oracle_balance_wei', "Proof fees, refunds and slashing rewards withdrawable from the oracle (its balanceOf).", (s) => s.oracleBalance),
      fromState('veridict_operator_active', '1 when the operator\'s signatures count (registered, never slashed, stake at least MIN_STAKE), else 0.', (s) => s.active),
    ]
  }

  render(): string {
    const all = [this.buildInfo, ...this.operator, this.jobs, this.jobStoreBytes, this.storageFull, this.storageFullEvents, this.jobsPruned, this.inferenceSeconds, this.proveSeconds, this.proverRss, this.proverRecycled, this.attestOnClockSeconds, this.gasSpentWei, this.gasUsed, this.transactions, this.disputes, this.traceChallenges, this.gameMoves, this.gamesEnded, this.tracesKept, this.equivocations, this.attestationsReceived, this.lastBlock, this.headBlock, this.rpcUp, this.rpcCalls]
    return `${all.map((m) => m.render()).join('\n')}\n`
  }
}
