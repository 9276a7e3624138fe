/**
 * npm run bench:node: the oracle node on anvil with 1 s blocks.
 *  - attested requests per second sustained by 3 nodes (quorum 2), p50/p95 latency request -> final
 *  - ZK latency request -> fulfilled for each bundled model (iris; BENCH_ALL=1 adds digits and mnist784)
 *  - the node's inference path (onnxruntime + reference executor + packing + hashing) against a bare session.run
 * Prints a Markdown table.
 */
import { mkdtempSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { createWalletClient, http, parseEther, parseEventLogs, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { compileModel, setupModel } from '../../circuits/src/index.js'
import { inferenceOracleAbi } from '../../sdk/src/abi/inferenceOracleAbi.js'
import { anvilPrivateKeys } from '../../test/utils/anvil.js'
import { RequestStatus } from '../src/chain/requestStatus.js'
import { createLogger } from '../src/logger.js'
import { ServedModel } from '../src/inference/servedModel.js'
import { REPO_ROOT, freePort, nodeConfig, startTestChain, startTestNode, statusOf, waitFor } from '../src/testing/harness.js'

const rows: string[][] = []
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
const f = (x: number, d = 2) => x.toFixed(d)

async function inferencePath(name: string, circuit: boolean): Promise<void> {
  const testset = JSON.parse(await readFile(join(REPO_ROOT, `circuits/models/${name}.testset.json`), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
  const dir = join(mkdtempSync(join(tmpdir(), 'veridict-bench-')), name)
  await compileModel({ onnx: join(REPO_ROOT, `circuits/models/${name}.onnx`), outDir: dir, calibration: testset.calibration.inputs, circuit })
  if (circuit) await setupModel({ dir })
  const model = await ServedModel.load(dir, 'cpu', createLogger('silent'))
  const inputs = testset.inputs.slice(0, 200).map((x) => model.quantize(x))
  const iterations = 2000
  const shape = model.manifest.input.shape
  const feeds = inputs.map((q) => ({ [model.session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(q, (v) => Number(v) / 2 ** model.manifest.input.scale), shape) }))
  for (let i = 0; i < 200; i++) {
    await model.session.run(feeds[i % feeds.length]!)
    await model.infer(inputs[i % inputs.length]!)
  }
  let t = performance.now()
  for (let i = 0; i < iterations; i++) await model.session.run(feeds[i % feeds.length]!)
  const bare = (performance.now() - t) / iterations
  t = performance.now()
  for (let i = 0; i < iterations; i++) await model.infer(inputs[i % inputs.length]!)
  const node = (performance.now() - t) / iterations
  rows.push([`inference ${name}`, `node path ${f(node * 1000, 0)} us vs bare session.run ${f(bare * 1000, 0)} us`, `${f(node / bare)}x`])
}

async function main(): Promise<void> {
  await inferencePath('iris', false)
  await inferencePath('digits', false)
  await inferencePath('mnist784', false)

  const chain = await startTestChain({ challengeWindow: 5n, blockTime: 1 })
  const ports = await Promise.all([freePort(), freePort(), freePort()])
  const urls = ports.map((p) => `http://127.0.0.1:${p}`)
  for (const key of [1, 2, 3]) await chain.registerOperator(key)
  const nodes = []
  for (const [i, port] of ports.entries())
    nodes.push(await startTestNode(nodeConfig(chain, { httpPort: port, peers: urls.filter((_, j) => j !== i), modes: i === 0 ? ['zk', 'attested'] : ['attested'], pollIntervalMs: 200 }), i + 1))

  // ZK latency (iris)
  const zk: number[] = []
  for (let i = 0; i < 5; i++) {
    const t = performance.now()
    const id = await chain.request({ input: chain.testInputs[i]!, mode: 'zk' })
    await waitFor(async () => (await statusOf(chain, id)) === RequestStatus.Fulfilled, { intervalMs: 50 })
    zk.push((performance.now() - t) / 1000)
  }
  rows.push(['ZK latency iris (request -> fulfilled, 1 s blocks)', `p50 ${f(pct(zk, 50))} s, max ${f(Math.max(...zk))} s`, `${zk.length} requests`])

  // Attested throughput: N requests sent at ~rate/s from 3 requester accounts with explicit nonces.
  const total = Number(process.env.BENCH_REQUESTS ?? 150)
  const rate = Number(process.env.BENCH_RATE ?? 50)
  const requesters = [4, 5, 0].map((k) => createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[k]!), chain: chain.client.chain, transport: http(chain.anvil.rpcUrl) }))
  const nonces = await Promise.all(requesters.map((w) => chain.client.getTransactionCount({ address: w.account.address, blockTag: 'pending' })))
  const deadline = (await chain.client.getBlock()).timestamp + 3600n
  const sentAt = new Map<Hex, number>()
  const t0 = performance.now()
  for (let i = 0; i < total; i++) {
    const w = requesters[i % requesters.length]!
    const nonce = nonces[i % requesters.length]!++
    const hash = await w.writeContract({ address: chain.deployment.contracts.inferenceOracle, abi: inferenceOracleAbi, functionName: 'requestInference', args: [chain.modelId, chain.inputWords(chain.testInputs[i % chain.testInputs.length]!), 1, 2, '0x0000000000000000000000000000000000000000', 0, deadline], value: parseEther('0.01'), nonce, gas: 300_000n, chain: null })
    sentAt.set(hash, performance.now())
    const wait = t0 + ((i + 1) * 1000) / rate - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  }
  const ids = new Map<bigint, number>()
  for (const [hash, at] of sentAt) {
    const receipt = await chain.client.waitForTransactionReceipt({ hash })
    const [event] = parseEventLogs({ abi: inferenceOracleAbi, eventName: 'InferenceRequested', logs: receipt.logs })
    ids.set(event!.args.requestId, at)
  }
  const attestedAt = new Map<bigint, number>()
  const finalAt = new Map<bigint, number>()
  await waitFor(
    async () => {
      for (const id of ids.keys()) {
        if (finalAt.has(id)) continue
        const s = await statusOf(chain, id)
        if (s >= RequestStatus.Attested && !attestedAt.has(id)) attestedAt.set(id, performance.now())
        if (s === RequestStatus.Finalized) finalAt.set(id, performance.now())
      }
      return finalAt.size === ids.size
    },
    { timeoutMs: 600_000, intervalMs: 200 },
  )
  const lastAttested = Math.max(...attestedAt.values())
  const attestedRate = ids.size / ((lastAttested - t0) / 1000)
  const latency = [...ids].map(([id, at]) => (finalAt.get(id)! - at) / 1000)
  const attestLatency = [...ids].map(([id, at]) => (attestedAt.get(id)! - at) / 1000)
  rows.push([`attested, 3 nodes, quorum 2, ${total} requests offered at ${rate}/s`, `${f(attestedRate, 1)} req/s attested on-chain`, `sustained until the last attestation`])
  rows.push(['attested latency request -> attested', `p50 ${f(pct(attestLatency, 50))} s, p95 ${f(pct(attestLatency, 95))} s`, ''])
  rows.push(['attested latency request -> finalized (window 5 s)', `p50 ${f(pct(latency, 50))} s, p95 ${f(pct(latency, 95))} s`, 'target p95 < 3 blocks + window = 8 s'])

  await Promise.all(nodes.map((n) => n.stop()))
  await chain.stop()
  console.log('\n| measurement | result | note |\n| --- | --- | --- |')
  for (const r of rows) console.log(`| ${r.join(' | ')} |`)
  process.exit(0)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
