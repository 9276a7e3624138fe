import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'

import { buildBn128, type Curve } from 'ffjavascript'

import { acquireBuildLock } from '../circuit/buildLock.js'
import { cacheRoot } from '../circuit/paths.js'
import { BaseError } from '../errors/base.js'
import { DEV_PTAU_MAX_POWER, DEV_PTAU_MIN_POWER, InvalidPtauPowerError, PtauWriteError } from '../errors/setup.js'
import { createDevPtauContribution } from './devPtauContribution.js'
import { deriveDevPtauSecrets, encodeScalars, geometricScalars, lagrangeScalars } from './devPtauScalars.js'
import { AFFINE_BYTES, createFixedBaseMultiplier, type CurveGroup, type FixedBaseProduct } from './fixedBaseMultiplier.js'

/** Printed (as a Node warning) every time a dev ptau is written or served from the cache. */
export const DEV_PTAU_WARNING =
  'INSECURE DEV SETUP: this powers-of-tau file was made by a single party that knew tau. ' +
  'Anyone holding tau (and, for a seeded file, anyone holding the seed) can forge proofs for every circuit set up with it. ' +
  'Use it for development and tests only; for production pass a public ceremony file with --ptau.'

/** What the file is being written: the ptau section names of snarkjs. */
export type DevPtauPhase =
  | 'tauG1'
  | 'tauG2'
  | 'alphaTauG1'
  | 'betaTauG1'
  | 'betaG2'
  | 'contributions'
  | 'lagrangeTauG1'
  | 'lagrangeTauG2'
  | 'lagrangeAlphaTauG1'
  | 'lagrangeBetaTauG1'
  | 'done'

export type DevPtauProgress = {
  phase: DevPtauPhase
  /** Share of the whole file done, 0 to 1, weighted by the cost of its points. */
  fraction: number
}

export type WriteDevPtauParameters = {
  /** The file serves circuits of up to 2^power constraints plus public inputs. */
  power: number
  path: string
  onProgress?: ((progress: DevPtauProgress) => void) | undefined
  /**
   * Makes the file reproducible. A seeded file is public knowledge, so it is totally insecure:
   * for test fixtures only. Without a seed, tau, alpha and beta come from `crypto.randomBytes`
   * and are never stored.
   */
  seed?: string | Uint8Array | undefined
  /** Worker threads for the point multiplications; defaults to the available parallelism. */
  threads?: number | undefined
}

export type WriteDevPtauReturnType = {
  path: string
  power: number
  bytes: number
  seconds: number
  insecure: true
  warning: typeof DEV_PTAU_WARNING
}

export type EnsureDevPtauParameters = {
  power: number
  /** Defaults to `ptau/` in the cache folder (`.cache/` at the repository root in a checkout; see cacheRoot). */
  cacheDir?: string | undefined
  onProgress?: ((progress: DevPtauProgress) => void) | undefined
  threads?: number | undefined
}

export type EnsureDevPtauReturnType = {
  path: string
  /** Power of the file served: the one asked for or a larger cached one, which groth16 setup accepts too. */
  power: number
  cached: boolean
  insecure: true
  warning: typeof DEV_PTAU_WARNING
}

const SECTION_COUNT = 11
const CHUNK_POINTS = 2048
/** Cost of a G2 point relative to a G1 point (one G2 mixed addition is about 3.7 G1 ones). */
const G2_WEIGHT = 3.7

type SectionPlan = {
  id: number
  phase: DevPtauPhase
  group: CurveGroup
  /** Scalars of the section's points, produced lazily so the workers start before all are known. */
  scalars: () => Iterable<Uint8Array>
  points: number
  /** Whether the next-challenge hash of the contributions section covers the section. */
  hashed: boolean
}

function assertPower(power: number): void {
  if (!Number.isInteger(power) || power < DEV_PTAU_MIN_POWER || power > DEV_PTAU_MAX_POWER) {
    throw new InvalidPtauPowerError({ power })
  }
}

function* chunked(values: bigint[], factor = 1n): Iterable<Uint8Array> {
  for (let start = 0; start < values.length; start += CHUNK_POINTS) {
    yield encodeScalars(values, factor, start, Math.min(values.length, start + CHUNK_POINTS))
  }
}

function warnInsecure(): void {
  process.emitWarning(DEV_PTAU_WARNING, { type: 'InsecureSetupWarning', code: 'VERIDICT_DEV_PTAU' })
}

/**
 * Writes a prepared (phase-2 ready) bn128 powers-of-tau file for development, in snarkjs's
 * format, from secrets it draws itself: every point is a known scalar times a generator, so the
 * Lagrange sections need no FFT over curve points. `snarkjs groth16 setup` reads the result like
 * the output of `powersoftau prepare phase2`, and `snarkjs powersoftau verify` accepts it.
 *
 * NOT SECURE: one party knew tau. Production must use a public ceremony file (`--ptau`).
 */
export async function writeDevPtau(parameters: WriteDevPtauParameters): Promise<WriteDevPtauReturnType> {
  const { power, path, onProgress, seed } = parameters
  assertPower(power)
  warnInsecure()
  const started = performance.now()
  const secrets = deriveDevPtauSecrets(seed)
  const { tau, alpha, beta } = secrets
  const curve = await buildBn128(true)
  const omega = (level: number) => curve.Fr.toObject(curve.Fr.w[level]!)

  const n = 2 ** power
  const powersOfTau = geometricScalars(1n, tau, 2 * n - 1)
  const lagrangeLevels = (top: number, factor: bigint) =>
    function* () {
      for (let level = 0; level <= top; level++) {
        yield* chunked(lagrangeScalars(tau, level, omega(level), level === power + 1), factor)
      }
    }
  const sections: SectionPlan[] = [
    { id: 2, phase: 'tauG1', group: 'G1', points: 2 * n - 1, hashed: true, scalars: () => chunked(powersOfTau) },
    { id: 3, phase: 'tauG2', group: 'G2', points: n, hashed: true, scalars: () => chunked(powersOfTau.slice(0, n)) },
    { id: 4, phase: 'alphaTauG1', group: 'G1', points: n, hashed: true, scalars: () => chunked(powersOfTau.slice(0, n), alpha) },
    { id: 5, phase: 'betaTauG1', group: 'G1', points: n, hashed: true, scalars: () => chunked(powersOfTau.slice(0, n), beta) },
    { id: 6, phase: 'betaG2', group: 'G2', points: 1, hashed: true, scalars: () => chunked([beta]) },
    { id: 12, phase: 'lagrangeTauG1', group: 'G1', points: 4 * n - 1, hashed: false, scalars: lagrangeLevels(power + 1, 1n) },
    { id: 13, phase: 'lagrangeTauG2', group: 'G2', points: 2 * n - 1, hashed: false, scalars: lagrangeLevels(power, 1n) },
    { id: 14, phase: 'lagrangeAlphaTauG1', group: 'G1', points: 2 * n - 1, hashed: false, scalars: lagrangeLevels(power, alpha) },
    { id: 15, phase: 'lagrangeBetaTauG1', group: 'G1', points: 2 * n - 1, hashed: false, scalars: lagrangeLevels(power, beta) },
  ]
  const expectedPoints = { G1: 0, G2: 0 }
  for (const s of sections) expectedPoints[s.group] += s.points
  const totalWeight = expectedPoints.G1 + G2_WEIGHT * expectedPoints.G2
  let doneWeight = 0

  const wasmCode = curve.tm.code
  if (!wasmCode) throw new PtauWriteError({ path, cause: new Error('ffjavascript did not expose its wasm code') })
  const multiplier = await createFixedBaseMultiplier({
    wasmCode,
    generators: { G1: curve.G1.g, G2: curve.G2.g },
    expectedPoints,
    threads: parameters.threads,
  })

  await mkdir(dirname(resolve(path)), { recursive: true })
  const tmpPath = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const file = await open(tmpPath, 'w')
  let bytes = 0
  const write = async (data: Uint8Array) => {
    await file.write(data)
    bytes += data.byteLength
  }
  const sectionHeader = (id: number, size: number) => {
    const header = new Uint8Array(12)
    const view = new DataView(header.buffer)
    view.setUint32(0, id, true)
    view.setBigUint64(4, BigInt(size), true)
    return write(header)
  }

  try {
    // Queue every multiplication up front, in file order; the workers run while later scalars are computed.
    const products = sections.map((section) => {
      const jobs: Promise<FixedBaseProduct>[] = []
      for (const scalars of section.scalars()) {
        jobs.push(multiplier.multiply(section.group, scalars, { uncompressed: section.hashed }))
      }
      return jobs
    })
    // Nothing awaits a job until its turn to be written; keep early failures from surfacing as unhandled.
    for (const jobs of products) for (const job of jobs) job.catch(() => undefined)

    const fileHeader = new Uint8Array(12)
    fileHeader.set(new TextEncoder().encode('ptau'), 0)
    new DataView(fileHeader.buffer).setUint32(4, 1, true)
    new DataView(fileHeader.buffer).setUint32(8, SECTION_COUNT, true)
    await write(fileHeader)
    await sectionHeader(1, 44)
    await write(ptauHeader(curve, power))

    const contribution = createDevPtauContribution({ curve, power, secrets })
    for (const [index, section] of sections.entries()) {
      if (section.id === 12) {
        onProgress?.({ phase: 'contributions', fraction: doneWeight / totalWeight })
        const contributions = contribution.section()
        await sectionHeader(7, contributions.byteLength)
        await write(contributions)
      }
      await sectionHeader(section.id, section.points * AFFINE_BYTES[section.group])
      for (const job of products[index]!) {
        const product = await job
        await write(product.lem)
        if (product.uncompressed) contribution.hashPoints(product.uncompressed)
        doneWeight += (product.lem.byteLength / AFFINE_BYTES[section.group]) * (section.group === 'G2' ? G2_WEIGHT : 1)
        onProgress?.({ phase: section.phase, fraction: doneWeight / totalWeight })
      }
    }
    await file.sync()
    await file.close()
    await rename(tmpPath, path)
  } catch (error) {
    await file.close().catch(() => undefined)
    await rm(tmpPath, { force: true })
    throw error instanceof BaseError ? error : new PtauWriteError({ path, cause: error })
  } finally {
    await multiplier.terminate()
    await curve.terminate()
  }
  onProgress?.({ phase: 'done', fraction: 1 })
  return { path, power, bytes, seconds: (performance.now() - started) / 1000, insecure: true, warning: DEV_PTAU_WARNING }
}

/** Section 1: field element size, the base field prime q, the power and the ceremony power. */
function ptauHeader(curve: Curve, power: number): Uint8Array {
  const header = new Uint8Array(44)
  const view = new DataView(header.buffer)
  view.setUint32(0, 32, true)
  let q = curve.q
  for (let i = 0; i < 32; i++) {
    header[4 + i] = Number(q & 0xffn)
    q >>= 8n
  }
  view.setUint32(36, power, true)
  view.setUint32(40, power, true)
  return header
}

export function devPtauFileName(power: number): string {
  return `dev_bn128_${String(power).padStart(2, '0')}.ptau`
}

/**
 * Returns a cached dev ptau of at least `power`, writing one at exactly `power` when none is
 * cached. Files are written under a temporary name and renamed, so a crash never leaves a partial
 * file under the final name. NOT SECURE: see `DEV_PTAU_WARNING`.
 */
export async function ensureDevPtau(parameters: EnsureDevPtauParameters): Promise<EnsureDevPtauReturnType> {
  const { power } = parameters
  assertPower(power)
  const cacheDir = parameters.cacheDir ?? join(cacheRoot(), 'ptau')
  for (let p = power; p <= DEV_PTAU_MAX_POWER; p++) {
    const path = join(cacheDir, devPtauFileName(p))
    const found = await stat(path).then((s) => s.isFile(), () => false)
    if (found) {
      warnInsecure()
      return { path, power: p, cached: true, insecure: true, warning: DEV_PTAU_WARNING }
    }
  }
  const path = join(cacheDir, devPtauFileName(power))
  await mkdir(cacheDir, { recursive: true })
  const exists = () => stat(path).then((s) => s.isFile(), () => false)
  // Another process writing the same file: wait for it rather than compute it twice.
  const release = await acquireBuildLock(`${path}.lock`, exists)
  if (!release) {
    warnInsecure()
    return { path, power, cached: true, insecure: true, warning: DEV_PTAU_WARNING }
  }
  try {
    await writeDevPtau({ power, path, onProgress: parameters.onProgress, threads: parameters.threads })
  } finally {
    await release()
  }
  return { path, power, cached: false, insecure: true, warning: DEV_PTAU_WARNING }
}
