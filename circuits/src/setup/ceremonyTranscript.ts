import { readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Hex } from 'viem'
import { ManifestError } from '../errors/artifacts.js'
import { CeremonyClosedError, CeremonyFileChangedError, CeremonyNotFoundError, CeremonyStaleError, PtauMismatchError, PtauFileError } from '../errors/setup.js'
import { readManifest, writeJsonAtomic, type ModelManifest, type PtauProvenance } from '../manifest/manifest.js'
import { hashFile, type IdentifyPtauReturnType, type PtauContribution } from './identifyPtau.js'
import type { SetupProgress } from './progress.js'

export const CEREMONY_FORMAT = 'veridict-ceremony/1'
/** The ceremony's folder inside a model folder. */
export const CEREMONY_DIR = 'ceremony'

/** One key of the ceremony: the initial one, or one more contribution or the beacon on top of the previous. */
export type CeremonyStep = {
  /** 0 for the initial key. */
  index: number
  kind: 'init' | 'contribution' | 'beacon'
  /** File name in DIR/ceremony/. */
  zkey: string
  /** blake2b-512 of the key file: every later step checks it before building on the file. */
  blake2b: Hex
  /** The contribution this step added (none for the initial key). */
  contribution: { name: string; hash: Hex; beacon: { hash: Hex; iterationsExp: number } | undefined } | undefined
  /** Made here (init, a local contribution or the beacon) or imported from a contributor's file. */
  via: 'local' | 'import'
  at: string
}

/** DIR/ceremony/ceremony.json: the ptau the ceremony builds on and every step. Entropy is never recorded. */
export type CeremonyTranscript = {
  format: typeof CEREMONY_FORMAT
  model: string
  /** keccak256 of the r1cs the ceremony is for (manifest.circuit.keccak256). */
  r1csKeccak256: Hex
  /** snarkjs's circuit hash (from the r1cs and the ptau): the same in every key of the ceremony. */
  circuitHash: Hex
  ptau: PtauProvenance & {
    /** Where the file was at init; verify and finalize read it again (or the file given with --ptau) and check its hash. */
    path: string
    insecure: boolean
    insecureReason: string | undefined
    verified: boolean
    contributions: PtauContribution[]
  }
  steps: CeremonyStep[]
}

export type Ceremony = {
  /** The model folder. */
  dir: string
  root: string
  manifest: ModelManifest
  r1cs: string
  transcript: CeremonyTranscript
}

export function ceremonyRoot(dir: string): string {
  return join(resolve(dir), CEREMONY_DIR)
}

export function transcriptPath(dir: string): string {
  return join(ceremonyRoot(dir), 'ceremony.json')
}

export function stepFileName(index: number): string {
  return `model_${String(index).padStart(4, '0')}.zkey`
}

/** The model's manifest, which must describe a circuit. */
export async function readCircuitManifest(dir: string): Promise<{ manifest: ModelManifest; r1cs: string }> {
  const manifest = await readManifest(dir)
  if (!manifest.circuit || !manifest.artifacts.r1cs)
    throw new ManifestError({ path: join(dir, 'manifest.json'), reason: 'the model was compiled without a circuit (attested-only); it has nothing to set up' })
  return { manifest, r1cs: join(dir, manifest.artifacts.r1cs) }
}

/** The ceremony of a model folder, checked to be for the circuit the folder holds now. */
export async function loadCeremony(modelDir: string): Promise<Ceremony> {
  const dir = resolve(modelDir)
  const { manifest, r1cs } = await readCircuitManifest(dir)
  let transcript: CeremonyTranscript
  try {
    transcript = JSON.parse(await readFile(transcriptPath(dir), 'utf8')) as CeremonyTranscript
  } catch (cause) {
    throw new CeremonyNotFoundError({ dir, cause })
  }
  if (transcript.format !== CEREMONY_FORMAT || transcript.steps.length === 0) throw new CeremonyNotFoundError({ dir })
  if (transcript.r1csKeccak256 !== manifest.circuit!.keccak256) throw new CeremonyStaleError({ dir })
  return { dir, root: ceremonyRoot(dir), manifest, r1cs, transcript }
}

/** Whether the folder has a ceremony transcript, and the transcript when it can be read. */
export async function peekTranscript(dir: string): Promise<{ exists: boolean; transcript: CeremonyTranscript | undefined }> {
  let text: string
  try {
    text = await readFile(transcriptPath(dir), 'utf8')
  } catch (error) {
    return { exists: (error as NodeJS.ErrnoException).code !== 'ENOENT', transcript: undefined }
  }
  try {
    const transcript = JSON.parse(text) as CeremonyTranscript
    return { exists: true, transcript: Array.isArray(transcript.steps) ? transcript : undefined }
  } catch {
    return { exists: true, transcript: undefined }
  }
}

export async function saveTranscript(ceremony: Pick<Ceremony, 'dir' | 'transcript'>): Promise<void> {
  await writeJsonAtomic(transcriptPath(ceremony.dir), ceremony.transcript)
}

/** The latest key, after checking that its file is the one the transcript recorded. */
export async function latestKey(ceremony: Ceremony): Promise<{ step: CeremonyStep; path: string }> {
  const step = ceremony.transcript.steps.at(-1)!
  const path = join(ceremony.root, step.zkey)
  await checkFileHash(path, step.blake2b)
  return { step, path }
}

export function assertOpen(ceremony: Ceremony): void {
  if (ceremony.transcript.steps.some((s) => s.kind === 'beacon')) throw new CeremonyClosedError({ dir: ceremony.dir })
}

export async function checkFileHash(path: string, expected: Hex): Promise<void> {
  const actual = await stat(path).then(
    () => hashFile(path),
    () => undefined,
  )
  if (actual !== expected) throw new CeremonyFileChangedError({ path, expected, actual })
}

/**
 * The ceremony's ptau file: the one given, or the one recorded at init. Its hash must be the
 * recorded one; hashing also shows progress, since a ceremony file can be gigabytes.
 */
export async function ceremonyPtau(ceremony: Ceremony, override: string | undefined, onProgress: (progress: SetupProgress) => void): Promise<string> {
  const { path, bytes } = await ceremonyPtauFile(ceremony, override)
  const actual = await hashFile(path, bytes, (fraction) => onProgress({ step: 'verify', message: `blake2b of ${path}`, fraction }))
  assertCeremonyPtau(ceremony, path, actual)
  return path
}

/** The path of the ceremony's ptau (the one given, or the one recorded at init), which must exist. */
export async function ceremonyPtauFile(ceremony: Ceremony, override: string | undefined): Promise<{ path: string; bytes: number }> {
  const path = resolve(override ?? ceremony.transcript.ptau.path)
  const bytes = await stat(path).then((s) => (s.isFile() ? s.size : undefined), () => undefined)
  if (bytes === undefined) throw new PtauFileError({ path, reason: `it is missing; pass the ceremony's ptau (${ceremony.transcript.ptau.file}, blake2b ${ceremony.transcript.ptau.blake2b.slice(0, 18)}...) with --ptau` })
  return { path, bytes }
}

export function assertCeremonyPtau(ceremony: Ceremony, path: string, blake2b: Hex): void {
  if (blake2b !== ceremony.transcript.ptau.blake2b) throw new PtauMismatchError({ path, expected: ceremony.transcript.ptau.blake2b, actual: blake2b })
}

export function ptauProvenance(identity: IdentifyPtauReturnType): CeremonyTranscript['ptau'] {
  const { path, file, blake2b, power, kind, ceremony, insecure, insecureReason, verified, contributions } = identity
  return { file, blake2b, power, kind, ceremony, path, insecure, insecureReason, verified, contributions }
}
