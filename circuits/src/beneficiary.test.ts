import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import type { Groth16Proof, VerificationKey } from 'snarkjs'
import type { Address } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import { compileCircom, type CompileCircomReturnType } from './circuit/compileCircom.js'
import { calculateWitness, failingConstraints, readR1cs, readSymbols, type R1cs } from './circuit/r1cs.js'
import { compileModel } from './compile/compileModel.js'
import { InvalidBeneficiaryError, ModelWithoutBeneficiaryError } from './errors/artifacts.js'
import { readManifest } from './manifest/manifest.js'
import { buildModel } from './onnx/buildModel.js'
import { prove, type ProveReturnType } from './prove/prove.js'
import { verify } from './prove/verify.js'
import { ensureDevPtau } from './setup/devPtau.js'
import { setupModel } from './setup/setupModel.js'
import { TEST_BENEFICIARY, testDir } from './testing/opHarness.js'

/** BN254 scalar field. */
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
const ADDRESS_LIMIT = 1n << 160n
/** Who earned the reward: the address every proof here is made for. */
const FULFILLER = TEST_BENEFICIARY
/** Who copies the proof from the mempool and submits it first: anvil's second account. */
const FRONT_RUNNER: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

/** The main template of the harness circuits: y = x * x with a public beneficiary, bound or not. */
const squareWithBeneficiary = (bound: boolean) => `pragma circom 2.1.6;
include "veridict.circom";
template T() {
    signal input x;
    signal input beneficiary;
    signal output y <== x * x;
${bound ? '    component bind = Beneficiary();\n    bind.beneficiary <== beneficiary;\n' : ''}}
component main {public [x, beneficiary]} = T();
`

async function compileHarness(name: string, source: string, optimization: 0 | 1 = 0): Promise<CompileCircomReturnType & { dir: string }> {
  const dir = await testDir(`beneficiary-${name}`)
  const file = join(dir, `${name}.circom`)
  await writeFile(file, source)
  return { dir, ...(await compileCircom({ file, outDir: dir, optimization })) }
}

describe('Beneficiary: the address is pinned by constraints and range-checked below 2^160', () => {
  let circuit: CompileCircomReturnType
  let r1cs: R1cs
  let symbols: Map<string, number>
  const witnessFor = (beneficiary: bigint) => calculateWitness(circuit.wasm, { x: '3', beneficiary: String(beneficiary) })

  beforeAll(async () => {
    circuit = await compileHarness('template', squareWithBeneficiary(true))
    r1cs = await readR1cs(circuit.r1cs)
    symbols = await readSymbols(circuit.sym)
  })

  test('has a witness for every address, from 0 to 2^160 - 1', async () => {
    for (const address of [0n, 1n, BigInt(FULFILLER), ADDRESS_LIMIT - 1n]) {
      const witness = await witnessFor(address)
      expect(failingConstraints(r1cs, witness)).toEqual([])
      expect(witness[symbols.get('main.beneficiary')!]).toBe(address)
    }
  })

  test('has no witness for a beneficiary of 2^160 or more: an address with bits above 160, or a "negative" field element', async () => {
    for (const value of [ADDRESS_LIMIT, ADDRESS_LIMIT + BigInt(FULFILLER), P - 1n])
      await expect(witnessFor(value)).rejects.toThrow('Witness calculation failed')
  })

  test('rejects a witness whose beneficiary was swapped afterwards, and one that keeps the bits but adds 2^160', async () => {
    const honest = await witnessFor(BigInt(FULFILLER))
    const wire = (signal: string) => {
      const id = symbols.get(signal)
      if (id === undefined) throw new Error(`no signal ${signal} in the harness`)
      return id
    }
    for (const forged of [BigInt(FRONT_RUNNER), BigInt(FULFILLER) + ADDRESS_LIMIT]) {
      const tampered = [...honest]
      for (const signal of ['main.beneficiary', 'main.bind.beneficiary', 'main.bind.bits.in']) tampered[wire(signal)] = forged
      // The square is recomputed, as a forger would: only the bits can betray the swap.
      tampered[wire('main.bind.square')] = (forged * forged) % P
      expect(failingConstraints(r1cs, tampered).length).toBeGreaterThan(0)
    }
  })
})

describe('Groth16 keys bind the beneficiary', () => {
  /** Sets up Groth16 for a harness circuit, proves x = 3 for FULFILLER and returns the key and proof. */
  async function setUpAndProve(name: string, bound: boolean): Promise<{ vkey: VerificationKey & { IC: string[][] }; proof: Groth16Proof; publicSignals: string[] }> {
    const circuit = await compileHarness(name, squareWithBeneficiary(bound), 1)
    const { path: ptau } = await ensureDevPtau({ power: 9 })
    const zkey = join(circuit.dir, `${name}.zkey`)
    expect(await snarkjs.zKey.newZKey(circuit.r1cs, ptau, zkey, silent)).not.toBe(-1)
    const vkey = (await snarkjs.zKey.exportVerificationKey(zkey, silent)) as VerificationKey & { IC: string[][] }
    const { proof, publicSignals } = await snarkjs.groth16.fullProve({ x: '3', beneficiary: BigInt(FULFILLER).toString() }, circuit.wasm, zkey, silent)
    expect(publicSignals).toEqual(['9', '3', BigInt(FULFILLER).toString()])
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof, silent)).toBe(true)
    return { vkey, proof, publicSignals }
  }
  const claimedBy = (signals: string[], address: Address) => [...signals.slice(0, -1), BigInt(address).toString()]
  const identity = ['0', '1', '0']

  test('even a public input in no constraint: snarkjs setup adds a row per public input, so its IC term is not zero and a copied proof fails', async () => {
    const { vkey, proof, publicSignals } = await setUpAndProve('unbound', false)
    expect(vkey.IC.at(-1)).not.toEqual(identity)
    expect(await snarkjs.groth16.verify(vkey, claimedBy(publicSignals, FRONT_RUNNER), proof, silent)).toBe(false)
  })

  test('the Beneficiary template binds it by constraints of its own (not only by the setup), with the range check', async () => {
    const { vkey, proof, publicSignals } = await setUpAndProve('bound', true)
    expect(vkey.IC.at(-1)).not.toEqual(identity)
    expect(await snarkjs.groth16.verify(vkey, claimedBy(publicSignals, FRONT_RUNNER), proof, silent)).toBe(false)
  })
})

/** y = W x with W = [[1, 2], [3, -1]]: the smallest compiled model, so setup and proving take a moment. */
const tinyModel = () =>
  buildModel({
    inputs: [{ name: 'x', shape: [1, 2] }],
    outputs: [{ name: 'y', shape: [1, 2] }],
    initializers: [{ name: 'W', dims: [2, 2], data: [1, 2, 3, -1] }],
    nodes: [{ op: 'Gemm', inputs: ['x', 'W'], outputs: ['y'], name: 'dense', attributes: { transB: 1 } }],
  })

describe.each(['groth16', 'plonk'] as const)('a compiled model proved with %s: the proof is bound to its beneficiary', (scheme) => {
  let dir: string
  let proved: ProveReturnType
  const withLast = (signals: readonly string[], last: bigint) => [...signals.slice(0, -1), last.toString()]

  beforeAll(async () => {
    dir = await testDir(`beneficiary-model-${scheme}`)
    await compileModel({ onnx: tinyModel(), outDir: dir, scale: 4, inputScale: 4, inputBits: 8 })
    await setupModel({ dir, scheme })
    proved = await prove({ dir, input: { values: [0.5, -1.25] }, beneficiary: FULFILLER })
  })

  test('the beneficiary is the last public signal, and the proof verifies with it', async () => {
    expect(proved.proof.protocol).toBe(scheme)
    expect(proved.beneficiary).toBe(FULFILLER)
    expect(proved.publicSignals).toEqual([...proved.inputWords, ...proved.outputWords, BigInt(FULFILLER)].map(String))
    expect(await verify({ dir, proof: proved.proof, publicSignals: proved.publicSignals })).toBe(true)
  })

  test('the same proof does not verify for another beneficiary: the front-runner, or the fulfiller plus 2^160', async () => {
    for (const other of [BigInt(FRONT_RUNNER), BigInt(FULFILLER) + ADDRESS_LIMIT, 0n])
      expect(await verify({ dir, proof: proved.proof, publicSignals: withLast(proved.publicSignals, other) })).toBe(false)
  })

  test("the front-runner's own proof carries the same words and their address, and verifies only for them", async () => {
    const theirs = await prove({ dir, input: { values: [0.5, -1.25] }, beneficiary: FRONT_RUNNER })
    expect(theirs.publicSignals.slice(0, -1)).toEqual(proved.publicSignals.slice(0, -1))
    expect(await verify({ dir, proof: theirs.proof, publicSignals: theirs.publicSignals })).toBe(true)
    expect(await verify({ dir, proof: theirs.proof, publicSignals: proved.publicSignals })).toBe(false)
  })

  test('its circuit has no witness for a beneficiary of 2^160 or more', async () => {
    const manifest = await readManifest(dir)
    const input = { inWords: proved.inputWords.map(String), outWords: proved.outputWords.map(String) }
    await expect(calculateWitness(join(dir, manifest.artifacts.wasm!), { ...input, beneficiary: String(BigInt(FULFILLER)) })).resolves.toBeDefined()
    await expect(calculateWitness(join(dir, manifest.artifacts.wasm!), { ...input, beneficiary: String(BigInt(FULFILLER) + ADDRESS_LIMIT) })).rejects.toThrow('Witness calculation failed')
  })

  if (scheme === 'groth16')
    test('the verification key gives the beneficiary a non-zero IC term', async () => {
      const manifest = await readManifest(dir)
      const vkey = JSON.parse(await readFile(join(dir, manifest.artifacts.vkey!), 'utf8')) as { IC: string[][] }
      expect(vkey.IC).toHaveLength(manifest.publicSignals.count + 1)
      expect(vkey.IC.at(-1)).not.toEqual(['0', '1', '0'])
    })
})

describe('prove refuses what cannot bind a beneficiary', () => {
  test('a malformed address, before any work', async () => {
    for (const beneficiary of ['0x71458637cd221877830a21f543e8b731e93c36', '0x71458637cD221877830A21F543E8b731e93C3628', 'fulfiller'])
      await expect(prove({ dir: '/nonexistent', input: { values: [0] }, beneficiary: beneficiary as Address })).rejects.toBeInstanceOf(InvalidBeneficiaryError)
    await expect(prove({ dir: '/nonexistent', input: { values: [0] }, beneficiary: '0x71458637cD221877830A21F543E8b731e93C3628' })).rejects.toThrowErrorMatchingInlineSnapshot(`
      [InvalidBeneficiaryError: The beneficiary "0x71458637cD221877830A21F543E8b731e93C3628" is not an Ethereum address.

      Details: A proof is bound to the address the oracle credits for it: pass 0x followed by 40 hex digits (a mixed-case address must carry a valid EIP-55 checksum), normally the account that will submit the proof.]
    `)
  })

  test('a model compiled before circuits had a beneficiary signal', async () => {
    const dir = await testDir('beneficiary-old')
    const { manifest } = await compileModel({ onnx: tinyModel(), outDir: dir, scale: 4, inputScale: 4, inputBits: 8, circuit: false })
    // As compiler 0.2.0 wrote it: the same format, public signals without the beneficiary.
    const old = { ...manifest, publicSignals: { count: 2, layout: ['inWords[0..1)', 'outWords[0..1)'] }, compiler: { ...manifest.compiler, version: '0.2.0' } }
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(old))
    const error = await prove({ dir, input: { values: [0.5, -1.25] }, beneficiary: FULFILLER }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ModelWithoutBeneficiaryError)
    expect((error as Error).message.replace(dir, 'DIR')).toMatchInlineSnapshot(`
      "The model in DIR was compiled by Veridict compiler 0.2.0, whose circuit has no beneficiary signal (public signals: inWords[0..1), outWords[0..1)).

      Details: Its proofs bind no recipient, so anyone who sees one could submit it as their own, and the oracle expects a beneficiary as the last signal. Re-run veridict compile for this model, then veridict setup (or a ceremony) to make new keys."
    `)
  })
})
