/**
 * What privacy costs: for each bundled model named (default iris), constraints, setup and prove
 * time with public weights and input, a private input (--private-input) and private weights
 * (--private-weights), all at the quantization calibration picks for public weights.
 * Run: npm run bench:private-circuits [-- iris digits] [--proofs N]
 */
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { REPO_ROOT } from '../src/circuit/paths.js'
import { compileModel, type CompileModelParameters } from '../src/compile/compileModel.js'
import { prove } from '../src/prove/prove.js'
import { ProverPool } from '../src/prove/proverPool.js'
import { verify } from '../src/prove/verify.js'
import { setupModel } from '../src/setup/setupModel.js'

type TestSet = { inputs: number[][]; calibration: { inputs: number[][] } }

const { values, positionals } = parseArgs({ allowPositionals: true, options: { proofs: { type: 'string', default: '3' } } })
const proofs = Number(values.proofs)
const BENEFICIARY = '0x0000000000000000000000000000000000000001'
const INPUT_SALT = 12345n

const seconds = (since: number) => (performance.now() - since) / 1000
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

console.log('| model | mode | constraints | wires | compile s | setup s | prove s (median of warm) | prove s (first) |')
console.log('|---|---|---|---|---|---|---|---|')
for (const name of positionals.length > 0 ? positionals : ['iris']) {
  const onnx = join(REPO_ROOT, 'circuits', 'models', `${name}.onnx`)
  const testset = JSON.parse(await readFile(join(REPO_ROOT, 'circuits', 'models', `${name}.testset.json`), 'utf8')) as TestSet
  let settings: Partial<CompileModelParameters> = { calibration: testset.calibration.inputs }
  for (const mode of ['public', 'private input', 'private weights'] as const) {
    const dir = join(REPO_ROOT, '.cache', 'bench-privacy', `${name}-${mode.replace(' ', '-')}`)
    await rm(dir, { recursive: true, force: true })
    let t = performance.now()
    const { manifest } = await compileModel({ onnx, outDir: dir, ...settings, privateInput: mode === 'private input', privateWeights: mode === 'private weights' })
    const compile = seconds(t)
    const { scale, inputScale, inputBits, maxBits } = manifest.quantization
    settings = { calibration: testset.calibration.inputs, scale, inputScale, inputBits, maxBits }
    t = performance.now()
    await setupModel({ dir })
    const setup = seconds(t)
    const pool = new ProverPool({ concurrency: 1 })
    const times: number[] = []
    try {
      for (let i = 0; i <= proofs; i++) {
        t = performance.now()
        const proved = await prove({ dir, input: { values: testset.inputs[i]! }, beneficiary: BENEFICIARY, pool, salt: mode === 'private input' ? INPUT_SALT : undefined })
        times.push(seconds(t))
        if (!(await verify({ dir, proof: proved.proof, publicSignals: proved.publicSignals }))) throw new Error(`${name} ${mode}: a proof did not verify`)
      }
    } finally {
      await pool.close()
    }
    const [first, ...warm] = times
    console.log(`| ${name} | ${mode} | ${manifest.circuit!.constraints.toLocaleString('en')} | ${manifest.circuit!.wires.toLocaleString('en')} | ${compile.toFixed(1)} | ${setup.toFixed(1)} | ${median(warm).toFixed(2)} | ${first!.toFixed(2)} |`)
  }
}
// snarkjs leaves its curve worker threads running: end the process when the table is done.
process.exit(0)
