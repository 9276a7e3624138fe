import { mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import type { Address } from 'viem'
import { packValues } from '@veridict/sdk'
import { compileCircom, type CompileCircomReturnType } from '../circuit/compileCircom.js'
import { generateCircuit, type GenerateCircuitParameters } from '../circuit/generateCircuit.js'
import { REPO_ROOT } from '../circuit/paths.js'
import { circuitInput } from '../circuit/publicSignals.js'
import { calculateWitness, failingConstraints, readR1cs } from '../circuit/r1cs.js'
import { evaluateFloat } from '../ir/evaluate.js'
import { lowerGraph } from '../ir/lower.js'
import type { ModelIR } from '../ir/stages.js'
import { loadModel, type LoadModelOptions } from '../onnx/loadModel.js'
import type { QuantizationSettings, QuantizedModel } from '../quantize/model.js'
import { quantizeIR } from '../quantize/quantize.js'
import { createCanonicalExecutor, type CanonicalExecutor } from '../reference/canonicalExecutor.js'
import { dequantizeOutput, quantizeInput, runReference } from '../reference/runReference.js'
import { TEST_RUN_DIR_ENV } from './testRunDir.js'

ort.env.logLevel = 'error'

/** The address op tests bind their witnesses to: forge-std's makeAddr("fulfiller"), as in the contract fixtures. */
export const TEST_BENEFICIARY: Address = '0x71458637cD221877830A21F543E8b731e93C3627'

/** A deterministic PRNG (mulberry32) so op tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randomArray(rand: () => number, n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rand())
}

export async function testDir(prefix: string): Promise<string> {
  return mkdtemp(join(process.env[TEST_RUN_DIR_ENV] ?? join(REPO_ROOT, '.cache'), `test-${prefix}-`))
}

/** A model lowered and quantized, with its canonical executors: what every executor comparison needs. */
export type OpExecutors = {
  bytes: Uint8Array
  ir: ModelIR
  model: QuantizedModel
  inputName: string
  inputShape: number[]
  /** An integer-typed input's element type (onnxruntime is fed that type). */
  inputType?: 'int64' | 'int32' | undefined
  /** The graph output compiled (onnxruntime's value of it is compared). */
  outputName: string
  /** The canonical executor as a CPU node runs it (float32 where exact) and in float64 throughout (as on a GPU). */
  canonical: CanonicalExecutor
  canonical64: CanonicalExecutor
}

export type OpCase = OpExecutors & { circuit: CompileCircomReturnType }

/** Lowers and quantizes an ONNX model and builds its canonical executors, without a circuit. */
export async function prepareOpCase(bytes: Uint8Array, settings: QuantizationSettings, load: LoadModelOptions = {}): Promise<OpExecutors> {
  const graph = loadModel(bytes, load)
  const ir = lowerGraph(graph)
  const model = quantizeIR(ir, settings)
  const canonical = await createCanonicalExecutor({ model })
  const canonical64 = await createCanonicalExecutor({ model, precision: 'float64' })
  return { bytes, ir, model, inputName: graph.input.name, inputShape: graph.input.shape, inputType: graph.input.type, outputName: graph.output.name, canonical, canonical64 }
}

/** Lowers, quantizes and compiles an ONNX model's circuit (no keys): what every op test needs. */
export async function compileOpCase(bytes: Uint8Array, settings: QuantizationSettings, name = 'op', load: LoadModelOptions = {}, circuitOptions: Pick<GenerateCircuitParameters, 'poolBeforeRescale'> & { optimization?: 0 | 1 | undefined } = {}): Promise<OpCase> {
  const prepared = await prepareOpCase(bytes, settings, load)
  const dir = await testDir(name)
  const file = join(dir, 'model.circom')
  const { writeFile } = await import('node:fs/promises')
  await writeFile(file, generateCircuit({ model: prepared.model, templateName: 'OpTest', poolBeforeRescale: circuitOptions.poolBeforeRescale }))
  const circuit = await compileCircom({ file, outDir: dir, optimization: circuitOptions.optimization ?? 1 })
  return { ...prepared, circuit }
}

/** `canonical`, `canonical64`: the outputs of the fast canonical executors (onnxruntime on the integer graph). */
export type ExecutorsRun = { onnxruntime: Float32Array; float: Float64Array; reference: bigint[]; canonical: bigint[]; canonical64: bigint[]; dequantized: number[] }
export type OpRun = ExecutorsRun & { failing: number }

/** Runs one input through onnxruntime, the float IR, the reference executor and the canonical executors. */
export async function runExecutors(c: OpExecutors, input: Float32Array): Promise<ExecutorsRun> {
  const session = await ort.InferenceSession.create(c.bytes)
  const tensor =
    c.inputType === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(input, (v) => BigInt(Math.round(v))), c.inputShape) : c.inputType === 'int32' ? new ort.Tensor('int32', Int32Array.from(input, Math.round), c.inputShape) : new ort.Tensor('float32', input, c.inputShape)
  const result = await session.run({ [c.inputName]: tensor })
  const onnxruntime = result[c.outputName]!.data as Float32Array
  const float = evaluateFloat(c.ir, input)
  const q = quantizeInput(c.model, input)
  const reference = runReference(c.model, q)
  const canonical = await c.canonical.run(q)
  const canonical64 = await c.canonical64.run(q)
  return { onnxruntime: Float32Array.from(onnxruntime, Number), float, reference, canonical, canonical64, dequantized: dequantizeOutput(c.model, reference) }
}

/**
 * Runs one input through onnxruntime, the float IR, the reference executor and the circuit. The
 * witness is computed with the reference output as the public output words, so it only exists
 * when the circuit's output equals the reference exactly; `failing` counts violated constraints.
 */
export async function runOpCase(c: OpCase, input: Float32Array): Promise<OpRun> {
  const run = await runExecutors(c, input)
  const q = quantizeInput(c.model, input)
  const witness = await calculateWitness(
    c.circuit.wasm,
    circuitInput({ inputWords: packValues(q, c.model.inputBits), outputWords: packValues(run.reference, c.model.outputBits), beneficiary: TEST_BENEFICIARY }),
  )
  return { ...run, failing: failingConstraints(await readR1cs(c.circuit.r1cs), witness).length }
}
