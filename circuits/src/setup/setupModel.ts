import { join, resolve } from 'node:path'
import { CeremonyExistsError } from '../errors/setup.js'
import { manifestCircuitSize, recordCost } from '../estimate/machineProfile.js'
import { readManifest, writeJsonAtomic, type ModelManifest } from '../manifest/manifest.js'
import { removeOnInterrupt } from '../process/interrupt.js'
import { contributeCeremony, finalizeCeremony, initCeremony } from './ceremony.js'
import { ceremonyRoot, peekTranscript } from './ceremonyTranscript.js'
import type { KnownPtauFile } from './identifyPtau.js'
import type { SetupProgress } from './progress.js'
import { setupPlonk } from './setupPlonk.js'
import { pascalCase } from '../compile/compileModel.js'

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
  const started = performance.now()
  const dir = resolve(parameters.dir)
  const { transcript: previous } = await peekTranscript(dir)
  if (previous?.steps.some((s) => s.via === 'import' || s.kind === 'beacon' || s.index > 1)) throw new CeremonyExistsError({ dir, steps: previous.steps.length })

  // The folder stays a whole model throughout. A signal mid-setup removes what this setup wrote
  // (interrupt.ts); a previous setup is taken out of the manifest just before its key is replaced
  // (after the ptau checks and the contribution, so a refused setup leaves it as it was): the
  // manifest and the key never disagree.
  const manifest = await readManifest(dir)
  const keyFiles = [join(dir, 'model.zkey'), join(dir, 'vkey.json'), join(dir, `${manifest.setup?.verifierContract ?? `${pascalCase(manifest.name)}Verifier`}.sol`)]
  const forget = [removeOnInterrupt(ceremonyRoot(dir))]
  const replacingKeys = async () => {
    if (manifest.setup) await writeJsonAtomic(join(dir, 'manifest.json'), withoutSetup(manifest))
    forget.push(...keyFiles.map((path) => removeOnInterrupt(path)))
  }
  try {
    if (parameters.scheme === 'plonk') {
      await replacingKeys()
      return await setupPlonk(parameters)
    }
    const { transcript } = await initCeremony({ ...parameters, dir, restart: true })
    await contributeCeremony({ dir, name: `${transcript.model.slice(0, 64 - ' model owner'.length)} model owner`, entropy: parameters.entropy, onProgress: parameters.onProgress })
    await replacingKeys()
    const result = await finalizeCeremony({ dir, knownPtauFiles: parameters.knownPtauFiles, onProgress: parameters.onProgress, started })
    const size = manifestCircuitSize(result.manifest)
    if (size) await recordCost({ step: 'setup', ...size, seconds: (performance.now() - started) / 1000, memoryMiB: process.resourceUsage().maxRSS / 1024 })
    return result
  } finally {
    for (const done of forget) done()
  }
}

/** The manifest of the compiled model before any setup: no keys, no definition hash (it commits to the setup). */
function withoutSetup(manifest: ModelManifest): ModelManifest {
  const { zkey: _zkey, vkey: _vkey, verifier: _verifier, ...artifacts } = manifest.artifacts
  return { ...manifest, setup: undefined, definitionHash: undefined, artifacts, compiler: { ...manifest.compiler, seconds: { compile: manifest.compiler.seconds.compile } } }
}
