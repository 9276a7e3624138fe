import { defineConfig } from 'tsup'
import { bundleExplorerWeb } from './src/explorer/bundleExplorerWeb.js'

// The command line as plain JavaScript for `node` (bin/veridict.mjs imports dist/cli.js): ESM,
// with each command's modules in chunks of their own, so `veridict --help` loads almost nothing.
export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  tsconfig: 'tsconfig.build.json',
  // Only a checkout bundles the explorer's front end at run time; the package ships it built.
  external: ['esbuild'],
  // The explorer's front end, for browsers: dist/explorer/app.js and app.css.
  onSuccess: async () => {
    await bundleExplorerWeb({ webDir: 'src/explorer/web', outdir: 'dist/explorer' })
  },
})
