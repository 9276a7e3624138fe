/**
 * Compiles every model in circuits/models with a circuit (circom --O1, as `veridict compile` runs
 * it, with the model's calibration set) and records in circuits/models/constraints.json what circom
 * produced: the constraint count, the quantization chosen and the parameters root that identifies
 * the integer model. `estimate.test.ts` holds the estimator to these counts without running circom
 * (lenet5 and the transformer take minutes to compile), and fails, naming this script, when the
 * compiler no longer quantizes a model the way the record says.
 *
 *   npm run models:constraints [-- iris lenet5 ...] [--work DIR]
 *
 * --work (default .cache/constraints): where the models are compiled; a folder already holding this
 * compiler's model of the same ONNX file is reused.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { REPO_ROOT } from '../src/circuit/paths.js'
import { compileModel } from '../src/compile/compileModel.js'
import { readManifest, type ModelManifest } from '../src/manifest/manifest.js'
import { formatJson } from '../src/models/bundledModels.js'
import { CONSTRAINTS_FILE, type ConstraintRecord } from '../src/estimate/constraintRecords.js'
import { keccak256 } from 'viem'
import { COMPILER_VERSION } from '../src/version.js'

const models = join(REPO_ROOT, 'circuits', 'models')
const { values, positionals } = parseArgs({ allowPositionals: true, options: { work: { type: 'string', default: join(REPO_ROOT, '.cache', 'constraints') } } })
const names = positionals.length > 0 ? positionals : readdirSync(models).filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -'.onnx'.length)).sort()
const records: Record<string, ConstraintRecord> = existsSync(CONSTRAINTS_FILE) ? JSON.parse(readFileSync(CONSTRAINTS_FILE, 'utf8')) : {}

for (const name of names) {
  const onnx = join(models, `${name}.onnx`)
  const dir = join(values.work, name)
  const bytes = readFileSync(onnx)
  let manifest: ModelManifest | undefined = await readManifest(dir).catch(() => undefined)
  if (!manifest?.circuit || manifest.compiler.version !== COMPILER_VERSION || manifest.onnx.keccak256 !== keccak256(bytes)) {
    const testset = JSON.parse(readFileSync(join(models, `${name}.testset.json`), 'utf8')) as { calibration: { inputs: number[][] } }
    process.stderr.write(`${name}: compiling with circom\n`)
    manifest = (await compileModel({ onnx, outDir: dir, calibration: testset.calibration.inputs, onProgress: (p) => p.step === 'done' && process.stderr.write(`${name}: ${p.message}\n`) })).manifest
  }
  const { scale, inputScale, inputBits, maxBits } = manifest.quantization
  records[name] = { constraints: manifest.circuit!.constraints, quantization: { scale, inputScale, inputBits, maxBits }, parametersRoot: manifest.parameters.root, compiler: manifest.compiler.version }
  console.log(`${name}: ${manifest.circuit!.constraints} constraints`)
}
writeFileSync(CONSTRAINTS_FILE, formatJson(Object.fromEntries(Object.entries(records).sort(([a], [b]) => a.localeCompare(b)))))
process.exit(0)
