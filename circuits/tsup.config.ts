import { copyFileSync } from 'node:fs'
import { defineConfig } from 'tsup'

// ESM and CommonJS bundles with their typings. `shims` gives the CommonJS build an import.meta.url
// (the package finds its templates and bundled models from it); the prover's child-process script
// is plain JavaScript and is copied beside the bundles, where the prover pool forks it.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm', 'cjs'],
  // Declarations without a second type check (the repository's typecheck does that): much faster.
  dts: { compilerOptions: { noCheck: true } },
  splitting: true,
  shims: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  tsconfig: 'tsconfig.build.json',
  onSuccess: async () => copyFileSync('src/prove/snarkjsProver.mjs', 'dist/snarkjsProver.mjs'),
})
