/**
 * npm run bench:disputes [-- lenet5 lenet5-avg resnet dwsep transformer credit-logreg mlp5m] [--block-time 1]
 *
 * Trace disputes (docs/disputes.md) on anvil with the real contracts, for models served without a
 * circuit. For each model, two staked operators attest a run that is off by one in one value of
 * the stage with the model's widest row (so the one step is the model's most expensive), and an
 * honest challenger plays the game to the end with the moves a node makes (circuits' nextMove, via playTraceGame):
 *  - rounds (reveal pairs over the trace tree and the disputed tensor's word tree), transactions,
 *    gas of each kind of move and of the whole game, and the one step's gas (target: at most 5M);
 *  - wall time from the challenge to the end, with anvil mining a block every --block-time seconds
 *    (default 1; each move waits for its receipt);
 *  - the honest node's cost of keeping a trace: the canonical run with every tensor kept against the
 *    plain run (median of 5 after a warm-up, same process), the trace commitment's time, the append
 *    to the node's trace segment and the record's size; and the model's parameter commitment (once
 *    per model, at compile).
 * `mlp5m` is a seeded 2048-2048-400-10 MLP (5,017,610 weights, He-normal, untrained). Prints a Markdown table.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createWalletClient, http, keccak256, parseEventLogs, stringToHex, type Hex, type TransactionReceipt } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { operatorStakingAbi, inferenceOracleAbi, traceDisputesAbi, hashWords, packValues, requestOptions } from '@veridict/sdk'
import { continueTrace, createCanonicalExecutor, ensureCompiledModel, gameSide, loadCompiledModel, parametersCommitment, traceCommitment, quantizeInput, type GameSide, type QuantizedModel } from '@veridict/circuits'
import { createMlp, exportMlp, createRandom } from '@veridict/circuits/testing'
import { anvilPrivateKeys } from '../src/devnet/anvil.js'
import { signAttestationBatch } from '../src/attest/attestation.js'
import { REPO_ROOT, startTestChain } from '../src/testing/harness.js'
import { challengeAndPlay } from '../src/testing/playGame.js'
import { TraceFiles } from '../src/store/traceFiles.js'

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'block-time': { type: 'string', default: '1' } } })
const names = positionals.length ? positionals : ['lenet5', 'lenet5-avg', 'resnet', 'dwsep', 'transformer', 'credit-logreg', 'mlp5m']
const blockTime = Number(values['block-time'])
const log = (line: string) => process.stderr.write(`${line}\n`)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** The model's ONNX file and one input: a zoo model's first held-out sample, or the synthetic 5M-weight MLP and a seeded input. */
async function modelSource(name: string): Promise<{ onnx: string; input: number[]; calibration: number[][] }> {
  if (name === 'mlp5m') {
    const random = createRandom(5_000_000)
    const dir = join(REPO_ROOT, '.cache', 'bench')
    await mkdir(dir, { recursive: true })
    const onnx = join(dir, 'mlp5m.onnx')
    await writeFile(onnx, exportMlp(createMlp([2048, 2048, 400, 10], random), { name: 'mlp5m' }))
    const sample = () => Array.from({ length: 2048 }, () => random.next())
    return { onnx, input: sample(), calibration: Array.from({ length: 8 }, sample) }
  }
  const testset = JSON.parse(await readFile(join(REPO_ROOT, 'circuits/models', `${name}.testset.json`), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
  return { onnx: join(REPO_ROOT, 'circuits/models', `${name}.onnx`), input: testset.inputs[0]!, calibration: testset.calibration.inputs }
}

/** The row of stage s with the most input positions (what the one step opens), and how many. */
function widestRow(model: QuantizedModel, s: number): { r: number; positions: number } {
  const stage = model.stages[s]!
  const offsets = stage.kind === 'linear' || stage.kind === 'bilinear' ? stage.rows.offsets : stage.kind === 'maxPool' ? stage.windows.offsets : stage.kind === 'argMax' ? stage.groups.offsets : undefined
  if (!offsets) return { r: 0, positions: stage.kind === 'divide' ? 2 : 1 }
  let best = { r: 0, positions: 0 }
  for (let r = 0; r + 1 < offsets.length; r++) {
    const positions = (offsets[r + 1]! - offsets[r]!) * (stage.kind === 'bilinear' ? 2 : 1)
    if (positions > best.positions) best = { r, positions }
  }
  return best
}

const chain = await startTestChain({ challengeWindow: 600n, blockTime })
const wallet = (key: number | Hex) => createWalletClient({ account: privateKeyToAccount(typeof key === 'number' ? anvilPrivateKeys[key]! : key), chain: chain.client.chain, transport: http(chain.anvil.rpcUrl) })
const send = async (key: number | Hex, call: Parameters<ReturnType<typeof wallet>['writeContract']>[0]): Promise<TransactionReceipt> => {
  const receipt = await chain.client.waitForTransactionReceipt({ hash: await wallet(key).writeContract(call), pollingInterval: 50 })
  if (receipt.status !== 'success') throw new Error(`${call.functionName} reverted (${receipt.transactionHash})`)
  return receipt
}
/** Two fresh staked operators (seeded keys, funded by anvil): each game slashes the previous pair. */
async function operatorPair(name: string): Promise<Hex[]> {
  const keys = [1, 2].map((i) => keccak256(stringToHex(`veridict bench:disputes operator ${i} for ${name}`)))
  for (const key of keys) {
    await chain.client.request({ method: 'anvil_setBalance' as never, params: [privateKeyToAccount(key).address, '0x3635c9adc5dea00000'] as never })
    await send(key, { address: chain.deployment.contracts.operatorStaking, abi: operatorStakingAbi, functionName: 'register', value: 10n ** 20n } as never)
  }
  return keys
}
const { inferenceOracle: oracle, traceDisputes: games } = chain.deployment.contracts
const rows: Record<string, string | number>[] = []

try {
  for (const name of names) {
    log(`${name}: compiling without a circuit`)
    const source = await modelSource(name)
    const { dir } = await ensureCompiledModel({ onnx: source.onnx, name, calibration: source.calibration, circuit: false })
    const { model } = await loadCompiledModel(dir)
    // Each registration from its own owner account would clash on equal artifacts; one owner, distinct models.
    const { modelId } = await chain.registerModel(dir, 0)
    const operatorKeys = await operatorPair(name)
    const q = quantizeInput(model, source.input)
    const inputWords = packValues(q, model.inputBits)

    log(`${name}: the honest run, plain and with its trace kept`)
    const canonical = await createCanonicalExecutor({ model })
    const plain: number[] = []
    const traced: number[] = []
    // Warm: both sessions open (the trace graph's on its first use), then timed.
    await canonical.runWords(inputWords)
    let tensors: bigint[][] = await canonical.runTraceWords(inputWords)
    for (let i = 0; i < 5; i++) {
      let t = performance.now()
      await canonical.runWords(inputWords)
      plain.push(performance.now() - t)
      t = performance.now()
      tensors = await canonical.runTraceWords(inputWords)
      traced.push(performance.now() - t)
    }
    // The parameter commitment is the model's (computed once, at compile); the trace's is per request.
    let t0 = performance.now()
    const parameters = parametersCommitment(model)
    const parametersSeconds = (performance.now() - t0) / 1000
    t0 = performance.now()
    const honest: GameSide = { model, tensors, trace: traceCommitment(model, tensors), parameters }
    const commitMs = performance.now() - t0
    // What the node adds per request to keep it: one append to its trace segment (median of 5).
    const segments = new TraceFiles(await mkdtemp(join(tmpdir(), 'veridict-bench-traces-')))
    const appends: number[] = []
    let traceBytes = 0
    for (let i = 0; i < 5; i++) {
      const t = performance.now()
      traceBytes = (await segments.append(honest.trace)).bytes
      appends.push(performance.now() - t)
    }
    await segments.close()

    // The lie: the widest row's value, off by one, every later stage computed from it.
    let disputed = 0
    for (let s = 1; s < model.stages.length; s++) if (widestRow(model, s).positions > widestRow(model, disputed).positions) disputed = s
    const { r, positions } = widestRow(model, disputed)
    const lied = tensors.slice(0, disputed + 2).map((t) => [...t])
    const bits = model.stages[disputed]!.bits
    lied[disputed + 1]![r]! += lied[disputed + 1]![r]! >= (1n << BigInt(bits - 1)) - 1n ? -1n : 1n
    const liar: GameSide = gameSide(model, continueTrace(model, lied, disputed + 1), honest.parameters)
    const outputWords = (side: GameSide) => packValues(side.tensors.at(-1)!, model.outputBits)

    log(`${name}: request, lying attestation, challenge (stage ${disputed} ${model.stages[disputed]!.kind}, row ${r} of ${positions} positions)`)
    const now = (await chain.client.getBlock()).timestamp
    const requested = await send(5, { address: oracle, abi: inferenceOracleAbi, functionName: 'requestInference', args: [modelId, inputWords, requestOptions({ mode: 1, quorum: 2, deadline: now + 3600n })], value: 10n ** 16n } as never)
    const request = parseEventLogs({ abi: inferenceOracleAbi, eventName: 'InferenceRequested', logs: requested.logs })[0]!.args.request
    await chain.client.request({ method: 'anvil_mine' as never, params: ['0x2'] as never })
    const attestation = { requestId: request.id, modelId, inputHash: request.inputHash, outputHash: hashWords(outputWords(liar)), traceRoot: liar.trace.traceRoot }
    const signers = operatorKeys.map((key) => privateKeyToAccount(key)).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1))
    const signatures = await Promise.all(signers.map((account) => signAttestationBatch(account, { chainId: chain.anvil.chainId, oracle }, [attestation])))
    const submitted = await send(3, { address: oracle, abi: inferenceOracleAbi, functionName: 'submitAttestations', args: [[{ request, outputWords: outputWords(liar), traceRoot: liar.trace.traceRoot }], signatures] } as never)
    const { record } = parseEventLogs({ abi: inferenceOracleAbi, eventName: 'AttestationSubmitted', logs: submitted.logs })[0]!.args

    const started = performance.now()
    // The honest challenger against the liars, both with the moves a node makes (nextMove).
    const { gameId, challenge: challenged, moves: played } = await challengeAndPlay({
      client: chain.client as never,
      games,
      request,
      attested: record,
      inputWords,
      sides: { defender: { side: liar, wallet: wallet(3) }, challenger: { side: honest, wallet: wallet(4) } },
    })
    const gas: Record<string, bigint[]> = { challenge: [challenged.gasUsed], reveal: [], openTensor: [], step: [], resolveInput: [] }
    for (const move of played) (gas[move.move] ??= []).push(move.gas)
    const rounds = played.filter((m) => m.move === 'reveal').length / 2
    const seconds = (performance.now() - started) / 1000
    const [resolved] = await chain.client.getContractEvents({ address: games, abi: traceDisputesAbi, eventName: 'GameResolved', args: { gameId }, fromBlock: challenged.blockNumber, strict: true })
    if (!resolved?.args.attestersLost) throw new Error(`${name}: the lying attestation was not overturned`)
    const all = Object.values(gas).flat()
    const max = (xs: bigint[]) => (xs.length ? Number(xs.reduce((a, b) => (a > b ? a : b))) : 0)
    rows.push({
      model: name,
      stages: model.stages.length,
      'disputed stage': `${disputed} ${model.stages[disputed]!.kind} (${positions} inputs)`,
      rounds,
      transactions: all.length,
      'challenge gas': Number(gas.challenge![0]!),
      'reveal gas (max)': max(gas.reveal!),
      'openTensor gas': max(gas.openTensor!),
      'one step gas': max(gas.step!),
      'game gas': Number(all.reduce((a, b) => a + b, 0n)),
      'game wall s': seconds.toFixed(1),
      'run ms': median(plain).toFixed(2),
      'run + trace ms': median(traced).toFixed(2),
      'trace commit ms': commitMs.toFixed(1),
      'parameters commit s': parametersSeconds.toFixed(2),
      'trace append ms': median(appends).toFixed(2),
      'trace KiB': (traceBytes / 1024).toFixed(1),
    })
    log(`${name}: overturned in ${rounds} rounds, ${all.length} transactions, ${seconds.toFixed(1)} s`)
  }
} finally {
  await chain.stop()
}

const columns = Object.keys(rows[0] ?? {})
console.log(`\nTrace disputes on anvil (block time ${blockTime} s), ${new Date().toISOString()}\n`)
console.log(`| ${columns.join(' | ')} |`)
console.log(`|${columns.map(() => '---').join('|')}|`)
for (const row of rows) console.log(`| ${columns.map((c) => row[c]).join(' | ')} |`)
