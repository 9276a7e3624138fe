import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { artifactPath, REPO_ROOT } from '../deploy/artifacts.js'
import { DevnetError } from './errors.js'

/** The forge artifacts the devnet deploys. */
export const DEVNET_ARTIFACTS = [
  ['ModelRegistry.sol', 'ModelRegistry'],
  ['OperatorStaking.sol', 'OperatorStaking'],
  ['InferenceOracle.sol', 'InferenceOracle'],
  ['DigitConsumer.sol', 'DigitConsumer'],
] as const

export const contractsBuilt = (): boolean => DEVNET_ARTIFACTS.every(([file, name]) => existsSync(artifactPath(file, name)))

/**
 * Builds the contracts with forge (solc-js behind scripts/solc.mjs) when an artifact is missing.
 * contracts/script/artifacts.ts builds synchronously; running it in a child process keeps this
 * process responsive (the progress line keeps moving) and keeps its build lock.
 */
export async function buildContractsIfMissing(): Promise<{ built: boolean }> {
  if (contractsBuilt()) return { built: false }
  const script = "import('./oracle/src/deploy/artifacts.ts').then((m) => m.buildContracts()).catch((e) => { console.error(e.shortMessage ?? e.message); if (e.details) console.error(e.details); process.exit(1) })"
  const child = spawn(process.execPath, ['--conditions=@veridict/source', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', resolve)
  })
  if (code !== 0 || !contractsBuilt()) throw new DevnetError('forge could not build the contracts.', { details: stderr.trim() || `forge exited with code ${code}` })
  return { built: true }
}
