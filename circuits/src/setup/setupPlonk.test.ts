import { cp, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { REPO_ROOT } from '../circuit/paths.js'
import { compileModel } from '../compile/compileModel.js'
import { PtauTooSmallError } from '../errors/setup.js'
import { readManifest } from '../manifest/manifest.js'
import { readModelDefinition } from '../manifest/readModelDefinition.js'
import { prove } from '../prove/prove.js'
import { verify } from '../prove/verify.js'
import { TEST_BENEFICIARY, testDir } from '../testing/opHarness.js'
import { writeDevPtau } from './devPtau.js'
import { requiredPtauPower, setupModel } from './setupModel.js'

const IRIS = join(REPO_ROOT, 'circuits', 'models', 'iris.onnx')

describe('PLONK setup (universal: no phase 2)', () => {
  let compiled: string
  let inputs: number[][]

  beforeAll(async () => {
    const testset = JSON.parse(await readFile(join(REPO_ROOT, 'circuits', 'models', 'iris.testset.json'), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
    inputs = testset.inputs
    compiled = await testDir('plonk-compiled')
    await compileModel({ onnx: IRIS, outDir: compiled, calibration: testset.calibration.inputs })
  })

  test('records its provenance without a phase 2, matches the registry definition of its files, and proves', async () => {
    const dir = await testDir('plonk-setup')
    await cp(compiled, dir, { recursive: true })
    const { manifest } = await setupModel({ dir, scheme: 'plonk' })
    const setup = manifest.setup!
    expect(setup).toMatchObject({ protocol: 'plonk', phase2: undefined, insecure: true, ptau: { kind: 'dev' }, verifierContract: 'IrisPlonkVerifier' })
    expect(setup.record).toEqual({ ptauHash: setup.ptau.blake2b.slice(0, 66), contributions: 0, insecure: true })
    // PLONK's addition gates need more than Groth16's power for the same r1cs.
    expect(setup.ptau.power).toBeGreaterThan(requiredPtauPower(manifest.circuit!.constraints, manifest.circuit!.publicInputs))
    const defined = await readModelDefinition(dir)
    expect(defined.definition.proofSystem).toBe('plonk')
    expect(defined.definitionHash).toBe(manifest.definitionHash)
    expect(await readFile(join(dir, 'IrisPlonkVerifier.sol'), 'utf8')).toContain('INSECURE')

    const proved = await prove({ dir, input: { values: inputs[0]! }, beneficiary: TEST_BENEFICIARY })
    expect(proved.proof.protocol).toBe('plonk')
    expect(await verify({ dir, proof: proved.proof, publicSignals: proved.publicSignals })).toBe(true)
    const changed = [...proved.publicSignals]
    changed[changed.length - 1] = String(BigInt(changed.at(-1)!) ^ 1n)
    expect(await verify({ dir, proof: proved.proof, publicSignals: changed })).toBe(false)
  })

  test('a given ptau too small for the PLONK gates is refused with the power it needs, and nothing is written', async () => {
    const dir = await testDir('plonk-small')
    await cp(compiled, dir, { recursive: true })
    const { circuit } = await readManifest(dir)
    const groth16Power = requiredPtauPower(circuit!.constraints, circuit!.publicInputs)
    const path = join(dir, 'exactly-groth16-power.ptau')
    await writeDevPtau({ power: groth16Power, path, seed: 'plonk too small' })
    const error = await setupModel({ dir, scheme: 'plonk', ptau: path }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PtauTooSmallError)
    expect((error as Error).message).toMatch(new RegExp(`has power ${groth16Power}; this circuit needs at least ${groth16Power + 1}`))
    expect((await readManifest(dir)).setup).toBeUndefined()
  })
})
