/**
 * The soak and chaos run (docs/operations.md): the devnet's three operators and a watchtower as
 * processes of their own, each behind a TCP proxy to the chain and to each peer, under a seeded
 * mixed load (ZK and attested, the devnet's three models, callbacks, private requests, requests left
 * to expire) for a set time, optionally with a seeded fault schedule (kill -9, a hung or slow RPC,
 * a cut peer link, a full data folder). Every minute it samples what each process holds; at the end
 * it drains, then audits: every request final or refunded and none twice, every wei accounted for,
 * every node's job store agreeing with the chain.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import { formatEther, parseEventLogs, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { encodeInput, getRequest, inferenceOracleAbi, operatorStakingAbi, refundExpired, requestInference, type VeridictManifest } from '@veridict/sdk'
import { delegatePrivateInput, requestPrivateInference } from '@veridict/sdk/private'
import { seededRandom } from '@veridict/circuits/testing'
import { RequestStatus } from '../chain/requestStatus.js'
import { anvilPrivateKeys, freePort } from '../devnet/anvil.js'
import { classifyDigit } from '../devnet/runDemo.js'
import { DEVNET_ACCOUNTS, startDevnet, type Devnet, type DevnetModelName } from '../devnet/startDevnet.js'
import { waitFor } from '../devnet/waitFor.js'
import { TcpProxy } from '../testing/tcpProxy.js'
import { DiskQuota } from './diskQuota.js'
import { describeFault, faultSchedule, type Fault, type FaultKind } from './faultSchedule.js'
import { metricSum, NodeProcess } from './nodeProcess.js'
import { cpuPercent, filesBytes, groupUsage, quantile } from './resources.js'

/** What the load offers, with its share of requests. */
export const loadMix = [
  { kind: 'zk-digits', share: 0.3 },
  { kind: 'zk-digits-callback', share: 0.15 },
  { kind: 'zk-iris', share: 0.1 },
  { kind: 'attested-iris', share: 0.2 },
  { kind: 'attested-digits', share: 0.1 },
  { kind: 'private-delegated', share: 0.1 },
  { kind: 'private-expiring', share: 0.05 },
] as const
export type LoadKind = (typeof loadMix)[number]['kind']

/** anvil accounts the load sends from (each one request at a time, so nonces never race), and the refunder. */
const REQUESTERS = [DEVNET_ACCOUNTS.user, 7, 8, 9] as const
const WATCHTOWER_ACCOUNT = 6
const REFUNDER = DEVNET_ACCOUNTS.deployer

export type SoakParameters = {
  /** How long the load runs, in ms (then the run drains and audits). */
  durationMs: number
  /** Seeds the load and the fault schedule: the same seed, the same run. */
  seed?: number | undefined
  /** Inject the fault schedule. */
  chaos?: boolean | undefined
  /** Fault kinds to draw (default all; `diskFull` needs root to mount a tmpfs, and is skipped, and said so, without it). */
  faultKinds?: readonly FaultKind[] | undefined
  /** Mean quiet time between faults (default 20 s). */
  meanFaultGapMs?: number | undefined
  /** Requests offered per minute, on average (Poisson arrivals; default 20). */
  requestsPerMinute?: number | undefined
  /** Seconds a request may wait for its result (default 300); expiring private requests get a fifth of it. */
  ttlSeconds?: number | undefined
  /** How often a snapshot is taken (default 60 s). */
  reportEveryMs?: number | undefined
  /** The attested results' challenge window, in seconds (default 12, as the demo). */
  challengeWindow?: bigint | undefined
  /** Each snapshot, as it is taken. */
  onSnapshot?: ((snapshot: SoakSnapshot) => void) | undefined
  /** Progress and faults, one line each. */
  onLine?: ((line: string) => void) | undefined
  /** Keep the run's folder (deployment, node configs, data, logs) afterwards; its path is said in a line. */
  keepDataDir?: boolean | undefined
  /** Bound on each node's prover memory (proverMaxRssMiB). */
  proverMaxRssMiB?: number | undefined
}

export type ProcessSample = { name: string; rssMiB: number; cpuPercent: number; processes: number }
export type NodeSample = { name: string; proverRssMiB: number; proverRecycled: number; jobStoreBytes: number; logBytes: number; crashes: number }

export type SoakSnapshot = {
  elapsedMs: number
  offered: number
  /** Sent, with a receipt. */
  sent: number
  /** Whose send failed (counted, never lost: no request exists on-chain for it). */
  sendFailed: number
  final: number
  refunded: number
  open: number
  latency: Record<'zk' | 'attested', { p50: number | undefined; p95: number | undefined; p99: number | undefined; count: number }>
  processes: ProcessSample[]
  nodes: NodeSample[]
  /** Gas of every transaction the nodes sent (from their receipts), per final request. */
  operatorGasPerFinal: number | undefined
  /** Requester gas per request sent. */
  requesterGasPerRequest: number | undefined
  faults: number
}

export type SoakAudit = {
  /** Requests sent and not final or refunded at the end. */
  lost: bigint[]
  /** Requests with more than one final event (fulfilled, finalized, refunded). */
  doubled: bigint[]
  /** Requests refunded for a different amount than they paid. */
  badRefunds: bigint[]
  accounts: { oracle: { balance: bigint; owed: bigint }; staking: { balance: bigint; owed: bigint }; operators: { operator: Address; credited: bigint; withdrawn: bigint; rewards: bigint }[] }
  /** Per node: requests it never recorded, and jobs not in a final state. */
  jobStores: { name: string; jobs: number; missing: bigint[]; notFinal: bigint[] }[]
  /** Transactions the nodes sent that reverted (a result someone else delivered first counts as `already`, not here). */
  revertedTransactions: number
  ok: boolean
  problems: string[]
}

export type SoakReport = {
  seed: number
  chaos: boolean
  durationMs: number
  snapshots: SoakSnapshot[]
  faults: (Fault & { description: string; skipped?: string | undefined })[]
  /** Final results per minute while no fault was active, and while one was. */
  throughput: { calm: number | undefined; underFaults: number | undefined }
  byKind: Record<string, { sent: number; final: number; refunded: number }>
  audit: SoakAudit
}

type Tracked = {
  id: bigint
  kind: LoadKind
  mode: 'zk' | 'attested'
  sentAt: number
  payment: bigint
  /** Unix seconds after which it can be refunded. */
  deadline: bigint
  answeredAt?: number
  finalAt?: number
  refundedAt?: number
  refundAmount?: bigint
  finalEvents: number
}

/** Runs the soak (with chaos when asked) and returns every snapshot, the faults and the audit. */
export async function runSoak(parameters: SoakParameters): Promise<SoakReport> {
  const { durationMs, seed = 1, chaos = false, requestsPerMinute = 20, ttlSeconds = 300, reportEveryMs = 60_000, challengeWindow = 12n } = parameters
  const line = parameters.onLine ?? (() => {})
  const random = seededRandom(seed)
  const started = performance.now()
  const elapsed = () => performance.now() - started

  line('starting the devnet (contracts, models, operators)')
  const devnet = await startDevnet({ tempDir: true, logLevel: 'info', startNodes: false, challengeWindow })
  const runDir = join(devnet.dataDir, 'soak')
  mkdirSync(runDir, { recursive: true })
  const proxies: TcpProxy[] = []
  const nodes: NodeProcess[] = []
  let quota: DiskQuota | undefined
  const timers: NodeJS.Timeout[] = []
  let stopping = false
  try {
    // One proxy to the chain per node, and one per peer link (i -> j), so a fault hits one node or one link.
    const anvilPort = devnet.anvil.port
    const proxy = async (target: number) => {
      const p = new TcpProxy(await freePort(), target)
      await p.start()
      proxies.push(p)
      return p
    }
    const honest = devnet.nodes
    const rpcProxies = await Promise.all(honest.map(() => proxy(anvilPort)))
    const peerProxies = new Map<string, TcpProxy>()
    for (const [i] of honest.entries()) for (const [j, to] of honest.entries()) if (i !== j) peerProxies.set(`${i}-${j}`, await proxy(to.config.peerHttpPort))

    // Each node logs to a file of its own in the run's folder (not the data folder a full disk hits), rotated at 4 MiB.
    const logSettings = (name: string) => ({ logFile: join(runDir, `${name}.log`), logMaxMiB: 4, logFiles: 2, logLevel: 'info' as const })
    const kinds = parameters.faultKinds
    const wantsDisk = chaos && (kinds === undefined || kinds.includes('diskFull'))
    let diskSkipped: string | undefined
    if (wantsDisk) {
      quota = new DiskQuota(join(runDir, `${honest[0]!.name}-data`), 64)
      diskSkipped = quota.mount()
      if (diskSkipped) line(`the full-disk fault is skipped: a tmpfs could not be mounted for ${honest[0]!.name}'s data folder (${diskSkipped}); run as root to include it`)
    }
    for (const [i, node] of honest.entries()) {
      nodes.push(
        new NodeProcess({
          name: node.name,
          operatorKey: anvilPrivateKeys[DEVNET_ACCOUNTS.operators[i]!]!,
          runDir,
          config: {
            ...node.config,
            rpcUrl: rpcProxies[i]!.url,
            peers: honest.map((_, j) => peerProxies.get(`${i}-${j}`)?.url).filter((u): u is string => u !== undefined),
            dataDir: i === 0 && quota?.isMounted ? quota.dir : join(runDir, `${node.name}-data`),
            proverMaxRssMiB: parameters.proverMaxRssMiB,
            ...logSettings(node.name),
          },
        }),
      )
    }
    // The watchtower: not staked (it cannot attest), it recomputes every attested result and would dispute a wrong one; it proves ZK requests too.
    const watchtowerRpc = await proxy(anvilPort)
    const [httpPort, peerHttpPort] = [await freePort(), await freePort()]
    nodes.push(
      new NodeProcess({
        name: 'watchtower',
        operatorKey: anvilPrivateKeys[WATCHTOWER_ACCOUNT]!,
        runDir,
        config: { ...honest[0]!.config, rpcUrl: watchtowerRpc.url, httpPort, peerHttpPort, peers: [], modes: ['zk'], watchtower: true, dataDir: join(runDir, 'watchtower-data'), proverMaxRssMiB: parameters.proverMaxRssMiB, ...logSettings('watchtower') },
      }),
    )
    // A node that exits by itself is started again after a second, as systemd's Restart=always would.
    const onCrash = (node: NodeProcess, code: number | null, signal: NodeJS.Signals | null) => {
      const last = readFileSync(node.outFile, 'utf8').trimEnd().split('\n').slice(-3).map((l) => `    ${l.slice(0, 400)}`).join('\n')
      line(`${node.name} exited by itself (code ${code}, signal ${signal}); starting it again. Its last lines:\n${last}`)
      if (stopping) return
      const restart = () => node.start(onCrash).catch(() => (stopping ? undefined : void timers.push(setTimeout(restart, 2_000))))
      timers.push(setTimeout(restart, 1_000))
    }
    line('starting three operator nodes and a watchtower, each a process of its own')
    await Promise.all(nodes.map((n) => n.start(onCrash)))

    // The load.
    const tracked = new Map<bigint, Tracked>()
    const offered = { count: 0, sendFailed: 0, requesterGas: 0n }
    const manifests = Object.fromEntries(Object.values(devnet.models).map((m) => [m.name, m.manifest as VeridictManifest])) as Record<DevnetModelName, VeridictManifest>
    const queues = REQUESTERS.map(() => Promise.resolve())
    let nextQueue = 0
    const send = (kind: LoadKind) => {
      offered.count++
      const q = nextQueue++ % REQUESTERS.length
      queues[q] = queues[q]!.then(() => sendOne(devnet, kind, REQUESTERS[q]!, random, manifests, ttlSeconds, nodes.slice(0, honest.length)))
        .then((sent) => {
          offered.requesterGas += sent.gas
          tracked.set(sent.id, { id: sent.id, kind, mode: sent.mode, sentAt: sent.sentAt, payment: sent.payment, deadline: sent.deadline, finalEvents: 0 })
        })
        .catch((error: unknown) => {
          offered.sendFailed++
          line(`a ${kind} request could not be sent: ${(error as Error).message.split('\n')[0]}`)
        })
    }
    const pickKind = (): LoadKind => {
      let r = random()
      for (const { kind, share } of loadMix) if ((r -= share) < 0) return kind
      return loadMix[0].kind
    }

    // What the chain says happened to each request, read from the oracle's events; and the gas the
    // nodes' transactions used, read from their receipts (a node's own counters restart with it).
    let cursor = await devnet.publicClient.getBlockNumber()
    const nodeAccounts = new Set(nodes.map((n) => n.operator.toLowerCase()))
    const gas = { operators: 0n }
    const readEvents = async () => {
      const head = await devnet.publicClient.getBlockNumber()
      if (head <= cursor) return
      const events = await devnet.publicClient.getContractEvents({ address: devnet.deployment.contracts.inferenceOracle, abi: inferenceOracleAbi, fromBlock: cursor + 1n, toBlock: head })
      for (let number = cursor + 1n; number <= head; number++) {
        const block = await devnet.publicClient.getBlock({ blockNumber: number, includeTransactions: true })
        const sent = block.transactions.filter((tx) => nodeAccounts.has(tx.from.toLowerCase()))
        const receipts = await Promise.all(sent.map((tx) => devnet.publicClient.getTransactionReceipt({ hash: tx.hash })))
        for (const receipt of receipts) gas.operators += receipt.gasUsed
      }
      cursor = head
      const now = elapsed()
      for (const event of events) {
        const id = (event.args as { requestId?: bigint }).requestId
        const request = id === undefined ? undefined : tracked.get(id)
        if (!request) continue
        if (event.eventName === 'AttestationSubmitted') request.answeredAt ??= now
        if (event.eventName === 'ResultFulfilled' || event.eventName === 'ResultFinalized') {
          request.answeredAt ??= now
          request.finalAt ??= now
          request.finalEvents++
        }
        if (event.eventName === 'RequestRefunded') {
          request.refundedAt ??= now
          request.refundAmount = (event.args as { amount: bigint }).amount
          request.finalEvents++
        }
      }
    }
    // Anyone may refund an expired request: the refunder does, for every one it sees.
    const refunding = new Set<bigint>()
    const refundExpiredOnes = async () => {
      const now = (await devnet.publicClient.getBlock()).timestamp
      for (const request of tracked.values()) {
        // Only a request past its deadline, with no final event read, is looked up on-chain.
        if (request.finalAt !== undefined || request.refundedAt !== undefined || request.deadline >= now || refunding.has(request.id)) continue
        const onChain = await getRequest(devnet.sdk(REFUNDER), { requestId: request.id })
        if (onChain.status !== 'requested') continue
        refunding.add(request.id)
        await refundExpired(devnet.sdk(REFUNDER), { requestId: request.id })
          .catch((error: unknown) => line(`refunding request ${request.id} failed: ${(error as Error).message.split('\n')[0]}`))
          .finally(() => refunding.delete(request.id))
      }
    }
    const watchChain = async () => {
      await readEvents().catch((error: unknown) => line(`reading the oracle's events failed: ${(error as Error).message}`))
      await refundExpiredOnes().catch((error: unknown) => line(`the refunder failed: ${(error as Error).message}`))
    }
    let watching = false
    timers.push(
      setInterval(() => {
        if (watching) return
        watching = true
        void watchChain().finally(() => (watching = false))
      }, 1_000),
    )

    // Resource snapshots.
    const snapshots: SoakSnapshot[] = []
    const processGroups = () => [
      ...nodes.map((n) => ({ name: n.name, pids: n.pids() })),
      { name: 'anvil', pids: devnet.anvil.pid === undefined ? [] : [devnet.anvil.pid] },
      { name: 'load + audit (this process)', pids: [process.pid] },
    ]
    let lastCpu = new Map(processGroups().map((g) => [g.name, groupUsage(g.pids).cpuSeconds]))
    let lastSampleAt = performance.now()
    const faultsRun: SoakReport['faults'] = []
    const snapshot = async (): Promise<SoakSnapshot> => {
      const now = performance.now()
      const processes = processGroups().map((g) => {
        const usage = groupUsage(g.pids)
        const sample = { name: g.name, rssMiB: usage.rssBytes / 2 ** 20, cpuPercent: cpuPercent(lastCpu.get(g.name) ?? usage.cpuSeconds, usage.cpuSeconds, now - lastSampleAt), processes: usage.processes }
        lastCpu.set(g.name, usage.cpuSeconds)
        return sample
      })
      lastSampleAt = now
      const nodeSamples = await Promise.all(
        nodes.map(async (n) => {
          const metrics = await n.metrics().catch(() => new Map<string, number>())
          return {
            name: n.name,
            proverRssMiB: metricSum(metrics, 'veridict_prover_rss_bytes') / 2 ** 20,
            proverRecycled: metricSum(metrics, 'veridict_prover_recycled_total'),
            jobStoreBytes: metricSum(metrics, 'veridict_jobstore_bytes'),
            logBytes: filesBytes(runDir, (f) => f.startsWith(`${n.name}.`) && !f.endsWith('.json')),
            crashes: n.crashes,
          }
        }),
      )
      const all = [...tracked.values()]
      const final = all.filter((r) => r.finalAt !== undefined)
      const latency = (mode: 'zk' | 'attested') => {
        const times = final.filter((r) => r.mode === mode).map((r) => (r.finalAt! - r.sentAt) / 1000)
        return { p50: quantile(times, 0.5), p95: quantile(times, 0.95), p99: quantile(times, 0.99), count: times.length }
      }
      return {
        elapsedMs: elapsed(),
        offered: offered.count,
        sent: all.length,
        sendFailed: offered.sendFailed,
        final: final.length,
        refunded: all.filter((r) => r.refundedAt !== undefined).length,
        open: all.filter((r) => r.finalAt === undefined && r.refundedAt === undefined).length,
        latency: { zk: latency('zk'), attested: latency('attested') },
        processes,
        nodes: nodeSamples,
        operatorGasPerFinal: final.length ? Number(gas.operators) / final.length : undefined,
        requesterGasPerRequest: all.length ? Number(offered.requesterGas) / all.length : undefined,
        faults: faultsRun.length,
      }
    }
    const takeSnapshot = async () => {
      const s = await snapshot()
      snapshots.push(s)
      parameters.onSnapshot?.(s)
    }
    await takeSnapshot()
    const loadStart = elapsed()
    timers.push(setInterval(() => void takeSnapshot(), reportEveryMs))

    // The faults, on their own clock.
    const schedule = chaos ? faultSchedule({ seed, durationMs, nodes: honest.length, kinds, meanGapMs: parameters.meanFaultGapMs }) : []
    const names = nodes.map((n) => n.name)
    const faultRuns: Promise<void>[] = []
    for (const fault of schedule) {
      timers.push(
        setTimeout(() => {
          const description = describeFault(fault, names)
          if (fault.kind === 'diskFull' && !quota?.isMounted) {
            faultsRun.push({ ...fault, description, skipped: diskSkipped ?? 'no tmpfs' })
            return
          }
          faultsRun.push({ ...fault, description })
          line(`fault: ${description}`)
          faultRuns.push(injectFault(fault, { nodes, rpcProxies, peerProxies, quota, onCrash }).catch((error: unknown) => line(`the fault (${description}) failed: ${(error as Error).message}`)))
        }, fault.at),
      )
    }

    // Poisson arrivals until the load's time is up.
    const meanGapMs = 60_000 / requestsPerMinute
    while (elapsed() - loadStart < durationMs) {
      send(pickKind())
      await new Promise((resolve) => setTimeout(resolve, Math.min(-Math.log(1 - random()) * meanGapMs, meanGapMs * 5)))
    }
    line(`load done: ${offered.count} requests offered; draining`)
    await Promise.all(queues)
    await Promise.all(faultRuns)
    // Drain: every request final or refunded (expired ones refunded by the refunder), or the drain's time is up.
    const drainMs = (ttlSeconds + Number(challengeWindow) + 90) * 1000
    await waitFor(() => [...tracked.values()].every((r) => r.finalAt !== undefined || r.refundedAt !== undefined), { timeoutMs: drainMs, intervalMs: 1_000, what: 'every request final or refunded' }).catch(() => line('the drain timed out: the audit lists the requests still open'))
    // The nodes see the last events of the chain (their jobs for refunded requests are cancelled past the deadline).
    await new Promise((resolve) => setTimeout(resolve, 5_000))
    await readEvents()
    await takeSnapshot()

    const audit = await auditSoak(devnet, tracked, nodes)
    const faultWindows = faultsRun.filter((f) => !f.skipped).map((f) => [loadStart + f.at, loadStart + f.at + f.durationMs] as const)
    const underFault = (t: number) => faultWindows.some(([a, b]) => t >= a && t < b)
    const finals = [...tracked.values()].filter((r) => r.finalAt !== undefined && r.finalAt <= loadStart + durationMs)
    const faultMs = faultWindows.reduce((sum, [a, b]) => sum + (Math.min(b, loadStart + durationMs) - a), 0)
    const perMinute = (count: number, ms: number) => (ms > 0 ? (count / ms) * 60_000 : undefined)
    const byKind: SoakReport['byKind'] = {}
    for (const r of tracked.values()) {
      const k = (byKind[r.kind] ??= { sent: 0, final: 0, refunded: 0 })
      k.sent++
      if (r.finalAt !== undefined) k.final++
      if (r.refundedAt !== undefined) k.refunded++
    }
    return {
      seed,
      chaos,
      durationMs,
      snapshots,
      faults: faultsRun,
      throughput: { calm: perMinute(finals.filter((r) => !underFault(r.finalAt!)).length, durationMs - faultMs), underFaults: perMinute(finals.filter((r) => underFault(r.finalAt!)).length, faultMs) },
      byKind,
      audit,
    }
  } finally {
    stopping = true
    for (const t of timers) clearTimeout(t)
    await Promise.all(nodes.map((n) => n.stop()))
    for (const p of proxies) await p.cut()
    try {
      quota?.unmount()
    } catch (error) {
      line(`unmounting ${quota?.dir} failed: ${(error as Error).message}`)
    }
    await devnet.stop()
    if (parameters.keepDataDir) line(`the run's folder is kept: ${devnet.dataDir}`)
    else rmSync(devnet.dataDir, { recursive: true, force: true })
  }
}

type Sent = { id: bigint; mode: 'zk' | 'attested'; sentAt: number; payment: bigint; deadline: bigint; gas: bigint }

/** Sends one request of `kind` from anvil account `account`. */
async function sendOne(devnet: Devnet, kind: LoadKind, account: number, random: () => number, manifests: Record<DevnetModelName, VeridictManifest>, ttlSeconds: number, operatorNodes: NodeProcess[]): Promise<Sent> {
  const sdk = devnet.sdk(account)
  const sentAt = performance.now()
  const sample = (name: DevnetModelName) => {
    const inputs = devnet.models[name].testset.inputs
    return inputs[Math.floor(random() * inputs.length)]!
  }
  const words = (name: DevnetModelName) => encodeInput({ manifest: manifests[name], values: sample(name) }).words
  const ttl = ttlSeconds
  switch (kind) {
    case 'zk-digits':
    case 'zk-iris': {
      const name = kind === 'zk-digits' ? 'digits' : 'iris'
      const r = await requestInference(sdk, { modelId: devnet.models[name].modelId, inputWords: words(name), mode: 'zk', ttl })
      return { id: r.requestId, mode: 'zk', sentAt, payment: r.fee + r.callbackPrepayment, deadline: r.deadline, gas: r.receipt.gasUsed }
    }
    case 'zk-digits-callback': {
      const r = await classifyDigit(devnet, sample('digits'), { account, ttlSeconds: ttl })
      return { id: r.requestId, mode: 'zk', sentAt, payment: r.payment, deadline: r.deadline, gas: r.requestGas }
    }
    case 'attested-iris':
    case 'attested-digits': {
      const name = kind === 'attested-iris' ? 'iris' : 'digits'
      const r = await requestInference(sdk, { modelId: devnet.models[name].modelId, inputWords: words(name), mode: 'attested', quorum: 2, ttl })
      return { id: r.requestId, mode: 'attested', sentAt, payment: r.fee + r.callbackPrepayment, deadline: r.deadline, gas: r.receipt.gasUsed }
    }
    case 'private-delegated':
    case 'private-expiring': {
      const expiring = kind === 'private-expiring'
      const r = await requestPrivateInference(sdk, { modelId: devnet.models.digits_private.modelId, values: sample('digits'), ttl: expiring ? Math.max(10, Math.round(ttl / 5)) : ttl })
      if (!expiring) {
        // To a node that is up, as a user would pick one; if it goes down before proving, the request expires and is refunded.
        const up = operatorNodes.filter((n) => n.isRunning)
        const node = up[Math.floor(random() * up.length)] ?? operatorNodes[0]!
        await delegatePrivateInput(sdk, { requestId: r.requestId, privateInput: r.privateInput, operator: node.operator, nodeUrl: node.url, timeoutMs: 15_000 }).catch(() => undefined)
      }
      return { id: r.requestId, mode: 'zk', sentAt, payment: r.fee + r.callbackPrepayment, deadline: r.deadline, gas: r.receipt.gasUsed }
    }
  }
}

/** Starts `fault`, waits out its duration, and undoes it. */
async function injectFault(
  fault: Fault,
  { nodes, rpcProxies, peerProxies, quota, onCrash }: { nodes: NodeProcess[]; rpcProxies: TcpProxy[]; peerProxies: Map<string, TcpProxy>; quota: DiskQuota | undefined; onCrash: Parameters<NodeProcess['start']>[0] },
): Promise<void> {
  const wait = () => new Promise((resolve) => setTimeout(resolve, fault.durationMs))
  const node = nodes[fault.node]!
  switch (fault.kind) {
    case 'kill':
      await node.kill()
      await wait()
      await node.start(onCrash)
      return
    case 'rpcPause':
      rpcProxies[fault.node]!.pause()
      await wait()
      rpcProxies[fault.node]!.resume()
      return
    case 'slowRpc':
      rpcProxies[fault.node]!.delayMs = fault.delayMs ?? 500
      await wait()
      rpcProxies[fault.node]!.delayMs = 0
      return
    case 'peerDrop': {
      const links = [peerProxies.get(`${fault.node}-${fault.peer}`)!, peerProxies.get(`${fault.peer}-${fault.node}`)!]
      await Promise.all(links.map((l) => l.cut()))
      await wait()
      await Promise.all(links.map((l) => l.start()))
      return
    }
    case 'diskFull':
      quota!.fill()
      await wait()
      quota!.free()
      return
  }
}

/** The end-of-run checks (SoakAudit). */
export async function auditSoak(devnet: Devnet, tracked: Map<bigint, { id: bigint; finalAt?: number; refundedAt?: number; refundAmount?: bigint; payment: bigint; finalEvents: number }>, nodes: NodeProcess[]): Promise<SoakAudit> {
  const problems: string[] = []
  const client = devnet.publicClient
  const { inferenceOracle: oracle, operatorStaking: staking } = devnet.deployment.contracts
  const statuses = new Map<bigint, number>()
  for (const id of tracked.keys()) {
    const [status] = await client.readContract({ address: oracle, abi: inferenceOracleAbi, functionName: 'getRequestState', args: [id] })
    statuses.set(id, Number(status))
  }
  const terminal = new Set<number>([RequestStatus.Fulfilled, RequestStatus.Finalized, RequestStatus.Refunded])
  const lost = [...tracked.keys()].filter((id) => !terminal.has(statuses.get(id)!))
  const doubled = [...tracked.values()].filter((r) => r.finalEvents > 1).map((r) => r.id)
  const badRefunds = [...tracked.values()].filter((r) => r.refundAmount !== undefined && r.refundAmount !== r.payment).map((r) => r.id)
  if (lost.length) problems.push(`${lost.length} request(s) neither final nor refunded: ${lost.join(', ')}`)
  if (doubled.length) problems.push(`${doubled.length} request(s) final more than once: ${doubled.join(', ')}`)
  if (badRefunds.length) problems.push(`${badRefunds.length} refund(s) of another amount than the payment: ${badRefunds.join(', ')}`)

  // Every wei: the oracle holds the open requests' payments and every withdrawable balance; staking holds stakes and rewards.
  const accounts = new Set<Address>([...anvilPrivateKeys.map((k) => privateKeyToAccount(k).address), devnet.consumer])
  const logs = await client.getLogs({ address: [oracle, staking], fromBlock: 0n, toBlock: 'latest' })
  const oracleEvents = parseEventLogs({ abi: inferenceOracleAbi, logs })
  // A request on-chain the load never heard back about (its send threw after the transaction went out) counts too.
  const untracked = oracleEvents.filter((e) => e.eventName === 'InferenceRequested' && !tracked.has(e.args.requestId)).map((e) => (e.args as { requestId: bigint }).requestId)
  for (const id of untracked) {
    const [status] = await client.readContract({ address: oracle, abi: inferenceOracleAbi, functionName: 'getRequestState', args: [id] })
    if (!terminal.has(Number(status))) problems.push(`request ${id} (sent, its sender never heard back) is neither final nor refunded`)
  }
  for (const e of oracleEvents) for (const value of Object.values(e.args as Record<string, unknown>)) if (typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value)) accounts.add(value as Address)
  let owedByOracle = 0n
  for (const account of accounts) owedByOracle += await client.readContract({ address: oracle, abi: inferenceOracleAbi, functionName: 'balanceOf', args: [account] })
  for (const [id, status] of statuses) if (status === RequestStatus.Requested || status === RequestStatus.Attested) owedByOracle += tracked.get(id)!.payment
  const oracleBalance = await client.getBalance({ address: oracle })
  if (oracleBalance !== owedByOracle) problems.push(`the oracle holds ${formatEther(oracleBalance)} ETH but owes ${formatEther(owedByOracle)} ETH`)

  const stakingEvents = parseEventLogs({ abi: operatorStakingAbi, logs })
  const operators = DEVNET_ACCOUNTS.operators.map((i) => privateKeyToAccount(anvilPrivateKeys[i]!).address).concat(privateKeyToAccount(anvilPrivateKeys[DEVNET_ACCOUNTS.liar]!).address)
  const operatorRows: SoakAudit['accounts']['operators'] = []
  let owedByStaking = await client.readContract({ address: staking, abi: operatorStakingAbi, functionName: 'totalStaked' })
  for (const operator of operators) {
    const index = await client.readContract({ address: staking, abi: operatorStakingAbi, functionName: 'indexOf', args: [operator] })
    const record = await client.readContract({ address: staking, abi: operatorStakingAbi, functionName: 'getOperator', args: [operator] })
    const credited = stakingEvents.filter((e) => e.eventName === 'RewardsCredited' && e.args.index === index).reduce((sum, e) => sum + (e.args as { amount: bigint }).amount, 0n)
    const withdrawn = stakingEvents.filter((e) => e.eventName === 'RewardsWithdrawn' && e.args.account === operator).reduce((sum, e) => sum + (e.args as { amount: bigint }).amount, 0n)
    operatorRows.push({ operator, credited, withdrawn, rewards: record.rewards })
    owedByStaking += record.rewards
    if (credited - withdrawn !== record.rewards) problems.push(`operator ${operator}: credited ${formatEther(credited)} ETH, withdrew ${formatEther(withdrawn)} ETH, holds ${formatEther(record.rewards)} ETH in rewards`)
  }
  const stakingBalance = await client.getBalance({ address: staking })
  if (stakingBalance !== owedByStaking) problems.push(`OperatorStaking holds ${formatEther(stakingBalance)} ETH but owes ${formatEther(owedByStaking)} ETH`)

  // Every node saw every request, and none is left mid-way.
  const jobStores: SoakAudit['jobStores'] = []
  let revertedTransactions = 0
  for (const node of nodes) {
    const metrics = await node.metrics().catch(() => new Map<string, number>())
    revertedTransactions += metricSum(metrics, 'veridict_transactions_total', 'result="reverted"')
    const db = new Database(join(node.config.dataDir, 'node.sqlite'), { readonly: true, fileMustExist: true })
    try {
      const rows = db.prepare('SELECT request_id AS id, state FROM jobs').all() as { id: string; state: string }[]
      const seen = new Set(rows.map((r) => BigInt(r.id)))
      const missing = [...tracked.keys()].filter((id) => !seen.has(id))
      const notFinal = rows.filter((r) => !['done', 'failed', 'cancelled'].includes(r.state) && tracked.has(BigInt(r.id))).map((r) => BigInt(r.id))
      jobStores.push({ name: node.name, jobs: rows.length, missing, notFinal })
      if (missing.length) problems.push(`${node.name} never recorded ${missing.length} request(s): ${missing.join(', ')}`)
      if (notFinal.length) problems.push(`${node.name} holds ${notFinal.length} job(s) not final though the chain is: ${notFinal.join(', ')}`)
    } finally {
      db.close()
    }
  }
  return {
    lost,
    doubled,
    badRefunds,
    accounts: { oracle: { balance: oracleBalance, owed: owedByOracle }, staking: { balance: stakingBalance, owed: owedByStaking }, operators: operatorRows },
    jobStores,
    revertedTransactions,
    ok: problems.length === 0,
    problems,
  }
}
