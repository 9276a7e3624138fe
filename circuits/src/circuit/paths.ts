import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** circuits/ in this checkout (the package root), whichever file asks. */
export const CIRCUITS_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const TEMPLATES_DIR = join(CIRCUITS_ROOT, 'templates')
export const REPO_ROOT = resolve(CIRCUITS_ROOT, '..')

/** The node_modules folder that holds circomlib (hoisted to the workspace root by npm). */
export function nodeModulesWith(pkg: string): string {
  for (let dir = CIRCUITS_ROOT; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules')
    if (existsSync(join(candidate, pkg))) return candidate
    if (dirname(dir) === dir) return join(REPO_ROOT, 'node_modules')
  }
}
