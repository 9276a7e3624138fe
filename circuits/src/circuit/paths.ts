import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGE_NAME = '@veridict/circuits'

/**
 * The package root (circuits/ in a checkout, node_modules/@veridict/circuits when installed): the
 * nearest folder above this module whose package.json is this package's. Sources (src/circuit/)
 * and builds (dist/, one bundle) sit at different depths, so the depth is not assumed.
 */
function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url))
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir
    if (dirname(dir) === dir) throw new TypeError(`No package.json of ${PACKAGE_NAME} above ${start}: the package's files were moved apart; reinstall it.`)
  }
}

export const CIRCUITS_ROOT = packageRoot()
export const TEMPLATES_DIR = join(CIRCUITS_ROOT, 'templates')
/** The repository root in a checkout (tests and fixtures live there); meaningless when installed. */
export const REPO_ROOT = dirname(CIRCUITS_ROOT)

/** True in a checkout of the repository: the package sits in the workspace that lists it. */
const IN_WORKSPACE = (() => {
  const manifest = join(REPO_ROOT, 'package.json')
  return existsSync(manifest) && Array.isArray((JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown }).workspaces)
})()

/** The node_modules folder that holds circomlib (hoisted to the workspace root by npm). */
export function nodeModulesWith(pkg: string): string {
  for (let dir = CIRCUITS_ROOT; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules')
    if (existsSync(join(candidate, pkg))) return candidate
    if (dirname(dir) === dir) return join(REPO_ROOT, 'node_modules')
  }
}

/**
 * Where compiled models and dev powers of tau are cached: `VERIDICT_CACHE_DIR` when set; `.cache/`
 * at the repository root in a checkout; else `node_modules/.cache/veridict` of the project that
 * installed the package (the convention of babel, eslint and webpack), never inside the package.
 */
export function cacheRoot(): string {
  const configured = process.env.VERIDICT_CACHE_DIR
  if (configured) return configured
  if (IN_WORKSPACE) return join(REPO_ROOT, '.cache')
  for (let dir = dirname(CIRCUITS_ROOT); ; dir = dirname(dir)) {
    if (basename(dir) === 'node_modules') return join(dir, '.cache', 'veridict')
    if (dirname(dir) === dir) return join(dirname(CIRCUITS_ROOT), '.cache', 'veridict')
  }
}
