import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { keccak256, stringToBytes } from 'viem'
import { acquireBuildLock } from '../circuit/buildLock.js'
import { cacheRoot } from '../circuit/paths.js'
import { MANIFEST_FORMAT, readManifest, type ModelManifest } from '../manifest/manifest.js'
import type { QuantizeOptions } from '../quantize/calibrate.js'
import { setupModel, type SetupProgress } from '../setup/setupModel.js'
import { COMPILER_VERSION } from '../version.js'
import { compileModel, sanitizeName, type CompileProgress } from './compileModel.js'

export type EnsureCompiledModelParameters = QuantizeOptions & {
  onnx: string
  name: string
  /** Defaults to .cache/models in the repository. */
  cacheDir?: string | undefined
  /** false: attested-only (no circuit, no keys). */
  circuit?: boolean | undefined
  /** compileModel's privateWeights: the weights are committed private signals; the cached folder keeps them and their salt. */
  privateWeights?: boolean | undefined
  ptau?: string | undefined
  /** The proof system to set up (default groth16). */
  scheme?: 'groth16' | 'plonk' | undefined
  /** The input is a private signal, shown as its Poseidon commitment with a salt (compileModel's privateInput). */
  privateInput?: boolean | undefined
  onProgress?: ((progress: CompileProgress | SetupProgress) => void) | undefined
}

export type EnsureCompiledModelReturnType = { dir: string; manifest: ModelManifest; cached: boolean }

/**
 * A compiled and set-up model folder for this ONNX file and these options, built once and reused:
 * the folder name commits to the ONNX bytes, the options, the compiler version and the manifest
 * format (a folder of an older format is never served, nor in the way). Built in a
 * temporary folder and renamed into place, so a crash or a concurrent build never leaves a
 * half-made model behind.
 */
export async function ensureCompiledModel(parameters: EnsureCompiledModelParameters): Promise<EnsureCompiledModelReturnType> {
  const { onnx, name, cacheDir = join(cacheRoot(), 'models'), onProgress, ptau, scheme = 'groth16', calibration, ...options } = parameters
  const bytes = await readFile(onnx)
  const key = keccak256(
    stringToBytes(JSON.stringify({ onnx: keccak256(bytes), options: withoutDefaults(options), calibration: calibration ? keccak256(stringToBytes(JSON.stringify(calibration.map((s) => Array.from(s))))) : null, ptau: ptau ?? null, COMPILER_VERSION, MANIFEST_FORMAT, ...(scheme === 'groth16' ? {} : { scheme }) })),
  ).slice(2, 14)
  const dir = join(cacheDir, `${sanitizeName(name)}-${key}`)
  if (await isComplete(dir)) return { dir, manifest: await readManifest(dir), cached: true }

  await mkdir(cacheDir, { recursive: true })
  // One build per folder across processes (test files, nodes, the demo): whoever holds the lock
  // builds; the others wait for its folder, and build it themselves only if its builder died.
  const release = await acquireBuildLock(`${dir}.lock`, () => isComplete(dir))
  if (!release) return { dir, manifest: await readManifest(dir), cached: true }
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    await compileModel({ ...options, onnx, name, outDir: tmp, calibration, onProgress })
    if (parameters.circuit !== false) await setupModel({ dir: tmp, scheme, ptau, onProgress })
    try {
      await rename(tmp, dir)
    } catch (error) {
      // Another process finished the same model first: keep theirs.
      if (!(await isComplete(dir))) throw error
    }
  } finally {
    await rm(tmp, { recursive: true, force: true })
    await release()
  }
  return { dir, manifest: await readManifest(dir), cached: false }
}

/** The options as they bear on the build: a flag left at its default names the same folder as one not given. */
function withoutDefaults(options: Record<string, unknown>): Record<string, unknown> {
  const defaults: Record<string, unknown> = { circuit: true, privateInput: false, privateWeights: false }
  return Object.fromEntries(Object.entries(options).filter(([name, value]) => value !== undefined && defaults[name] !== value))
}

async function isComplete(dir: string): Promise<boolean> {
  try {
    const manifest = await readManifest(dir)
    if (!manifest.circuit) return manifest.definitionHash !== undefined
    return manifest.definitionHash !== undefined && manifest.artifacts.zkey !== undefined && (await stat(join(dir, manifest.artifacts.zkey))).isFile()
  } catch {
    return false
  }
}
