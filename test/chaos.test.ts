/**
 * Two minutes of chaos on the devnet, with a fixed seed (oracle/src/soak, docs/operations.md): the
 * three operators and a watchtower as processes of their own under a mixed load (ZK and attested,
 * callbacks, private requests, some left to expire), while the schedule kills a node with SIGKILL,
 * hangs and slows a node's RPC, cuts a peer link and fills a node's data folder (when a tmpfs can be
 * mounted: root). Afterwards no request is lost or final twice, every wei is accounted for, and
 * every node's job store agrees with the chain. `npm run bench:soak -- --chaos` is the long run.
 */
import { expect, test } from 'vitest'
import { formatReport, runSoak } from '@veridict/oracle/testing'

test('two minutes of seeded faults under load: nothing lost, nothing twice, every wei accounted for', async () => {
  const lines: string[] = []
  const report = await runSoak({
    durationMs: 120_000,
    seed: 17,
    chaos: true,
    meanFaultGapMs: 10_000,
    requestsPerMinute: 20,
    ttlSeconds: 60,
    reportEveryMs: 30_000,
    onLine: (line) => lines.push(line),
  })
  console.log(formatReport(report))
  const { audit } = report
  expect(audit.problems).toEqual([])
  expect(audit.lost).toEqual([])
  expect(audit.doubled).toEqual([])
  expect(audit.badRefunds).toEqual([])
  expect(audit.accounts.oracle.balance).toBe(audit.accounts.oracle.owed)
  expect(audit.accounts.staking.balance).toBe(audit.accounts.staking.owed)
  for (const store of audit.jobStores) expect({ name: store.name, missing: store.missing, notFinal: store.notFinal }).toEqual({ name: store.name, missing: [], notFinal: [] })
  // The schedule went through every kind it could run (the full disk needs root for its tmpfs).
  const ran = new Set(report.faults.filter((f) => !f.skipped).map((f) => f.kind))
  for (const kind of ['kill', 'rpcPause', 'peerDrop', 'slowRpc'] as const) expect(ran, `faults run: ${[...ran].join(', ')}`).toContain(kind)
  // The load was served through it: most requests final, the expiring private ones refunded.
  const sent = report.snapshots.at(-1)!.sent
  expect(sent).toBeGreaterThanOrEqual(20)
  expect(report.byKind['private-expiring']?.final ?? 0).toBe(0)
  expect(report.snapshots.at(-1)!.final + report.snapshots.at(-1)!.refunded).toBe(sent)
  // A killed node came back on its data folder and kept every request (the job stores check above).
  expect(lines.join('\n')).toMatch(/fault: kill -9/)
}, 600_000)
