// Prints each test runner's totals as a plain "runner: N passed, N failed" line for CI logs, and
// after them each failed vitest test with the first lines of its error: the end of a CI log is often
// all that is kept of it, and a failure must be diagnosable from there.
import { existsSync, readFileSync } from 'node:fs'
import { relative } from 'node:path'

const [vitestReport, log] = process.argv.slice(2)
const failures = []
if (vitestReport && existsSync(vitestReport)) {
  const r = JSON.parse(readFileSync(vitestReport, 'utf8'))
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)
  for (const file of r.testResults ?? []) {
    const name = relative(process.cwd(), file.name)
    const failed = (file.assertionResults ?? []).filter((t) => t.status === 'failed')
    for (const t of failed) failures.push({ name: `${name} > ${t.fullName}`, message: t.failureMessages?.[0] ?? '' })
    // A file that fails before its tests run (an import error, a failing beforeAll) has no failed test.
    if (failed.length === 0 && file.status === 'failed') failures.push({ name, message: file.message ?? '' })
  }
}
if (log && existsSync(log)) {
  const plain = readFileSync(log, 'utf8').replace(/\u001b\[[0-9;]*m/g, '')
  const forge = [...plain.matchAll(/(\d+) tests passed, (\d+) failed, (\d+) skipped/g)].pop()
  if (forge) console.log(`forge: ${forge[1]} passed, ${forge[2]} failed, ${forge[3]} skipped`)
}
for (const f of failures) {
  const lines = f.message.replace(/\u001b\[[0-9;]*m/g, '').split('\n').filter((l) => l.trim() !== '')
  console.log(`FAILED ${f.name}`)
  for (const line of lines.slice(0, 12)) console.log(`  ${line}`)
}
