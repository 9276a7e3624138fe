/**
 * npm run bench:privacy [-- iris digits mnist784] [--proofs N]: what a private input costs, on the
 * bundled models, each compiled twice from the same ONNX file and calibration (public input, private
 * input) and set up with Groth16 over the same dev ptau:
 *  - r1cs constraints, setup time, prove time (median of N warm proofs in one prover process);
 *  - on anvil, through the SDK as a dApp uses it: the fulfillWithProof transaction's gas, and the
 *    time from sending the request to reading a final result when the requester proves it itself
 *    (requestInference or requestPrivateInference, proveLocally, fulfillWithProof, getResult) and
 *    when an operator's node does (a ZK request it picks up, or a private one delegated to it with
 *    delegatePrivateInput; the second of two requests, so the node's prover is warm).
 * Both variants run in the same process, one after the other, and the table gives the private
 * variant's ratio to the public one. Prints a Markdown table.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { compileModel, loadCompiledModel, prove, ProverPool, quantizeInput, setupModel, type SetupProgress } from '@veridict/circuits'
import { createVeridictClient, encodeInput, fulfillWithProof, getResult, requestInference, waitForResult, type VeridictManifest } from '@veridict/sdk'
import { delegatePrivateInput, getEncryptionKey, randomSalt, requestPrivateInference } from '@veridict/sdk/private'
import { proveLocally } from '@veridict/sdk/prover'
import { anvilPrivateKeys } from '../src/devnet/anvil.js'
import { waitFor } from '../src/devnet/waitFor.js'
import { nodeConfig, nodePorts, REPO_ROOT, startTestChain, startTestNode } from '../src/testing/harness.js'

const { values, positionals } = parseArgs({ allowPositionals: true, options: { proofs: { type: 'string', default: '3' } } })
const models = positionals.length ? positionals : ['iris', 'digits', 'mnist784']
const proofs = Number(values.proofs)
const variants = ['public', 'private input'] as const
type Variant = (typeof variants)[number]
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const log = (line: string) => process.stderr.write(`${line}\n`)

type Row = { model: string; variant: Variant; constraints: number; setupSeconds: number; proveSeconds: number; fulfilGas: bigint; requestToFinalSeconds: number; nodeToFinalSeconds: number }

/** Sets up `dir`; when the run had to write a dev ptau, sets up again so the figure is the setup alone. */
async function timedSetup(dir: string): Promise<number> {
  for (;;) {
    let wroteDevPtau = false
    const onProgress = (p: SetupProgress) => {
      if (p.message.startsWith('writing a dev ptau')) wroteDevPtau = true
    }
    const started = performance.now()
    await setupModel({ dir, onProgress })
    if (!wroteDevPtau) return (performance.now() - started) / 1000
    log('  (a dev ptau was written first: setting up again to time the setup alone)')
  }
}

// The harness's chain: anvil with the protocol deployed; the node's operator (anvil account 1) is staked.
const chain = await startTestChain({ challengeWindow: 3600n })
const rows: Row[] = []
try {
  const publicClient = chain.client
  const operator = await chain.registerOperator(1)
  const userWallet = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[4]!), chain: publicClient.chain, transport: http(chain.anvil.rpcUrl) })
  const user = createVeridictClient({ publicClient, walletClient: userWallet, deployment: chain.deployment, pollingInterval: 50 })

  for (const name of models) {
    const testset = JSON.parse(await readFile(join(REPO_ROOT, 'circuits/models', `${name}.testset.json`), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
    const base = join(REPO_ROOT, '.cache', 'bench', 'privacy', name)
    await rm(base, { recursive: true, force: true })
    for (const variant of variants) {
      const dir = join(base, variant.replace(' ', '-'))
      log(`${name} (${variant}): compiling`)
      const compiled = await compileModel({ onnx: join(REPO_ROOT, 'circuits/models', `${name}.onnx`), outDir: join(base, 'build'), name, calibration: testset.calibration.inputs, privateInput: variant === 'private input' })
      await cp(compiled.dir, dir, { recursive: true })
      await rm(compiled.dir, { recursive: true, force: true })
      log(`${name} (${variant}): setup`)
      const setupSeconds = await timedSetup(dir)
      const { manifest, model } = await loadCompiledModel(dir)

      log(`${name} (${variant}): proving (${proofs} warm proofs)`)
      const pool = new ProverPool({ concurrency: 1 })
      const times: number[] = []
      try {
        for (let i = 0; i <= proofs; i++) {
          const quantized = quantizeInput(model, testset.inputs[i % testset.inputs.length]!)
          const salt = variant === 'private input' ? randomSalt() : undefined
          const result = await prove({ dir, input: { quantized }, beneficiary: userWallet.account.address, pool, salt })
          if (i > 0) times.push(result.seconds) // the first proof warms the prover process
        }
      } finally {
        await pool.close()
      }

      log(`${name} (${variant}): on-chain, the requester proves`)
      const { modelId } = await chain.registerModel(dir, 0)
      const wordsOf = (i: number) => encodeInput({ manifest: manifest as unknown as VeridictManifest, values: testset.inputs[i]! }).words
      const requested = async (i: number) =>
        variant === 'private input'
          ? await requestPrivateInference(user, { modelId, inputWords: wordsOf(i) })
          : { ...(await requestInference(user, { modelId, inputWords: wordsOf(i) })), privateInput: undefined }
      // Twice, the second measured: its fee is credited to a balance that is already non-zero, as for either variant in a live network.
      let requestToFinalSeconds = 0
      let fulfilGas = 0n
      for (const i of [0, 3]) {
        const started = performance.now()
        const own = await requested(i)
        const proved = await proveLocally(user, { requestId: own.requestId, dir, privateInput: own.privateInput })
        const { receipt } = await fulfillWithProof(user, proved)
        const result = await getResult(user, { requestId: proved.requestId })
        if (result.finality !== 'final') throw new Error(`${name} (${variant}): request ${proved.requestId} is not final after fulfilment`)
        requestToFinalSeconds = (performance.now() - started) / 1000
        fulfilGas = receipt.gasUsed
      }

      log(`${name} (${variant}): on-chain, an operator's node proves`)
      const modelsDir = await mkdtemp(join(tmpdir(), 'veridict-bench-models-'))
      await cp(dir, join(modelsDir, name), { recursive: true })
      const [ports] = await nodePorts(1)
      const node = await startTestNode(nodeConfig(chain, { httpPort: ports!.httpPort, peerHttpPort: ports!.peerHttpPort, modelsDir, modes: ['zk'] }), 1)
      let nodeToFinalSeconds = 0
      try {
        if (variant === 'private input') await waitFor(() => getEncryptionKey(user, { operator }).then(() => true, () => false), { what: 'the node to publish its encryption key' })
        for (const i of [1, 2]) {
          const sent = performance.now()
          const request = await requested(i)
          if (request.privateInput) await delegatePrivateInput(user, { requestId: request.requestId, privateInput: request.privateInput, operator, nodeUrl: node.url })
          const served = await waitForResult(user, { requestId: request.requestId, timeout: 300_000 })
          if (served.fulfilment.kind !== 'proof' || served.fulfilment.fulfiller !== operator) throw new Error(`${name} (${variant}): request ${request.requestId} was not proved by the node`)
          nodeToFinalSeconds = (performance.now() - sent) / 1000
        }
      } finally {
        await node.stop()
      }
      rows.push({ model: name, variant, constraints: manifest.circuit!.constraints, setupSeconds, proveSeconds: median(times), fulfilGas, requestToFinalSeconds, nodeToFinalSeconds })
    }
  }
} finally {
  await chain.stop()
}

const baseline = (row: Row) => rows.find((r) => r.model === row.model && r.variant === 'public')!
const ratio = (value: number, base: number, row: Row) => (row.variant === 'public' ? '' : ` (${(value / base).toFixed(2)}x)`)
console.log(`\nPrivate input vs public input (snarkjs Groth16, bn128, dev ptau), ${proofs} warm proofs each, on this machine\n`)
console.log('| model | input | r1cs constraints | setup | prove (median) | fulfillWithProof tx gas | request to final, requester proves | request to final, a node proves (private: delegated) |')
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
for (const row of rows) {
  const b = baseline(row)
  console.log(
    `| ${row.model} | ${row.variant} | ${row.constraints.toLocaleString('en-US')}${ratio(row.constraints, b.constraints, row)} | ${row.setupSeconds.toFixed(1)} s | ${row.proveSeconds.toFixed(2)} s${ratio(row.proveSeconds, b.proveSeconds, row)} | ${row.fulfilGas.toLocaleString('en-US')}${ratio(Number(row.fulfilGas), Number(b.fulfilGas), row)} | ${row.requestToFinalSeconds.toFixed(2)} s${ratio(row.requestToFinalSeconds, b.requestToFinalSeconds, row)} | ${row.nodeToFinalSeconds.toFixed(2)} s${ratio(row.nodeToFinalSeconds, b.nodeToFinalSeconds, row)} |`,
  )
}
process.exit(0)
