import { execFile } from 'node:child_process'
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'

import { buildBn128, type Curve } from 'ffjavascript'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import { DEV_PTAU_WARNING, devPtauFileName, ensureDevPtau, writeDevPtau, type DevPtauProgress } from './devPtau.js'
import { deriveDevPtauSecrets, mulMod, powMod } from './devPtauScalars.js'

const run = promisify(execFile)
const REPO = join(import.meta.dirname, '../../..')
const WORK = join(REPO, '.cache', `devptau-test-${process.pid}`)
const POWER = 8
const SEED = 'devPtau.test fixture: public, insecure'

/** Sections of a snarkjs binary file (`ptau`, `zkey`): id -> bytes. */
function readSections(file: Uint8Array): Map<number, Uint8Array> {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength)
  const sections = new Map<number, Uint8Array>()
  let offset = 12
  for (let i = 0; i < view.getUint32(8, true); i++) {
    const id = view.getUint32(offset, true)
    const size = Number(view.getBigUint64(offset + 4, true))
    sections.set(id, file.subarray(offset + 12, offset + 12 + size))
    offset += 12 + size
  }
  expect(offset).toBe(file.byteLength)
  return sections
}

function writeSections(type: string, sections: [number, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = []
  const head = new Uint8Array(12)
  head.set(new TextEncoder().encode(type))
  new DataView(head.buffer).setUint32(4, 1, true)
  new DataView(head.buffer).setUint32(8, sections.length, true)
  parts.push(head)
  for (const [id, data] of sections) {
    const sectionHead = new Uint8Array(12)
    new DataView(sectionHead.buffer).setUint32(0, id, true)
    new DataView(sectionHead.buffer).setBigUint64(4, BigInt(data.byteLength), true)
    parts.push(sectionHead, data)
  }
  return Buffer.concat(parts)
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

let curve: Curve
let ptauPath: string
let ptau: Map<number, Uint8Array>
const progress: DevPtauProgress[] = []

beforeAll(async () => {
  await mkdir(WORK, { recursive: true })
  curve = await buildBn128(true)
  ptauPath = join(WORK, 'seeded.ptau')
  await writeDevPtau({ power: POWER, path: ptauPath, seed: SEED, onProgress: (p) => progress.push(p) })
  ptau = readSections(await readFile(ptauPath))
})

afterAll(async () => {
  await curve?.terminate()
  await rm(WORK, { recursive: true, force: true })
})

describe('writeDevPtau', () => {
  async function compileCube(): Promise<{ r1cs: string; wasm: string }> {
    // circom2 runs sandboxed: it needs paths relative to the working directory.
    const dir = relative(process.cwd(), WORK)
    await writeFile(join(WORK, 'cube.circom'), [
      'pragma circom 2.1.0;',
      'template Cube() {',
      '  signal input x;',
      '  signal input k;',
      '  signal output y;',
      '  signal x2;',
      '  x2 <== x * x;',
      '  y <== x2 * x + k;',
      '}',
      'component main {public [k]} = Cube();',
    ].join('\n'))
    await run('npx', ['circom2', join(dir, 'cube.circom'), '--r1cs', '--wasm', '-o', dir], { cwd: process.cwd() })
    return { r1cs: join(WORK, 'cube.r1cs'), wasm: join(WORK, 'cube_js', 'cube.wasm') }
  }

  async function setupAndProve(r1cs: string, wasm: string, ptauFile: string) {
    const zkey = join(WORK, `cube-${Math.random().toString(36).slice(2)}.zkey`)
    const circuitHash = await snarkjs.zKey.newZKey(r1cs, ptauFile, zkey, quiet)
    if (circuitHash === -1) return undefined
    const vkey = await snarkjs.zKey.exportVerificationKey(zkey, quiet)
    const { proof, publicSignals } = await snarkjs.groth16.fullProve({ x: 3, k: 5 }, wasm, zkey, quiet)
    return { vkey, proof, publicSignals }
  }

  test('groth16 setup accepts the file, a proof verifies and a tampered public signal does not', async () => {
    const { r1cs, wasm } = await compileCube()
    const result = await setupAndProve(r1cs, wasm, ptauPath)
    expect(result).toBeDefined()
    const { vkey, proof, publicSignals } = result!
    expect(publicSignals).toEqual(['32', '5'])
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof, quiet)).toBe(true)
    expect(await snarkjs.groth16.verify(vkey, ['33', '5'], proof, quiet)).toBe(false)
    expect(await snarkjs.groth16.verify(vkey, ['32', '6'], proof, quiet)).toBe(false)

    // The cube circuit needs 2^3 (2 constraints + 2 public signals + 1, doubled): at exactly that
    // power groth16 setup reads the extra top level of the Lagrange tauG1 section.
    const exact = join(WORK, 'exact.ptau')
    const tooSmall = join(WORK, 'too-small.ptau')
    await writeDevPtau({ power: 3, path: exact })
    await writeDevPtau({ power: 2, path: tooSmall })
    expect(await setupAndProve(r1cs, wasm, tooSmall)).toBeUndefined()
    const atExactPower = await setupAndProve(r1cs, wasm, exact)
    expect(atExactPower).toBeDefined()
    expect(await snarkjs.groth16.verify(atExactPower!.vkey, atExactPower!.publicSignals, atExactPower!.proof, quiet)).toBe(true)
    expect(await snarkjs.groth16.verify(atExactPower!.vkey, ['32', '4'], atExactPower!.proof, quiet)).toBe(false)
  })

  test('the power sections hold tau^i, alpha·tau^i and beta·tau^i times the generators of the seeded secrets', () => {
    const { tau, alpha, beta } = deriveDevPtauSecrets(SEED)
    const g1At = (section: number, i: number) => curve.G1.fromRprLEM(ptau.get(section)!, i * 64)
    const g2At = (section: number, i: number) => curve.G2.fromRprLEM(ptau.get(section)!, i * 128)
    const { G1, G2 } = curve
    expect(ptau.get(2)!.byteLength).toBe((2 ** (POWER + 1) - 1) * 64)
    expect(G1.eq(g1At(2, 0), G1.g)).toBe(true)
    expect(G1.eq(g1At(2, 1), G1.timesScalar(G1.g, tau))).toBe(true)
    expect(G1.eq(g1At(2, 2 ** (POWER + 1) - 2), G1.timesScalar(G1.g, powMod(tau, BigInt(2 ** (POWER + 1) - 2))))).toBe(true)
    expect(G1.eq(g1At(2, 1), G1.timesScalar(G1.g, tau + 1n))).toBe(false)
    expect(G2.eq(g2At(3, 1), G2.timesScalar(G2.g, tau))).toBe(true)
    expect(G1.eq(g1At(4, 3), G1.timesScalar(G1.g, mulMod(alpha, powMod(tau, 3n))))).toBe(true)
    expect(G1.eq(g1At(5, 7), G1.timesScalar(G1.g, mulMod(beta, powMod(tau, 7n))))).toBe(true)
    expect(G2.eq(g2At(6, 0), G2.timesScalar(G2.g, beta))).toBe(true)
  })

  test('the Lagrange sections equal what snarkjs prepare phase2 computes from the same powers', async () => {
    const unprepared = join(WORK, 'unprepared.ptau')
    const prepared = join(WORK, 'snarkjs-prepared.ptau')
    await writeFile(unprepared, writeSections('ptau', [1, 2, 3, 4, 5, 6, 7].map((id) => [id, ptau.get(id)!])))
    await snarkjs.powersOfTau.preparePhase2(unprepared, prepared, quiet)
    const reference = readSections(await readFile(prepared))
    for (const id of [12, 13, 14, 15]) {
      expect(Buffer.compare(ptau.get(id)!, reference.get(id)!), `section ${id}`).toBe(0)
    }
  })

  test('snarkjs powersoftau verify accepts the file and its contribution', async () => {
    const messages: string[] = []
    const logger = { ...quiet, info: (m: string) => void messages.push(m), error: (m: string) => void messages.push(m) }
    expect(await snarkjs.powersOfTau.verify(ptauPath, logger)).toBe(true)
    expect(messages.join('\n')).toContain('INSECURE single-party veridict dev ptau')
  })

  test('reports progress up to done', () => {
    expect(progress.at(-1)).toEqual({ phase: 'done', fraction: 1 })
    const fractions = progress.map((p) => p.fraction)
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b))
    expect(new Set(progress.map((p) => p.phase))).toContain('lagrangeTauG1')
  })

  test('a seed reproduces the file byte for byte; without one, each file has fresh secrets', async () => {
    const write = async (name: string, seed?: string) => {
      await writeDevPtau({ power: 3, path: join(WORK, name), seed })
      return readFile(join(WORK, name))
    }
    const [a, b, c, d] = [await write('a.ptau', 'same'), await write('b.ptau', 'same'), await write('c.ptau'), await write('d.ptau')]
    expect(a.equals(b)).toBe(true)
    expect(c.equals(d)).toBe(false)
    expect(a.equals(c)).toBe(false)
  })

  test('rejects a power outside 1..27', async () => {
    await expect(writeDevPtau({ power: 0, path: join(WORK, 'x.ptau') })).rejects.toThrowErrorMatchingInlineSnapshot(`
      [InvalidPtauPowerError: Invalid powers-of-tau power 0.

      Details: Pass an integer from 1 to 27: the file supports circuits of up to 2^power constraints (plus public inputs).]
    `)
    await expect(ensureDevPtau({ power: 12.5, cacheDir: WORK })).rejects.toThrow('Invalid powers-of-tau power 12.5')
  })
})

describe('ensureDevPtau', () => {
  test('writes once, then serves the cached file, also to smaller circuits, and leaves no temporary files', async () => {
    const cacheDir = join(WORK, 'cache')
    const first = await ensureDevPtau({ power: 5, cacheDir })
    expect(first).toMatchObject({ power: 5, cached: false, insecure: true, warning: DEV_PTAU_WARNING })
    expect(first.path).toBe(join(cacheDir, devPtauFileName(5)))
    const again = await ensureDevPtau({ power: 5, cacheDir })
    expect(again).toMatchObject({ path: first.path, power: 5, cached: true })
    const smaller = await ensureDevPtau({ power: 3, cacheDir })
    expect(smaller).toMatchObject({ path: first.path, power: 5, cached: true })
    expect(await readdir(cacheDir)).toEqual([devPtauFileName(5)])
  })
})
