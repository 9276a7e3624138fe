import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { basename, resolve } from 'node:path'
import * as snarkjs from 'snarkjs'
import { bytesToHex, type Hex } from 'viem'
import { HERMEZ_CEREMONY, KNOWN_PTAU_FILES, type KnownCeremonyFile } from '@veridict/sdk'
import { PtauFileError, PtauVerificationError } from '../errors/setup.js'
import { BinFileFormatError, BN128_Q, ByteReader, openBinFile, readContributionParameters, readLittleEndian, type BinFile } from './binFile.js'
import { DEV_PTAU_CONTRIBUTION_NAME, partialHashAfter } from './devPtauContribution.js'
import { snarkjsLogger, type SetupProgress } from './progress.js'

/** Where a ptau file comes from: a listed public ceremony, the veridict dev generator, or anything else. */
export type PtauKind = 'known' | 'dev' | 'unlisted'

export const DEV_PTAU_CEREMONY = 'veridict dev ptau (INSECURE, single party)'
export const UNLISTED_CEREMONY = 'unlisted ceremony'

/** One contribution of section 7, as `snarkjs powersoftau verify` prints it. */
export type PtauContribution = {
  name: string | undefined
  /** blake2b-512 of the contribution's response and the points it left: the "Next Challenge" snarkjs prints. */
  nextChallenge: Hex
  /** Present on a random-beacon contribution. */
  beacon: { hash: Hex; iterationsExp: number } | undefined
}

/** A known ceremony file; `ceremony` defaults to the Perpetual Powers of Tau (the SDK's table). */
export type KnownPtauFile = KnownCeremonyFile & { ceremony?: string | undefined }

export type IdentifyPtauParameters = {
  path: string
  /** The table of trusted files, matched by blake2b-512; defaults to the SDK's KNOWN_PTAU_FILES. */
  knownFiles?: readonly KnownPtauFile[] | undefined
  onProgress?: ((progress: SetupProgress) => void) | undefined
}

export type IdentifyPtauReturnType = {
  path: string
  /** The file's base name: informational only, the hash identifies it. */
  file: string
  bytes: number
  /** blake2b-512 of the whole file (what `b2sum` prints). */
  blake2b: Hex
  /** The file serves circuits of up to 2^power constraints plus public inputs. */
  power: number
  /** Whether it holds the Lagrange sections groth16 setup reads (snarkjs powersoftau prepare phase2). */
  prepared: boolean
  contributions: PtauContribution[]
  kind: PtauKind
  /** e.g. 'powersOfTau28_hez_final_14.ptau (perpetual-powers-of-tau-hermez)', 'veridict dev ptau (INSECURE, single party)', 'unlisted ceremony'. */
  ceremony: string
  /** A dev file, or an unlisted one with a single contribution: one party knew tau. */
  insecure: boolean
  /** Why it is insecure, for warnings. */
  insecureReason: string | undefined
  /** Whether `snarkjs powersoftau verify` checked it here (unlisted files); a known file is trusted by its hash. */
  verified: boolean
}

/** G1 and G2 points of bn128 in a ptau file: 2 and 4 field elements of 32 bytes. */
const G1_BYTES = 64
const G2_BYTES = 128
/** tauG1, tauG2, alphaG1, betaG1, betaG2, then the public key (6 G1, 3 G2). */
const CONTRIBUTION_POINTS_BYTES = 3 * G1_BYTES + 2 * G2_BYTES + 6 * G1_BYTES + 3 * G2_BYTES
const PARTIAL_HASH_BYTES = 216
/** The blake2b chain words of a hasher that never compressed a block: what the dev generator stores. */
const UNCOMPRESSED_CHAIN_WORDS = partialHashAfter(new Uint8Array(0)).subarray(128, 192)

/**
 * Identifies a powers-of-tau file by its content, never by its name: hashes it (blake2b-512,
 * streamed), reads its power and contributions, and classifies it. A file whose hash is in the
 * known table is a public ceremony file; a veridict dev ptau is recognised by its contribution
 * record (renamed or copied, it stays INSECURE); anything else is checked with `snarkjs
 * powersoftau verify` and refused with a `PtauVerificationError` when that fails.
 */
export async function identifyPtau(parameters: IdentifyPtauParameters): Promise<IdentifyPtauReturnType> {
  const path = resolve(parameters.path)
  const progress = parameters.onProgress ?? (() => {})
  const structure = await readPtauStructure(path)
  const blake2b = await hashFile(path, structure.bytes, (fraction) => progress({ step: 'ptau', message: `blake2b of ${basename(path)}`, fraction }))

  const base = { path, file: basename(path), bytes: structure.bytes, blake2b, power: structure.power, prepared: structure.prepared, contributions: structure.contributions }
  const table: readonly KnownPtauFile[] = parameters.knownFiles ?? KNOWN_PTAU_FILES
  const known = table.find((f) => f.blake2b.toLowerCase() === blake2b)
  if (known) {
    return { ...base, kind: 'known', ceremony: `${known.file} (${known.ceremony ?? HERMEZ_CEREMONY})`, insecure: false, insecureReason: undefined, verified: false }
  }
  if (structure.dev) {
    return { ...base, kind: 'dev', ceremony: DEV_PTAU_CEREMONY, insecure: true, insecureReason: 'a veridict dev ptau: one party made it and knew tau', verified: false }
  }

  progress({ step: 'ptau', message: `${basename(path)} is in no known ceremony: snarkjs powersoftau verify (every contribution and point)` })
  const messages: string[] = []
  let ok: boolean
  try {
    ok = await snarkjs.powersOfTau.verify(path, snarkjsLogger({ step: 'ptau', onProgress: progress, messages }))
  } catch (cause) {
    messages.push((cause as Error).message)
    ok = false
  }
  if (!ok) throw new PtauVerificationError({ path, messages })
  const parties = structure.contributions.filter((c) => c.beacon === undefined).length
  const singleParty = parties < 2
  return {
    ...base,
    kind: 'unlisted',
    ceremony: UNLISTED_CEREMONY,
    insecure: singleParty,
    insecureReason: singleParty ? `an unlisted file with ${parties} contribution: whoever made it knew tau` : undefined,
    verified: true,
  }
}

type PtauStructure = { bytes: number; power: number; prepared: boolean; contributions: PtauContribution[]; dev: boolean }

/** Header and contributions (sections 1 and 7); a `PtauFileError` for anything that is not a bn128 ptau file. */
async function readPtauStructure(path: string): Promise<PtauStructure> {
  let file: BinFile
  try {
    file = await openBinFile(path, 'ptau')
  } catch (cause) {
    throw new PtauFileError({ path, reason: cause instanceof BinFileFormatError ? cause.message : `it cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, cause })
  }
  try {
    const header = new ByteReader(await file.section(1))
    const n8 = header.u32()
    if (n8 !== 32 || readLittleEndian(header.take(n8)) !== BN128_Q) throw new BinFileFormatError('it is not over the bn128 curve, the only one the verifier contracts check')
    const power = header.u32()
    const contributions: PtauContribution[] = []
    let dev = false
    const section = new ByteReader(await file.section(7))
    const count = section.u32()
    for (let i = 0; i < count; i++) {
      section.take(CONTRIBUTION_POINTS_BYTES)
      const partialHash = section.take(PARTIAL_HASH_BYTES)
      const nextChallenge = bytesToHex(section.take(64))
      const type = section.u32()
      const params = readContributionParameters(section)
      contributions.push({
        name: params.name,
        nextChallenge,
        beacon: type === 1 ? { hash: bytesToHex(params.beaconHash ?? new Uint8Array(0)), iterationsExp: params.iterationsExp ?? 0 } : undefined,
      })
      // Renaming the record does not hide a dev file: its response hash covered no response points.
      if (params.name === DEV_PTAU_CONTRIBUTION_NAME || Buffer.compare(partialHash.subarray(128, 192), UNCOMPRESSED_CHAIN_WORDS) === 0) dev = true
    }
    if (!section.done) throw new BinFileFormatError('its contributions section has bytes after the last contribution')
    const prepared = [12, 13, 14, 15].every((id) => file.has(id))
    return { bytes: file.bytes, power, prepared, contributions, dev }
  } catch (cause) {
    throw cause instanceof BinFileFormatError ? new PtauFileError({ path, reason: cause.message, cause }) : cause
  } finally {
    await file.close()
  }
}

/** blake2b-512 of a file, streamed, as `b2sum` prints it. */
export async function hashFile(path: string, bytes?: number, onFraction?: (fraction: number) => void): Promise<Hex> {
  const hash = createHash('blake2b512')
  let done = 0
  let reported = -1
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) {
    hash.update(chunk as Buffer)
    done += (chunk as Buffer).byteLength
    const percent = bytes ? Math.floor((done / bytes) * 100) : 0
    if (onFraction && percent > reported) {
      reported = percent
      onFraction(percent / 100)
    }
  }
  return `0x${hash.digest('hex')}`
}
