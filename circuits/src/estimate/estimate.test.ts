import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { REPO_ROOT } from '../circuit/paths.js'
import { runCompilerCli } from '../cli.js'
import { compileModel } from '../compile/compileModel.js'
import { CircuitTooLargeError } from '../errors/compile.js'
import { lowerGraph } from '../ir/lower.js'
import { buildModel } from '../onnx/buildModel.js'
import { loadModel } from '../onnx/loadModel.js'
import { quantizeIR } from '../quantize/quantize.js'
import { testDir } from '../testing/opHarness.js'
import { parametersCommitment } from '../trace/commitments.js'
import { CONSTRAINTS_FILE, type ConstraintRecord } from './constraintRecords.js'
import { estimateCircuit } from './estimateCircuit.js'
import { estimateConstraints } from './estimateConstraints.js'
import { calibrationFor, circuitLimit, estimateResources, referenceCost, type CostRecord } from './machineProfile.js'

const MODELS = join(REPO_ROOT, 'circuits', 'models')
const records = JSON.parse(readFileSync(CONSTRAINTS_FILE, 'utf8')) as Record<string, ConstraintRecord>

describe('the estimate against what circom made of every bundled and zoo model (circuits/models/constraints.json)', () => {
  test('every committed model has a record', () => {
    const models = readdirSync(MODELS).filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -5)).sort()
    expect(Object.keys(records).sort()).toEqual(models)
  })

  test.each(Object.entries(records))('%s: within 10% of the recorded count', (name, record) => {
    const ir = lowerGraph(loadModel(readFileSync(join(MODELS, `${name}.onnx`))))
    const model = quantizeIR(ir, record.quantization)
    // The record is of this integer model: else the compiler quantizes differently now, and the count must be measured again.
    expect(parametersCommitment(model).parametersRoot, `${name}'s quantized model changed since circuits/models/constraints.json was written: run npm run models:constraints -- ${name}`).toBe(record.parametersRoot)
    const started = performance.now()
    const { constraints } = estimateConstraints({ model })
    const ms = performance.now() - started
    console.log(`${name}: estimate ${constraints}, circom ${record.constraints} (${(100 * (constraints / record.constraints - 1)).toFixed(2)}%), ${ms.toFixed(1)} ms`)
    expect(Math.abs(constraints / record.constraints - 1)).toBeLessThanOrEqual(0.1)
  })
})

// The private-input and private-weights circuits' estimates are checked where those circuits are compiled (privateInput / privateWeights tests).
test('compile reports the estimate with the circuit, and circom agrees (credit-logreg)', async () => {
  const testset = JSON.parse(readFileSync(join(MODELS, 'credit-logreg.testset.json'), 'utf8')) as { calibration: { inputs: number[][] } }
  const { manifest, estimate } = await compileModel({ onnx: join(MODELS, 'credit-logreg.onnx'), outDir: join(await testDir('estimate-credit-logreg'), 'model'), calibration: testset.calibration.inputs })
  expect(estimate!.constraints).toBe(manifest.circuit!.constraints)
  expect(estimate!.publicSignals).toBe(manifest.publicSignals.count)
  expect(Math.abs(estimate!.wires / manifest.circuit!.wires - 1)).toBeLessThanOrEqual(0.05)
}, 300_000)

/** PyTorch's MaxPool2d(2) on a 1000x1000 grey image, then a linear layer to 2 scores: 32 million constraints. */
function hugeMaxPoolModel(): Uint8Array {
  const side = 1000
  const pooled = (side / 2) ** 2
  return buildModel({
    inputs: [{ name: 'image', shape: [1, 1, side, side] }],
    outputs: [{ name: 'scores', shape: [1, 2] }],
    initializers: [{ name: 'W', dims: [2, pooled], data: Float32Array.from({ length: 2 * pooled }, (_, i) => Math.sin(i) * 0.01) }],
    nodes: [
      { op: 'MaxPool', inputs: ['image'], outputs: ['pooled'], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Flatten', inputs: ['pooled'], outputs: ['flat'] },
      { op: 'Gemm', inputs: ['flat', 'W'], outputs: ['scores'], attributes: { transB: 1 } },
    ],
  })
}

test('veridict compile --estimate prints the estimate and writes nothing', async () => {
  const out: string[] = []
  const err: string[] = []
  const dir = await testDir('estimate-cli')
  const code = await runCompilerCli(['compile', join(MODELS, 'iris.onnx'), '--estimate', '--scale', '7', '--input-scale', '6', '--input-bits', '10', '--out', join(dir, 'model')], { out: (line) => out.push(line), err: (line) => err.push(line) })
  expect(code).toBe(0)
  expect(out[0]).toBe('circuit: about 689 constraints (Groth16 domain 2^10, a ptau of power 10 or more), 3 public signals, about 668 wires, 112 constant weights')
  expect(out.join('\n')).toMatch(/stage 0 linear .*\n.*expected here \(\d+ cores; .*\n  circom compile .*; Groth16 setup .*; one proof .*\nlimit: [\d,]+ constraints \(.*\): within it$/s)
  expect(err).toEqual([])
  expect(readdirNames(dir)).toEqual([])
})

describe('a hopeless circuit', () => {
  test('a 1000x1000-input MaxPool model is refused before any circuit is generated, with its estimate; with --no-circuit it compiles', async () => {
    const onnx = hugeMaxPoolModel()
    const base = await testDir('estimate-huge')
    const steps: string[] = []
    const started = performance.now()
    const refused = await compileModel({ onnx, outDir: join(base, 'model'), name: 'huge', onProgress: (p) => steps.push(p.step) }).catch((error: unknown) => error)
    const seconds = (performance.now() - started) / 1000
    console.log(`refused in ${seconds.toFixed(2)} s: ${(refused as Error).message}`)
    expect(refused).toBeInstanceOf(CircuitTooLargeError)
    const error = refused as CircuitTooLargeError
    expect(error.constraints).toBeGreaterThan(30_000_000)
    expect(error.message).toContain('32,066,908 constraints')
    expect(error.details).toContain('unpack')
    expect(error.details).toContain('--no-circuit')
    // Stopped at the estimate: no circom, not even its source, and nothing written.
    expect(steps).not.toContain('generate')
    expect(steps).not.toContain('circom')
    expect(readdirNames(base)).toEqual([])

    const { manifest } = await compileModel({ onnx, outDir: join(base, 'model'), name: 'huge', circuit: false })
    expect(manifest.circuit).toBeUndefined()
    expect(manifest.definitionHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(readdirNames(join(base, 'model')).sort()).toEqual(['manifest.json', 'model.onnx', 'quantized.json'])
  }, 120_000)

  test('--max-constraints replaces the default limit, both ways', async () => {
    const onnx = readFileSync(join(MODELS, 'iris.onnx'))
    const dir = await testDir('estimate-limit')
    const tooSmall = await compileModel({ onnx, outDir: join(dir, 'model'), scale: 6, maxConstraints: 500 }).catch((error: unknown) => error)
    expect(tooSmall).toBeInstanceOf(CircuitTooLargeError)
    expect((tooSmall as Error).message).toMatch(/about [\d,]+ constraints, above this machine's limit of 500 \(--max-constraints\)/)
    await expect(compileModel({ onnx, outDir: join(dir, 'model'), scale: 6, maxConstraints: 0 })).rejects.toThrow(/--max-constraints/)
    const { manifest } = await compileModel({ onnx, outDir: join(dir, 'model'), scale: 6, maxConstraints: 1_000 })
    expect(manifest.circuit!.constraints).toBeLessThanOrEqual(1_000)
  }, 120_000)
})

describe('the cost model', () => {
  const size = { constraints: 186_956, domainPower: 18, weights: 406_656 }

  test("the reference machine's figures: LeNet-5 proves in about 12 s on 2 cores, twice as fast on 4", () => {
    expect(referenceCost('prove', size, 2).seconds).toBeGreaterThan(8)
    expect(referenceCost('prove', size, 2).seconds).toBeLessThan(20)
    expect(referenceCost('prove', size, 4).seconds).toBeCloseTo(referenceCost('prove', size, 2).seconds / 2, 5)
    // circom runs on one core whatever the machine.
    expect(referenceCost('circom', size, 4).seconds).toBe(referenceCost('circom', size, 2).seconds)
  })

  test("this machine's runs scale the estimate by the median of measured over predicted", () => {
    const reference = referenceCost('prove', size, 2)
    const runs: CostRecord[] = [3, 2, 100].map((factor) => ({ step: 'prove', ...size, poseidon: false, seconds: reference.seconds * factor, memoryMiB: reference.memoryMiB, cores: 2, at: '2026-12-03T00:00:00Z' }))
    const estimate = estimateResources(size, calibrationFor(size, runs), 2)
    expect(estimate.calibration.prove).toEqual({ runs: 3, timeFactor: 3, memoryFactor: 1 })
    expect(estimate.prove.seconds).toBeCloseTo(reference.seconds * 3, 6)
    // Steps without runs keep the reference, and so do circuits far from the runs' sizes (fixed costs dominate small runs).
    expect(estimate.setup.seconds).toBeCloseTo(referenceCost('setup', size, 2).seconds, 6)
    const huge = { constraints: 32_000_000, domainPower: 25, weights: 0 }
    expect(estimateResources(huge, calibrationFor(huge, runs), 2).prove.seconds).toBeCloseTo(referenceCost('prove', huge, 2).seconds, 6)
  })

  test('the default limit: what proves in about 10 minutes, or what fits in memory, whichever is smaller', () => {
    const roomy = circuitLimit({ weights: 0, memoryMiB: 1_000_000, cores: 2 })
    expect(roomy.source).toBe('prove time')
    const proveAt = (constraints: number) => estimateResources({ constraints, domainPower: Math.ceil(Math.log2(constraints + 1)), weights: 0 }, undefined, 2).prove.seconds
    expect(proveAt(roomy.maxConstraints)).toBeLessThanOrEqual(600)
    expect(proveAt(roomy.maxConstraints + 1)).toBeGreaterThan(600)
    const fast = circuitLimit({ weights: 0, memoryMiB: 1_000_000, cores: 64 })
    expect(fast.maxConstraints).toBeGreaterThanOrEqual(roomy.maxConstraints)
    const small = circuitLimit({ weights: 0, memoryMiB: 512, cores: 2 })
    expect(small.source).toBe('memory')
    expect(small.maxConstraints).toBeLessThan(roomy.maxConstraints)
    const atLimit = estimateResources({ constraints: small.maxConstraints, domainPower: Math.ceil(Math.log2(small.maxConstraints + 1)), weights: 0 }, undefined, 2)
    expect(Math.max(atLimit.circom.memoryMiB, atLimit.setup.memoryMiB, atLimit.prove.memoryMiB)).toBeLessThanOrEqual(512)
    expect(circuitLimit({ weights: 0, maxConstraints: 1234 })).toMatchObject({ maxConstraints: 1234, source: 'option' })
  })

  test('estimateCircuit says whether a model fits, in milliseconds', () => {
    const ir = lowerGraph(loadModel(readFileSync(join(MODELS, 'digits.onnx'))))
    const model = quantizeIR(ir, { scale: 8, inputScale: 8, inputBits: 9, maxBits: 64 })
    const estimate = estimateCircuit({ model, maxConstraints: 100 })
    expect(estimate.fits).toBe(false)
    expect(estimateCircuit({ model }).fits).toBe(true)
    expect(estimate.weights).toBe(196 * 32 + 32 * 10)
  })

  test("one calibration for the estimate and the limit: runs near this size that took 40x the reference's memory make circom's 4 GiB the bound", () => {
    const ir = lowerGraph(loadModel(readFileSync(join(MODELS, 'digits.onnx'))))
    const model = quantizeIR(ir, { scale: 8, inputScale: 8, inputBits: 9, maxBits: 64 })
    const plain = estimateCircuit({ model })
    const size = { constraints: plain.constraints, domainPower: plain.domainPower, weights: plain.weights }
    const heavy: CostRecord[] = [{ step: 'circom', ...size, poseidon: false, seconds: 1, memoryMiB: 40 * referenceCost('circom', size).memoryMiB, cores: 2, at: '2026-12-03T00:00:00Z' }]
    const estimate = estimateCircuit({ model, records: heavy })
    expect(estimate.resources.circom.memoryMiB).toBeGreaterThan(4096)
    expect(estimate.fits).toBe(false)
    expect(estimate.limit.maxConstraints).toBeLessThan(estimate.constraints)
  })
})

const readdirNames = (dir: string) => readdirSync(dir)
