import { defineConfig } from 'tsup'

// ESM and CommonJS bundles with their typings, one per entry point; code shared between entry
// points goes in shared chunks, so `instanceof BaseError` holds whichever entry threw.
export default defineConfig({
  entry: { index: 'src/index.ts', errors: 'src/errors/index.ts', prover: 'src/prover/index.ts', verify: 'src/verify/index.ts', privacy: 'src/privacy/index.ts' },
  format: ['esm', 'cjs'],
  // Declarations without a second type check (the repository's typecheck does that): much faster.
  // Without the workspace's source condition: @veridict/circuits (a peer) stays an import of its
  // published typings, and a file of this package reached through it (circuits loads ./private)
  // is not taken for an external library's, whose declarations TypeScript would not emit.
  dts: { compilerOptions: { noCheck: true, customConditions: [] } },
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  tsconfig: 'tsconfig.build.json',
})
