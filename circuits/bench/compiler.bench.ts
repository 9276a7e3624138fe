/**
 * Compiler benchmark: for each bundled model, constraints, compile / setup / witness / prove /
 * verify times, peak memory, and float vs quantized accuracy on the held-out test set.
 * Run: npm run bench:compiler [-- iris digits mnist784 lenet5 resnet dwsep credit-logreg credit-gbt transformer] [--proofs N] [--reference-seconds S] [--reuse]
 *
 * Every held-out sample runs through onnxruntime (float) and the canonical executor; the bigint
 * reference executor, which defines the canonical output, checks the canonical executor on each
 * sample until it has spent --reference-seconds (default 60; a LeNet-5 sample takes it seconds),
 * and the row says on how many. A class is read from each output as readClass.ts says (scores, a
 * single probability, or a label); a zoo model's spec may name the output compiled.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { keccak256 } from 'viem'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import { packValues } from '@veridict/sdk'
import { BUNDLED_MODELS } from '../src/models/bundledModels.js'
import { classOfFloatOutput, classOfQuantizedOutput, inputTensor } from '../src/models/readClass.js'
import { ZOO_MODELS } from '../src/models/zooModels.js'
import { circuitInput } from '../src/circuit/publicSignals.js'
import { calculateWitness } from '../src/circuit/r1cs.js'
import { REPO_ROOT, CIRCUITS_ROOT } from '../src/circuit/paths.js'
import { compileModel } from '../src/compile/compileModel.js'
import { prove } from '../src/prove/prove.js'
import { ProverPool } from '../src/prove/proverPool.js'
import { verify } from '../src/prove/verify.js'
import { quantizeInput, runReference } from '../src/reference/runReference.js'
import { createCanonicalExecutor } from '../src/reference/canonicalExecutor.js'
import { setupModel } from '../src/setup/setupModel.js'
import { loadCompiledModel } from '../src/prove/loadCompiledModel.js'
import type { ModelManifest } from '../src/manifest/manifest.js'

type TestSet = { inputs: number[][]; labels: number[]; calibration: { inputs: number[][] } }

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { proofs: { type: 'string', default: '5' }, 'reference-seconds': { type: 'string', default: '60' }, reuse: { type: 'boolean', default: false } },
})
/** The bundled MLPs, then the model zoo (circuits/models/README.md). */
const models = positionals.length > 0 ? positionals : [...BUNDLED_MODELS, ...ZOO_MODELS].map((spec) => spec.name)
const proofs = Number(values.proofs)
const referenceBudgetMs = 1000 * Number(values['reference-seconds'])
ort.env.logLevel = 'error'
/** Any address: proofs here are measured, not submitted. */
const BENCH_BENEFICIARY = '0x0000000000000000000000000000000000000001'

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const mib = (kb: number) => (kb / 1024).toFixed(0)

const rows: Record<string, string | number>[] = []
async function benchModel(name: string): Promise<Record<string, string | number>> {
  const onnx = join(CIRCUITS_ROOT, 'models', `${name}.onnx`)
  const testSet = JSON.parse(await readFile(join(CIRCUITS_ROOT, 'models', `${name}.testset.json`), 'utf8')) as TestSet
  const dir = join(REPO_ROOT, '.cache', 'bench', name)
  let t = performance.now()
  const output = ZOO_MODELS.find((spec) => spec.name === name)?.output
  const reused = values.reuse ? await reusableModel(dir, onnx, { calibration: testSet.calibration.inputs, output }) : undefined
  let compileSeconds: number | undefined
  let setupSeconds: number | undefined
  let manifest: ModelManifest
  if (reused) {
    process.stderr.write(`${name}: reusing the compiled and set-up model in ${dir}\n`)
    manifest = reused
  } else {
    process.stderr.write(`${name}: compiling\n`)
    const compiled = await compileModel({ onnx, outDir: dir, calibration: testSet.calibration.inputs, output })
    compileSeconds = (performance.now() - t) / 1000
    process.stderr.write(`${name}: setup (${compiled.manifest.circuit!.constraints} constraints)\n`)
    t = performance.now()
    ;({ manifest } = await setupModel({ dir }))
    setupSeconds = (performance.now() - t) / 1000
  }

  process.stderr.write(`${name}: accuracy on ${testSet.inputs.length} held-out samples\n`)
  const { model } = await loadCompiledModel(dir)
  const session = await ort.InferenceSession.create(onnx)
  const floatOutput = manifest.onnx.output ?? session.outputNames[0]!
  let floatCorrect = 0
  let quantCorrect = 0
  let agree = 0
  let referenceMs = 0
  let referenceChecked = 0
  let canonicalMs = 0
  const canonical = await createCanonicalExecutor({ model })
  for (let i = 0; i < testSet.inputs.length; i++) {
    const x = testSet.inputs[i]!
    const out = await session.run({ [session.inputNames[0]!]: inputTensor(x, manifest.input.shape, manifest.input.type) }, [floatOutput])
    const f = classOfFloatOutput(out[floatOutput]!)
    // As a node runs it: from the request's packed input words.
    const words = packValues(quantizeInput(model, x), model.inputBits)
    const c0 = performance.now()
    const q = await canonical.runWords(words)
    canonicalMs += performance.now() - c0
    if (referenceMs < referenceBudgetMs) {
      const r0 = performance.now()
      const reference = runReference(model, quantizeInput(model, x))
      referenceMs += performance.now() - r0
      referenceChecked++
      if (reference.join() !== q.join()) throw new Error(`canonical executor differs from the reference on sample ${i}`)
    }
    const qc = classOfQuantizedOutput(q, manifest.output)
    floatCorrect += f === testSet.labels[i] ? 1 : 0
    quantCorrect += qc === testSet.labels[i] ? 1 : 0
    agree += f === qc ? 1 : 0
  }

  process.stderr.write(`${name}: witness, ${proofs} proofs, verify\n`)
  const sample = testSet.inputs[0]!
  const q = quantizeInput(model, sample)
  const witnessInput = circuitInput({ inputWords: packValues(q, model.inputBits), outputWords: packValues(runReference(model, q), model.outputBits), beneficiary: BENCH_BENEFICIARY })
  const witnessTimes: number[] = []
  for (let i = 0; i < 3; i++) {
    t = performance.now()
    await calculateWitness(join(dir, manifest.artifacts.wasm!), witnessInput)
    witnessTimes.push((performance.now() - t) / 1000)
  }
  const pool = new ProverPool({ concurrency: 1 })
  const proveTimes: number[] = []
  const verifyTimes: number[] = []
  for (let i = 0; i < proofs; i++) {
    const result = await prove({ dir, input: { values: testSet.inputs[i % testSet.inputs.length]! }, beneficiary: BENCH_BENEFICIARY, pool })
    proveTimes.push(result.seconds)
    t = performance.now()
    if (!(await verify({ dir, proof: result.proof, publicSignals: result.publicSignals }))) throw new Error('a proof did not verify')
    verifyTimes.push((performance.now() - t) / 1000)
  }
  await pool.close()
  const proverRss = await (async () => {
    const solo = new ProverPool({ concurrency: 1 })
    try {
      const r = await solo.prove({ protocol: manifest.setup!.protocol, input: witnessInput, wasm: join(dir, manifest.artifacts.wasm!), zkey: join(dir, manifest.artifacts.zkey!) })
      return r.maxRssKb
    } finally {
      await solo.close()
    }
  })()
  const n = testSet.inputs.length
  return {
    model: `${name} (${manifest.input.count}→${manifest.output.count})`,
    constraints: manifest.circuit!.constraints,
    'public signals': manifest.publicSignals.count,
    'scale/input': `2^${manifest.quantization.scale} / ${manifest.input.bits}b@2^${manifest.input.scale}`,
    'compile s': compileSeconds?.toFixed(1) ?? 'reused',
    'setup s': setupSeconds?.toFixed(1) ?? 'reused',
    'witness s': median(witnessTimes).toFixed(3),
    'prove s (median, warm)': median(proveTimes).toFixed(2),
    'prove s (first)': proveTimes[0]!.toFixed(2),
    'verify s': median(verifyTimes).toFixed(3),
    'prover peak MiB': mib(proverRss),
    'float acc %': ((100 * floatCorrect) / n).toFixed(2),
    'quantized acc %': ((100 * quantCorrect) / n).toFixed(2),
    'agreement %': ((100 * agree) / n).toFixed(2),
    'bigint reference µs': `${((1000 * referenceMs) / referenceChecked).toFixed(0)}${referenceChecked < n ? ` (${referenceChecked} checked)` : ''}`,
    [`canonical µs (${canonical.engine})`]: ((1000 * canonicalMs) / n).toFixed(0),
  }
}

for (const name of models) {
  try {
    rows.push(await benchModel(name))
  } catch (error) {
    // One model that fails (e.g. a circuit too large for the witness calculator) does not hide the others' rows.
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error)
    process.stderr.write(`${name}: FAILED: ${error instanceof Error ? error.stack : message}\n`)
    rows.push({ model: name, constraints: 'FAILED', error: message.slice(0, 160) })
  }
}

console.log(`\nVeridict compiler benchmark (${new Date().toISOString()}, ${(await import('node:os')).cpus().length} cores, Node ${process.version})`)
console.table(rows)
console.log(`main process peak RSS: ${mib(process.resourceUsage().maxRSS)} MiB. Setup uses a cached dev ptau (INSECURE, development only).`)
process.exit(rows.some((row) => row.constraints === 'FAILED') ? 1 : 0)

/**
 * --reuse: the manifest in `dir` when it was compiled with a circuit and set up (a previous run's,
 * or `veridict compile` + `setup` with --out there) from these ONNX bytes into the quantized model
 * this compiler makes of them now (compiled again without a circuit, seconds, and compared by its
 * quantized.json): compile and setup, minutes for the larger zoo models, are then skipped.
 */
async function reusableModel(dir: string, onnx: string, options: { calibration: number[][]; output: string | undefined }): Promise<ModelManifest | undefined> {
  const manifest = await readFile(join(dir, 'manifest.json'), 'utf8').then((text) => JSON.parse(text) as ModelManifest, () => undefined)
  if (!manifest?.circuit || !manifest.setup || !manifest.artifacts.zkey) return undefined
  if (manifest.onnx.keccak256 !== keccak256(await readFile(onnx))) return undefined
  const fresh = await mkdtemp(join(tmpdir(), 'veridict-bench-'))
  try {
    await compileModel({ onnx, outDir: fresh, calibration: options.calibration, output: options.output, circuit: false })
    const [now, then] = await Promise.all([readFile(join(fresh, 'quantized.json')), readFile(join(dir, 'quantized.json'))])
    if (!now.equals(then)) {
      process.stderr.write(`--reuse: ${dir} was quantized by another compiler version; compiling again\n`)
      return undefined
    }
    return manifest
  } finally {
    await rm(fresh, { recursive: true, force: true })
  }
}
