import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { packValues } from '@veridict/sdk'
import { compileCircom } from './circuit/compileCircom.js'
import { generateCircuit, poolBeforeRescale } from './circuit/generateCircuit.js'
import { REPO_ROOT } from './circuit/paths.js'
import { circuitInput, privateCircuitInput } from './circuit/publicSignals.js'
import { calculateWitness, failingConstraints, readR1cs, readSymbols, type R1cs } from './circuit/r1cs.js'
import { commitWeights, privateWeightValues, weightCircuitInput } from './circuit/weightCommitment.js'
import { runCompilerCli } from './cli.js'
import { compileModel } from './compile/compileModel.js'
import { ensureCompiledModel } from './compile/ensureCompiledModel.js'
import { WeightSaltError } from './errors/artifacts.js'
import { PrivateWeightsWithoutCircuitError } from './errors/compile.js'
import type { ModelManifest } from './manifest/manifest.js'
import { buildModel } from './onnx/buildModel.js'
import { loadCompiledModel } from './prove/loadCompiledModel.js'
import { prove } from './prove/prove.js'
import { verify } from './prove/verify.js'
import type { QuantizedLinear, QuantizedModel } from './quantize/model.js'
import { quantizeInput, runReference } from './reference/runReference.js'
import { setupModel } from './setup/setupModel.js'
import { prepareOpCase, randomArray, seededRandom, TEST_BENEFICIARY, testDir } from './testing/opHarness.js'

/**
 * The bundled Iris model (4-16-3) compiled twice with the same quantization: its weights as
 * circuit constants, and with --private-weights (its 131 weights and biases private signals whose
 * salted Poseidon commitment the circuit pins to a constant).
 */
const IRIS = join(REPO_ROOT, 'circuits', 'models', 'iris.onnx')
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
const WEIGHT_SALT = 0x0bad_c0de_5a17_0f_7e1e_a4e5n
const INPUT_SALT = 0x1234_5678_9abc_def0n

type Testset = { inputs: number[][]; calibration: { inputs: number[][] } }

describe('a model compiled with --private-weights', () => {
  let testset: Testset
  let publicDir: string
  let privateDir: string
  let publicManifest: ModelManifest
  let manifest: ModelManifest
  let model: QuantizedModel
  let r1cs: R1cs
  let symbols: Map<string, number>

  beforeAll(async () => {
    testset = JSON.parse(await readFile(join(REPO_ROOT, 'circuits', 'models', 'iris.testset.json'), 'utf8')) as Testset
    // The public-weights Iris as every other test builds it (cached, shared across test files).
    ;({ dir: publicDir, manifest: publicManifest } = await ensureCompiledModel({ onnx: IRIS, name: 'iris', calibration: testset.calibration.inputs }))
    const { scale, inputScale, inputBits, maxBits } = publicManifest.quantization
    privateDir = await testDir('iris-private-weights')
    const compiled = await compileModel({ onnx: IRIS, outDir: privateDir, calibration: testset.calibration.inputs, scale, inputScale, inputBits, maxBits, privateWeights: true, weightSalt: WEIGHT_SALT })
    manifest = compiled.manifest
    // The estimate (one product per weight, 2,092 constraints per link of 15 committed parameters) is circom's count.
    expect(compiled.estimate!.constraints).toBe(manifest.circuit!.constraints)
    model = (await loadCompiledModel(privateDir)).model
    ;[r1cs, symbols] = await Promise.all([readR1cs(join(privateDir, 'model.r1cs')), readSymbols(join(privateDir, 'model.sym'))])
  }, 300_000)

  const wasm = () => join(privateDir, 'model_js', 'model.wasm')
  /** The honest witness input for Iris test sample `i`: public signals as for public weights, plus the weights and their salt. */
  const honestInput = (i: number, weights: QuantizedModel = model) => {
    const q = quantizeInput(model, testset.inputs[i]!)
    const signals = { inputWords: packValues(q, model.inputBits), outputWords: packValues(runReference(weights, q), model.outputBits), beneficiary: TEST_BENEFICIARY }
    return { ...circuitInput(signals), ...weightCircuitInput({ model: weights, salt: WEIGHT_SALT }) }
  }
  /** The model (Iris by default) with the first layer's weight `t` one unit larger. */
  const withChangedWeight = (t: number, of: QuantizedModel = model): QuantizedModel => {
    const [first, ...rest] = of.stages as [QuantizedLinear, ...QuantizedModel['stages']]
    return { ...of, stages: [{ ...first, weights: first.weights.map((w, k) => (k === t ? w + 1n : w)) }, ...rest] }
  }
  const wire = (name: string) => {
    const id = symbols.get(name)
    if (id === undefined) throw new Error(`no signal ${name}`)
    return id
  }

  test('the weights leave the circuit: PrivateLinear reads them from 131 private signals, the public signals and quantization are those of public weights', async () => {
    const [circom, publicCircom] = await Promise.all([readFile(join(privateDir, 'model.circom'), 'utf8'), readFile(join(publicDir, 'model.circom'), 'utf8')])
    expect(privateWeightValues(model)).toHaveLength(4 * 16 + 16 + 16 * 3 + 3)
    expect(circom).toContain('signal input weights[131];')
    expect(circom).not.toMatch(/= Linear\(/)
    expect(publicCircom).toMatch(/= Linear\(/)
    expect(manifest.quantization.keccak256).toBe(publicManifest.quantization.keccak256)
    expect(manifest.parameters).toEqual(publicManifest.parameters)
    expect(manifest.publicSignals).toEqual(publicManifest.publicSignals)
    expect(manifest.circuit!.publicInputs).toBe(publicManifest.circuit!.publicInputs)
    // Nothing public holds the salt: it is in weightSalt.json only.
    const salt = JSON.parse(await readFile(join(privateDir, 'weightSalt.json'), 'utf8')) as { salt: string; commitment: string }
    expect(salt).toEqual({ salt: WEIGHT_SALT.toString(), commitment: manifest.weights!.commitment })
    expect(manifest.artifacts.weightSalt).toBe('weightSalt.json')
    for (const text of [circom, await readFile(join(privateDir, 'manifest.json'), 'utf8')]) expect(text).not.toContain(WEIGHT_SALT.toString())
    expect(publicManifest.weights).toBeUndefined()
    expect(publicManifest.artifacts.weightSalt).toBeUndefined()
  })

  test("circomlibjs's Poseidon chain over the salt and the weights is the manifest's commitment, the circuit's constant and the value its chain computes", async () => {
    const { buildPoseidon } = await import('circomlibjs')
    const poseidon = await buildPoseidon()
    const elements = privateWeightValues(model).map((w) => (w < 0n ? P + w : w))
    let link = WEIGHT_SALT
    for (let l = 0; l * 15 < elements.length; l++) link = poseidon.F.toObject(poseidon([link, ...Array.from({ length: 15 }, (_, j) => elements[15 * l + j] ?? 0n)]))
    expect(manifest.weights).toEqual({ private: true, commitment: link.toString() })
    expect(await commitWeights({ model, salt: WEIGHT_SALT })).toBe(link)
    expect(await readFile(join(privateDir, 'model.circom'), 'utf8')).toContain(`commitWeights.commitment === ${link};`)
    // The witness calculator checks commitWeights.commitment === the constant as it goes (circom
    // --O1 substitutes the constant for that signal, so it has no wire of its own): the witness
    // exists, and satisfies every constraint, exactly when the chain computes circomlibjs's value.
    expect(failingConstraints(r1cs, await calculateWitness(wasm(), honestInput(0)))).toEqual([])
  })

  test('has no witness for one changed weight or bias, even with the outputs that weight gives, nor for another salt', async () => {
    const changed = withChangedWeight(5)
    expect(runReference(changed, quantizeInput(model, testset.inputs[0]!))).not.toEqual(runReference(model, quantizeInput(model, testset.inputs[0]!)))
    const honest = honestInput(0)
    // The first stage's weights come first in the commitment, then its biases.
    const bias = (model.stages[0] as QuantizedLinear).weights.length
    const cases = [
      { ...honest, weights: honest.weights.map((w, k) => (k === 5 ? String(BigInt(w) + 1n) : w)) },
      { ...honest, weights: honest.weights.map((w, k) => (k === bias ? String(BigInt(w) + 1n) : w)) },
      honestInput(0, changed),
      { ...honest, weightSalt: String(WEIGHT_SALT + 1n) },
    ]
    for (const forged of cases) await expect(calculateWitness(wasm(), forged)).rejects.toThrow('Witness calculation failed')
  })

  test('a forged witness fails the constraint check: one weight changed and every other wire recomputed for it, the commitment included', async () => {
    // The same circuit with the changed weights' commitment compiled in: its honest witness for them
    // satisfies every constraint of the real circuit but the one pinning the commitment.
    const changed = withChangedWeight(5)
    const dir = await testDir('iris-forged-weights')
    await writeFile(join(dir, 'model.circom'), generateCircuit({ model: changed, templateName: manifest.circuit!.templateName, privateWeights: { commitment: await commitWeights({ model: changed, salt: WEIGHT_SALT }) } }))
    const forgedCircuit = await compileCircom({ file: join(dir, 'model.circom'), outDir: dir, optimization: 1 })
    const forged = await calculateWitness(forgedCircuit.wasm, honestInput(0, changed))
    expect(failingConstraints(await readR1cs(forgedCircuit.r1cs), forged)).toEqual([])
    expect(forged[wire('main.weights[5]')]).toBe(BigInt(honestInput(0).weights[5]!) + 1n)
    expect(failingConstraints(r1cs, forged)).toHaveLength(1)
    // And the honest witness with just that weight's wire changed breaks its product.
    const witness = await calculateWitness(wasm(), honestInput(0))
    for (const signal of ['main.weights[5]', 'main.weights[130]', 'main.weightSalt']) {
      const tampered = [...witness]
      tampered[wire(signal)] = tampered[wire(signal)]! + 1n
      expect(failingConstraints(r1cs, tampered).length, signal).toBeGreaterThan(0)
    }
  })

  test("accepts exactly the reference output words on every fifth test sample, as the public-weights circuit does", async () => {
    const publicWasm = join(publicDir, 'model_js', 'model.wasm')
    for (let i = 0; i < testset.inputs.length; i += 5) {
      const { weights: _, weightSalt: __, ...publicInput } = honestInput(i)
      await expect(calculateWitness(publicWasm, publicInput)).resolves.toBeDefined()
      await expect(calculateWitness(wasm(), honestInput(i))).resolves.toBeDefined()
    }
  })

  /**
   * A 3-2 linear model (8 parameters, one Poseidon link), written once: Iris's 131 would take a
   * minute of key generation for the same code paths (npm run bench:private-circuits measures Iris).
   */
  let tinyOnnx: Promise<string> | undefined
  const tiny = () =>
    (tinyOnnx ??= (async () => {
      const rand = seededRandom(7)
      const onnx = join(await testDir('tiny-private-weights-onnx'), 'tiny.onnx')
      await writeFile(
        onnx,
        buildModel({
          inputs: [{ name: 'x', shape: [1, 3] }],
          outputs: [{ name: 'y', shape: [1, 2] }],
          initializers: [
            { name: 'W', dims: [2, 3], data: randomArray(rand, 6) },
            { name: 'B', dims: [2], data: randomArray(rand, 2, -0.2, 0.2) },
          ],
          nodes: [{ op: 'Gemm', inputs: ['x', 'W', 'B'], outputs: ['y'], attributes: { transB: 1 } }],
        }),
      )
      return onnx
    })())
  const quantization = { scale: 8, inputScale: 6, inputBits: 8, maxBits: 64 }

  test("sets up, proves (the weights read from the folder) and verifies; its outputs and public signals are the public-weights circuit's", async () => {
    const onnx = await tiny()
    const [tinyPublic, tinyPrivate] = [await testDir('tiny-public-weights'), await testDir('tiny-private-weights')]
    await compileModel({ onnx, outDir: tinyPublic, ...quantization })
    await compileModel({ onnx, outDir: tinyPrivate, ...quantization, privateWeights: true, weightSalt: WEIGHT_SALT })
    await Promise.all([setupModel({ dir: tinyPublic }), setupModel({ dir: tinyPrivate })])
    const values = [0.5, -1.25, 1.75]
    const publicProof = await prove({ dir: tinyPublic, input: { values }, beneficiary: TEST_BENEFICIARY })
    const privateProof = await prove({ dir: tinyPrivate, input: { values }, beneficiary: TEST_BENEFICIARY })
    expect(privateProof.output).toEqual(publicProof.output)
    expect(privateProof.publicSignals).toEqual(publicProof.publicSignals)
    expect(await verify({ dir: tinyPrivate, proof: privateProof.proof, publicSignals: privateProof.publicSignals })).toBe(true)
    // The two circuits differ, so do their keys: neither proof verifies under the other's key.
    expect(await verify({ dir: tinyPublic, proof: privateProof.proof, publicSignals: privateProof.publicSignals })).toBe(false)
    const tampered = privateProof.publicSignals.map((s, j) => (j === 1 ? String(BigInt(s) + 1n) : s))
    expect(await verify({ dir: tinyPrivate, proof: privateProof.proof, publicSignals: tampered })).toBe(false)

    // Proving needs the salt the weights were committed with, next to the weights.
    const path = join(tinyPrivate, 'weightSalt.json')
    await writeFile(path, JSON.stringify({ salt: String(WEIGHT_SALT + 1n) }))
    await expect(prove({ dir: tinyPrivate, input: { values }, beneficiary: TEST_BENEFICIARY })).rejects.toThrowError(WeightSaltError)
    await writeFile(path, '{')
    await expect(prove({ dir: tinyPrivate, input: { values }, beneficiary: TEST_BENEFICIARY })).rejects.toThrowError(/its salt cannot be read/)
  }, 300_000)

  test('composes with --private-input, from the command line: the public signals are the input commitment, the outputs and the beneficiary; the weights stay private too', async () => {
    // Compiled (and self-checked) only: the setup above covers key generation.
    const dir = await testDir('tiny-private-both')
    const out: string[] = []
    const options = ['--scale', quantization.scale, '--input-scale', quantization.inputScale, '--input-bits', quantization.inputBits, '--max-bits', quantization.maxBits].map(String)
    const args = ['compile', await tiny(), '--out', dir, ...options, '--private-input', '--private-weights']
    expect(await runCompilerCli(args, { out: (line) => out.push(line), err: () => {} })).toBe(0)
    const { manifest: both, model: bothModel } = await loadCompiledModel(dir)
    expect(both.input.private).toBe(true)
    expect(both.publicSignals.layout).toEqual(['inCommitment', `outWords[0..${both.output.words})`, 'beneficiary'])
    // A fresh salt, drawn at compile and kept in the folder: another commitment to the same weights.
    const salt = BigInt((JSON.parse(await readFile(join(dir, 'weightSalt.json'), 'utf8')) as { salt: string }).salt)
    expect(salt).not.toBe(WEIGHT_SALT)
    expect(both.weights).toEqual({ private: true, commitment: (await commitWeights({ model: bothModel, salt })).toString() })
    expect(both.weights!.commitment).not.toBe((await commitWeights({ model: bothModel, salt: WEIGHT_SALT })).toString())
    expect(out).toContain(`private weights: commitment ${both.weights!.commitment}; keep model.onnx, quantized.json and weightSalt.json private (proving needs them)`)
    const q = quantizeInput(bothModel, [0.5, -1.25, 1.75])
    const signals = { inputWords: packValues(q, bothModel.inputBits), outputWords: packValues(runReference(bothModel, q), bothModel.outputBits), beneficiary: TEST_BENEFICIARY }
    const { input, publicSignals } = await privateCircuitInput({ ...signals, salt: INPUT_SALT })
    const wasmBoth = join(dir, 'model_js', 'model.wasm')
    const witness = await calculateWitness(wasmBoth, { ...input, ...weightCircuitInput({ model: bothModel, salt }) })
    expect(failingConstraints(await readR1cs(join(dir, 'model.r1cs')), witness)).toEqual([])
    expect(witness.slice(1, 1 + publicSignals.length)).toEqual(publicSignals)
    await expect(calculateWitness(wasmBoth, { ...input, ...weightCircuitInput({ model: withChangedWeight(5, bothModel), salt }) })).rejects.toThrow('Witness calculation failed')
  }, 300_000)

  test('needs a circuit', async () => {
    await expect(compileModel({ onnx: IRIS, outDir: await testDir('iris-private-weights-nocircuit'), privateWeights: true, circuit: false, scale: 6 })).rejects.toThrowError(PrivateWeightsWithoutCircuitError)
  })
})

describe('private weights in a CNN: a convolution pooled before its rescale, linear stages split into chunks', () => {
  test('the circuit computes the reference output from the committed weights, and no other', async () => {
    const rand = seededRandom(16)
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 1, 4, 4] }],
      outputs: [{ name: 'y', shape: [1, 2] }],
      initializers: [
        { name: 'W', dims: [2, 1, 3, 3], data: randomArray(rand, 18) },
        { name: 'B', dims: [2], data: randomArray(rand, 2, -0.2, 0.2) },
        { name: 'G', dims: [2, 2], data: randomArray(rand, 4) },
      ],
      nodes: [
        { op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['c'], attributes: { kernel_shape: [3, 3] } },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
        { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
        { op: 'Gemm', inputs: ['f', 'G'], outputs: ['y'], attributes: { transB: 1 } },
      ],
    })
    const { model } = await prepareOpCase(bytes, { scale: 8, inputScale: 6, inputBits: 8, maxBits: 64 })
    expect(poolBeforeRescale(model).has(0)).toBe(true)
    // A convolution is a sparse linear map: each output position has its own row of kernel taps and
    // its own bias, and the commitment covers every entry: 2 channels x 4 positions x (9 taps and a
    // bias), then the Gemm's 4 weights and 2 biases.
    expect(privateWeightValues(model)).toHaveLength(2 * 4 * (9 + 1) + 4 + 2)
    const commitment = await commitWeights({ model, salt: WEIGHT_SALT })
    const dir = await testDir('cnn-private-weights')
    const circom = generateCircuit({ model, templateName: 'CnnPrivateWeights', linearChunkWeights: 10, privateWeights: { commitment } })
    expect(circom).toContain('component s0Linear1 = PrivateLinear(')
    await writeFile(join(dir, 'model.circom'), circom)
    const circuit = await compileCircom({ file: join(dir, 'model.circom'), outDir: dir, optimization: 1 })
    const system = await readR1cs(circuit.r1cs)
    for (const values of [new Float32Array(16).fill(1.99), new Float32Array(16).fill(-2), randomArray(rand, 16, -2, 2), randomArray(rand, 16, -2, 2)]) {
      const q = quantizeInput(model, values)
      const signals = { inputWords: packValues(q, model.inputBits), outputWords: packValues(runReference(model, q), model.outputBits), beneficiary: TEST_BENEFICIARY }
      const weights = weightCircuitInput({ model, salt: WEIGHT_SALT })
      expect(failingConstraints(system, await calculateWitness(circuit.wasm, { ...circuitInput(signals), ...weights }))).toEqual([])
      const forged = { ...weights, weights: weights.weights.map((w, k) => (k === 30 ? String(BigInt(w) + 1n) : w)) }
      await expect(calculateWitness(circuit.wasm, { ...circuitInput(signals), ...forged })).rejects.toThrow('Witness calculation failed')
    }
  }, 120_000)
})
