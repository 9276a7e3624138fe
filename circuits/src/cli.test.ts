import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { REPO_ROOT } from './circuit/paths.js'
import { runCompilerCli } from './cli.js'
import { testDir } from './testing/opHarness.js'

/** forge-std's makeAddr("fulfiller"), the address the contract fixtures' proofs credit. */
const FULFILLER = '0x71458637cD221877830A21F543E8b731e93C3627'

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
  expect(await runCompilerCli(['prove', model, '--input', '[6.7, 3.0, 5.2, 2.3]', '--beneficiary', FULFILLER.toLowerCase(), '--out', proofFile], proved.io)).toBe(0)
  expect(proved.out[0]).toContain(`output ${JSON.stringify(quantized)} for beneficiary ${FULFILLER}`)
  const verified = capture()
  expect(await runCompilerCli(['verify', model, '--proof', proofFile], verified.io)).toBe(0)
  expect(verified.out).toEqual(['valid proof'])

  const proof = JSON.parse(await (await import('node:fs/promises')).readFile(proofFile, 'utf8')) as { publicSignals: string[]; beneficiary: string }
  expect(proof.beneficiary).toBe(FULFILLER)
  expect(proof.publicSignals.at(-1)).toBe(BigInt(FULFILLER).toString())
  // The same proof claimed for another address.
  proof.publicSignals[proof.publicSignals.length - 1] = String(BigInt(proof.publicSignals.at(-1)!) + 1n)
  await writeFile(proofFile, JSON.stringify(proof))
  const rejected = capture()
  expect(await runCompilerCli(['verify', model, '--proof', proofFile], rejected.io)).toBe(2)
  expect(rejected.out).toEqual(['INVALID proof'])
})

test('a ceremony from the command line: init, contribute, a contribution as a file, beacon, verify, finalize, prove', async () => {
  const dir = await testDir('cli-ceremony')
  const model = join(dir, 'iris')
  const calibration = join(REPO_ROOT, 'circuits', 'models', 'iris.testset.json')
  expect(await runCompilerCli(['compile', join(REPO_ROOT, 'circuits', 'models', 'iris.onnx'), '--out', model, '--calibration', calibration], capture().io)).toBe(0)

  const init = capture()
  expect(await runCompilerCli(['ceremony', 'init', model], init.io)).toBe(0)
  expect(init.out[0]).toMatch(/^ptau dev_bn128_\d+\.ptau: veridict dev ptau \(INSECURE, single party\), power \d+, blake2b 0x[0-9a-f]{128}$/)
  expect(init.err.join('\n')).toContain('!! INSECURE SETUP: a veridict dev ptau: one party made it and knew tau.')
  const alice = capture()
  expect(await runCompilerCli(['ceremony', 'contribute', model, '--name', 'alice', '--entropy', 'alice dice'], alice.io)).toBe(0)
  expect(alice.out).toEqual([expect.stringMatching(/^contribution #1 "alice": 0x[0-9a-f]{128}$/)])
  const next = join(dir, 'next.zkey')
  const bobFile = join(dir, 'bob.zkey')
  expect(await runCompilerCli(['ceremony', 'export', model, '--out', next], capture().io)).toBe(0)
  const bob = capture()
  expect(await runCompilerCli(['ceremony', 'contribute', '--in', next, '--out', bobFile, '--name', 'bob'], bob.io)).toBe(0)
  expect(bob.out[0]).toBe('builds on 1 contribution (compare with the hashes the coordinator published):')
  expect(bob.out[1]).toBe(`  #1 ${alice.out[0]!.split(': ')[1]}  alice`)
  const imported = capture()
  expect(await runCompilerCli(['ceremony', 'import', model, bobFile], imported.io)).toBe(0)
  expect(imported.out[0]).toMatch(/^imported and verified contribution #2 "bob": 0x[0-9a-f]{128}$/)
  expect(await runCompilerCli(['ceremony', 'beacon', model, '--hash', '0x5eed5eed', '--iterations', '10'], capture().io)).toBe(0)

  const verified = capture()
  expect(await runCompilerCli(['ceremony', 'verify', model], verified.io)).toBe(0)
  expect(verified.out.slice(2).map((l) => l.replace(/0x[0-9a-f]{128}/, 'HASH'))).toEqual([
    '  #1 HASH  alice',
    '  #2 HASH  bob',
    '  beacon HASH  random beacon (from 0x5eed5eed, 2^10 iterations)',
    expect.stringMatching(/^valid: every contribution follows from the r1cs and the ptau \(\d+\.\d s\)$/),
  ])
  const finalized = capture()
  expect(await runCompilerCli(['ceremony', 'finalize', model], finalized.io)).toBe(0)
  expect(finalized.out[2]).toBe('phase 2: 2 contributions and a random beacon, verified; verifier contract IrisVerifier')

  const proofFile = join(dir, 'proof.json')
  expect(await runCompilerCli(['prove', model, '--input', '[6.7, 3.0, 5.2, 2.3]', '--beneficiary', FULFILLER, '--out', proofFile], capture().io)).toBe(0)
  const valid = capture()
  expect(await runCompilerCli(['verify', model, '--proof', proofFile], valid.io)).toBe(0)
  expect(valid.out).toEqual(['valid proof'])
})

test('bad command lines get clear errors', async () => {
  await expect(runCompilerCli(['compile', 'missing.onnx', '--out', 'x'], capture().io)).rejects.toThrow('No ONNX file at missing.onnx.')
  await expect(runCompilerCli(['compile', 'model.onnx'], capture().io)).rejects.toThrow('Invalid option --out = undefined')
  await expect(runCompilerCli(['compile', 'm.onnx', '--out', 'x', '--scale', 'eight'], capture().io)).rejects.toThrow('Invalid option --scale = "eight": expected an integer.')
  await expect(runCompilerCli(['run', '.', '--input', '[1, "two"]'], capture().io)).rejects.toThrow('expected a non-empty JSON array of finite numbers')
  await expect(runCompilerCli(['prove', '.', '--input', '[1, 2]'], capture().io)).rejects.toThrow('Invalid option --beneficiary = undefined')
  await expect(runCompilerCli(['prove', '.', '--input', '[1, 2]', '--beneficiary', '0x71458637cd221877830a21f543e8b731e93c36'], capture().io)).rejects.toThrow(
    'The beneficiary "0x71458637cd221877830a21f543e8b731e93c36" is not an Ethereum address.',
  )
  await expect(runCompilerCli(['ceremony', 'contribute', '.'], capture().io)).rejects.toThrow('Invalid option --name = undefined')
  await expect(runCompilerCli(['ceremony', 'beacon', '.', '--hash', 'xyz', '--iterations', '10'], capture().io)).rejects.toThrow('Invalid beacon --hash "xyz": expected an even number of hex digits')
  await expect(runCompilerCli(['ceremony', 'beacon', '.', '--hash', '0xab', '--iterations', '5'], capture().io)).rejects.toThrow('Invalid beacon --iterations 5: expected an integer exponent from 10 to 63')
  const unknown = capture()
  expect(await runCompilerCli(['transmogrify'], unknown.io)).toBe(1)
  expect(unknown.err[0]).toContain('unknown command "transmogrify"')
  const unknownStep = capture()
  expect(await runCompilerCli(['ceremony', 'bless', '.'], unknownStep.io)).toBe(1)
  expect(unknownStep.err[0]).toContain('unknown ceremony step "bless": expected init, contribute, export, import, beacon, verify or finalize')
})
