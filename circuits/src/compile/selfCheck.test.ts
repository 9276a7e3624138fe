import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { compileCircom } from '../circuit/compileCircom.js'
import { generateCircuit } from '../circuit/generateCircuit.js'
import { TEMPLATES_DIR } from '../circuit/paths.js'
import { CircuitSelfCheckError } from '../errors/compile.js'
import { lowerGraph } from '../ir/lower.js'
import { readBundledModel } from '../models/readBundledModel.js'
import { loadModel } from '../onnx/loadModel.js'
import type { QuantizedModel } from '../quantize/model.js'
import { quantizeIR } from '../quantize/quantize.js'
import { leakyReluCounterexampleOnnx } from '../testing/counterexamples.js'
import { testDir } from '../testing/opHarness.js'
import { compileModel, type CompileProgress } from './compileModel.js'
import { selfCheck } from './selfCheck.js'

/** LeakyRelu.circom before the fix: it passed the input's sign bit on, wrong for alpha < 0. */
const LEAKY_RELU_BEFORE_FIX = `
template LeakyRelu(count, alpha, shift, negBits) {
    signal input in[count];
    signal input nonNeg[count];
    signal output out[count];
    signal output outNonNeg[count];

    component neg[count];
    for (var i = 0; i < count; i++) {
        neg[i] = Rescale(shift, negBits);
        neg[i].in <== alpha * in[i];
        out[i] <== neg[i].out + nonNeg[i] * (in[i] - neg[i].out);
        outNonNeg[i] <== nonNeg[i];
    }
}
`

/** Gemm -> LeakyRelu(alpha = -0.5) -> Relu: the counterexample to the template above. */
function leakyReluModel(): QuantizedModel {
  const bytes = leakyReluCounterexampleOnnx()
  return quantizeIR(lowerGraph(loadModel(bytes)), { scale: 8, inputScale: 7, inputBits: 9, maxBits: 64 })
}

/** Compiles the model's circuit as compileModel does; `leakyRelu` replaces the LeakyRelu template. */
async function compileCircuit(model: QuantizedModel, name: string, leakyRelu?: string) {
  let source = generateCircuit({ model, templateName: 'SelfCheckTest' })
  if (leakyRelu) {
    const includes = (await readFile(join(TEMPLATES_DIR, 'veridict.circom'), 'utf8')).split('\n').filter((line) => line.startsWith('include') && !line.includes('LeakyRelu'))
    source = source.replace('include "veridict.circom";', [...includes, leakyRelu].join('\n'))
  }
  const dir = await testDir(name)
  await writeFile(join(dir, 'model.circom'), source)
  return compileCircom({ file: join(dir, 'model.circom'), outDir: dir, optimization: 1 })
}

describe('selfCheck: the compiled circuit computes the reference output', () => {
  test('passes when compiling the bundled iris model, and says what it checked', async () => {
    const { path, testset } = readBundledModel('iris')
    const progress: CompileProgress[] = []
    await compileModel({ onnx: path, outDir: await testDir('selfcheck-iris'), calibration: testset.calibration.inputs, onProgress: (p) => progress.push(p) })
    const check = progress.find((p) => p.step === 'selfcheck')
    expect(check?.message).toMatch(/^circuit output = reference output on 40 inputs \(the first 32 of 64 calibration samples, 8 extreme inputs\) in \d+\.\d\d s$/)
    // circom's step repeats while it runs (elapsed time, memory): one entry per step here.
    expect([...new Set(progress.map((p) => p.step))]).toEqual(['load', 'quantize', 'estimate', 'parameters', 'generate', 'circom', 'selfcheck', 'done'])
  })

  test('catches a circuit whose LeakyRelu passes the input sign bit on to a Relu (the template before the fix)', async () => {
    const model = leakyReluModel()
    const broken = await compileCircuit(model, 'selfcheck-old-leaky', LEAKY_RELU_BEFORE_FIX)
    const error = await selfCheck({ model, wasm: broken.wasm, r1cs: broken.r1cs }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CircuitSelfCheckError)
    // Every input -2 (quantized -256): row 0 gives -5.75, LeakyRelu 2.875 (736 at 2^8), which the old Relu zeroed.
    expect((error as CircuitSelfCheckError).message).toMatchInlineSnapshot(`
      "Compiler bug: the compiled circuit's output differs from the reference executor's on extreme input "every value -256": quantized output 0 is 0 in the circuit and 736 in the reference.

      Details: The circuit must compute exactly the reference output (the canonical one) for every valid input; this one would leave honest results without a proof. It is a bug in the Veridict compiler, not in the model: do not register this circuit, and report the bug with the ONNX file and the compile options."
    `)
    expect((error as CircuitSelfCheckError).failure).toEqual({ index: 0, circuit: 0n, reference: 736n })
  })

  test('passes the same model with the current templates, skipping calibration samples outside the input range', async () => {
    const model = leakyReluModel()
    const fixed = await compileCircuit(model, 'selfcheck-leaky')
    const check = await selfCheck({ model, wasm: fixed.wasm, r1cs: fixed.r1cs, calibration: [[0.5, -1.25, 1.75], [100, 0, 0]] })
    expect(check).toMatchObject({ inputs: 9, calibration: { checked: 1, given: 2, outOfRange: 1 }, extremes: 8 })
  })

  test('reports a range check that fails on a valid input, naming the input', async () => {
    const model = leakyReluModel()
    // Declare the Gemm outputs 4 bits narrower than the interval bounds need: extreme inputs overflow its Rescale.
    const narrow: QuantizedModel = { ...model, stages: model.stages.map((s, i) => (i === 0 ? { ...s, bits: s.bits - 4 } : s)) }
    const circuit = await compileCircuit(narrow, 'selfcheck-narrow')
    const error = await selfCheck({ model: narrow, wasm: circuit.wasm, r1cs: circuit.r1cs, calibration: [[0.01, 0, 0]] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CircuitSelfCheckError)
    expect((error as CircuitSelfCheckError).sample).toBe('extreme input "every value -256"')
    expect((error as CircuitSelfCheckError).shortMessage).toMatch(
      /^Compiler bug: the compiled circuit has no witness for extreme input "every value -256", a valid input \(the witness calculator failed: .*Assert Failed.*Num2Bits.*\)\.$/,
    )
  })
})
