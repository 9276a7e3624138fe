/**
 * npm run bench:soak [-- --minutes 30] [--chaos] [--seed 1] [--rate 20] [--ttl 300] [--report-every 60] [--faults kill,rpcPause,...] [--fault-gap 20] [--keep]
 *
 * The devnet's three operator nodes and a watchtower, each a process of its own, under a mixed load
 * for `--minutes` (default 30; `--minutes 1440` for a day), then drained and audited
 * (oracle/src/soak/runSoak.ts, docs/operations.md). `--chaos` adds the seeded fault schedule: kill
 * -9, a hung RPC, a cut peer link, a full data folder (root only: a tmpfs), a slow RPC. Prints the
 * tables every `--report-every` seconds and a summary at the end (Markdown); exits 1 when the audit
 * finds a lost, doubled or unaccounted request.
 */
import { parseArgs } from 'node:util'
import { faultKinds, type FaultKind } from '../src/soak/faultSchedule.js'
import { formatReport, formatSnapshot } from '../src/soak/formatSoak.js'
import { runSoak } from '../src/soak/runSoak.js'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    chaos: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    rate: { type: 'string', default: '20' },
    ttl: { type: 'string', default: '300' },
    'report-every': { type: 'string', default: '60' },
    faults: { type: 'string' },
    'fault-gap': { type: 'string', default: '20' },
    'prover-max-rss': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
})
const number = (name: string, value: string | undefined) => {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} ${value}: expected a positive number`)
  return n
}
const kinds = values.faults?.split(',').map((k) => k.trim()) as FaultKind[] | undefined
for (const k of kinds ?? []) if (!faultKinds.includes(k)) throw new Error(`--faults: unknown fault ${k}; choose from ${faultKinds.join(', ')}`)

const report = await runSoak({
  durationMs: number('minutes', values.minutes) * 60_000,
  chaos: values.chaos,
  seed: number('seed', values.seed),
  requestsPerMinute: number('rate', values.rate),
  ttlSeconds: number('ttl', values.ttl),
  reportEveryMs: number('report-every', values['report-every']) * 1000,
  faultKinds: kinds,
  meanFaultGapMs: number('fault-gap', values['fault-gap']) * 1000,
  proverMaxRssMiB: values['prover-max-rss'] === undefined ? undefined : number('prover-max-rss', values['prover-max-rss']),
  keepDataDir: values.keep,
  onLine: (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
  onSnapshot: (snapshot) => process.stdout.write(`\n${formatSnapshot(snapshot)}`),
})
process.stdout.write(`\n${formatReport(report)}`)
process.exit(report.audit.ok ? 0 : 1)
