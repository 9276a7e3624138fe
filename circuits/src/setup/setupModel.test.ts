import { createHash } from 'node:crypto'
import { copyFile, cp, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildBn128 } from 'ffjavascript'
import * as snarkjs from 'snarkjs'
import { beforeAll, expect, test } from 'vitest'
import { REPO_ROOT } from '../circuit/paths.js'
import { compileModel } from '../compile/compileModel.js'
import { CeremonyExistsError, PtauFileError, PtauTooSmallError } from '../errors/setup.js'
import { readManifest } from '../manifest/manifest.js'
import { testDir } from '../testing/opHarness.js'
import { beaconCeremony, initCeremony } from './ceremony.js'
import { transcriptPath, type CeremonyTranscript } from './ceremonyTranscript.js'
import { ensureDevPtau, writeDevPtau } from './devPtau.js'
import { requiredPtauPower, setupModel } from './setupModel.js'

const IRIS = join(REPO_ROOT, 'circuits', 'models', 'iris.onnx')

let dir: string
let compiled: string

beforeAll(async () => {
  const calibration = (JSON.parse(await readFile(join(REPO_ROOT, 'circuits', 'models', 'iris.testset.json'), 'utf8')) as { calibration: { inputs: number[][] } }).calibration.inputs
  dir = await testDir('setup-attack')
  await compileModel({ onnx: IRIS, outDir: dir, calibration })
  compiled = await testDir('setup-compiled')
  await cp(dir, compiled, { recursive: true })
})

async function devPtauForIris(): Promise<string> {
  const { circuit } = await readManifest(compiled)
  return (await ensureDevPtau({ power: requiredPtauPower(circuit!.constraints, circuit!.publicInputs) })).path
}

test('the cached dev ptau passed as --ptau under another name still gives an INSECURE setup', async () => {
  const disguised = join(dir, 'powersOfTau28_hez_final_14.ptau')
  await copyFile(await devPtauForIris(), disguised)

  const { manifest } = await setupModel({ dir, ptau: disguised })

  expect(manifest.setup?.insecure).toBe(true)
  expect(manifest.setup?.ptau).toMatchObject({ file: 'powersOfTau28_hez_final_14.ptau', kind: 'dev', ceremony: 'veridict dev ptau (INSECURE, single party)' })
  expect(manifest.setup?.record.insecure).toBe(true)
  const verifier = await readFile(join(dir, manifest.artifacts.verifier!), 'utf8')
  expect(verifier).toContain('/// INSECURE: set up with a single-party dev powers of tau.')
})

test('a ptau whose hash the known table lists is trusted: not insecure, no INSECURE comment', async () => {
  const model = await testDir('setup-known')
  await cp(compiled, model, { recursive: true })
  const ptau = await devPtauForIris()
  const blake2b = `0x${createHash('blake2b512').update(await readFile(ptau)).digest('hex')}` as const
  const knownPtauFiles = [{ power: 10, file: 'trusted_10.ptau', blake2b, ceremony: 'a ceremony this test trusts' }]

  const { manifest } = await setupModel({ dir: model, ptau, knownPtauFiles })

  expect(manifest.setup).toMatchObject({ insecure: false, ptau: { kind: 'known', ceremony: 'trusted_10.ptau (a ceremony this test trusts)', blake2b } })
  expect(manifest.setup!.record).toEqual({ ptauHash: blake2b.slice(0, 66), contributions: 1, insecure: false })
  const verifier = await readFile(join(model, manifest.artifacts.verifier!), 'utf8')
  expect(verifier).not.toContain('INSECURE')
  expect(verifier).toContain('/// Powers of tau: trusted_10.ptau (a ceremony this test trusts)')
})

test('setup starts over on a one-command setup but never overwrites a ceremony others joined', async () => {
  const model = await testDir('setup-again')
  await cp(compiled, model, { recursive: true })
  const first = await setupModel({ dir: model })
  const second = await setupModel({ dir: model })
  expect(second.manifest.setup!.phase2!.contributions).toHaveLength(1)
  expect(second.manifest.setup!.phase2!.contributions[0]!.hash).not.toBe(first.manifest.setup!.phase2!.contributions[0]!.hash)
  expect(second.manifest.definitionHash).not.toBe(first.manifest.definitionHash)

  await beaconCeremony({ dir: model, hash: '0x01', iterationsExp: 10 })
  await expect(setupModel({ dir: model })).rejects.toThrow(CeremonyExistsError)
  const transcript = JSON.parse(await readFile(transcriptPath(model), 'utf8')) as CeremonyTranscript
  expect(transcript.steps.map((s) => s.kind)).toEqual(['init', 'contribution', 'beacon'])
})

test('refuses a ptau too small for the circuit, or not prepared for phase 2', async () => {
  const scratch = await testDir('setup-ptau')
  const small = join(scratch, 'small.ptau')
  await writeDevPtau({ power: 5, path: small })
  await expect(initCeremony({ dir: compiled, ptau: small })).rejects.toThrow(PtauTooSmallError)

  const curve = await buildBn128(true)
  const quiet = { debug() {}, info() {}, warn() {}, error() {} }
  await snarkjs.powersOfTau.newAccumulator(curve, 3, join(scratch, 'fresh.ptau'), quiet)
  await curve.terminate()
  const unprepared = join(scratch, 'unprepared.ptau')
  await snarkjs.powersOfTau.contribute(join(scratch, 'fresh.ptau'), unprepared, 'alice', 'entropy', quiet)
  await expect(initCeremony({ dir: compiled, ptau: unprepared })).rejects.toThrow(PtauFileError)
  await expect(initCeremony({ dir: compiled, ptau: unprepared })).rejects.toThrow('it is not prepared for phase 2 (no Lagrange sections); run snarkjs powersoftau prepare phase2 on it first')
})
