// Prints each test runner's totals as a plain "runner: N passed, N failed" line for CI logs.
import { existsSync, readFileSync } from 'node:fs'

const [vitestReport, log] = process.argv.slice(2)
if (vitestReport && existsSync(vitestReport)) {
  const r = JSON.parse(readFileSync(vitestReport, 'utf8'))
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)
}
if (log && existsSync(log)) {
  const plain = readFileSync(log, 'utf8').replace(/\u001b\[[0-9;]*m/g, '')
  const forge = [...plain.matchAll(/(\d+) tests passed, (\d+) failed, (\d+) skipped/g)].pop()
  if (forge) console.log(`forge: ${forge[1]} passed, ${forge[2]} failed, ${forge[3]} skipped`)
}
