import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Abi, Hex } from 'viem'

import { BaseError } from '@veridict/sdk'

/**
 * The repository root: the folder above the @veridict/contracts package, where foundry.toml lives.
 * Deploying needs forge's artifacts, which a checkout of the repository builds; an installed
 * @veridict/contracts ships the Solidity sources only.
 */
export const REPO_ROOT = resolve(dirname(createRequire(import.meta.url).resolve('@veridict/contracts/package.json')), '..')

/** Where forge writes its artifacts (foundry.toml `out`). */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'contracts', 'out')

const LOCK_DIR = join(REPO_ROOT, 'contracts', 'cache', 'veridict-build.lock')
const LOCK_STALE_MS = 10 * 60_000

export type ForgeArtifact = {
  abi: Abi
  bytecode: Hex
}

/** forge could not build the contracts, or an artifact is missing. */
export class ContractArtifactError extends BaseError {
  override name = 'ContractArtifactError'
}

/**
 * Runs `forge build` for the contracts (tests skipped) from the repository root. Test files may
 * call this at once: a lock directory makes them build one after another, and the later ones
 * find forge's cache warm.
 */
export function buildContracts(): void {
  mkdirSync(dirname(LOCK_DIR), { recursive: true })
  const started = Date.now()
  for (;;) {
    try {
      mkdirSync(LOCK_DIR)
      break
    } catch {
      if (existsSync(LOCK_DIR) && Date.now() - statSync(LOCK_DIR).mtimeMs > LOCK_STALE_MS) {
        rmSync(LOCK_DIR, { recursive: true, force: true })
        continue
      }
      if (Date.now() - started > LOCK_STALE_MS) {
        throw new ContractArtifactError(`Timed out waiting for the build lock ${LOCK_DIR}.`, {
          details: 'Delete the directory if no forge build is running.',
        })
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
    }
  }
  try {
    execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'forge'), ['build', '--skip', 'test'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
  } catch (error) {
    const output = (error as { stderr?: Buffer; stdout?: Buffer })
    throw new ContractArtifactError(`forge build failed in ${REPO_ROOT}.`, {
      details: `${output.stdout?.toString() ?? ''}${output.stderr?.toString() ?? ''}`.trim(),
      cause: error,
    })
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true })
  }
}

/** The artifact path of `contractName` compiled from `sourceFile` (e.g. `InferenceOracle.sol`). */
export function artifactPath(sourceFile: string, contractName: string): string {
  return join(ARTIFACTS_DIR, sourceFile, `${contractName}.json`)
}

/** Reads the ABI and creation bytecode of a compiled contract. */
export function readArtifact(sourceFile: string, contractName: string): ForgeArtifact {
  const path = artifactPath(sourceFile, contractName)
  if (!existsSync(path)) {
    throw new ContractArtifactError(`No forge artifact at ${path}.`, {
      details: existsSync(join(REPO_ROOT, 'foundry.toml'))
        ? 'Run `npx forge build` from the repository root.'
        : `Contract artifacts come from a checkout of the Veridict repository (forge build); ${REPO_ROOT} holds none.`,
    })
  }
  const json = JSON.parse(readFileSync(path, 'utf8')) as { abi: Abi; bytecode: { object: Hex } }
  return { abi: json.abi, bytecode: json.bytecode.object }
}

/** Reads artifacts; runs forge build first if any is missing or `rebuild` is set. */
export function readArtifacts<const T extends Record<string, readonly [string, string]>>(
  wanted: T,
  { rebuild = false }: { rebuild?: boolean } = {},
): { [K in keyof T]: ForgeArtifact } {
  const missing = Object.values(wanted).some(([file, name]) => !existsSync(artifactPath(file, name)))
  if (rebuild || missing) buildContracts()
  const result = {} as { [K in keyof T]: ForgeArtifact }
  for (const key of Object.keys(wanted) as (keyof T)[]) {
    const [file, name] = wanted[key]!
    result[key] = readArtifact(file, name)
  }
  return result
}
