import { randomBytes } from 'node:crypto'
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import * as snarkjs from 'snarkjs'
import { keccak256, type Hex } from 'viem'
import { encodeGroth16VerificationKey, type Groth16VerificationKey, ptauRecordHash } from '@veridict/sdk'
import { nodeModulesWith } from '../circuit/paths.js'
import { pascalCase } from '../compile/compileModel.js'
import { SetupError } from '../errors/artifacts.js'
import {
  CeremonyExistsError,
  ContributionMismatchError,
  InvalidBeaconError,
  InvalidContributionNameError,
  NoContributionsError,
  PtauFileError,
  PtauTooSmallError,
  ZkeyFileError,
  ZkeyVerificationError,
} from '../errors/setup.js'
import { manifestWithSetup, writeJsonAtomic, type ModelManifest, type SetupProvenance } from '../manifest/manifest.js'
import {
  assertCeremonyPtau,
  assertOpen,
  CEREMONY_FORMAT,
  ceremonyPtau,
  ceremonyPtauFile,
  ceremonyRoot,
  latestKey,
  loadCeremony,
  peekTranscript,
  ptauProvenance,
  readCircuitManifest,
  saveTranscript,
  stepFileName,
  type Ceremony,
  type CeremonyStep,
  type CeremonyTranscript,
} from './ceremonyTranscript.js'
import { ensureDevPtau } from './devPtau.js'
import { hashFile, identifyPtau, type IdentifyPtauReturnType, type KnownPtauFile } from './identifyPtau.js'
import { snarkjsLogger, type SetupProgress } from './progress.js'
import { readZkey, type ReadZkeyReturnType, type ZkeyContribution } from './readZkey.js'

import { requiredPtauPower } from '../estimate/estimateConstraints.js'
import { removeOnInterrupt } from '../process/interrupt.js'

type Progress = { onProgress?: ((progress: SetupProgress) => void) | undefined }

export { requiredPtauPower } from '../estimate/estimateConstraints.js'
export type InitCeremonyParameters = Progress & {
  /** The folder compileModel wrote. */
  dir: string
  /** A prepared powers-of-tau file. Without it, a cached dev ptau: INSECURE. */
  ptau?: string | undefined
  /** Where dev ptau files are cached; defaults to .cache/ptau in the repository. */
  ptauCacheDir?: string | undefined
  /** The trusted ceremony files; defaults to the SDK's KNOWN_PTAU_FILES. */
  knownPtauFiles?: readonly KnownPtauFile[] | undefined
  /** Delete an existing ceremony of the folder and start over. */
  restart?: boolean | undefined
}

export type InitCeremonyReturnType = { dir: string; transcript: CeremonyTranscript; ptau: IdentifyPtauReturnType }

/**
 * Starts the phase-2 ceremony of a compiled model: identifies the ptau by its content (refusing a
 * corrupt or unprepared file, or one too small for the circuit), runs groth16 setup and records
 * the initial key (no contribution yet) in DIR/ceremony/.
 */
export async function initCeremony(parameters: InitCeremonyParameters): Promise<InitCeremonyReturnType> {
  const dir = resolve(parameters.dir)
  const progress = parameters.onProgress ?? (() => {})
  const { manifest, r1cs } = await readCircuitManifest(dir)
  const existing = await peekTranscript(dir)
  if (existing.exists && !parameters.restart) throw new CeremonyExistsError({ dir, steps: existing.transcript?.steps.length ?? 0 })

  const required = requiredPtauPower(manifest.circuit!.constraints, manifest.circuit!.publicInputs)
  let ptauPath = parameters.ptau
  if (ptauPath === undefined) {
    progress({ step: 'ptau', message: `no --ptau: the cached dev powers of tau 2^${required} (INSECURE)` })
    const dev = await ensureDevPtau({ power: required, cacheDir: parameters.ptauCacheDir, onProgress: (p) => progress({ step: 'ptau', message: `writing a dev ptau: ${p.phase}`, fraction: p.fraction }) })
    ptauPath = dev.path
  }
  const ptau = await identifyPtau({ path: ptauPath, knownFiles: parameters.knownPtauFiles, onProgress: progress })
  progress({ step: 'ptau', message: `${ptau.file}: ${ptau.ceremony}, power ${ptau.power}, blake2b ${ptau.blake2b.slice(0, 18)}...${ptau.insecure ? ` (INSECURE: ${ptau.insecureReason})` : ''}` })
  if (!ptau.prepared) throw new PtauFileError({ path: ptau.path, reason: 'it is not prepared for phase 2 (no Lagrange sections); run snarkjs powersoftau prepare phase2 on it first' })
  if (ptau.power < required) throw new PtauTooSmallError({ path: ptau.path, power: ptau.power, required })

  const root = ceremonyRoot(dir)
  await rm(root, { recursive: true, force: true })
  await mkdir(root, { recursive: true })
  progress({ step: 'zkey', message: `groth16 setup (${manifest.circuit!.constraints} constraints)` })
  const messages: string[] = []
  const initial = join(root, stepFileName(0))
  await writeTemporary(initial, async (tmp) => {
    let result: Awaited<ReturnType<typeof snarkjs.zKey.newZKey>>
    try {
      result = await snarkjs.zKey.newZKey(r1cs, ptau.path, tmp, snarkjsLogger({ step: 'zkey', onProgress: progress, messages }))
    } catch (cause) {
      throw new SetupError({ reason: `snarkjs could not read ${ptau.path} or ${r1cs}: ${(cause as Error).message}`, cause })
    }
    if (result === -1) throw new SetupError({ reason: messages.join('; ') || 'snarkjs refused the powers of tau file' })
  })
  const key = await readZkey(initial)

  const transcript: CeremonyTranscript = {
    format: CEREMONY_FORMAT,
    model: manifest.name,
    r1csKeccak256: manifest.circuit!.keccak256,
    circuitHash: key.circuitHash,
    ptau: ptauProvenance(ptau),
    steps: [{ index: 0, kind: 'init', zkey: stepFileName(0), blake2b: await hashFile(initial), contribution: undefined, via: 'local', at: new Date().toISOString() }],
  }
  await saveTranscript({ dir, transcript })
  return { dir, transcript, ptau }
}

export type ContributeCeremonyParameters = Progress & {
  dir: string
  /** Recorded in the key for everyone to see. */
  name: string
  /** Mixed by snarkjs with 64 bytes from the system's random source; defaults to 32 random bytes. Never stored. */
  entropy?: string | undefined
}

export type ContributeCeremonyReturnType = { step: CeremonyStep; contribution: ZkeyContribution; contributions: number }

/** Adds one contribution on this machine to the latest key of a ceremony. */
export async function contributeCeremony(parameters: ContributeCeremonyParameters): Promise<ContributeCeremonyReturnType> {
  const name = contributionName(parameters.name)
  const progress = parameters.onProgress ?? (() => {})
  const ceremony = await loadCeremony(parameters.dir)
  assertOpen(ceremony)
  const latest = await latestKey(ceremony)
  const before = await readZkey(latest.path)
  const next = join(ceremony.root, stepFileName(latest.step.index + 1))
  progress({ step: 'contribute', message: `contribution #${before.contributions.length + 1} by "${name}"` })
  const messages: string[] = []
  const added = await writeTemporary(next, async (tmp) => {
    const hash = await snarkjs.zKey.contribute(latest.path, tmp, name, parameters.entropy ?? randomBytes(32).toString('hex'), snarkjsLogger({ step: 'contribute', onProgress: progress, messages }))
    const after = await readZkey(tmp)
    const last = after.contributions.at(-1)
    if (after.contributions.length !== before.contributions.length + 1 || last?.hash !== `0x${Buffer.from(hash).toString('hex')}`)
      throw new SetupError({ reason: `snarkjs did not write the contribution to ${next}${messages.length ? `: ${messages.join('; ')}` : ''}` })
    return last
  })
  const step = await recordStep(ceremony, next, 'contribution', added, 'local')
  return { step, contribution: added, contributions: before.contributions.length + 1 }
}

export type ContributeZkeyParameters = Progress & {
  /** A key exported from a ceremony (veridict ceremony export). */
  input: string
  output: string
  name: string
  entropy?: string | undefined
}

export type ContributeZkeyReturnType = { output: string; before: ReadZkeyReturnType; contribution: ZkeyContribution }

/**
 * Adds one contribution to a key file on its own (a contributor's machine: no model folder, r1cs
 * or ptau). It cannot check the earlier contributions; the coordinator's import does, and the
 * result lists what the new key builds on so the contributor can compare it with the hashes
 * the coordinator published.
 */
export async function contributeZkey(parameters: ContributeZkeyParameters): Promise<ContributeZkeyReturnType> {
  const name = contributionName(parameters.name)
  const progress = parameters.onProgress ?? (() => {})
  const input = resolve(parameters.input)
  const output = resolve(parameters.output)
  if (input === output) throw new ZkeyFileError({ path: output, reason: 'it is the input file; write the new key to another file (--out NEXT.zkey)' })
  const before = await readZkey(input)
  if (before.contributions.at(-1)?.beacon) throw new ZkeyFileError({ path: input, reason: 'it ends with a random beacon: the ceremony is closed' })
  progress({ step: 'contribute', message: `contribution #${before.contributions.length + 1} by "${name}"` })
  const messages: string[] = []
  const contribution = await writeTemporary(output, async (tmp) => {
    const hash = await snarkjs.zKey.contribute(input, tmp, name, parameters.entropy ?? randomBytes(32).toString('hex'), snarkjsLogger({ step: 'contribute', onProgress: progress, messages }))
    const after = await readZkey(tmp)
    const last = after.contributions.at(-1)
    if (after.contributions.length !== before.contributions.length + 1 || last?.hash !== `0x${Buffer.from(hash).toString('hex')}`)
      throw new SetupError({ reason: `snarkjs did not write the contribution to ${output}${messages.length ? `: ${messages.join('; ')}` : ''}` })
    return last
  })
  return { output, before, contribution }
}

export type ExportCeremonyParameters = { dir: string; out: string }
export type ExportCeremonyReturnType = { out: string; step: CeremonyStep; contributions: ZkeyContribution[] }

/** Copies the latest key of a ceremony (checked against the transcript) for the next contributor. */
export async function exportCeremony(parameters: ExportCeremonyParameters): Promise<ExportCeremonyReturnType> {
  const ceremony = await loadCeremony(parameters.dir)
  assertOpen(ceremony)
  const latest = await latestKey(ceremony)
  const out = resolve(parameters.out)
  await writeTemporary(out, (tmp) => copyFile(latest.path, tmp))
  return { out, step: latest.step, contributions: (await readZkey(out)).contributions }
}

export type ImportContributionParameters = Progress & {
  dir: string
  /** The key a contributor returned. */
  file: string
  /** The ceremony's ptau, when it is no longer where init found it. */
  ptau?: string | undefined
}

export type ImportContributionReturnType = { step: CeremonyStep; contribution: ZkeyContribution; contributions: number }

/**
 * Takes a contributor's key into the ceremony after checking that it extends the latest key: the
 * same circuit and ptau, the same earlier contributions and exactly one more, and that `snarkjs
 * zkey verify` accepts every contribution from the r1cs and the ptau.
 */
export async function importContribution(parameters: ImportContributionParameters): Promise<ImportContributionReturnType> {
  const progress = parameters.onProgress ?? (() => {})
  const ceremony = await loadCeremony(parameters.dir)
  assertOpen(ceremony)
  const latest = await latestKey(ceremony)
  const file = resolve(parameters.file)
  const [before, after] = [await readZkey(latest.path), await readZkey(file)]
  if (after.circuitHash !== before.circuitHash)
    throw new ContributionMismatchError({ path: file, reason: `it is a key for another circuit or ptau (circuit hash ${after.circuitHash.slice(0, 18)}..., this ceremony's is ${before.circuitHash.slice(0, 18)}...)` })
  if (after.contributions.length !== before.contributions.length + 1)
    throw new ContributionMismatchError({ path: file, reason: `it has ${after.contributions.length} contributions; the ceremony's latest key has ${before.contributions.length}, so exactly ${before.contributions.length + 1} are expected` })
  before.contributions.forEach((c, i) => {
    if (after.contributions[i]!.hash !== c.hash)
      throw new ContributionMismatchError({ path: file, reason: `its contribution #${i + 1} (${after.contributions[i]!.hash.slice(0, 18)}...) is not the ceremony's (${c.hash.slice(0, 18)}..., "${c.name ?? ''}")` })
  })
  const added = after.contributions.at(-1)!
  if (added.beacon) throw new ContributionMismatchError({ path: file, reason: 'its new contribution is a random beacon; apply the beacon with veridict ceremony beacon' })

  await verifyKey(ceremony, file, await ceremonyPtau(ceremony, parameters.ptau, progress), progress)
  const next = join(ceremony.root, stepFileName(latest.step.index + 1))
  await writeTemporary(next, (tmp) => copyFile(file, tmp))
  const step = await recordStep(ceremony, next, 'contribution', added, 'import')
  return { step, contribution: added, contributions: after.contributions.length }
}

export type BeaconCeremonyParameters = Progress & {
  dir: string
  /** Public randomness nobody could predict when the last contribution was made (e.g. a future block hash), in hex. */
  hash: string
  /** The beacon hashes itself 2^iterationsExp times (10 to 63). */
  iterationsExp: number
  name?: string | undefined
}

/** Closes a ceremony with a random beacon (snarkjs zkey beacon): a last contribution from public randomness. */
export async function beaconCeremony(parameters: BeaconCeremonyParameters): Promise<ContributeCeremonyReturnType> {
  const hex = parameters.hash.replace(/^0x/i, '')
  if (!/^([0-9a-fA-F]{2}){1,255}$/.test(hex)) throw new InvalidBeaconError({ option: '--hash', value: parameters.hash, expected: 'an even number of hex digits (1 to 255 bytes), e.g. a block hash' })
  if (!Number.isInteger(parameters.iterationsExp) || parameters.iterationsExp < 10 || parameters.iterationsExp > 63)
    throw new InvalidBeaconError({ option: '--iterations', value: parameters.iterationsExp, expected: 'an integer exponent from 10 to 63 (the beacon hashes itself 2^N times)' })
  const name = contributionName(parameters.name ?? 'random beacon')
  const progress = parameters.onProgress ?? (() => {})
  const ceremony = await loadCeremony(parameters.dir)
  assertOpen(ceremony)
  const latest = await latestKey(ceremony)
  const before = await readZkey(latest.path)
  if (before.contributions.length === 0) throw new NoContributionsError({ dir: ceremony.dir })
  const next = join(ceremony.root, stepFileName(latest.step.index + 1))
  progress({ step: 'beacon', message: `beacon 0x${hex.slice(0, 16)}... with 2^${parameters.iterationsExp} iterations` })
  const messages: string[] = []
  await writeTemporary(next, async (tmp) => {
    const result = await snarkjs.zKey.beacon(latest.path, tmp, name, hex, parameters.iterationsExp, snarkjsLogger({ step: 'beacon', onProgress: progress, messages }))
    if (result === false) throw new InvalidBeaconError({ option: '--hash', value: parameters.hash, expected: messages.join('; ') || 'a value snarkjs accepts' })
  })
  const added = (await readZkey(next)).contributions.at(-1)!
  const step = await recordStep(ceremony, next, 'beacon', added, 'local')
  return { step, contribution: added, contributions: before.contributions.length + 1 }
}

export type VerifyCeremonyParameters = Progress & {
  dir: string
  /** The ceremony's ptau, when it is no longer where init found it. */
  ptau?: string | undefined
}

export type VerifyCeremonyReturnType = {
  ceremony: Ceremony
  /** The latest key, verified. */
  zkey: string
  circuitHash: Hex
  contributions: { name: string; hash: Hex }[]
  beacon: { name: string; hash: Hex; beaconHash: Hex; iterationsExp: number } | undefined
  seconds: number
}

/**
 * Checks the latest key of a ceremony with `snarkjs zkey verify` from the r1cs and the ptau:
 * every contribution's proof of knowledge and that the key follows from them. Returns the
 * transcript as the key itself records it.
 */
export async function verifyCeremony(parameters: VerifyCeremonyParameters): Promise<VerifyCeremonyReturnType> {
  const started = performance.now()
  const progress = parameters.onProgress ?? (() => {})
  const ceremony = await loadCeremony(parameters.dir)
  return verifyLatest(ceremony, await ceremonyPtau(ceremony, parameters.ptau, progress), progress, started)
}

async function verifyLatest(ceremony: Ceremony, ptau: string, progress: (progress: SetupProgress) => void, started: number): Promise<VerifyCeremonyReturnType> {
  const latest = await latestKey(ceremony)
  await verifyKey(ceremony, latest.path, ptau, progress)
  const key = await readZkey(latest.path)
  const named = (c: ZkeyContribution, i: number) => c.name ?? `contribution #${i + 1}`
  const contributions = key.contributions.flatMap((c, i) => (c.beacon ? [] : [{ name: named(c, i), hash: c.hash }]))
  const beaconIndex = key.contributions.findIndex((c) => c.beacon)
  const beacon = beaconIndex < 0 ? undefined : key.contributions[beaconIndex]!
  return {
    ceremony,
    zkey: latest.path,
    circuitHash: key.circuitHash,
    contributions,
    beacon: beacon ? { name: named(beacon, beaconIndex), hash: beacon.hash, beaconHash: beacon.beacon!.hash, iterationsExp: beacon.beacon!.iterationsExp } : undefined,
    seconds: (performance.now() - started) / 1000,
  }
}

export type FinalizeCeremonyParameters = Progress & {
  dir: string
  /** The ceremony's ptau, when it is no longer where init found it. */
  ptau?: string | undefined
  /** The trusted ceremony files; defaults to the SDK's KNOWN_PTAU_FILES. */
  knownPtauFiles?: readonly KnownPtauFile[] | undefined
  /** When the setup began (performance.now()), for the manifest's setup time; defaults to now. */
  started?: number | undefined
}

export type FinalizeCeremonyReturnType = { dir: string; manifest: ModelManifest }

/**
 * Verifies the ceremony, then exports its latest key as the model's: DIR/model.zkey, vkey.json,
 * the Solidity verifier, and in manifest.json the setup provenance, the registry's setup record
 * and the definition hash. The ptau is identified again from the file (it must be the one init
 * recorded): the provenance comes from the files, not from the transcript.
 */
export async function finalizeCeremony(parameters: FinalizeCeremonyParameters): Promise<FinalizeCeremonyReturnType> {
  const started = parameters.started ?? performance.now()
  const progress = parameters.onProgress ?? (() => {})
  const ceremony = await loadCeremony(parameters.dir)
  const { dir, manifest } = ceremony
  if (!ceremony.transcript.steps.some((s) => s.kind === 'contribution')) throw new NoContributionsError({ dir })
  const ptau = await identifyPtau({ path: (await ceremonyPtauFile(ceremony, parameters.ptau)).path, knownFiles: parameters.knownPtauFiles, onProgress: progress })
  assertCeremonyPtau(ceremony, ptau.path, ptau.blake2b)
  const verified = await verifyLatest(ceremony, ptau.path, progress, started)
  if (verified.contributions.length === 0) throw new NoContributionsError({ dir })

  progress({ step: 'export', message: 'proving key, verification key and Solidity verifier' })
  const zkey = join(dir, 'model.zkey')
  await writeTemporary(zkey, (tmp) => copyFile(verified.zkey, tmp))
  const silent = snarkjsLogger({ step: 'export', onProgress: () => {}, messages: [] })
  const vkey = (await snarkjs.zKey.exportVerificationKey(zkey, silent)) as Groth16VerificationKey
  await writeJsonAtomic(join(dir, 'vkey.json'), vkey)

  const { insecure } = ptau
  const contract = `${pascalCase(manifest.name)}Verifier`
  const template = await readFile(join(nodeModulesWith('snarkjs'), 'snarkjs', 'templates', 'verifier_groth16.sol.ejs'), 'utf8')
  const phase2 = `${verified.contributions.length} phase-2 contribution${verified.contributions.length === 1 ? '' : 's'}${verified.beacon ? ' and a random beacon' : ''}`
  const verifier = (await snarkjs.zKey.exportSolidityVerifier(zkey, { groth16: template }, silent)).replace(
    'contract Groth16Verifier',
    `/// Groth16 verifier for the Veridict model "${manifest.name}" (${manifest.publicSignals.count} public signals: input words, output words, then the beneficiary).\n` +
      `/// Powers of tau: ${ptau.ceremony}, blake2b ${ptau.blake2b.slice(0, 66)}...; ${phase2}.\n` +
      (insecure
        ? `/// INSECURE: set up with ${ptau.kind === 'dev' ? 'a single-party dev powers of tau' : 'a single-party powers of tau from an unlisted ceremony'}. Never deploy it where value is at stake.\n`
        : '') +
      `contract ${contract}`,
  )
  await writeTemporary(join(dir, `${contract}.sol`), (tmp) => writeFile(tmp, verifier))

  const setup: SetupProvenance = {
    protocol: 'groth16',
    curve: 'bn128',
    ptau: { file: ptau.file, blake2b: ptau.blake2b, power: ptau.power, kind: ptau.kind, ceremony: ptau.ceremony },
    phase2: { contributions: verified.contributions, beacon: verified.beacon, verified: true },
    insecure,
    record: { ptauHash: ptauRecordHash(ptau.blake2b), contributions: verified.contributions.length, insecure },
    verificationKeyHash: keccak256(encodeGroth16VerificationKey(vkey)),
    verifierContract: contract,
  }
  const updated = manifestWithSetup(manifest, setup, started)
  await writeJsonAtomic(join(dir, 'manifest.json'), updated)
  progress({ step: 'done', message: `definition hash ${updated.definitionHash}${insecure ? ' (INSECURE setup)' : ''}` })
  return { dir, manifest: updated }
}

/** `snarkjs zkey verify` of a key against the ceremony's r1cs and ptau; a `ZkeyVerificationError` when it fails. */
async function verifyKey(ceremony: Ceremony, zkey: string, ptau: string, progress: (progress: SetupProgress) => void): Promise<void> {
  progress({ step: 'verify', message: `snarkjs zkey verify ${basename(zkey)} (every contribution, from the r1cs and ${basename(ptau)})` })
  const messages: string[] = []
  let ok: boolean
  try {
    ok = await snarkjs.zKey.verifyFromR1cs(ceremony.r1cs, ptau, zkey, snarkjsLogger({ step: 'verify', onProgress: progress, messages }))
  } catch (cause) {
    messages.push((cause as Error).message)
    ok = false
  }
  if (!ok) throw new ZkeyVerificationError({ path: zkey, messages })
}

async function recordStep(ceremony: Ceremony, zkey: string, kind: 'contribution' | 'beacon', added: ZkeyContribution, via: CeremonyStep['via']): Promise<CeremonyStep> {
  const step: CeremonyStep = {
    index: ceremony.transcript.steps.length,
    kind,
    zkey: basename(zkey),
    blake2b: await hashFile(zkey),
    contribution: { name: added.name ?? '', hash: added.hash, beacon: added.beacon },
    via,
    at: new Date().toISOString(),
  }
  ceremony.transcript.steps.push(step)
  await saveTranscript(ceremony)
  return step
}

function contributionName(name: string | undefined): string {
  const trimmed = name?.trim() ?? ''
  if (trimmed.length === 0 || trimmed.length > 64) throw new InvalidContributionNameError({ value: name })
  return trimmed
}

/** Writes through `${path}.<pid>.tmp` and a rename, so a crash never leaves half a file under `path`. */
export async function writeTemporary<T>(path: string, write: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = `${path}.${process.pid}.tmp`
  const forget = removeOnInterrupt(tmp)
  try {
    const result = await write(tmp)
    await rename(tmp, path)
    return result
  } finally {
    await rm(tmp, { force: true })
    forget()
  }
}
