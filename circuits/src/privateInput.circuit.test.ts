import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { packValues } from '@veridict/sdk'
import { commitInput } from '@veridict/sdk/private'
import { compileCircom, type CompileCircomReturnType } from './circuit/compileCircom.js'
import { REPO_ROOT } from './circuit/paths.js'
import { compileModel } from './compile/compileModel.js'
import { SaltMismatchError } from './errors/artifacts.js'
import { PrivateInputWithoutCircuitError } from './errors/compile.js'
import { prove } from './prove/prove.js'
import { verify } from './prove/verify.js'
import { setupModel } from './setup/setupModel.js'
import { generateCircuit } from './circuit/generateCircuit.js'
import { privateCircuitInput } from './circuit/publicSignals.js'
import { calculateWitness, failingConstraints, readR1cs, readSymbols, type R1cs } from './circuit/r1cs.js'
import { buildModel } from './onnx/buildModel.js'
import { quantizeInput, runReference } from './reference/runReference.js'
import { prepareOpCase, randomArray, seededRandom, TEST_BENEFICIARY, testDir, type OpExecutors } from './testing/opHarness.js'

/**
 * A model compiled with a private input: the input words are private signals, and the proof's
 * first public signal is their Poseidon commitment with a private salt (InputCommitment). 420 9-bit
 * inputs pack into 16 words, so the commitment takes two links of its Poseidon chain.
 */
const rand = seededRandom(16)
const INPUTS = 420
const SALT = 0x1234_5678_9abc_def0_1234_5678_9abc_def0n

describe('private-input circuits', () => {
  let model: OpExecutors
  let circuit: CompileCircomReturnType
  let r1cs: R1cs
  let symbols: Map<string, number>
  let inputWords: bigint[]
  let outputWords: bigint[]

  beforeAll(async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, INPUTS] }],
      outputs: [{ name: 'y', shape: [1, 3] }],
      initializers: [{ name: 'W', dims: [3, INPUTS], data: randomArray(rand, 3 * INPUTS, -0.1, 0.1) }],
      nodes: [{ op: 'Gemm', inputs: ['x', 'W'], outputs: ['y'], attributes: { transB: 1 } }],
    })
    model = await prepareOpCase(bytes, { scale: 8, inputScale: 7, inputBits: 9, maxBits: 64 })
    const dir = await testDir('private-input')
    const file = join(dir, 'model.circom')
    await writeFile(file, generateCircuit({ model: model.model, templateName: 'PrivateInput', privateInput: true }))
    circuit = await compileCircom({ file, outDir: dir, optimization: 1 })
    ;[r1cs, symbols] = await Promise.all([readR1cs(circuit.r1cs), readSymbols(circuit.sym)])
    const q = quantizeInput(model.model, randomArray(rand, INPUTS))
    inputWords = packValues(q, model.model.inputBits)
    outputWords = packValues(runReference(model.model, q), model.model.outputBits)
  })

  const witnessOf = (input: Record<string, unknown>) => calculateWitness(circuit.wasm, input)
  const honest = () => privateCircuitInput({ inputWords, outputWords, beneficiary: TEST_BENEFICIARY, salt: SALT })

  test('16 input words, and public signals: the commitment, the output words, the beneficiary (the words and salt are private)', async () => {
    expect(inputWords).toHaveLength(16)
    expect(circuit.stats.publicInputs).toBe(1 + outputWords.length + 1)
    expect(circuit.stats.privateInputs).toBe(inputWords.length + 1)
  })

  test("the commitment circomlibjs computes (the SDK's commitInput) is the circuit's, and the honest witness satisfies every constraint", async () => {
    const { input, publicSignals, commitment } = await honest()
    const witness = await witnessOf(input)
    // The constraint commitInput.commitment === inCommitment holds with circomlibjs's value in inCommitment.
    expect(failingConstraints(r1cs, witness)).toEqual([])
    expect(witness[symbols.get('main.inCommitment')!]).toBe(commitment)
    // snarkjs numbers the public signals 1.. in the witness: they are these, in this order.
    expect(witness.slice(1, 1 + publicSignals.length)).toEqual(publicSignals)
  })

  test('has no witness for a wrong commitment, a wrong salt or a changed input word', async () => {
    const { input } = await honest()
    const changed = [...inputWords]
    changed[9] = changed[9]! ^ 1n
    const cases = [
      { ...input, inCommitment: (BigInt(input.inCommitment) + 1n).toString() },
      { ...input, salt: (SALT + 1n).toString() },
      { ...input, inWords: changed.map(String) },
      // A commitment of the changed input with the same salt does not match the original words either.
      { ...input, inCommitment: (await commitInput({ inputWords: changed, salt: SALT })).toString() },
    ]
    for (const forged of cases) await expect(witnessOf(forged)).rejects.toThrow('Witness calculation failed')
  })

  test('a forged witness fails the constraint check: a swapped commitment, salt or input word', async () => {
    const witness = await witnessOf((await honest()).input)
    const wire = (name: string) => {
      const id = symbols.get(name)
      if (id === undefined) throw new Error(`no signal ${name}`)
      return id
    }
    for (const signal of ['main.inCommitment', 'main.salt', 'main.inWords[3]', 'main.inWords[15]']) {
      const forged = [...witness]
      forged[wire(signal)] = forged[wire(signal)]! + 1n
      expect(failingConstraints(r1cs, forged).length, signal).toBeGreaterThan(0)
    }
  })
})

describe('a model compiled with --private-input', () => {
  test('Iris: compiles (self-checked), sets up, proves with a salt and verifies; the proof shows the commitment, never the input', async () => {
    const testset = JSON.parse(await readFile(join(REPO_ROOT, 'circuits', 'models', 'iris.testset.json'), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
    const dir = await testDir('iris-private')
    const { manifest, estimate } = await compileModel({ onnx: join(REPO_ROOT, 'circuits', 'models', 'iris.onnx'), outDir: dir, calibration: testset.calibration.inputs, privateInput: true })
    expect(manifest.input.private).toBe(true)
    // The estimate (the input commitment's 2,092 constraints per link of 15 words) is circom's count.
    expect(estimate!.constraints).toBe(manifest.circuit!.constraints)
    expect(manifest.publicSignals).toEqual({ count: 1 + manifest.output.words + 1, layout: ['inCommitment', `outWords[0..${manifest.output.words})`, 'beneficiary'] })
    await setupModel({ dir })
    const proved = await prove({ dir, input: { values: testset.inputs[0]! }, beneficiary: TEST_BENEFICIARY, salt: SALT })
    expect(proved.commitment).toBe(await commitInput({ inputWords: proved.inputWords, salt: SALT }))
    expect(proved.publicSignals).toEqual([String(proved.commitment), ...proved.outputWords.map(String), BigInt(TEST_BENEFICIARY).toString()])
    for (const word of proved.inputWords) expect(proved.publicSignals).not.toContain(String(word))
    expect(await verify({ dir, proof: proved.proof, publicSignals: proved.publicSignals })).toBe(true)
    // Another commitment in the public signals: the proof does not verify.
    expect(await verify({ dir, proof: proved.proof, publicSignals: [String(proved.commitment! + 1n), ...proved.publicSignals.slice(1)] })).toBe(false)
    await expect(prove({ dir, input: { values: testset.inputs[0]! }, beneficiary: TEST_BENEFICIARY })).rejects.toThrowError(SaltMismatchError)
  }, 300_000)

  test('needs a circuit', async () => {
    await expect(compileModel({ onnx: join(REPO_ROOT, 'circuits', 'models', 'iris.onnx'), outDir: await testDir('iris-private-nocircuit'), privateInput: true, circuit: false, scale: 6 })).rejects.toThrowError(PrivateInputWithoutCircuitError)
  })
})
