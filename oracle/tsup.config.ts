import { defineConfig } from 'tsup'

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
})
