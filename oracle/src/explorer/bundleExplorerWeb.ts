import { join } from 'node:path'

export type BundleExplorerWebParameters = {
  /** oracle/src/explorer/web */
  webDir: string
  /** Also write app.js and app.css here (the package build's dist/explorer). */
  outdir?: string | undefined
}

/**
 * Bundles the front end (web/main.ts and what it imports: its own modules, the SDK's key and proof
 * decoders, viem's ABI decoding) into one browser script and one stylesheet with esbuild. esbuild
 * is a build tool: only a checkout and the package build call this.
 */
export async function bundleExplorerWeb({ webDir, outdir }: BundleExplorerWebParameters): Promise<{ js: string; css: string }> {
  const { build } = await import('esbuild')
  const result = await build({
    entryPoints: { app: join(webDir, 'main.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // The workspace's packages by their TypeScript sources, as everywhere in the workspace.
    conditions: ['@veridict/source'],
    minify: true,
    legalComments: 'none',
    outdir: outdir ?? join(webDir, '.out'),
    write: outdir !== undefined,
    logLevel: 'silent',
  })
  if (outdir !== undefined) {
    const { readFileSync } = await import('node:fs')
    return { js: readFileSync(join(outdir, 'app.js'), 'utf8'), css: readFileSync(join(outdir, 'app.css'), 'utf8') }
  }
  const file = (ext: string) => result.outputFiles?.find((f) => f.path.endsWith(ext))?.text ?? ''
  return { js: file('.js'), css: file('.css') }
}
