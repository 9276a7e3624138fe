/**
 * npm run bench:logs [-- --lines 200000 --rounds 5]
 *
 * Lines per second the node's logger (createLogger: pino with its redaction) writes into a file,
 * same process, the ways taking turns each round (median of the rounds):
 *  - `RotatingLogFile` with a bound never reached (the node's logFile), and with a 1 MiB bound
 *    (a rotation about every 6,000 lines, 3 files kept);
 *  - pino.destination({ sync: true }), the devnet's writer before it (one synchronous write a line);
 *  - pino.destination(fd), asynchronous, as the node's stderr is written (for reference: it buffers
 *    while a write is in flight, so a crash can lose what it holds).
 * Prints a Markdown table.
 */
import { mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino, type DestinationStream } from 'pino'
import { RotatingLogFile } from '../src/log/rotatingLogFile.js'
import { createLogger } from '../src/logger.js'

const { values } = parseArgs({ options: { lines: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } } })
const lines = Number(values.lines)
const rounds = Number(values.rounds)
const dir = mkdtempSync(join(tmpdir(), 'veridict-logs-bench-'))

type Way = { name: string; open: (path: string) => { destination: DestinationStream; finish: () => void } }
const ways: Way[] = [
  { name: 'RotatingLogFile, bound not reached', open: (path) => ({ destination: new RotatingLogFile({ path, maxBytes: 1024 ** 3, files: 3 }), finish: () => {} }) },
  { name: 'RotatingLogFile, rotated at 1 MiB', open: (path) => ({ destination: new RotatingLogFile({ path, maxBytes: 1024 ** 2, files: 3 }), finish: () => {} }) },
  {
    name: 'pino.destination({ sync: true }) (before)',
    open: (path) => {
      const stream = pino.destination({ dest: path, append: true, sync: true })
      return { destination: stream, finish: () => stream.flushSync() }
    },
  },
  {
    name: 'pino.destination(fd), async (stderr\'s way)',
    open: (path) => {
      const stream = pino.destination(openSync(path, 'a'))
      return { destination: stream, finish: () => stream.flushSync() }
    },
  },
]

const rates = new Map<string, number[]>(ways.map((w) => [w.name, []]))
let bytesPerLine = 0
for (let round = 0; round < rounds; round++) {
  for (const [i, way] of ways.entries()) {
    const folder = join(dir, `${round}-${i}`)
    mkdirSync(folder)
    const path = join(folder, 'node.log')
    const { destination, finish } = way.open(path)
    const logger = createLogger('info', { node: 1 }, destination)
    const start = performance.now()
    for (let n = 0; n < lines; n++) logger.info({ requestId: String(1_000_000 + n), state: 'proved', ms: 12.5 }, 'job advanced')
    finish()
    const seconds = (performance.now() - start) / 1000
    rates.get(way.name)!.push(lines / seconds)
    const bytes = readdirSync(folder).reduce((sum, name) => sum + statSync(join(folder, name)).size, 0)
    if (i === 0) bytesPerLine = bytes / lines
    rmSync(folder, { recursive: true, force: true })
  }
}
rmSync(dir, { recursive: true, force: true })

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(`${lines} lines of ${Math.round(bytesPerLine)} bytes each way, median of ${rounds} rounds\n`)
console.log('| writer | lines per second | min - max |\n| --- | ---: | ---: |')
for (const [name, xs] of rates) console.log(`| ${name} | ${Math.round(median(xs)).toLocaleString('en')} | ${Math.round(Math.min(...xs)).toLocaleString('en')} - ${Math.round(Math.max(...xs)).toLocaleString('en')} |`)
