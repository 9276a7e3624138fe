import { createHash } from 'node:crypto'
import { copyFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildBn128 } from 'ffjavascript'
import * as snarkjs from 'snarkjs'
import { beforeAll, describe, expect, test } from 'vitest'
import { KNOWN_PTAU_FILES } from '@veridict/sdk'
import { REPO_ROOT } from '../circuit/paths.js'
import { PtauFileError, PtauVerificationError } from '../errors/setup.js'
import { testDir } from '../testing/opHarness.js'
import { openBinFile } from './binFile.js'
import { writeDevPtau } from './devPtau.js'
import { DEV_PTAU_CONTRIBUTION_NAME } from './devPtauContribution.js'
import { DEV_PTAU_CEREMONY, identifyPtau, UNLISTED_CEREMONY } from './identifyPtau.js'
import type { SetupProgress } from './progress.js'

/** snarkjs-made ptau files at power 6 (about 5 s to make), kept between runs. */
const FIXTURES = join(REPO_ROOT, '.cache', 'ptau-fixtures')
const POWER = 6
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

let work: string
/** Contributions by alice, then bob; prepared for phase 2. */
let twoParty: string
/** One contribution (alice); prepared. */
let singleParty: string
/** alice and bob, not prepared. */
let unprepared: string
let dev: string

const blake2b = async (path: string) => `0x${createHash('blake2b512').update(await readFile(path)).digest('hex')}`

async function fixture(name: string, make: (path: string) => Promise<unknown>): Promise<string> {
  const path = join(FIXTURES, name)
  if (await stat(path).then(() => true, () => false)) return path
  await mkdir(FIXTURES, { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  await make(tmp)
  await rename(tmp, path)
  return path
}

beforeAll(async () => {
  work = await testDir('identify-ptau')
  const curve = await buildBn128(true)
  const fresh = await fixture(`fresh_${POWER}.ptau`, (p) => snarkjs.powersOfTau.newAccumulator(curve, POWER, p, quiet))
  await curve.terminate()
  const alice = await fixture(`alice_${POWER}.ptau`, (p) => snarkjs.powersOfTau.contribute(fresh, p, 'alice', 'alice entropy', quiet))
  unprepared = await fixture(`alice_bob_${POWER}.ptau`, (p) => snarkjs.powersOfTau.contribute(alice, p, 'bob', 'bob entropy', quiet))
  twoParty = await fixture(`alice_bob_${POWER}_final.ptau`, (p) => snarkjs.powersOfTau.preparePhase2(unprepared, p, quiet))
  singleParty = await fixture(`alice_${POWER}_final.ptau`, (p) => snarkjs.powersOfTau.preparePhase2(alice, p, quiet))
  dev = join(work, 'dev.ptau')
  await writeDevPtau({ power: POWER, path: dev })
})

describe('identifyPtau', () => {
  test('a file in the known table is known by its hash, whatever its name, and trusted without verifying', async () => {
    const renamed = join(work, 'my-ceremony.ptau')
    await copyFile(twoParty, renamed)
    const hash = await blake2b(twoParty)
    const knownFiles = [{ power: POWER, file: 'test_final_06.ptau', blake2b: hash as `0x${string}`, ceremony: 'veridict test ceremony' }]

    const identity = await identifyPtau({ path: renamed, knownFiles })

    expect(identity).toMatchObject({ file: 'my-ceremony.ptau', blake2b: hash, power: POWER, prepared: true, kind: 'known', insecure: false, verified: false })
    expect(identity.ceremony).toBe('test_final_06.ptau (veridict test ceremony)')
    expect(identity.contributions.map((c) => c.name)).toEqual(['alice', 'bob'])
    expect(identity.contributions.every((c) => /^0x[0-9a-f]{128}$/.test(c.nextChallenge) && c.beacon === undefined)).toBe(true)
    // The default table is the SDK's: the same file is unlisted there.
    expect((await identifyPtau({ path: renamed })).kind).toBe('unlisted')
    expect(KNOWN_PTAU_FILES.some((f) => f.blake2b === hash)).toBe(false)
  })

  test('a veridict dev ptau is dev and INSECURE under any name, even with its contribution renamed', async () => {
    const disguised = join(work, 'powersOfTau28_hez_final_06.ptau')
    await copyFile(dev, disguised)
    const identity = await identifyPtau({ path: disguised })
    expect(identity).toMatchObject({ kind: 'dev', ceremony: DEV_PTAU_CEREMONY, insecure: true, power: POWER, prepared: true, verified: false })
    expect(identity.contributions.map((c) => c.name)).toEqual([DEV_PTAU_CONTRIBUTION_NAME])

    // Same-length name: the file stays well-formed and `powersoftau verify` still accepts it.
    const bytes = await readFile(dev)
    const at = bytes.indexOf(Buffer.from(DEV_PTAU_CONTRIBUTION_NAME))
    const innocent = 'alice and bob and carol, independent contributors'.padEnd(DEV_PTAU_CONTRIBUTION_NAME.length, '.')
    bytes.write(innocent, at)
    const renamed = join(work, 'renamed-record.ptau')
    await writeFile(renamed, bytes)
    expect(await snarkjs.powersOfTau.verify(renamed, quiet)).toBe(true)
    expect(await identifyPtau({ path: renamed })).toMatchObject({ kind: 'dev', insecure: true, contributions: [{ name: innocent }] })
  })

  test('an unlisted file is verified with snarkjs; two parties are not flagged, a single party is INSECURE', async () => {
    const progress: SetupProgress[] = []
    const two = await identifyPtau({ path: twoParty, onProgress: (p) => progress.push(p) })
    expect(two).toMatchObject({ kind: 'unlisted', ceremony: UNLISTED_CEREMONY, verified: true, insecure: false, insecureReason: undefined, blake2b: await blake2b(twoParty) })
    expect(progress.filter((p) => p.message.startsWith('blake2b')).at(-1)?.fraction).toBe(1)
    expect(progress.some((p) => p.message.includes('snarkjs powersoftau verify'))).toBe(true)

    const one = await identifyPtau({ path: singleParty })
    expect(one).toMatchObject({ kind: 'unlisted', verified: true, insecure: true, insecureReason: 'an unlisted file with 1 contribution: whoever made it knew tau' })

    expect(await identifyPtau({ path: unprepared })).toMatchObject({ kind: 'unlisted', prepared: false, verified: true })
  })

  test('refuses a corrupt file: truncated, not a ptau, or with a changed point', async () => {
    const bytes = await readFile(twoParty)
    const truncated = join(work, 'truncated.ptau')
    await writeFile(truncated, bytes.subarray(0, bytes.length - 1000))
    await expect(identifyPtau({ path: truncated })).rejects.toThrow(/^The powers-of-tau file .*truncated\.ptau cannot be used: section 15 runs past the end of the file \(\d+ bytes\): the file is truncated\./)

    const notPtau = join(work, 'model.onnx.ptau')
    await copyFile(join(REPO_ROOT, 'circuits', 'models', 'iris.onnx'), notPtau)
    await expect(identifyPtau({ path: notPtau })).rejects.toThrow(PtauFileError)
    await expect(identifyPtau({ path: join(work, 'missing.ptau') })).rejects.toThrow('cannot be used: it cannot be read (ENOENT)')

    const file = await openBinFile(twoParty, 'ptau')
    const tauG1 = file.sections.find((s) => s.id === 2)!
    await file.close()
    const changed = Buffer.from(bytes)
    changed[tauG1.offset + 64 * 5 + 7]! ^= 1
    const tampered = join(work, 'tampered.ptau')
    await writeFile(tampered, changed)
    const error = await identifyPtau({ path: tampered }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PtauVerificationError)
    expect((error as PtauVerificationError).shortMessage).toMatch(/^snarkjs powersoftau verify rejected .*tampered\.ptau/)
  })
})
