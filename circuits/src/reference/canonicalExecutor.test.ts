import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { REPO_ROOT } from '../circuit/paths.js'
import { lowerGraph } from '../ir/lower.js'
import { buildModel } from '../onnx/buildModel.js'
import { loadModel } from '../onnx/loadModel.js'
import { chooseQuantization } from '../quantize/calibrate.js'
import { quantizeIR } from '../quantize/quantize.js'
import { seededRandom } from '../testing/opHarness.js'
import { createCanonicalExecutor } from './canonicalExecutor.js'
import { buildIntegerGraph } from './integerGraph.js'
import { quantizeInput, runReference, runTrace } from './runReference.js'
import { packValues } from '@veridict/sdk'

const bundled = async (name: string) => {
  const bytes = await readFile(join(REPO_ROOT, 'circuits', 'models', `${name}.onnx`))
  const testSet = JSON.parse(await readFile(join(REPO_ROOT, 'circuits', 'models', `${name}.testset.json`), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
  return { ir: lowerGraph(loadModel(bytes)), testSet }
}

for (const name of ['digits', 'mnist784']) {
  test(`${name}: the integer graph in float32-where-exact and in float64 equals the bigint reference, on held-out and extreme inputs`, async () => {
    const { ir, testSet } = await bundled(name)
    const { model } = chooseQuantization(ir, { calibration: testSet.calibration.inputs })
    const fast = await createCanonicalExecutor({ model })
    const wide = await createCanonicalExecutor({ model, precision: 'float64' })
    expect([fast.engine, fast.precision, wide.engine, wide.precision]).toEqual(['onnxruntime', 'float32', 'onnxruntime', 'float64'])
    // The first layer's partial sums stay below 2^24 (float32); the last layer's can exceed it (float64).
    expect(buildIntegerGraph(model, { precision: 'float32' })!.stageTypes).toEqual(['float', 'float', 'double'])
    expect(buildIntegerGraph(model)!.stageTypes).toEqual(['double', 'double', 'double'])
    const inputs = testSet.inputs.slice(0, 150).map((x) => quantizeInput(model, x))
    // Inputs that drive each first-layer unit to its largest sum in either direction: every
    // value at the edge of the input range with the sign of that unit's weight.
    const lo = -(1n << BigInt(model.inputBits - 1))
    const hi = (1n << BigInt(model.inputBits - 1)) - 1n
    const first = model.stages[0]!
    if (first.kind !== 'linear') throw new Error('expected a linear first stage')
    for (let r = 0; r < first.rows.offsets.length - 1; r += 4) {
      const up = new Array<bigint>(inputs[0]!.length).fill(0n)
      for (let t = first.rows.offsets[r]!; t < first.rows.offsets[r + 1]!; t++) up[first.rows.indices[t]!] = first.weights[t]! >= 0n ? hi : lo
      inputs.push(up, up.map((v) => (v === hi ? lo : v === lo ? hi : 0n)))
    }
    for (const q of inputs) {
      const expected = runReference(model, q)
      expect(await fast.run(q)).toEqual(expected)
      expect(await fast.runValues(Float32Array.from(q, Number))).toEqual(expected)
      expect(await wide.runValues(Float64Array.from(q, Number))).toEqual(expected)
    }
  })
}

test('falls back to the bigint executor when values could exceed 2^53, with the same results', async () => {
  const { ir, testSet } = await bundled('iris')
  const model = quantizeIR(ir, { scale: 24, inputScale: 20, inputBits: 24, maxBits: 80 })
  const executor = await createCanonicalExecutor({ model })
  expect(executor.engine).toBe('bigint')
  const q = quantizeInput(model, testSet.inputs[0]!)
  expect(await executor.run(q)).toEqual(runReference(model, q))
})

test('rejects an out-of-range or wrongly sized input like the reference executor', async () => {
  const { ir, testSet } = await bundled('iris')
  const { model } = chooseQuantization(ir, { calibration: testSet.calibration.inputs })
  const executor = await createCanonicalExecutor({ model })
  await expect(executor.run([0n, 0n, 0n])).rejects.toThrow('Expected 4 input values (shape [1, 4]), received 3.')
  await expect(executor.run([0n, 0n, 0n, 1n << 20n])).rejects.toThrow('Quantized input 3 is 1048576')
  await expect(executor.runValues(Float32Array.of(0, 0, 0.5, 0))).rejects.toThrow('Quantized input 2')
  await expect(executor.runValues(Float64Array.of(0, 0, 0))).rejects.toThrow('Expected 4 input values (shape [1, 4]), received 3.')
})

/** One unit y = sum(w * x) + 0.25 over `inputs` inputs, quantized with integer inputs of `inputBits` bits. */
const unit = (inputs: number, weight: (i: number) => number, scale: number, inputBits: number) =>
  quantizeIR(
    lowerGraph(
      loadModel(
        buildModel({
          inputs: [{ name: 'x', shape: [1, inputs] }],
          outputs: [{ name: 'y', shape: [1, 1] }],
          initializers: [{ name: 'W', dims: [1, inputs], data: Float32Array.from({ length: inputs }, (_, i) => weight(i)) }, { name: 'b', dims: [1], data: [0.25] }],
          nodes: [{ op: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['y'], attributes: { transB: 1 } }],
        }),
      ),
    ),
    { scale, inputScale: 0, inputBits, maxBits: 64 },
  )

/** Mostly edge values (the largest sums), with odd values mixed in so float32 rounding would show. */
function edgeInputs(count: number, bits: number, trials: number, seed: number): bigint[][] {
  const random = seededRandom(seed)
  const lo = -(2 ** (bits - 1))
  const hi = 2 ** (bits - 1) - 1
  return Array.from({ length: trials }, (_, trial) =>
    Array.from({ length: count }, () => BigInt(trial === 0 ? hi : trial === 1 ? lo : random() < 0.8 ? (random() < 0.5 ? lo + 1 : hi) : Math.floor(random() * 2 ** bits) + lo)),
  )
}

test('a stage whose sums could pass 2^24 runs in float64, one that cannot runs in float32; both exact at the edges', async () => {
  // Weights ±3.75 (15 at weight scale 2) on inputs of 18 bits: |sum| can reach 16 * 15 * 2^17 ≈
  // 2^24.9 (float32 would round it) or 15 * 15 * 2^17 ≈ 2^24.8; with 8 inputs it stays below 2^24.
  for (const [inputs, type] of [[16, 'double'], [15, 'double'], [8, 'float']] as const) {
    const model = unit(inputs, (i) => (i % 3 === 2 ? -3.75 : 3.75), 2, 18)
    expect(buildIntegerGraph(model, { precision: 'float32' })!.stageTypes).toEqual([type])
    const executor = await createCanonicalExecutor({ model })
    for (const q of edgeInputs(inputs, 18, 64, 11)) expect(await executor.run(q)).toEqual(runReference(model, q))
  }
})

test("the 'words' input reads raw word bytes: its wider bound decides float32 or float64, and it is exact at the edges", async () => {
  // Weights 961/256 (961 at scale 8, odd) on 8-bit inputs. Raw bytes u = q + 128 reach 255 and the
  // bias carries -128 * sum(w): the bound is 961 * (255 + 128) * n, 2^24.6 for n = 70 (float64),
  // 2^23.8 for n = 40 (float32); as values it is 961 * 128 * n, 2^23.0 for n = 70 (float32).
  for (const [inputs, wordsType, valuesType] of [[70, 'double', 'float'], [40, 'float', 'float']] as const) {
    const model = unit(inputs, () => 961 / 256, 8, 8)
    const wordsGraph = buildIntegerGraph(model, { precision: 'float32', input: 'words' })!
    expect([wordsGraph.input, wordsGraph.inputType, wordsGraph.inputSize, ...wordsGraph.stageTypes]).toEqual(['words', 'uint8', 32 * Math.ceil(inputs / 31), wordsType])
    expect(buildIntegerGraph(model, { precision: 'float32', input: 'values' })!.stageTypes).toEqual([valuesType])
    const words = await createCanonicalExecutor({ model })
    const values = await createCanonicalExecutor({ model, input: 'values' })
    expect([words.input, values.input]).toEqual(['words', 'values'])
    for (const q of edgeInputs(inputs, 8, 64, 12)) {
      const expected = runReference(model, q)
      expect(await words.runWords(packValues(q, 8))).toEqual(expected)
      expect(await words.run(q)).toEqual(expected)
      expect(await values.runWords(packValues(q, 8))).toEqual(expected)
    }
  }
})

test("16-bit inputs read as halfwords; other widths and a first stage that is not linear keep the 'values' input", async () => {
  const model = unit(20, (i) => (i % 2 ? 1.5 : -0.75), 4, 16)
  const executor = await createCanonicalExecutor({ model })
  expect(buildIntegerGraph(model, { input: 'words' })!.inputType).toBe('uint16')
  expect(executor.input).toBe('words')
  for (const q of edgeInputs(20, 16, 16, 13)) expect(await executor.runWords(packValues(q, 16))).toEqual(runReference(model, q))
  expect(buildIntegerGraph(unit(20, () => 1, 4, 12), { input: 'words' })!.input).toBe('values')
  const { ir, testSet } = await bundled('iris')
  const { model: iris } = chooseQuantization(ir, { calibration: testSet.calibration.inputs })
  const reluFirst = { ...iris, stages: [{ kind: 'relu' as const, sources: ['input'], shape: iris.inputShape, bits: iris.inputBits }, ...iris.stages] }
  expect(buildIntegerGraph(reluFirst, { input: 'words' })?.input).toBe('values')
  // Bad words are refused with the unpacking errors, whatever the input layout.
  await expect(executor.runWords([1n])).rejects.toThrow('Expected 2 packed words for 20 values of 16 bits, received 1.')
  await expect(executor.runWords([1n << 240n, 0n])).rejects.toThrow('Packed word 0')
})

test("runTraceWords gives every tensor runTrace gives (a trace root's contents), from onnxruntime's trace graph and from the bigint executor", async () => {
  for (const name of ['digits', 'mnist784']) {
    const { ir, testSet } = await bundled(name)
    const { model } = chooseQuantization(ir, { calibration: testSet.calibration.inputs })
    for (const options of [{}, { precision: 'float64' as const }, { input: 'values' as const }]) {
      const executor = await createCanonicalExecutor({ model, ...options })
      expect(executor.engine).toBe('onnxruntime')
      for (const sample of testSet.inputs.slice(0, 3)) {
        const q = quantizeInput(model, sample)
        const trace = await executor.runTraceWords(packValues(q, model.inputBits))
        expect(trace).toEqual(runTrace(model, q))
        expect(trace.at(-1)).toEqual(await executor.run(q))
      }
    }
  }
  // A model whose bounds pass 2^53 is served by the bigint executor, trace included.
  const { ir, testSet } = await bundled('iris')
  const model = quantizeIR(ir, { scale: 24, inputScale: 20, inputBits: 24, maxBits: 80 })
  const executor = await createCanonicalExecutor({ model })
  expect(executor.engine).toBe('bigint')
  const q = quantizeInput(model, testSet.inputs[0]!)
  expect(await executor.runTraceWords(packValues(q, model.inputBits))).toEqual(runTrace(model, q))
})
