#!/usr/bin/env node
// forge cannot download a native solc here, so it is pointed at this wrapper around solc-js
// (pinned in package.json). forge makes two calls: `--version` and `--standard-json` (JSON on stdin).
import { readFileSync, writeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const solc = require('solc')
const args = process.argv.slice(2)

if (args.includes('--version')) {
  writeSync(1, `solc, the solidity compiler commandline interface\nVersion: ${solc.version().replace(/\.Emscripten.*$/, "")}.Linux.g++\n`)
  process.exit(0)
}

if (!args.includes('--standard-json')) {
  writeSync(2, `solc wrapper: only --version and --standard-json are supported, got: ${args.join(' ')}\n`)
  process.exit(2)
}

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const allowed = args.filter((_, i) => args[i - 1] === '--allow-paths' || args[i - 1] === '--base-path')
const roots = [process.cwd(), projectRoot, ...allowed.flatMap((a) => a.split(','))]

function findImports(path) {
  for (const root of roots) {
    try {
      return { contents: readFileSync(resolve(root, path), 'utf8') }
    } catch {}
  }
  return { error: `File not found: ${path}` }
}

// The test-only compile jobs that foundry.toml's compilation restrictions tell apart by optimizer
// runs and that only test behaviour: compiled without the optimizer (the same semantics, less than
// half the compile time). Keep in step with foundry.toml.
const UNOPTIMIZED_TEST_JOBS = new Set([499, 498, 496, 495])
const request = JSON.parse(readFileSync(0, 'utf8'))
if (UNOPTIMIZED_TEST_JOBS.has(request.settings?.optimizer?.runs)) request.settings.optimizer.enabled = false
const input = JSON.stringify(request)
const output = solc.compile(input, { import: findImports })
// writeSync, not process.stdout.write: a pipe write followed by exit truncates at 128 KiB.
const buf = Buffer.from(output)
let off = 0
while (off < buf.length) off += writeSync(1, buf, off, buf.length - off)
