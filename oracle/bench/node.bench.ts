/**
 * npm run bench:node: the oracle node on anvil with 1 s blocks.
 *  - attested requests per second sustained by 3 nodes (quorum 2), p50/p95 latency request -> final
 *  - ZK latency request -> fulfilled for each bundled model (iris, digits, mnist784)
 *  - the node's inference path (request words -> canonical output and output words) against a bare session.run
 * Prints a Markdown table.
 */
import { spawn } from 'node:child_process'
import { openSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { createWalletClient, encodeFunctionData, http, keccak256, parseEther, parseEventLogs, parseGwei, type Hex } from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { anvilPrivateKeys } from '../src/devnet/anvil.js'
import { compileModel, ensureCompiledModel, loadCompiledModel, quantizeInput, runReference } from '@veridict/circuits'
import { buildModel, seededRandom } from '@veridict/circuits/testing'
import { packValues, unpackValues, inferenceOracleAbi, requestOptions } from '@veridict/sdk'
import { registerModel } from '../src/chain/registerModel.js'
import { RequestStatus } from '../src/chain/requestStatus.js'
import { createLogger } from '../src/logger.js'
import { ServedModel } from '../src/inference/servedModel.js'
import type { NodeConfigInput } from '../src/config/schema.js'
import { REPO_ROOT, freePort, nodeConfig, startTestChain, startTestNode, statusOf, waitFor } from '../src/testing/harness.js'

const rows: string[][] = []
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
const f = (x: number, d = 2) => x.toFixed(d)

async function inferencePath(name: string, circuit: boolean): Promise<void> {
  const testset = JSON.parse(await readFile(join(REPO_ROOT, `circuits/models/${name}.testset.json`), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
  const { dir } = await ensureCompiledModel({ onnx: join(REPO_ROOT, `circuits/models/${name}.onnx`), name, calibration: testset.calibration.inputs, circuit })
  const label = circuit ? `${name}, canonical output on onnxruntime (exact integer graph)` : `${name}, attested-only: canonical = rounded float output`
  await measureInference(label, dir, testset.inputs.slice(0, 200))
}

/**
 * The node's path for an on-chain request (input words -> canonical output and output words)
 * against a bare onnxruntime-node `InferenceSession.run` on the model's ONNX file (same options,
 * feeds built in advance). Both run in alternating batches; each side's figure is the median
 * batch, so a noisy neighbour skews neither.
 */
async function measureInference(label: string, dir: string, samples: number[][]): Promise<void> {
  const model = await ServedModel.load(dir, 'cpu', createLogger('silent'))
  const bare = await ort.InferenceSession.create(join(dir, model.manifest.artifacts.onnx), { graphOptimizationLevel: 'all', intraOpNumThreads: 1, executionProviders: ['cpu'] })
  const inputs = samples.map((x) => model.quantize(x))
  const words = inputs.map((q) => packValues(q, model.manifest.input.bits))
  const shape = model.manifest.input.shape
  const feeds = inputs.map((q) => ({ [bare.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(q, (v) => Number(v) / 2 ** model.manifest.input.scale), shape) }))
  // The canonical output is what the node submits: check it against the reference executor once.
  if (model.canonical) for (const w of words.slice(0, 20)) if (String((await model.inferWords(w)).output) !== String(runReference(model.quantized, unpackValues(w, model.manifest.input.count, model.manifest.input.bits)))) throw new Error(`${label}: canonical output differs from the reference executor`)
  const big = model.manifest.input.count * model.manifest.output.count > 1000 && samples.length < 50
  const batch = big ? 20 : 200
  const rounds = 40
  const times = { bare: [] as number[], node: [] as number[], inference: [] as number[] }
  for (let round = 0; round < rounds; round++) {
    let t = performance.now()
    for (let i = 0; i < batch; i++) await bare.run(feeds[i % feeds.length]!)
    times.bare.push((performance.now() - t) / batch)
    let inference = 0
    t = performance.now()
    for (let i = 0; i < batch; i++) inference += (await model.inferWords(words[i % words.length]!)).seconds.inference * 1000
    times.node.push((performance.now() - t) / batch)
    times.inference.push(inference / batch)
  }
  // The first rounds warm both up.
  const [b, n, inf] = [times.bare, times.node, times.inference].map((xs) => pct(xs.slice(5), 50)!)
  rows.push([
    `inference ${label}`,
    `node path ${f(n! * 1000, 1)} us (check and unpack the request's words, canonical output, output words; of which inference ${f(inf! * 1000, 1)} us); bare session.run ${f(b! * 1000, 1)} us`,
    `${f(n! / b!)}x`,
  ])
  await bare.release()
}

/**
 * The same comparison on a model big enough for inference to matter (the attested-only case, where
 * GPUs help): a 784-2048-2048-10 ReLU MLP with random weights, no circuit. The node's fixed cost per
 * request (unpacking, packing, conversions) is the same tens of microseconds as for the small models.
 */
async function largeAttestedOnlyModel(): Promise<void> {
  const random = seededRandom(7)
  const layer = (name: string, rows: number, cols: number) => ({ name, dims: [rows, cols], data: Float32Array.from({ length: rows * cols }, () => (random() - 0.5) * 0.1) })
  const bytes = buildModel({
    inputs: [{ name: 'input', shape: [1, 784] }],
    outputs: [{ name: 'logits', shape: [1, 10] }],
    initializers: [layer('w1', 2048, 784), layer('w2', 2048, 2048), layer('w3', 10, 2048)],
    nodes: [
      { op: 'Gemm', inputs: ['input', 'w1'], outputs: ['h1'], attributes: { transB: 1 } },
      { op: 'Relu', inputs: ['h1'], outputs: ['r1'] },
      { op: 'Gemm', inputs: ['r1', 'w2'], outputs: ['h2'], attributes: { transB: 1 } },
      { op: 'Relu', inputs: ['h2'], outputs: ['r2'] },
      { op: 'Gemm', inputs: ['r2', 'w3'], outputs: ['logits'], attributes: { transB: 1 } },
    ],
  })
  const dir = join(REPO_ROOT, '.cache', 'bench', 'mlp-2048')
  const calibration = Array.from({ length: 16 }, () => Array.from({ length: 784 }, () => random()))
  await compileModel({ onnx: bytes, outDir: dir, name: 'mlp2048', calibration, circuit: false })
  await measureInference('mlp 784-2048-2048-10 (5.8M weights), attested-only', dir, calibration.map((x) => x))
}

async function main(): Promise<void> {
  // BENCH_ATTESTED_ONLY=1 skips the inference and ZK measurements.
  const attestedOnly = process.env.BENCH_ATTESTED_ONLY === '1'
  if (!attestedOnly) {
    for (const name of ['iris', 'digits', 'mnist784']) {
      await inferencePath(name, true)
      await inferencePath(name, false)
    }
    await largeAttestedOnlyModel()
  }

  // BENCH_INFERENCE_ONLY=1 stops after the inference rows.
  if (process.env.BENCH_INFERENCE_ONLY === '1') return printRows()
  // 200 requests a second need about 35M gas a second (request 75k, attestation 26k and finalize 92k per request
  // in transactions): more than anvil's default 30M block gas limit, so the bench raises it.
  const chain = await startTestChain({ challengeWindow: 5n, blockTime: 1, anvilArgs: ['--gas-limit', '150000000'] })
  // The larger bundled models for the ZK latency rows: compiled once (cached), copied next to Iris
  // in the nodes' models folder and registered before the nodes start.
  const owner = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[0]!), chain: chain.client.chain!, transport: http(chain.anvil.rpcUrl) })
  const zkModels: { name: string; modelId: Hex; inputs: number[][]; words: (x: number[]) => bigint[] }[] = [{ name: 'iris', modelId: chain.modelId, inputs: chain.testInputs, words: chain.inputWords }]
  for (const name of attestedOnly ? [] : ['digits', 'mnist784']) {
    const testset = JSON.parse(await readFile(join(REPO_ROOT, `circuits/models/${name}.testset.json`), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
    const { dir } = await ensureCompiledModel({ onnx: join(REPO_ROOT, `circuits/models/${name}.onnx`), name, calibration: testset.calibration.inputs })
    const served = join(chain.modelsDir, name)
    await cp(dir, served, { recursive: true })
    const { modelId } = await registerModel({ publicClient: chain.client, walletClient: owner, account: owner.account, chain: chain.client.chain!, registry: chain.deployment.contracts.modelRegistry, dir: served, fee: parseEther('0.01') })
    const { model } = await loadCompiledModel(served)
    zkModels.push({ name, modelId, inputs: testset.inputs, words: (x) => packValues(quantizeInput(model, x), model.inputBits) })
  }
  const ports = await Promise.all([freePort(), freePort(), freePort()])
  const urls = ports.map((p) => `http://127.0.0.1:${p}`)
  // Each attestation locks its value at risk (0.01 ETH here) in every signer's stake until it is final,
  // about 8 s at 1 s blocks and a 5 s window: 200 requests a second keep about 16 ETH locked per signer,
  // so the operators stake 100 ETH each (with 1 ETH, locks cap an operator at about 12 requests a second).
  for (const key of [1, 2, 3]) await chain.registerOperator(key, parseEther('100'))
  // Each node runs as its own process (`veridict node start --config`), as operators run them: three
  // nodes in the bench's process would share one JavaScript thread. BENCH_IN_PROCESS=1 runs them here.
  const inProcess = process.env.BENCH_IN_PROCESS === '1'
  const nodes: { stop: () => Promise<void>; pid?: number | undefined }[] = []
  for (const [i, port] of ports.entries()) {
    const config = nodeConfig(chain, { httpPort: port, peers: urls.filter((_, j) => j !== i), modes: i === 0 ? ['zk', 'attested'] : ['attested'], pollIntervalMs: 100, batchAttestations: process.env.BENCH_BATCH !== '0' })
    nodes.push(inProcess ? await startTestNode(config, i + 1) : await spawnNode(config, i + 1))
  }
  if (!inProcess) await Promise.all(urls.map((url) => waitFor(async () => ((await fetch(`${url}/health`).then((r) => r.json()).catch(() => undefined)) as { status?: string } | undefined)?.status === 'ok', { timeoutMs: 60_000, what: `the node at ${url} to be ready` })))

  // ZK latency per bundled model: request sent -> fulfilled on-chain (proof verified by the contract).
  const requester = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[5]!), chain: chain.client.chain!, transport: http(chain.anvil.rpcUrl) })
  for (const zkModel of zkModels) {
    const zk: number[] = []
    for (let i = 0; i < (attestedOnly ? 0 : 5); i++) {
      const t = performance.now()
      const block = await chain.client.getBlock()
      const hash = await requester.writeContract({
        address: chain.deployment.contracts.inferenceOracle,
        abi: inferenceOracleAbi,
        functionName: 'requestInference',
        args: [zkModel.modelId, zkModel.words(zkModel.inputs[i]!), requestOptions({ mode: 0, deadline: block.timestamp + 3600n })],
        value: parseEther('0.01'),
      })
      const receipt = await chain.client.waitForTransactionReceipt({ hash })
      const id = parseEventLogs({ abi: inferenceOracleAbi, eventName: 'InferenceRequested', logs: receipt.logs })[0]!.args.requestId
      await waitFor(async () => (await statusOf(chain, id)) === RequestStatus.Fulfilled, { intervalMs: 50, timeoutMs: 60_000 })
      zk.push((performance.now() - t) / 1000)
    }
    if (zk.length) rows.push([`ZK latency ${zkModel.name} (request -> proof verified on-chain, 1 s blocks)`, `p50 ${f(pct(zk, 50))} s, max ${f(Math.max(...zk))} s`, `${zk.length} requests`])
  }

  // Attested throughput: requests pre-signed for several requester accounts (each its own nonce
  // sequence) and sent on a fixed schedule without waiting for one another; the chain is followed by
  // eth_getLogs every 100 ms, so each request's times are when a client could first see each step.
  const total = Number(process.env.BENCH_REQUESTS ?? 500)
  const rate = Number(process.env.BENCH_RATE ?? 50)
  const oracle = chain.deployment.contracts.inferenceOracle
  const requesters = [4, 5, 6, 7, 8, 9].map((addressIndex) => mnemonicToAccount('test test test test test test test test test test test junk', { addressIndex }))
  const nonces = await Promise.all(requesters.map((a) => chain.client.getTransactionCount({ address: a.address, blockTag: 'pending' })))
  const deadline = (await chain.client.getBlock()).timestamp + 3600n
  const fees = { maxFeePerGas: parseGwei('100'), maxPriorityFeePerGas: parseGwei('1') }
  const signed: Hex[] = []
  for (let i = 0; i < total; i++) {
    const account = requesters[i % requesters.length]!
    const data = encodeFunctionData({ abi: inferenceOracleAbi, functionName: 'requestInference', args: [chain.modelId, chain.inputWords(chain.testInputs[i % chain.testInputs.length]!), requestOptions({ mode: 1, quorum: 2, deadline })] })
    signed.push(await account.signTransaction({ type: 'eip1559', chainId: chain.anvil.chainId, to: oracle, data, value: parseEther('0.01'), gas: 300_000n, nonce: nonces[i % requesters.length]!++, ...fees }))
  }
  const sentAt = new Map<Hex, number>()
  const requestedAt = new Map<bigint, { sent: number; block: bigint }>()
  const attestedAt = new Map<bigint, { at: number; block: bigint }>()
  const finalAt = new Map<bigint, { at: number; block: bigint }>()
  const attestTx = new Map<bigint, Hex>()
  let cursor = (await chain.client.getBlockNumber()) + 1n
  const followed = inferenceOracleAbi.filter((x) => x.type === 'event' && ['InferenceRequested', 'AttestationSubmitted', 'ResultFinalized'].includes(x.name))
  let following = true
  const follow = (async () => {
    while (following) {
      const head = await chain.client.getBlockNumber({ cacheTime: 0 })
      if (head >= cursor) {
        const logs = (await chain.client.getLogs({ address: oracle, events: followed, fromBlock: cursor, toBlock: head, strict: true })) as unknown as { eventName: string; args: { requestId: bigint }; transactionHash: Hex; blockNumber: bigint }[]
        const now = performance.now()
        for (const log of logs) {
          const id = log.args.requestId
          if (log.eventName === 'InferenceRequested' && sentAt.has(log.transactionHash)) requestedAt.set(id, { sent: sentAt.get(log.transactionHash)!, block: log.blockNumber })
          else if (log.eventName === 'AttestationSubmitted' && !attestedAt.has(id)) {
            attestedAt.set(id, { at: now, block: log.blockNumber })
            attestTx.set(id, log.transactionHash)
          }
          else if (log.eventName === 'ResultFinalized') finalAt.set(id, { at: now, block: log.blockNumber })
        }
        cursor = head + 1n
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  })()
  // Sent every SEND_TICK_MS, the transactions then due in one JSON-RPC batch: requests come from many
  // users' machines, and one HTTP request per transaction would spend this machine's two cores on
  // the load generator and anvil's HTTP handling rather than on the nodes.
  const SEND_TICK_MS = 50
  const sends: Promise<unknown>[] = []
  const cpuBefore = cpuTicks()
  const t0 = performance.now()
  for (let next = 0; next < signed.length; ) {
    const due = Math.min(signed.length, Math.floor(((performance.now() - t0) * rate) / 1000) + 1)
    const batch = signed.slice(next, due).map((serializedTransaction, j) => ({ jsonrpc: '2.0', id: next + j, method: 'eth_sendRawTransaction', params: [serializedTransaction] }))
    const now = performance.now()
    for (const call of batch) sentAt.set(keccak256(call.params[0]!), now)
    next = due
    if (batch.length)
      sends.push(
        fetch(chain.anvil.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) })
          .then((r) => r.json() as Promise<{ error?: { message: string } }[]>)
          .then((answers) => {
            const failed = answers.find((a) => a.error)
            if (failed) throw new Error(`eth_sendRawTransaction: ${failed.error!.message}`)
          }),
      )
    await new Promise((r) => setTimeout(r, SEND_TICK_MS))
  }
  const offeredFor = (performance.now() - t0) / 1000
  await Promise.all(sends)
  const progress = setInterval(() => console.error(`  ${f((performance.now() - t0) / 1000, 0)} s: ${requestedAt.size} requested, ${attestedAt.size} attested, ${finalAt.size} final of ${total}`), 5_000)
  await waitFor(() => requestedAt.size === total && [...requestedAt.keys()].every((id) => finalAt.has(id)), { timeoutMs: 600_000, intervalMs: 200, what: 'every request to be finalized' })
  clearInterval(progress)
  const cpuAfter = cpuTicks()
  following = false
  await follow
  const ids = [...requestedAt.keys()]
  const attestedTimes = ids.map((id) => attestedAt.get(id)!.at).sort((a, b) => a - b)
  const finalTimes = ids.map((id) => finalAt.get(id)!.at).sort((a, b) => a - b)
  const deliveredRate = (ids.length - 1) / ((attestedTimes.at(-1)! - attestedTimes[0]!) / 1000)
  const endToEndRate = ids.length / ((attestedTimes.at(-1)! - t0) / 1000)
  const finalRate = (ids.length - 1) / ((finalTimes.at(-1)! - finalTimes[0]!) / 1000)
  const attestLatency = ids.map((id) => (attestedAt.get(id)!.at - requestedAt.get(id)!.sent) / 1000)
  const finalLatency = ids.map((id) => (finalAt.get(id)!.at - requestedAt.get(id)!.sent) / 1000)
  const attestBlocks = ids.map((id) => Number(attestedAt.get(id)!.block - requestedAt.get(id)!.block))
  const finalBlocks = ids.map((id) => Number(finalAt.get(id)!.block - requestedAt.get(id)!.block))
  rows.push([
    `attested, 3 nodes, quorum 2: ${total} requests offered at ${rate}/s for ${f(offeredFor, 1)} s`,
    `${f(finalRate, 1)} req/s finalized (first to last finalization); ${f(deliveredRate, 1)} req/s attested (first to last attestation); ${f(endToEndRate, 1)} req/s from first request sent to last attested`,
    'issue 11 target >= 200 req/s to final',
  ])
  const transactions = new Set(ids.map((id) => attestTx.get(id)))
  rows.push(['attestations per submitAttestations transaction (the node batches the requests of each block)', `${f(ids.length / transactions.size, 1)} (${transactions.size} transactions for ${ids.length} requests)`, ''])
  rows.push(['attested latency request sent -> attested (seen in logs)', `p50 ${f(pct(attestLatency, 50))} s, p95 ${f(pct(attestLatency, 95))} s; blocks after the request's block: p50 ${pct(attestBlocks, 50)}, p95 ${pct(attestBlocks, 95)}`, 'issue 11 target p95 < 3 blocks (the committee is drawn 2 blocks after the request)'])
  const histogram = new Map<number, number>()
  for (const b of attestBlocks) histogram.set(b, (histogram.get(b) ?? 0) + 1)
  rows.push(['attested latency in blocks: share of requests', [...histogram].sort((a, b) => a[0] - b[0]).map(([b, n]) => `${b}: ${f((100 * n) / attestBlocks.length, 1)}%`).join(', '), ''])
  rows.push(['attested latency request sent -> finalized (window 5 s)', `p50 ${f(pct(finalLatency, 50))} s, p95 ${f(pct(finalLatency, 95))} s; blocks after the request's block: p50 ${pct(finalBlocks, 50)}, p95 ${pct(finalBlocks, 95)}`, 'target p95 < 3 blocks + window = 8 s'])

  // CPU time per process over the load (from first request sent to last finalized), per request offered.
  const cpu = (pid: number | undefined) => (pid === undefined ? 0 : (cpuAfter.get(pid)?.ticks ?? 0) - (cpuBefore.get(pid)?.ticks ?? 0)) / CLOCK_TICKS
  const anvilPids = [...cpuAfter].filter(([, p]) => p.comm === 'anvil').map(([pid]) => pid)
  const anvilCpu = anvilPids.reduce((sum, pid) => sum + cpu(pid), 0)
  const loadSeconds = (finalTimes.at(-1)! - t0) / 1000
  const perNode = nodes.map((n) => cpu(n.pid))
  rows.push([
    `CPU over the load (${f(loadSeconds, 1)} s, ${os.cpus().length} cores)`,
    `${inProcess ? `bench and nodes in one process ${f(cpu(process.pid), 1)} s` : `nodes ${perNode.map((c) => `${f(c, 1)} s`).join(', ')} (${perNode.map((c) => `${f((c * 1000) / total, 2)} ms`).join(', ')} per request); bench ${f(cpu(process.pid), 1)} s`}; anvil ${f(anvilCpu, 1)} s`,
    'user + system time from /proc',
  ])

  // Each node's time from seeing a committee's seed block to sending the attestation it allows
  // (it must reach the next block), from the nodes' own /metrics.
  const onClock = await Promise.all(urls.map(async (url) => onClockBuckets(await fetch(`${url}/metrics`).then((r) => r.text()))))
  rows.push([
    'seed block seen -> attestation sent, per node (veridict_attestation_on_clock_seconds)',
    onClock.map((b, i) => `node ${i + 1}: ${b.count} sent, ${['0.3', '0.5', '0.8', '1'].map((le) => `<= ${le} s ${f((100 * (b.le.get(le) ?? 0)) / Math.max(1, b.count), 0)}%`).join(', ')}`).join('; '),
    'the block time (1 s) is the budget',
  ])

  await Promise.all(nodes.map((n) => n.stop()))
  await chain.stop()
  printRows()
}

/** A node as its own process, from a config file, with anvil account `keyIndex` as its operator key; its log goes to `<dataDir>/node.log`. */
async function spawnNode(config: NodeConfigInput, keyIndex: number): Promise<{ stop: () => Promise<void>; pid?: number | undefined }> {
  const file = join(config.dataDir!, 'node.json')
  await writeFile(file, JSON.stringify(config))
  const log = openSync(join(config.dataDir!, 'node.log'), 'a')
  // BENCH_CPU_PROF=1 writes each node's V8 CPU profile next to its log (open it in Chrome's DevTools).
  const profile = process.env.BENCH_CPU_PROF === '1' ? ['--cpu-prof', '--cpu-prof-dir', config.dataDir!] : []
  const child = spawn(process.execPath, [...profile, join(REPO_ROOT, 'oracle/bin/veridict.mjs'), 'node', 'start', '--config', file], {
    cwd: REPO_ROOT,
    env: { ...process.env, VERIDICT_OPERATOR_KEY: anvilPrivateKeys[keyIndex]! },
    stdio: ['ignore', log, log],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('exit', (code) => {
    if (code !== 0 && code !== null) console.error(`node ${keyIndex} exited with code ${code}: see ${join(config.dataDir!, 'node.log')}`)
  })
  return {
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** Cumulative bucket counts (summed over models) of the on-clock histogram in a Prometheus text exposition. */
function onClockBuckets(text: string): { count: number; le: Map<string, number> } {
  const le = new Map<string, number>()
  let count = 0
  for (const line of text.split('\n')) {
    const bucket = line.match(/^veridict_attestation_on_clock_seconds_bucket\{.*le="([^"]+)".*\} (\d+)/)
    if (bucket) le.set(bucket[1]!, (le.get(bucket[1]!) ?? 0) + Number(bucket[2]))
    const total = line.match(/^veridict_attestation_on_clock_seconds_count(?:\{.*\})? (\d+)/)
    if (total) count += Number(total[1])
  }
  return { count, le }
}

const CLOCK_TICKS = 100

/** User + system CPU ticks of every process (Linux /proc; empty elsewhere). */
function cpuTicks(): Map<number, { comm: string; ticks: number }> {
  const out = new Map<number, { comm: string; ticks: number }>()
  let pids: string[] = []
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d))
  } catch {
    return out
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      const fields = stat.slice(close + 2).split(' ')
      out.set(Number(pid), { comm: stat.slice(stat.indexOf('(') + 1, close), ticks: Number(fields[11]) + Number(fields[12]) })
    } catch {
      // The process ended meanwhile.
    }
  }
  return out
}

function printRows(): void {
  console.log('\n| measurement | result | note |\n| --- | --- | --- |')
  for (const r of rows) console.log(`| ${r.join(' | ')} |`)
  process.exit(0)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
