/**
 * npm run bench:proof-systems [-- iris digits mnist784] [--proofs N]: Groth16 against PLONK on the
 * bundled models, both through the registry as a dApp uses them.
 *  - setup time (dev ptau already cached; writing it is one-off and not counted)
 *  - prove time (median of N warm proofs in one prover process) and the proving key's size
 *  - verification gas on anvil: the registry's verifier alone (a transaction calling verify(key,
 *    signals, proof): its gasUsed less the 21,000 intrinsic gas and the calldata gas; not
 *    eth_estimateGas, which finds the least gas that does not revert, and a verifier starved of gas
 *    returns false without reverting) and the whole fulfillWithProof transaction (receipt gasUsed:
 *    intrinsic gas, calldata, the oracle and the verifier)
 * Prints a Markdown table.
 */
import { cp, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createPublicClient, createWalletClient, defineChain, http, parseEther, parseEventLogs, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { compileModel, loadCompiledModel, prove, ProverPool, quantizeInput, setupModel, type ModelManifest, type SetupProgress } from '@veridict/circuits'
import { deployVeridict } from '../src/deploy/deploy.js'
import { inferenceOracleAbi, NO_ATTESTATION, requestOptions, modelRegistryAbi, proofVerifierAbi, encodeProof } from '@veridict/sdk'
import { anvilPrivateKeys, startAnvil } from '../src/devnet/anvil.js'
import { registerModel } from '../src/chain/registerModel.js'
import { REPO_ROOT } from '../src/testing/harness.js'

const { values, positionals } = parseArgs({ allowPositionals: true, options: { proofs: { type: 'string', default: '3' } } })
const models = positionals.length ? positionals : ['iris', 'digits', 'mnist784']
const proofs = Number(values.proofs)
const schemes = ['groth16', 'plonk'] as const
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const log = (line: string) => process.stderr.write(`${line}\n`)
/** EIP-2028 calldata gas: 16 per non-zero byte, 4 per zero byte. */
const calldataGas = (input: Hex) => {
  let gas = 0n
  for (let i = 2; i < input.length; i += 2) gas += input.slice(i, i + 2) === '00' ? 4n : 16n
  return gas
}

type Row = { model: string; constraints: number; scheme: string; power: number; setupSeconds: number; proveSeconds: number; zkeyMiB: number; verifyGas: bigint; fulfilGas: bigint }

/** Sets up `dir` with `scheme`; when the run had to write a dev ptau, sets up again so the figure is the setup alone. */
async function timedSetup(dir: string, scheme: (typeof schemes)[number]): Promise<{ manifest: ModelManifest; seconds: number }> {
  for (;;) {
    let wroteDevPtau = false
    const onProgress = (p: SetupProgress) => {
      if (p.message.startsWith('writing a dev ptau')) wroteDevPtau = true
    }
    const started = performance.now()
    const { manifest } = await setupModel({ dir, scheme, onProgress })
    const seconds = (performance.now() - started) / 1000
    if (!wroteDevPtau) return { manifest, seconds }
    log(`  (a dev ptau of power ${manifest.setup!.ptau.power} was written first: setting up again to time the setup alone)`)
  }
}

const anvil = await startAnvil()
const rows: Row[] = []
try {
  const deployment = await deployVeridict({ rpcUrl: anvil.rpcUrl, challengeWindow: 3600n })
  const chain = defineChain({ id: anvil.chainId, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } })
  const publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl) })
  const owner = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[0]!), chain, transport: http(anvil.rpcUrl) })
  const prover = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[1]!), chain, transport: http(anvil.rpcUrl) })
  const registry = deployment.contracts.modelRegistry
  const oracle = deployment.contracts.inferenceOracle

  for (const name of models) {
    const testset = JSON.parse(await readFile(join(REPO_ROOT, 'circuits/models', `${name}.testset.json`), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
    const base = join(REPO_ROOT, '.cache', 'bench', 'proof-systems', name)
    log(`${name}: compiling`)
    await rm(base, { recursive: true, force: true })
    const compiled = await compileModel({ onnx: join(REPO_ROOT, 'circuits/models', `${name}.onnx`), outDir: join(base, 'compiled'), name, calibration: testset.calibration.inputs })
    for (const scheme of schemes) {
      const dir = join(base, scheme)
      await cp(compiled.dir, dir, { recursive: true })
      log(`${name}: ${scheme} setup`)
      const { manifest, seconds: setupSeconds } = await timedSetup(dir, scheme)
      const zkeyMiB = (await stat(join(dir, manifest.artifacts.zkey!))).size / 2 ** 20

      log(`${name}: ${scheme} proving (${proofs} proofs)`)
      const { model } = await loadCompiledModel(dir)
      const pool = new ProverPool({ concurrency: 1 })
      const times: number[] = []
      let last: Awaited<ReturnType<typeof prove>> | undefined
      try {
        for (let i = 0; i <= proofs; i++) {
          const result = await prove({ dir, input: { quantized: quantizeInput(model, testset.inputs[i % testset.inputs.length]!) }, beneficiary: prover.account.address, pool })
          if (i > 0) times.push(result.seconds) // the first proof warms the prover process
          last = result
        }
      } finally {
        await pool.close()
      }

      log(`${name}: ${scheme} on-chain`)
      const registered = await registerModel({ publicClient, walletClient: owner, account: owner.account, chain, registry, dir, fee: 0n, allowInsecureSetup: true })
      const stored = await publicClient.readContract({ address: registry, abi: modelRegistryAbi, functionName: 'getModel', args: [registered.modelId] })
      const proofBytes = encodeProof(last!.proof)
      const signals = [...last!.inputWords, ...last!.outputWords, BigInt(prover.account.address)]
      const valid = await publicClient.readContract({ address: stored.verifier, abi: proofVerifierAbi, functionName: 'verify', args: [stored.verificationKey, signals, proofBytes] })
      if (!valid) throw new Error(`${name} ${scheme}: the registry's verifier rejected an honest proof`)
      const verifyTx = await publicClient.getTransaction({
        hash: await prover.writeContract({ address: stored.verifier, abi: proofVerifierAbi, functionName: 'verify', args: [stored.verificationKey, signals, proofBytes], gas: 3_000_000n }),
      })
      const verifyReceipt = await publicClient.waitForTransactionReceipt({ hash: verifyTx.hash })
      const verifyGas = verifyReceipt.gasUsed - 21_000n - calldataGas(verifyTx.input)
      const block = await publicClient.getBlock()
      const requested = await publicClient.waitForTransactionReceipt({
        hash: await owner.writeContract({ address: oracle, abi: inferenceOracleAbi, functionName: 'requestInference', args: [registered.modelId, last!.inputWords, requestOptions({ mode: 0, deadline: block.timestamp + 3600n })], value: parseEther('0.001') }),
      })
      const [event] = parseEventLogs({ abi: inferenceOracleAbi, eventName: 'InferenceRequested', logs: requested.logs })
      const fulfilled = await publicClient.waitForTransactionReceipt({
        hash: await prover.writeContract({ address: oracle, abi: inferenceOracleAbi, functionName: 'fulfillWithProof', args: [event!.args.request, NO_ATTESTATION, last!.inputWords, last!.outputWords, prover.account.address, proofBytes as Hex] }),
      })
      if (fulfilled.status !== 'success') throw new Error(`${name} ${scheme}: fulfillWithProof reverted`)
      rows.push({ model: name, constraints: manifest.circuit!.constraints, scheme, power: manifest.setup!.ptau.power, setupSeconds, proveSeconds: median(times), zkeyMiB, verifyGas, fulfilGas: fulfilled.gasUsed })
    }
  }
} finally {
  await anvil.stop()
}

const groth16 = (row: Row) => rows.find((r) => r.model === row.model && r.scheme === 'groth16')!
console.log(`\nGroth16 vs PLONK (snarkjs, bn128, dev ptau), ${proofs} warm proofs each, on this machine\n`)
console.log('| model | r1cs constraints | scheme | ptau power | setup | prove (median) | proving key | verify gas (verifier call) | fulfillWithProof tx gas |')
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
for (const row of rows) {
  const ratio = row.scheme === 'groth16' ? '' : ` (${(row.proveSeconds / groth16(row).proveSeconds).toFixed(1)}x)`
  const difference = row.verifyGas - groth16(row).verifyGas
  const gasRatio = row.scheme === 'groth16' ? '' : ` (${difference >= 0n ? '+' : ''}${difference.toLocaleString('en-US')})`
  console.log(
    `| ${row.model} | ${row.constraints.toLocaleString('en-US')} | ${row.scheme} | ${row.power} | ${row.setupSeconds.toFixed(1)} s | ${row.proveSeconds.toFixed(2)} s${ratio} | ${row.zkeyMiB.toFixed(1)} MiB | ${row.verifyGas.toLocaleString('en-US')}${gasRatio} | ${row.fulfilGas.toLocaleString('en-US')} |`,
  )
}
process.exit(0)
