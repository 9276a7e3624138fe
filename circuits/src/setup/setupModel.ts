import { randomBytes } from 'node:crypto'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import * as snarkjs from 'snarkjs'
import { keccak256, stringToBytes } from 'viem'
import { ManifestError, SetupError } from '../errors/artifacts.js'
import { computeModelId, readManifest, writeJsonAtomic, type ModelManifest } from '../manifest/manifest.js'
import { DEV_PTAU_WARNING, ensureDevPtau, type DevPtauProgress } from './devPtau.js'
import { pascalCase } from '../compile/compileModel.js'
import { nodeModulesWith } from '../circuit/paths.js'

export type SetupProgress = { step: 'ptau' | 'zkey' | 'contribute' | 'export' | 'done'; message: string; fraction?: number | undefined }

export type SetupModelParameters = {
  /** The folder compileModel wrote. */
  dir: string
  /** A powers-of-tau file from a public ceremony (prepared for phase 2). Without it, a cached dev ptau: INSECURE. */
  ptau?: string | undefined
  /** Where dev ptau files are cached; defaults to .cache/ptau in the repository. */
  ptauCacheDir?: string | undefined
  /** Entropy for the phase-2 contribution; random by default. */
  entropy?: string | undefined
  onProgress?: ((progress: SetupProgress) => void) | undefined
}

export type SetupModelReturnType = { dir: string; manifest: ModelManifest }

/** Smallest ptau power that snarkjs's groth16 setup accepts for a circuit (see snarkjs zkey_new). */
export function requiredPtauPower(constraints: number, publicInputs: number): number {
  return Math.max(1, Math.ceil(Math.log2(constraints + publicInputs + 1)))
}

/**
 * Groth16 setup for a compiled model: phase 2 over a ceremony ptau (or a dev one), one phase-2
 * contribution, the verification key, a Solidity verifier named after the model, and the model id.
 */
export async function setupModel(parameters: SetupModelParameters): Promise<SetupModelReturnType> {
  const started = performance.now()
  const dir = resolve(parameters.dir)
  const progress = parameters.onProgress ?? (() => {})
  const manifest = await readManifest(dir)
  if (!manifest.circuit || !manifest.artifacts.r1cs)
    throw new ManifestError({ path: join(dir, 'manifest.json'), reason: 'the model was compiled without a circuit (attested-only); it has nothing to set up' })

  const power = requiredPtauPower(manifest.circuit.constraints, manifest.circuit.publicInputs)
  let ptau: { source: 'dev' | 'file'; path: string; power: number }
  if (parameters.ptau) {
    ptau = { source: 'file', path: resolve(parameters.ptau), power }
  } else {
    progress({ step: 'ptau', message: `dev powers of tau 2^${power} (INSECURE: ${DEV_PTAU_WARNING})` })
    const dev = await ensureDevPtau({
      power,
      cacheDir: parameters.ptauCacheDir,
      onProgress: (p: DevPtauProgress) => progress({ step: 'ptau', message: `dev ptau: ${p.phase}`, fraction: p.fraction }),
    })
    ptau = { source: 'dev', path: dev.path, power: dev.power }
  }

  const r1cs = join(dir, manifest.artifacts.r1cs)
  const initial = join(dir, 'model.0.zkey.tmp')
  const zkey = join(dir, 'model.zkey')
  progress({ step: 'zkey', message: `groth16 setup (${manifest.circuit.constraints} constraints)` })
  const messages: string[] = []
  const logger = { debug: () => {}, info: () => {}, warn: (m: string) => messages.push(m), error: (m: string) => messages.push(m) }
  let result: Awaited<ReturnType<typeof snarkjs.zKey.newZKey>>
  try {
    result = await snarkjs.zKey.newZKey(r1cs, ptau.path, initial, logger)
  } catch (cause) {
    throw new SetupError({ reason: `snarkjs could not read ${ptau.path} or ${r1cs}: ${(cause as Error).message}`, cause })
  }
  if (result === -1) throw new SetupError({ reason: messages.join('; ') || 'snarkjs refused the powers of tau file' })

  progress({ step: 'contribute', message: 'phase-2 contribution' })
  const entropy = parameters.entropy ?? randomBytes(32).toString('hex')
  await snarkjs.zKey.contribute(initial, `${zkey}.tmp`, `${manifest.name} model owner`, entropy, logger)
  await rename(`${zkey}.tmp`, zkey)
  await rm(initial, { force: true })

  progress({ step: 'export', message: 'verification key and Solidity verifier' })
  const vkey = await snarkjs.zKey.exportVerificationKey(zkey, logger)
  await writeJsonAtomic(join(dir, 'vkey.json'), vkey)
  const contract = `${pascalCase(manifest.name)}Verifier`
  const template = await readFile(join(nodeModulesWith('snarkjs'), 'snarkjs', 'templates', 'verifier_groth16.sol.ejs'), 'utf8')
  const verifier = (await snarkjs.zKey.exportSolidityVerifier(zkey, { groth16: template }, logger)).replace(
    'contract Groth16Verifier',
    `/// Groth16 verifier for the Veridict model "${manifest.name}" (${manifest.publicSignals.count} public signals: input words, then output words).\n` +
      (ptau.source === 'dev' ? '/// INSECURE: set up with a single-party dev powers of tau. Never deploy it where value is at stake.\n' : '') +
      `contract ${contract}`,
  )
  await writeFile(join(dir, `${contract}.sol`), verifier)

  const vkeyHash = keccak256(stringToBytes(JSON.stringify(vkey)))
  const updated: ModelManifest = {
    ...manifest,
    modelId: computeModelId(manifest.onnx.keccak256, manifest.quantization.keccak256, vkeyHash),
    setup: { protocol: 'groth16', curve: 'bn128', ptau, insecure: ptau.source === 'dev', vkeyKeccak256: vkeyHash, verifierContract: contract },
    artifacts: { ...manifest.artifacts, zkey: 'model.zkey', vkey: 'vkey.json', verifier: `${contract}.sol` },
    compiler: { ...manifest.compiler, seconds: { ...manifest.compiler.seconds, setup: Math.round(performance.now() - started) / 1000 } },
  }
  await writeJsonAtomic(join(dir, 'manifest.json'), updated)
  progress({ step: 'done', message: `model id ${updated.modelId}` })
  return { dir, manifest: updated }
}
