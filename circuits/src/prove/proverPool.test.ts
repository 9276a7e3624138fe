import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { REPO_ROOT } from '../circuit/paths.js'
import { ensureCompiledModel } from '../compile/ensureCompiledModel.js'
import { TEST_BENEFICIARY } from '../testing/opHarness.js'
import { prove } from './prove.js'
import { ProverPool } from './proverPool.js'
import { verify } from './verify.js'

/** The bundled Iris, compiled and set up once (cached), proved repeatedly in one pool. */
describe('ProverPool: prover processes are replaced past their proof count or memory bound', () => {
  let dir: string
  let inputs: number[][]
  const pools: ProverPool[] = []

  beforeAll(async () => {
    const testset = JSON.parse(await readFile(join(REPO_ROOT, 'circuits/models/iris.testset.json'), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
    inputs = testset.inputs
    ;({ dir } = await ensureCompiledModel({ onnx: join(REPO_ROOT, 'circuits/models/iris.onnx'), name: 'iris', calibration: testset.calibration.inputs }))
  }, 600_000)

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()))
  })

  const proveAll = async (pool: ProverPool, count: number) => {
    const results = []
    for (let i = 0; i < count; i++) results.push(await prove({ dir, input: { values: inputs[i]! }, beneficiary: TEST_BENEFICIARY, pool }))
    return results
  }

  test('a process is replaced after maxProofsPerProcess proofs, and the proofs still verify', async () => {
    const pool = new ProverPool({ maxProofsPerProcess: 2 })
    pools.push(pool)
    const results = await proveAll(pool, 5)
    expect(pool.recycled).toBe(2)
    for (const r of results) expect(await verify({ dir, proof: r.proof, publicSignals: r.publicSignals })).toBe(true)
  })

  test('a process past the memory bound is replaced after its proof; within it, it is kept', async () => {
    const tight = new ProverPool({ maxRssMiB: 1 })
    const roomy = new ProverPool()
    pools.push(tight, roomy)
    await proveAll(tight, 3)
    expect(tight.recycled).toBe(3)
    await proveAll(roomy, 3)
    expect(roomy.recycled).toBe(0)
  })

  test('20 proofs in one prover process: its resident memory stays bounded (flat after warm-up), no replacement needed', async () => {
    const pool = new ProverPool()
    pools.push(pool)
    const results = await proveAll(pool, 20)
    expect(pool.recycled).toBe(0)
    const rssMiB = results.map((r) => r.rssKb / 1024)
    console.log(`prover RSS after each of 20 Iris proofs (MiB): ${rssMiB.map((m) => m.toFixed(0)).join(' ')}`)
    // Warm after five proofs; from there to the twentieth it may wander (the collector) but not climb.
    const warm = Math.max(...rssMiB.slice(2, 5))
    expect(Math.max(...rssMiB.slice(5))).toBeLessThan(warm * 1.5)
    expect(Math.max(...rssMiB)).toBeLessThan(1024)
  }, 300_000)

  test('refuses bad bounds', () => {
    expect(() => new ProverPool({ maxRssMiB: 0 })).toThrow(/memory bound must be a positive number of MiB, got 0/)
    expect(() => new ProverPool({ maxProofsPerProcess: 1.5 })).toThrow(/proofs per prover process must be a positive integer, got 1.5/)
  })
})
