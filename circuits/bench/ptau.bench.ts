// Times the dev powers-of-tau writer against snarkjs's own new + contribute + prepare phase2.
//
//   npm run bench:ptau                       dev ptau at 2^12, 2^13, 2^14; snarkjs at 2^10
//   npm run bench:ptau -- 12 14 16 --snarkjs 10,12
//
// Files go to .cache/bench-ptau/ and are removed afterwards. Every file written here is an
// INSECURE single-party dev ptau.
import { cpus } from 'node:os'
import { mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'

import { buildBn128 } from 'ffjavascript'
import * as snarkjs from 'snarkjs'

import { writeDevPtau } from '../src/setup/devPtau.js'

const args = process.argv.slice(2)
const snarkjsFlag = args.indexOf('--snarkjs')
const snarkjsPowers = snarkjsFlag >= 0 ? (args[snarkjsFlag + 1] ?? '').split(',').filter(Boolean).map(Number) : [10]
const devArgs = (snarkjsFlag >= 0 ? args.slice(0, snarkjsFlag) : args).map(Number)
const devPowers = devArgs.length > 0 ? devArgs : [12, 13, 14]

const dir = join(import.meta.dirname, '../../.cache/bench-ptau')
await mkdir(dir, { recursive: true })

type Row = { power: number; method: string; seconds: number; detail: string; megabytes: number }
const rows: Row[] = []
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

for (const power of devPowers) {
  const path = join(dir, `dev_${power}.ptau`)
  let lastShown = -1
  const { seconds, bytes } = await writeDevPtau({
    power,
    path,
    onProgress: ({ phase, fraction }) => {
      const percent = Math.floor(fraction * 10) * 10
      if (percent > lastShown) {
        lastShown = percent
        process.stderr.write(`  2^${power}: ${String(percent).padStart(3)}% (${phase})\n`)
      }
    },
  })
  rows.push({ power, method: 'veridict writeDevPtau', seconds, detail: 'prepared, verify-clean', megabytes: bytes / 2 ** 20 })
  await rm(path)
}

if (snarkjsPowers.length > 0) {
  const curve = await buildBn128()
  for (const power of snarkjsPowers) {
    const files = ['new', 'contributed', 'prepared'].map((name) => join(dir, `snarkjs_${power}_${name}.ptau`)) as [string, string, string]
    const timed = async (step: () => Promise<unknown>) => {
      const t = performance.now()
      await step()
      return (performance.now() - t) / 1000
    }
    process.stderr.write(`  snarkjs 2^${power}: new + contribute + prepare phase2...\n`)
    const tNew = await timed(() => snarkjs.powersOfTau.newAccumulator(curve, power, files[0], quiet))
    const tContribute = await timed(() => snarkjs.powersOfTau.contribute(files[0], files[1], 'bench', 'bench entropy', quiet))
    const tPrepare = await timed(() => snarkjs.powersOfTau.preparePhase2(files[1], files[2], quiet))
    const { size } = await stat(files[2])
    rows.push({
      power,
      method: 'snarkjs new+contribute+prepare',
      seconds: tNew + tContribute + tPrepare,
      detail: `new ${tNew.toFixed(1)} s, contribute ${tContribute.toFixed(1)} s, prepare ${tPrepare.toFixed(1)} s`,
      megabytes: size / 2 ** 20,
    })
    for (const file of files) await rm(file)
  }
  await curve.terminate()
}

console.log(`\nPowers of tau (bn128), ${cpus().length} cores, Node ${process.version}\n`)
console.log('| power | method | seconds | file MiB | notes |')
console.log('|---|---|---:|---:|---|')
for (const r of rows) console.log(`| 2^${r.power} | ${r.method} | ${r.seconds.toFixed(2)} | ${r.megabytes.toFixed(1)} | ${r.detail} |`)
console.log('\nA dev ptau is NOT secure (one party knew tau); production must use a public ceremony file (--ptau).')
process.exit(0)
