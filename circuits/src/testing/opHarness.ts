import { mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import type { Address } from 'viem'
import { packValues } from '../../../sdk/src/encoding/pack.js'
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
  return mkdtemp(join(REPO_ROOT, '.cache', `test-${prefix}-`))
}

export type OpCase = {
  bytes: Uint8Array
  ir: ModelIR
  model: QuantizedModel
  circuit: CompileCircomReturnType
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

/** Lowers, quantizes and compiles an ONNX model's circuit (no keys): what every op test needs. */
export async function compileOpCase(bytes: Uint8Array, settings: QuantizationSettings, name = 'op', load: LoadModelOptions = {}, circuitOptions: Pick<GenerateCircuitParameters, 'poolBeforeRescale'> & { optimization?: 0 | 1 | undefined } = {}): Promise<OpCase> {
  const graph = loadModel(bytes, load)
  const ir = lowerGraph(graph)
  const model = quantizeIR(ir, settings)
  const dir = await testDir(name)
  const file = join(dir, 'model.circom')
  const { writeFile } = await import('node:fs/promises')
  await writeFile(file, generateCircuit({ model, templateName: 'OpTest', poolBeforeRescale: circuitOptions.poolBeforeRescale }))
  const circuit = await compileCircom({ file, outDir: dir, optimization: circuitOptions.optimization ?? 1 })
  const canonical = await createCanonicalExecutor({ model })
  const canonical64 = await createCanonicalExecutor({ model, precision: 'float64' })
  return { bytes, ir, model, circuit, inputName: graph.input.name, inputShape: graph.input.shape, inputType: graph.input.type, outputName: graph.output.name, canonical, canonical64 }
}

/** `canonical`, `canonical64`: the outputs of the fast canonical executors (onnxruntime on the integer graph). */
export type OpRun = { onnxruntime: Float32Array; float: Float64Array; reference: bigint[]; canonical: bigint[]; canonical64: bigint[]; dequantized: number[]; failing: number }

/**
 * Runs one input through onnxruntime, the float IR, the reference executor and the circuit. The
 * witness is computed with the reference output as the public output words, so it only exists
 * when the circuit's output equals the reference exactly; `failing` counts violated constraints.
 */
export async function runOpCase(c: OpCase, input: Float32Array): Promise<OpRun> {
  const session = await ort.InferenceSession.create(c.bytes)
  const tensor =
    c.inputType === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(input, (v) => BigInt(Math.round(v))), c.inputShape) : c.inputType === 'int32' ? new ort.Tensor('int32', Int32Array.from(input, Math.round), c.inputShape) : new ort.Tensor('float32', input, c.inputShape)
  const feeds = { [c.inputName]: tensor }
  const result = await session.run(feeds)
  const onnxruntime = result[c.outputName]!.data as Float32Array
  const float = evaluateFloat(c.ir, input)
  const q = quantizeInput(c.model, input)
  const reference = runReference(c.model, q)
  const witness = await calculateWitness(
    c.circuit.wasm,
    circuitInput({ inputWords: packValues(q, c.model.inputBits), outputWords: packValues(reference, c.model.outputBits), beneficiary: TEST_BENEFICIARY }),
  )
  const failing = failingConstraints(await readR1cs(c.circuit.r1cs), witness).length
  const canonical = await c.canonical.run(q)
  const canonical64 = await c.canonical64.run(q)
  return { onnxruntime: Float32Array.from(onnxruntime, Number), float, reference, canonical, canonical64, dequantized: dequantizeOutput(c.model, reference), failing }
}
