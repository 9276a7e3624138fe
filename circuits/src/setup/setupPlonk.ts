import { readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import * as snarkjs from 'snarkjs'
import { keccak256 } from 'viem'
import { encodePlonkVerificationKey, type PlonkVerificationKey, ptauRecordHash } from '@veridict/sdk'
import { nodeModulesWith } from '../circuit/paths.js'
import { pascalCase } from '../compile/compileModel.js'
import { SetupError } from '../errors/artifacts.js'
import { CeremonyExistsError, DEV_PTAU_MAX_POWER, PtauFileError, PtauTooSmallError } from '../errors/setup.js'
import { manifestWithSetup, writeJsonAtomic, type ModelManifest, type SetupProvenance } from '../manifest/manifest.js'
import { requiredPtauPower, writeTemporary } from './ceremony.js'
import { ceremonyRoot, peekTranscript, readCircuitManifest } from './ceremonyTranscript.js'
import { ensureDevPtau } from './devPtau.js'
import { identifyPtau, type IdentifyPtauReturnType, type KnownPtauFile } from './identifyPtau.js'
import { snarkjsLogger, type SetupProgress } from './progress.js'

export type SetupPlonkParameters = {
  /** The folder compileModel wrote. */
  dir: string
  /** A prepared powers-of-tau file, identified by its content. Without it, a cached dev ptau: INSECURE. */
  ptau?: string | undefined
  /** Where dev ptau files are cached; defaults to .cache/ptau in the repository. */
  ptauCacheDir?: string | undefined
  /** The trusted ceremony files; defaults to the SDK's KNOWN_PTAU_FILES. */
  knownPtauFiles?: readonly KnownPtauFile[] | undefined
  onProgress?: ((progress: SetupProgress) => void) | undefined
}

/** snarkjs's refusal when the ptau is too small: "circuit too big for this power of tau ceremony. N > 2**P". */
const TOO_BIG = /circuit too big for this power of tau ceremony\. (\d+) > 2\*\*(\d+)/

/**
 * PLONK setup of a compiled model: no per-circuit secret, so no phase 2; the key is derived from
 * the ptau alone, and the setup is as trustworthy as the ptau's ceremony. PLONK expands every
 * linear combination of the r1cs into addition gates, so it needs a larger ptau than Groth16 for
 * the same circuit: without --ptau the dev ptau is grown to the power snarkjs asks for.
 */
export async function setupPlonk(parameters: SetupPlonkParameters): Promise<{ dir: string; manifest: ModelManifest }> {
  const started = performance.now()
  const dir = resolve(parameters.dir)
  const progress = parameters.onProgress ?? (() => {})
  const { manifest, r1cs } = await readCircuitManifest(dir)
  const { transcript } = await peekTranscript(dir)
  if (transcript?.steps.some((s) => s.via === 'import' || s.kind === 'beacon' || s.index > 1)) throw new CeremonyExistsError({ dir, steps: transcript.steps.length })

  const zkey = join(dir, 'model.zkey')
  let power = requiredPtauPower(manifest.circuit!.constraints, manifest.circuit!.publicInputs)
  let ptau: IdentifyPtauReturnType
  for (;;) {
    ptau = await ptauFor(parameters, power, progress)
    progress({ step: 'zkey', message: `PLONK setup over ${ptau.file} (power ${ptau.power}, ${manifest.circuit!.constraints} r1cs constraints)` })
    const messages: string[] = []
    const result = await writeTemporary(zkey, async (tmp) => {
      let outcome: unknown
      try {
        outcome = await snarkjs.plonk.setup(r1cs, ptau.path, tmp, snarkjsLogger({ step: 'zkey', onProgress: progress, messages }))
      } catch (cause) {
        throw new SetupError({ reason: `snarkjs could not run the PLONK setup over ${ptau.path}: ${(cause as Error).message}`, cause })
      }
      if (outcome === -1) return messages.join('; ') || 'snarkjs refused the powers of tau file'
      return undefined
    })
    if (result === undefined) break
    const tooBig = TOO_BIG.exec(result)
    if (!tooBig) throw new SetupError({ reason: result })
    const needed = Math.ceil(Math.log2(Number(tooBig[1])))
    if (parameters.ptau !== undefined || needed <= ptau.power || needed > DEV_PTAU_MAX_POWER) throw new PtauTooSmallError({ path: ptau.path, power: ptau.power, required: needed })
    progress({ step: 'ptau', message: `PLONK needs ${tooBig[1]} gates (the r1cs's linear combinations become addition gates): power ${needed}` })
    power = needed
  }
  // A PLONK key replaces any Groth16 setup of the folder.
  await rm(ceremonyRoot(dir), { recursive: true, force: true })

  progress({ step: 'export', message: 'verification key and Solidity verifier' })
  const silent = snarkjsLogger({ step: 'export', onProgress: () => {}, messages: [] })
  const vkey = (await snarkjs.zKey.exportVerificationKey(zkey, silent)) as unknown as PlonkVerificationKey
  await writeJsonAtomic(join(dir, 'vkey.json'), vkey)
  const contract = `${pascalCase(manifest.name)}PlonkVerifier`
  const template = await readFile(join(nodeModulesWith('snarkjs'), 'snarkjs', 'templates', 'verifier_plonk.sol.ejs'), 'utf8')
  const verifier = (await snarkjs.zKey.exportSolidityVerifier(zkey, { plonk: template }, silent)).replace(
    'contract PlonkVerifier',
    `/// PLONK verifier for the Veridict model "${manifest.name}" (${manifest.publicSignals.count} public signals: input words, output words, then the beneficiary).\n` +
      `/// Powers of tau: ${ptau.ceremony}, blake2b ${ptau.blake2b.slice(0, 66)}...; universal setup, no phase 2.\n` +
      (ptau.insecure ? `/// INSECURE: ${ptau.insecureReason ?? 'one party knew the powers-of-tau secret'}. Never deploy it where value is at stake.\n` : '') +
      `contract ${contract}`,
  )
  await writeTemporary(join(dir, `${contract}.sol`), (tmp) => writeFile(tmp, verifier))

  const setup: SetupProvenance = {
    protocol: 'plonk',
    curve: 'bn128',
    ptau: { file: ptau.file, blake2b: ptau.blake2b, power: ptau.power, kind: ptau.kind, ceremony: ptau.ceremony },
    phase2: undefined,
    insecure: ptau.insecure,
    record: { ptauHash: ptauRecordHash(ptau.blake2b), contributions: 0, insecure: ptau.insecure },
    verificationKeyHash: keccak256(encodePlonkVerificationKey(vkey)),
    verifierContract: contract,
  }
  const updated = manifestWithSetup(manifest, setup, started)
  await writeJsonAtomic(join(dir, 'manifest.json'), updated)
  progress({ step: 'done', message: `definition hash ${updated.definitionHash}${ptau.insecure ? ' (INSECURE setup)' : ''}` })
  return { dir, manifest: updated }
}

/** The ptau to set up over: the given file (identified by content), or the cached dev ptau of at least `power`. */
async function ptauFor(parameters: SetupPlonkParameters, power: number, progress: (progress: SetupProgress) => void): Promise<IdentifyPtauReturnType> {
  let path = parameters.ptau
  if (path === undefined) {
    progress({ step: 'ptau', message: `no --ptau: the cached dev powers of tau 2^${power} (INSECURE)` })
    path = (await ensureDevPtau({ power, cacheDir: parameters.ptauCacheDir, onProgress: (p) => progress({ step: 'ptau', message: `writing a dev ptau: ${p.phase}`, fraction: p.fraction }) })).path
  }
  const ptau = await identifyPtau({ path, knownFiles: parameters.knownPtauFiles, onProgress: progress })
  if (!ptau.prepared) throw new PtauFileError({ path: ptau.path, reason: 'it is not prepared for phase 2 (no Lagrange sections); run snarkjs powersoftau prepare phase2 on it first' })
  return ptau
}
