import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ExplorerOptionsError } from '../errors/explorer.js'

/** The front end: its script and styles, and snarkjs's browser bundle for "verify in this browser". */
export type ExplorerAssets = { js: string; css: string; snarkjs: string }

/**
 * The front end as the server serves it. In a checkout (the package's src/ is there) it is bundled
 * from oracle/src/explorer/web with esbuild at start, so a change is live without a build; the
 * installed package serves what its build wrote to dist/explorer/.
 */
export async function loadExplorerAssets(): Promise<ExplorerAssets> {
  const root = packageRoot()
  const sources = join(root, 'src', 'explorer', 'web')
  let js: string
  let css: string
  if (existsSync(join(sources, 'main.ts'))) {
    const { bundleExplorerWeb } = await import('./bundleExplorerWeb.js')
    ;({ js, css } = await bundleExplorerWeb({ webDir: sources }))
  } else {
    const built = join(root, 'dist', 'explorer')
    try {
      js = readFileSync(join(built, 'app.js'), 'utf8')
      css = readFileSync(join(built, 'app.css'), 'utf8')
    } catch (cause) {
      throw new ExplorerOptionsError(`The explorer's front end is missing from ${built}.`, { details: 'Reinstall @veridict/oracle (its build writes dist/explorer/).', cause })
    }
  }
  // snarkjs's own browser build (an IIFE that defines window.snarkjs), beside build/main.cjs, which `require` resolves to.
  const snarkjs = readFileSync(join(dirname(createRequire(import.meta.url).resolve('snarkjs')), 'snarkjs.min.js'), 'utf8')
  return { js, css, snarkjs }
}

/** The @veridict/oracle folder: above src/explorer/ in a checkout, above dist/ once built. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === '@veridict/oracle') return dir
    const parent = dirname(dir)
    if (parent === dir) throw new ExplorerOptionsError(`The @veridict/oracle package folder was not found above ${fileURLToPath(import.meta.url)}.`)
    dir = parent
  }
}
