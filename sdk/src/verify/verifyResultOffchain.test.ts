import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const FIXTURE = join(ROOT, 'contracts/test/fixtures/square')

/**
 * The Groth16 fixture (out = in * in + 3, bound to its beneficiary) as a proved result: a script that
 * verifies it ends by itself (snarkjs's curve workers are stopped), printing the verdict.
 */
const script = `
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { encodeProof } from '${join(ROOT, 'sdk/src/encoding/encodeProof.ts')}'
import { verifyResultOffchain } from '${join(ROOT, 'sdk/src/verify/index.ts')}'
const read = (name) => JSON.parse(readFileSync('${FIXTURE}/' + name, 'utf8'))
const fixture = read('fixture.json')
const result = (outputWords) => ({
  requestId: 1n,
  modelId: '0x' + '00'.repeat(32),
  inputWords: fixture.inputWords.map(BigInt),
  outputWords,
  request: { quorum: 0 },
  fulfilment: { kind: 'proof', proof: encodeProof(read('proof.json')), fulfiller: fixture.beneficiary },
})
const vkey = read('verification_key.json')
const right = await verifyResultOffchain({}, { result: result(fixture.outputWords.map(BigInt)), vkey })
const wrong = await verifyResultOffchain({}, { result: result([53n]), vkey })
console.log(JSON.stringify({ right: right.valid, wrong: wrong.valid, curve: globalThis.curve_bn128 ? 'running' : null }))
`

test('a script that verifies proved results off-chain exits by itself: the curve workers it started are stopped', async () => {
  expect(JSON.parse(readFileSync(join(FIXTURE, 'fixture.json'), 'utf8')).outputWords).toHaveLength(1)
  const file = join(mkdtempSync(join(tmpdir(), 'veridict-verify-')), 'verify.mts')
  writeFileSync(file, script)
  // No process.exit in the script: it ends only when nothing keeps the event loop alive.
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@veridict/source', '--import', 'tsx', file], { cwd: ROOT, timeout: 60_000 })
  expect(JSON.parse(stdout)).toEqual({ right: true, wrong: false, curve: null })
}, 90_000)
