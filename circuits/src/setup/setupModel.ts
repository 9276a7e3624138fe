import { resolve } from 'node:path'
import { CeremonyExistsError } from '../errors/setup.js'
import type { ModelManifest } from '../manifest/manifest.js'
import { contributeCeremony, finalizeCeremony, initCeremony } from './ceremony.js'
import { peekTranscript } from './ceremonyTranscript.js'
import type { KnownPtauFile } from './identifyPtau.js'
import type { SetupProgress } from './progress.js'
import { setupPlonk } from './setupPlonk.js'

export { requiredPtauPower } from './ceremony.js'
export type { SetupProgress } from './progress.js'

export type SetupModelParameters = {
  /** The folder compileModel wrote. */
  dir: string
  /**
   * 'groth16' (default): a per-circuit phase 2 (one contribution here; more with `veridict ceremony`),
   * the cheapest proof to verify. 'plonk': a universal setup with no per-circuit secret.
   */
  scheme?: 'groth16' | 'plonk' | undefined
  /** A prepared powers-of-tau file, identified by its content. Without it, a cached dev ptau: INSECURE. */
  ptau?: string | undefined
  /** Where dev ptau files are cached; defaults to .cache/ptau in the repository. */
  ptauCacheDir?: string | undefined
  /** The trusted ceremony files; defaults to the SDK's KNOWN_PTAU_FILES. */
  knownPtauFiles?: readonly KnownPtauFile[] | undefined
  /** Entropy for the model owner's phase-2 contribution (Groth16), mixed with system randomness; random by default. Never stored. */
  entropy?: string | undefined
  onProgress?: ((progress: SetupProgress) => void) | undefined
}

export type SetupModelReturnType = { dir: string; manifest: ModelManifest }

/**
 * The one-command setup of a compiled model. Groth16: a ceremony with a single contribution by the
 * model owner, finalized (ceremony init + contribute + finalize). PLONK: setupPlonk. It starts over
 * on a folder that holds a previous one-command setup, and refuses to overwrite a ceremony that
 * others joined.
 */
export async function setupModel(parameters: SetupModelParameters): Promise<SetupModelReturnType> {
  if (parameters.scheme === 'plonk') return setupPlonk(parameters)
  const started = performance.now()
  const dir = resolve(parameters.dir)
  const { transcript: previous } = await peekTranscript(dir)
  if (previous?.steps.some((s) => s.via === 'import' || s.kind === 'beacon' || s.index > 1)) throw new CeremonyExistsError({ dir, steps: previous.steps.length })

  const { transcript } = await initCeremony({ ...parameters, dir, restart: true })
  await contributeCeremony({ dir, name: `${transcript.model.slice(0, 64 - ' model owner'.length)} model owner`, entropy: parameters.entropy, onProgress: parameters.onProgress })
  return finalizeCeremony({ dir, knownPtauFiles: parameters.knownPtauFiles, onProgress: parameters.onProgress, started })
}
