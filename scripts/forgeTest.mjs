#!/usr/bin/env node
// Runs `forge test` with the given arguments and fails when forge does not report a test summary.
// forge exits 0 when the compiler (scripts/solc.mjs) fails, which would let a run with no tests pass.
import { spawn } from 'node:child_process'

const child = spawn('forge', ['test', ...process.argv.slice(2)], { stdio: ['inherit', 'pipe', 'pipe'] })
let output = ''
for (const [stream, sink] of [
  [child.stdout, process.stdout],
  [child.stderr, process.stderr],
]) {
  stream.on('data', (chunk) => {
    output += chunk
    sink.write(chunk)
  })
}
child.on('close', (code) => {
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '')
  if (code !== 0) process.exit(code ?? 1)
  if (/Error: solc exited|Compiler run failed/.test(plain) || !/\d+ tests passed, \d+ failed, \d+ skipped/.test(plain)) {
    console.error('\nforge test: no test summary (the contracts did not compile); failing.')
    process.exit(1)
  }
})
