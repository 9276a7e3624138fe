// Writes test/durations.json: each test file's seconds in the last full vitest run (vitest's own
// results cache, node_modules/.vite/vitest/*/results.json), slowest first, files of 5 s or more.
// vitest.config.ts's sequencer starts the slowest files first. Vitest does that by itself only when
// its cache holds durations; a fresh clone (CI) has none and started the 148-second chaos run
// last, with every other file already done.
//
//   node scripts/testDurations.mjs [ROOT]   (ROOT: a clone that just ran the whole suite, e.g. a CI run's)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const here = resolve(import.meta.dirname, '..')
const root = resolve(process.argv[2] ?? here)
const cacheDir = join(root, 'node_modules/.vite/vitest')
const [hash] = readdirSync(cacheDir)
const { results } = JSON.parse(readFileSync(join(cacheDir, hash, 'results.json'), 'utf8'))
const durations = Object.fromEntries(
  results
    .map(([key, { duration }]) => [key.replace(/^[^:]*:/, ''), Math.round(duration / 100) / 10])
    .filter(([, seconds]) => seconds >= 5)
    .sort((a, b) => b[1] - a[1]),
)
writeFileSync(join(here, 'test/durations.json'), `${JSON.stringify(durations, null, 2)}\n`)
console.log(`test/durations.json: ${Object.keys(durations).length} files of 5 s or more, from ${root}`)
