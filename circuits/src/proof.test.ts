import type { Groth16Proof } from 'snarkjs'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { createPublicClient, createWalletClient, http, keccak256, type Abi, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { computeDefinitionHash, encodeGroth16VerificationKey, type Groth16VerificationKey } from '@veridict/sdk'
import { REPO_ROOT } from './circuit/paths.js'
import { compileModel } from './compile/compileModel.js'
import { readManifest, type ModelManifest } from './manifest/manifest.js'
import { prove, type ProveReturnType } from './prove/prove.js'
import { verify } from './prove/verify.js'
import { setupModel } from './setup/setupModel.js'
import { TEST_BENEFICIARY, testDir } from './testing/opHarness.js'

const require = createRequire(import.meta.url)
const IRIS = join(REPO_ROOT, 'circuits', 'models', 'iris.onnx')
const ANVIL_KEY: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
/** An account that copies the proof from the mempool: anvil's second account. */
const OTHER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

let dir: string
let manifest: ModelManifest
let proof: ProveReturnType

beforeAll(async () => {
  const calibration = (JSON.parse(await readFile(join(REPO_ROOT, 'circuits', 'models', 'iris.testset.json'), 'utf8')) as { calibration: { inputs: number[][] } }).calibration.inputs
  dir = await testDir('iris')
  await compileModel({ onnx: IRIS, outDir: dir, calibration })
  manifest = (await setupModel({ dir })).manifest
  proof = await prove({ dir, input: { values: [6.3, 2.8, 5.1, 1.5] }, beneficiary: TEST_BENEFICIARY })
})

describe('Groth16 proofs of a compiled model', () => {
  test('a proof verifies, with input words, output words, then the beneficiary as public signals', async () => {
    expect(proof.beneficiary).toBe(TEST_BENEFICIARY)
    expect(proof.publicSignals).toEqual([...proof.inputWords, ...proof.outputWords, BigInt(TEST_BENEFICIARY)].map(String))
    expect(proof.publicSignals.length).toBe(manifest.publicSignals.count)
    expect(manifest.publicSignals.layout).toEqual(['inWords[0..1)', 'outWords[0..1)', 'beneficiary'])
    expect(await verify({ dir, proof: proof.proof, publicSignals: proof.publicSignals })).toBe(true)
  })

  test("proving runs off the caller's thread: the event loop keeps turning meanwhile", async () => {
    let ticks = 0
    const timer = setInterval(() => ticks++, 5)
    try {
      await prove({ dir, input: { values: [5.0, 3.4, 1.5, 0.2] }, beneficiary: TEST_BENEFICIARY })
    } finally {
      clearInterval(timer)
    }
    expect(ticks).toBeGreaterThan(3)
  })

  test('the same proof with any one public signal changed does not verify', async () => {
    for (let i = 0; i < proof.publicSignals.length; i++) {
      const tampered = proof.publicSignals.map((s, j) => (j === i ? String(BigInt(s) + 1n) : s))
      expect(await verify({ dir, proof: proof.proof, publicSignals: tampered })).toBe(false)
    }
  })

  test('the definition hash commits to the ONNX bytes, the quantization, the verification key and the setup record', async () => {
    const setup = manifest.setup!
    expect(setup.insecure).toBe(true)
    expect(setup.record).toEqual({ ptauHash: setup.ptau.blake2b.slice(0, 66), contributions: 1, insecure: true })
    const vkey = JSON.parse(await readFile(join(dir, manifest.artifacts.vkey!), 'utf8')) as Groth16VerificationKey
    expect(setup.verificationKeyHash).toBe(keccak256(encodeGroth16VerificationKey(vkey)))
    expect(manifest.definitionHash).toBe(
      computeDefinitionHash({
        onnxHash: manifest.onnx.keccak256,
        quantizationHash: manifest.quantization.keccak256,
        parameters: manifest.parameters,
        proofSystem: 'groth16',
        verificationKeyHash: setup.verificationKeyHash,
        input: { values: manifest.input.count, bits: manifest.input.bits, private: false },
        output: { values: manifest.output.count, bits: manifest.output.bits },
        setup: setup.record,
      }),
    )
    const again = await testDir('iris-coarse')
    await compileModel({ onnx: IRIS, outDir: again, scale: 5, inputScale: 4, inputBits: 8 })
    const other = (await setupModel({ dir: again })).manifest
    expect(other.onnx.keccak256).toBe(manifest.onnx.keccak256)
    expect(other.quantization.keccak256).not.toBe(manifest.quantization.keccak256)
    expect(other.definitionHash).not.toBe(manifest.definitionHash)
    expect((await readManifest(dir)).definitionHash).toBe(manifest.definitionHash)
  })
})

describe('the generated Solidity verifier on anvil', () => {
  let anvil: ChildProcess
  let rpc: string

  beforeAll(async () => {
    const port = 20000 + Math.floor(Math.random() * 20000)
    rpc = `http://127.0.0.1:${port}`
    anvil = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'anvil'), ['--port', String(port), '--silent'], { stdio: 'ignore' })
    const client = createPublicClient({ transport: http(rpc) })
    for (let i = 0; i < 100; i++) {
      if (await client.getChainId().then(() => true, () => false)) return
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`anvil did not start on ${rpc}`)
  })

  afterAll(() => {
    anvil?.kill()
  })

  test('accepts the proof and rejects it when an output word or the beneficiary changes', async () => {
    const contract = manifest.setup!.verifierContract
    const source = await readFile(join(dir, manifest.artifacts.verifier!), 'utf8')
    const solc = require('solc') as { compile(input: string): string }
    const output = JSON.parse(
      solc.compile(JSON.stringify({ language: 'Solidity', sources: { 'V.sol': { content: source } }, settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } } })),
    ) as { contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>> }
    const artifact = output.contracts['V.sol']![contract]!
    const account = privateKeyToAccount(ANVIL_KEY)
    const wallet = createWalletClient({ account, chain: foundry, transport: http(rpc) })
    const client = createPublicClient({ chain: foundry, transport: http(rpc) })
    const hash = await wallet.deployContract({ abi: artifact.abi, bytecode: `0x${artifact.evm.bytecode.object}` })
    const address = (await client.waitForTransactionReceipt({ hash })).contractAddress!

    const p = proof.proof as Groth16Proof
    const a = [BigInt(p.pi_a[0]!), BigInt(p.pi_a[1]!)]
    // The EVM pairing precompile takes G2 coordinates as (imaginary, real): swap each pair.
    const b = [[BigInt(p.pi_b[0]![1]!), BigInt(p.pi_b[0]![0]!)], [BigInt(p.pi_b[1]![1]!), BigInt(p.pi_b[1]![0]!)]]
    const c = [BigInt(p.pi_c[0]!), BigInt(p.pi_c[1]!)]
    const call = (signals: bigint[]) => client.readContract({ address, abi: artifact.abi, functionName: 'verifyProof', args: [a, b, c, signals] })
    const signals = proof.publicSignals.map(BigInt)
    expect(await call(signals)).toBe(true)
    const lastOutput = proof.inputWords.length + proof.outputWords.length - 1
    expect(await call(signals.map((s, i) => (i === lastOutput ? s + 1n : s)))).toBe(false)
    const beneficiary = signals.length - 1
    expect(await call(signals.map((s, i) => (i === beneficiary ? BigInt(OTHER) : s)))).toBe(false)
  })
})
