import { createHash } from 'node:crypto'
import { cp, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { REPO_ROOT } from '../circuit/paths.js'
import { compileModel } from '../compile/compileModel.js'
import {
  CeremonyClosedError,
  CeremonyExistsError,
  CeremonyFileChangedError,
  ContributionMismatchError,
  NoContributionsError,
  PtauMismatchError,
  ZkeyVerificationError,
} from '../errors/setup.js'
import { readManifest } from '../manifest/manifest.js'
import { prove } from '../prove/prove.js'
import { verify } from '../prove/verify.js'
import { TEST_BENEFICIARY, testDir } from '../testing/opHarness.js'
import { openBinFile } from './binFile.js'
import {
  beaconCeremony,
  contributeCeremony,
  contributeZkey,
  exportCeremony,
  finalizeCeremony,
  importContribution,
  initCeremony,
  verifyCeremony,
} from './ceremony.js'
import { transcriptPath, type CeremonyTranscript } from './ceremonyTranscript.js'
import { writeDevPtau } from './devPtau.js'
import { readZkey } from './readZkey.js'

const IRIS = join(REPO_ROOT, 'circuits', 'models', 'iris.onnx')
const ENTROPY = { alice: 'alice: dice rolls 3 1 4 1 5 9 2 6', bob: 'bob: keyboard mash qpwoeiruty', carol: 'carol: coin flips HTTHHTHT' }
const BEACON = '0x9b3f3a1c5e7d2b4f6a8c0e1d3f5b7a9c2e4d6f8a0b1c3e5d7f9a2b4c6d8e0f1a'

let work: string
/** The compiled iris model, no keys; each test copies it. */
let compiled: string

async function modelCopy(name: string): Promise<string> {
  const dir = join(work, name)
  await cp(compiled, dir, { recursive: true })
  return dir
}

async function flipByte(path: string, section: number, at: number): Promise<void> {
  const file = await openBinFile(path, 'zkey')
  const offset = file.sections.find((s) => s.id === section)!.offset + at
  await file.close()
  const bytes = await readFile(path)
  bytes[offset]! ^= 0x01
  await writeFile(path, bytes)
}

beforeAll(async () => {
  work = await testDir('ceremony')
  compiled = join(work, 'compiled')
  const calibration = (JSON.parse(await readFile(join(REPO_ROOT, 'circuits', 'models', 'iris.testset.json'), 'utf8')) as { calibration: { inputs: number[][] } }).calibration.inputs
  await compileModel({ onnx: IRIS, outDir: compiled, calibration })
})

describe('a three-contributor ceremony with a beacon on the iris model', () => {
  test('one contribution travels as a file; verify lists every step; the finalized key proves', async () => {
    const dir = await modelCopy('three')
    const init = await initCeremony({ dir })
    expect(init.ptau.kind).toBe('dev')
    await expect(finalizeCeremony({ dir })).rejects.toThrow(NoContributionsError)
    await expect(initCeremony({ dir })).rejects.toThrow(CeremonyExistsError)

    const alice = await contributeCeremony({ dir, name: 'alice', entropy: ENTROPY.alice })
    const exported = await exportCeremony({ dir, out: join(work, 'for-bob.zkey') })
    expect(exported.contributions.map((c) => c.hash)).toEqual([alice.contribution.hash])
    // Bob has only the file: no model folder, r1cs or ptau.
    const bob = await contributeZkey({ input: exported.out, output: join(work, 'from-bob.zkey'), name: 'bob', entropy: ENTROPY.bob })
    expect(bob.before.contributions.map((c) => c.hash)).toEqual([alice.contribution.hash])
    const imported = await importContribution({ dir, file: bob.output })
    expect(imported.contribution).toEqual(bob.contribution)
    const carol = await contributeCeremony({ dir, name: 'carol', entropy: ENTROPY.carol })
    const beacon = await beaconCeremony({ dir, hash: BEACON, iterationsExp: 10, name: 'block 0x9b3f' })
    await expect(contributeCeremony({ dir, name: 'dave' })).rejects.toThrow(CeremonyClosedError)

    const verified = await verifyCeremony({ dir })
    expect(verified.contributions).toEqual([
      { name: 'alice', hash: alice.contribution.hash },
      { name: 'bob', hash: bob.contribution.hash },
      { name: 'carol', hash: carol.contribution.hash },
    ])
    expect(new Set(verified.contributions.map((c) => c.hash)).size).toBe(3)
    expect(verified.beacon).toEqual({ name: 'block 0x9b3f', hash: beacon.contribution.hash, beaconHash: BEACON, iterationsExp: 10 })

    const transcriptText = await readFile(transcriptPath(dir), 'utf8')
    const transcript = JSON.parse(transcriptText) as CeremonyTranscript
    expect(transcript.steps.map((s) => [s.kind, s.via, s.contribution?.name])).toEqual([
      ['init', 'local', undefined],
      ['contribution', 'local', 'alice'],
      ['contribution', 'import', 'bob'],
      ['contribution', 'local', 'carol'],
      ['beacon', 'local', 'block 0x9b3f'],
    ])
    for (const entropy of Object.values(ENTROPY)) expect(transcriptText).not.toContain(entropy)

    const { manifest } = await finalizeCeremony({ dir })
    const setup = manifest.setup!
    expect(setup.record).toEqual({ ptauHash: setup.ptau.blake2b.slice(0, 66), contributions: 3, insecure: true })
    expect(setup.phase2).toEqual({ contributions: verified.contributions, beacon: verified.beacon, verified: true })
    expect(setup.ptau).toMatchObject({ kind: 'dev', power: init.ptau.power, blake2b: init.ptau.blake2b })
    expect(manifest.definitionHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await readManifest(dir)).toEqual(manifest)
    expect((await readZkey(join(dir, 'model.zkey'))).contributions.map((c) => c.hash)).toEqual([...verified.contributions.map((c) => c.hash), beacon.contribution.hash])
    const verifier = await readFile(join(dir, manifest.artifacts.verifier!), 'utf8')
    expect(verifier).toContain('3 phase-2 contributions and a random beacon')
    expect(verifier).toContain('/// INSECURE: set up with a single-party dev powers of tau.')

    const proof = await prove({ dir, input: { values: [6.3, 2.8, 5.1, 1.5] }, beneficiary: TEST_BENEFICIARY })
    expect(await verify({ dir, proof: proof.proof, publicSignals: proof.publicSignals })).toBe(true)
    const changed = proof.publicSignals.map((s, i) => (i === 0 ? String(BigInt(s) + 1n) : s))
    expect(await verify({ dir, proof: proof.proof, publicSignals: changed })).toBe(false)
  })
})

describe('tampered contributions', () => {
  let dir: string
  let forBob: string

  beforeAll(async () => {
    dir = await modelCopy('tamper')
    await initCeremony({ dir })
    await contributeCeremony({ dir, name: 'alice' })
    forBob = (await exportCeremony({ dir, out: join(work, 'tamper-for-bob.zkey') })).out
  })

  test('import refuses a key from another ceremony: another ptau, or other earlier contributions', async () => {
    const otherPtau = join(work, 'other.ptau')
    const { power } = (JSON.parse(await readFile(transcriptPath(dir), 'utf8')) as CeremonyTranscript).ptau
    await writeDevPtau({ power, path: otherPtau })
    const elsewhere = await modelCopy('elsewhere')
    await initCeremony({ dir: elsewhere, ptau: otherPtau })
    await contributeCeremony({ dir: elsewhere, name: 'mallory' })
    await contributeCeremony({ dir: elsewhere, name: 'bob' })
    const foreign = (await exportCeremony({ dir: elsewhere, out: join(work, 'foreign.zkey') })).out
    await expect(importContribution({ dir, file: foreign })).rejects.toThrow(/does not extend this ceremony: it is a key for another circuit or ptau/)

    const sameCircuit = await modelCopy('same-circuit')
    await initCeremony({ dir: sameCircuit })
    await contributeCeremony({ dir: sameCircuit, name: 'mallory' })
    await contributeCeremony({ dir: sameCircuit, name: 'bob' })
    const rewritten = (await exportCeremony({ dir: sameCircuit, out: join(work, 'rewritten.zkey') })).out
    await expect(importContribution({ dir, file: rewritten })).rejects.toThrow(/does not extend this ceremony: its contribution #1 \(0x[0-9a-f]{16}\.\.\.\) is not the ceremony's \(0x[0-9a-f]{16}\.\.\., "alice"\)/)

    const twoMore = join(work, 'two-more.zkey')
    await contributeZkey({ input: forBob, output: join(work, 'one-more.zkey'), name: 'bob' })
    await contributeZkey({ input: join(work, 'one-more.zkey'), output: twoMore, name: 'bob again' })
    await expect(importContribution({ dir, file: twoMore })).rejects.toThrow('it has 3 contributions; the ceremony\'s latest key has 1, so exactly 2 are expected')
    await expect(importContribution({ dir, file: forBob })).rejects.toThrow(ContributionMismatchError)
  })

  test('import refuses a contribution whose key bytes were changed; nothing is recorded', async () => {
    const bob = await contributeZkey({ input: forBob, output: join(work, 'bob-changed.zkey'), name: 'bob' })
    await flipByte(bob.output, 8, 64 * 3 + 5)
    await expect(importContribution({ dir, file: bob.output })).rejects.toThrow(ZkeyVerificationError)
    const transcript = JSON.parse(await readFile(transcriptPath(dir), 'utf8')) as CeremonyTranscript
    expect(transcript.steps).toHaveLength(2)
    expect((await readdir(join(dir, 'ceremony'))).sort()).toEqual(['ceremony.json', 'model_0000.zkey', 'model_0001.zkey'])
  })

  test('verify refuses a changed key: by the transcript hash, and by snarkjs when the transcript is changed too', async () => {
    const copy = await modelCopy('tamper-verify')
    await cp(join(dir, 'ceremony'), join(copy, 'ceremony'), { recursive: true })
    const latest = join(copy, 'ceremony', 'model_0001.zkey')
    await flipByte(latest, 9, 64 * 2 + 3)
    await expect(verifyCeremony({ dir: copy })).rejects.toThrow(CeremonyFileChangedError)

    const transcript = JSON.parse(await readFile(transcriptPath(copy), 'utf8')) as CeremonyTranscript
    transcript.steps[1]!.blake2b = `0x${createHash('blake2b512').update(await readFile(latest)).digest('hex')}`
    await writeFile(transcriptPath(copy), JSON.stringify(transcript))
    await expect(verifyCeremony({ dir: copy })).rejects.toThrow(ZkeyVerificationError)
    await expect(finalizeCeremony({ dir: copy })).rejects.toThrow(ZkeyVerificationError)
  })

  test('finalize takes the provenance from the files: an edited transcript does not make a dev setup secure, another ptau is refused', async () => {
    const copy = await modelCopy('tamper-provenance')
    await cp(join(dir, 'ceremony'), join(copy, 'ceremony'), { recursive: true })
    const transcript = JSON.parse(await readFile(transcriptPath(copy), 'utf8')) as CeremonyTranscript
    Object.assign(transcript.ptau, { kind: 'known', insecure: false, insecureReason: undefined, ceremony: 'powersOfTau28_hez_final_10.ptau (perpetual-powers-of-tau-hermez)' })
    await writeFile(transcriptPath(copy), JSON.stringify(transcript))

    const other = join(work, 'other-for-finalize.ptau')
    await writeDevPtau({ power: transcript.ptau.power, path: other })
    await expect(finalizeCeremony({ dir: copy, ptau: other })).rejects.toThrow(PtauMismatchError)

    const { manifest } = await finalizeCeremony({ dir: copy })
    expect(manifest.setup).toMatchObject({ insecure: true, ptau: { kind: 'dev', ceremony: 'veridict dev ptau (INSECURE, single party)' }, record: { contributions: 1, insecure: true } })
  })
})
