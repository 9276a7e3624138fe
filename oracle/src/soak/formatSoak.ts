import type { SoakReport, SoakSnapshot } from './runSoak.js'

const s = (value: number | undefined, digits = 2) => (value === undefined ? '-' : value.toFixed(digits))
const mib = (value: number) => value.toFixed(0)
const kib = (bytes: number) => (bytes / 1024).toFixed(0)
const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`

/** A markdown table of rows (first row the header). */
export function markdownTable(rows: readonly (readonly string[])[]): string {
  const [header, ...body] = rows
  return [`| ${header!.join(' | ')} |`, `| ${header!.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

/** One snapshot as the tables the soak prints every minute. */
export function formatSnapshot(snapshot: SoakSnapshot): string {
  const { latency } = snapshot
  const requests = markdownTable([
    ['at', 'offered', 'sent', 'send failed', 'final', 'refunded', 'open', 'zk p50/p95/p99 (s)', 'attested p50/p95/p99 (s)', 'operator gas / final', 'requester gas / request', 'faults'],
    [
      minutes(snapshot.elapsedMs),
      String(snapshot.offered),
      String(snapshot.sent),
      String(snapshot.sendFailed),
      String(snapshot.final),
      String(snapshot.refunded),
      String(snapshot.open),
      `${s(latency.zk.p50)} / ${s(latency.zk.p95)} / ${s(latency.zk.p99)}`,
      `${s(latency.attested.p50)} / ${s(latency.attested.p95)} / ${s(latency.attested.p99)}`,
      s(snapshot.operatorGasPerFinal, 0),
      s(snapshot.requesterGasPerRequest, 0),
      String(snapshot.faults),
    ],
  ])
  const processes = markdownTable([['process', 'RSS (MiB)', 'CPU (% of a core)', 'processes'], ...snapshot.processes.map((p) => [p.name, mib(p.rssMiB), p.cpuPercent.toFixed(0), String(p.processes)])])
  const nodes = markdownTable([
    ['node', 'prover RSS (MiB)', 'provers recycled', 'job store (KiB)', 'log (KiB)', 'crashes'],
    ...snapshot.nodes.map((n) => [n.name, mib(n.proverRssMiB), String(n.proverRecycled), kib(n.jobStoreBytes), kib(n.logBytes), String(n.crashes)]),
  ])
  return `${requests}\n\n${processes}\n\n${nodes}\n`
}

/** The closing summary: faults, throughput, per-kind counts, memory over time and the audit. */
export function formatReport(report: SoakReport): string {
  const out: string[] = []
  out.push(`soak: seed ${report.seed}, ${report.chaos ? 'with chaos' : 'no faults'}, load ${minutes(report.durationMs)}`)
  if (report.faults.length) out.push('', markdownTable([['at', 'fault'], ...report.faults.map((f) => [minutes(f.at), f.skipped ? `${f.description} (skipped: ${f.skipped})` : f.description])]))
  out.push('', markdownTable([['kind', 'sent', 'final', 'refunded'], ...Object.entries(report.byKind).map(([kind, k]) => [kind, String(k.sent), String(k.final), String(k.refunded)])]))
  out.push('', `final results per minute: ${s(report.throughput.calm)} with no fault active, ${s(report.throughput.underFaults)} while one was`)
  // Resident memory per process: first snapshot, middle, last, and the change after the first tenth.
  const snaps = report.snapshots
  if (snaps.length >= 2) {
    const first = snaps[0]!
    const warm = snaps[Math.min(snaps.length - 1, Math.max(1, Math.round(snaps.length / 10)))]!
    // At 10 minutes when the run is that long (the soak's checkpoint), else half way.
    const tenMinutes = snaps.find((snap) => snap.elapsedMs >= 10 * 60_000 + first.elapsedMs)
    const middle = tenMinutes && tenMinutes !== snaps.at(-1) ? tenMinutes : snaps[Math.floor(snaps.length / 2)]!
    const last = snaps.at(-1)!
    const rss = (snap: typeof first, name: string) => snap.processes.find((p) => p.name === name)?.rssMiB
    out.push(
      '',
      markdownTable([
        ['process', `RSS at ${minutes(first.elapsedMs)}`, `after warm-up (${minutes(warm.elapsedMs)})`, `at ${minutes(middle.elapsedMs)}`, `at the end (${minutes(last.elapsedMs)})`, 'end vs warm-up'],
        ...first.processes.map((p) => {
          const [a, w, m, z] = [rss(first, p.name), rss(warm, p.name), rss(middle, p.name), rss(last, p.name)]
          return [p.name, s(a, 0), s(w, 0), s(m, 0), s(z, 0), w && z ? `${(((z - w) / w) * 100).toFixed(1)}%` : '-']
        }),
      ]),
    )
  }
  const { audit } = report
  out.push(
    '',
    `audit: ${audit.ok ? 'OK' : 'FAILED'}; lost ${audit.lost.length}, final twice ${audit.doubled.length}, wrong refunds ${audit.badRefunds.length}; ` +
      `oracle holds ${audit.accounts.oracle.balance} wei, owes ${audit.accounts.oracle.owed}; staking holds ${audit.accounts.staking.balance}, owes ${audit.accounts.staking.owed}; ` +
      `node transactions reverted: ${audit.revertedTransactions}`,
  )
  for (const j of audit.jobStores) out.push(`  ${j.name}: ${j.jobs} jobs, ${j.missing.length} requests never recorded, ${j.notFinal.length} not final`)
  for (const p of audit.problems) out.push(`  problem: ${p}`)
  return `${out.join('\n')}\n`
}
