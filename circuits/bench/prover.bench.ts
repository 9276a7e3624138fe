// Repeated proofs in one prover process: time a proof, its witness, and the prover's resident
// memory after each, with the pool's WebAssembly tiering budget (WASM_TIERING_BUDGET) and with V8's
// default (the baseline), in the same process, one pool after the other.
//
//   npm run bench:prover                                   mnist784 (784-56-10), 20 proofs each
//   npm run bench:prover -- --model digits --proofs 10     any model in circuits/models
//
// The model is compiled and set up once into the cache (ensureCompiledModel; dev ptau, INSECURE).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { circuitInput } from '../src/circuit/publicSignals.js'
import { REPO_ROOT } from '../src/circuit/paths.js'
import { ensureCompiledModel } from '../src/compile/ensureCompiledModel.js'
import { loadCompiledModel } from '../src/prove/loadCompiledModel.js'
import { ProverPool } from '../src/prove/proverPool.js'
import { WASM_TIERING_BUDGET } from '../src/process/wasmTiering.js'
import { quantizeInput, runReference } from '../src/reference/runReference.js'
import { packValues } from '@veridict/sdk'

const { values } = parseArgs({ options: { model: { type: 'string', default: 'mnist784' }, proofs: { type: 'string', default: '20' } } })
const proofs = Number(values.proofs)
if (!Number.isInteger(proofs) || proofs < 1) throw new Error(`--proofs must be a positive integer, got ${values.proofs}`)
const onnx = join(REPO_ROOT, 'circuits', 'models', `${values.model}.onnx`)
const testset = JSON.parse(readFileSync(join(REPO_ROOT, 'circuits', 'models', `${values.model}.testset.json`), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }

process.stderr.write(`${values.model}: compiling and setting up (cached after the first run)\n`)
const { dir, manifest } = await ensureCompiledModel({ onnx, name: values.model!, calibration: testset.calibration.inputs, onProgress: (p) => p.step === 'done' && process.stderr.write(`  ${p.message}\n`) })
const { model } = await loadCompiledModel(dir)
const jobs = testset.inputs.slice(0, proofs).map((sample) => {
  const q = quantizeInput(model, sample)
  const input = circuitInput({ inputWords: packValues(q, model.inputBits), outputWords: packValues(runReference(model, q), model.outputBits), beneficiary: '0x00000000000000000000000000000000000000aa' })
  return { protocol: 'groth16' as const, input, wasm: join(dir, manifest.artifacts.wasm!), zkey: join(dir, manifest.artifacts.zkey!) }
})
while (jobs.length < proofs) jobs.push(jobs[jobs.length % testset.inputs.length]!)

type Run = { seconds: number[]; witness: number[]; rssMiB: number[] }
async function run(budget: number): Promise<Run> {
  const pool = new ProverPool({ wasmTieringBudget: budget, maxRssMiB: 1_000_000, maxProofsPerProcess: proofs + 1 })
  const result: Run = { seconds: [], witness: [], rssMiB: [] }
  try {
    for (const [i, job] of jobs.entries()) {
      const proof = await pool.prove(job)
      result.seconds.push(proof.seconds)
      result.witness.push(proof.witnessSeconds)
      result.rssMiB.push(proof.rssKb / 1024)
      process.stderr.write(`  budget ${budget}: proof ${i + 1}/${proofs} ${proof.seconds.toFixed(2)} s, ${Math.round(proof.rssKb / 1024)} MiB\n`)
    }
  } finally {
    await pool.close()
  }
  return result
}

const tuned = await run(WASM_TIERING_BUDGET)
const baseline = await run(1_800_000)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const row = (name: string, r: Run) => ({
  'tiering budget': name,
  'proof s (first)': r.seconds[0]!.toFixed(2),
  'proof s (median)': median(r.seconds).toFixed(2),
  'witness s (median)': median(r.witness).toFixed(3),
  'RSS MiB after 1': Math.round(r.rssMiB[0]!),
  'after 4': Math.round(r.rssMiB[Math.min(3, proofs - 1)]!),
  [`after ${proofs}`]: Math.round(r.rssMiB[proofs - 1]!),
})
console.log(`${values.model} (${manifest.circuit!.constraints} constraints), ${proofs} proofs in one prover process each, 2 runs in this process:`)
console.table([row(`${WASM_TIERING_BUDGET} (the pool's)`, tuned), row('1800000 (V8 default, baseline)', baseline)])
console.log(`median proof time: ${(median(baseline.seconds) / median(tuned.seconds)).toFixed(2)}x faster; resident memory after ${proofs} proofs: ${(baseline.rssMiB[proofs - 1]! / tuned.rssMiB[proofs - 1]!).toFixed(2)}x smaller`)
process.exit(0)
