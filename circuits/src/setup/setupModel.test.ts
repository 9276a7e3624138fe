import { copyFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, expect, test } from 'vitest'
import { REPO_ROOT } from '../circuit/paths.js'
import { compileModel } from '../compile/compileModel.js'
import { readManifest } from '../manifest/manifest.js'
import { testDir } from '../testing/opHarness.js'
import { ensureDevPtau } from './devPtau.js'
import { requiredPtauPower, setupModel } from './setupModel.js'

const IRIS = join(REPO_ROOT, 'circuits', 'models', 'iris.onnx')

let dir: string

beforeAll(async () => {
  const calibration = (JSON.parse(await readFile(join(REPO_ROOT, 'circuits', 'models', 'iris.testset.json'), 'utf8')) as { calibration: { inputs: number[][] } }).calibration.inputs
  dir = await testDir('setup-attack')
  await compileModel({ onnx: IRIS, outDir: dir, calibration })
})

test('the cached dev ptau passed as --ptau under another name still gives an INSECURE setup', async () => {
  const { circuit } = await readManifest(dir)
  const dev = await ensureDevPtau({ power: requiredPtauPower(circuit!.constraints, circuit!.publicInputs) })
  const disguised = join(dir, 'powersOfTau28_hez_final_14.ptau')
  await copyFile(dev.path, disguised)

  const { manifest } = await setupModel({ dir, ptau: disguised })

  expect(manifest.setup?.insecure).toBe(true)
  expect(manifest.setup?.ptau).toMatchObject({ file: 'powersOfTau28_hez_final_14.ptau', kind: 'dev', ceremony: 'veridict dev ptau (INSECURE, single party)' })
  expect(manifest.setup?.record.insecure).toBe(true)
  const verifier = await readFile(join(dir, manifest.artifacts.verifier!), 'utf8')
  expect(verifier).toContain('/// INSECURE: set up with a single-party dev powers of tau.')
})
