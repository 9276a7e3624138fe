import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { REPO_ROOT } from './circuit/paths.js'
import { runCompilerCli } from './cli.js'
import { testDir } from './testing/opHarness.js'

const capture = () => {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err }
}

test('compile --setup, run, prove and verify from the command line', async () => {
  const dir = await testDir('cli')
  const model = join(dir, 'iris')
  const c = capture()
  const calibration = join(REPO_ROOT, 'circuits', 'models', 'iris.testset.json')
  expect(await runCompilerCli(['compile', join(REPO_ROOT, 'circuits', 'models', 'iris.onnx'), '--out', model, '--calibration', calibration, '--setup'], c.io)).toBe(0)
  expect(c.out.join('\n')).toMatch(/compiled iris: \d+ constraints, scale 2\^\d+/)
  expect(c.out.join('\n')).toMatch(/definition hash 0x[0-9a-f]{64}\nptau dev_bn128_\d+\.ptau: veridict dev ptau \(INSECURE, single party\)/)
  expect(c.out.join('\n')).toContain('phase 2: 1 contribution, verified; verifier contract IrisVerifier')
  expect(c.err.join('\n')).toContain('!! INSECURE SETUP: a single-party dev ptau.')
  expect(c.err.some((l) => l.startsWith('[circom]'))).toBe(true)

  const run = capture()
  expect(await runCompilerCli(['run', model, '--input', '[6.7, 3.0, 5.2, 2.3]'], run.io)).toBe(0)
  const { quantized } = JSON.parse(run.out[0]!) as { quantized: string[] }
  expect(quantized).toHaveLength(3)

  const proofFile = join(dir, 'proof.json')
  const proved = capture()
  expect(await runCompilerCli(['prove', model, '--input', '[6.7, 3.0, 5.2, 2.3]', '--out', proofFile], proved.io)).toBe(0)
  expect(proved.out[0]).toContain(`output ${JSON.stringify(quantized)}`)
  const verified = capture()
  expect(await runCompilerCli(['verify', model, '--proof', proofFile], verified.io)).toBe(0)
  expect(verified.out).toEqual(['valid proof'])

  const proof = JSON.parse(await (await import('node:fs/promises')).readFile(proofFile, 'utf8')) as { publicSignals: string[] }
  proof.publicSignals[proof.publicSignals.length - 1] = String(BigInt(proof.publicSignals.at(-1)!) + 1n)
  await writeFile(proofFile, JSON.stringify(proof))
  const rejected = capture()
  expect(await runCompilerCli(['verify', model, '--proof', proofFile], rejected.io)).toBe(2)
  expect(rejected.out).toEqual(['INVALID proof'])
})

test('bad command lines get clear errors', async () => {
  await expect(runCompilerCli(['compile', 'missing.onnx', '--out', 'x'], capture().io)).rejects.toThrow('No ONNX file at missing.onnx.')
  await expect(runCompilerCli(['compile', 'model.onnx'], capture().io)).rejects.toThrow('Invalid option --out = undefined')
  await expect(runCompilerCli(['compile', 'm.onnx', '--out', 'x', '--scale', 'eight'], capture().io)).rejects.toThrow('Invalid option --scale = "eight": expected an integer.')
  await expect(runCompilerCli(['run', '.', '--input', '[1, "two"]'], capture().io)).rejects.toThrow('expected a non-empty JSON array of finite numbers')
  const unknown = capture()
  expect(await runCompilerCli(['transmogrify'], unknown.io)).toBe(1)
  expect(unknown.err[0]).toContain('unknown command "transmogrify"')
})
