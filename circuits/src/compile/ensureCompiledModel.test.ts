import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { REPO_ROOT } from '../circuit/paths.js'
import { testDir } from '../testing/opHarness.js'
import { ensureCompiledModel } from './ensureCompiledModel.js'

test('builds a model once and serves it from the cache, even to concurrent callers', async () => {
  const cacheDir = await testDir('model-cache')
  const parameters = { onnx: join(REPO_ROOT, 'circuits', 'models', 'iris.onnx'), name: 'iris', cacheDir, scale: 6, inputScale: 5, inputBits: 10 }
  const [a, b] = await Promise.all([ensureCompiledModel(parameters), ensureCompiledModel(parameters)])
  expect(a.dir).toBe(b.dir)
  expect(a.manifest.definitionHash).toMatch(/^0x[0-9a-f]{64}$/)
  expect(a.manifest.definitionHash).toBe(b.manifest.definitionHash)
  const again = await ensureCompiledModel(parameters)
  expect(again.cached).toBe(true)
  expect(again.manifest.definitionHash).toBe(a.manifest.definitionHash)
  expect(await readdir(cacheDir)).toEqual([a.dir.split('/').pop()])
  const other = await ensureCompiledModel({ ...parameters, scale: 7 })
  expect(other.dir).not.toBe(a.dir)
})

test('a flag at its default names the same folder; a lock left by a dead builder is taken over', async () => {
  const cacheDir = await testDir('model-cache-lock')
  const parameters = { onnx: join(REPO_ROOT, 'circuits', 'models', 'iris.onnx'), name: 'iris', cacheDir, scale: 6, inputScale: 5, inputBits: 10, circuit: false }
  const first = await ensureCompiledModel({ ...parameters, privateInput: false, privateWeights: undefined })
  const same = await ensureCompiledModel(parameters)
  expect(same.dir).toBe(first.dir)
  expect(same.cached).toBe(true)
  // A build killed mid-way leaves its lock: a pid that no longer runs (beyond Linux's pid_max).
  const other = { ...parameters, scale: 7 }
  const { dir } = await ensureCompiledModel({ ...other, cacheDir: await testDir('model-cache-probe') })
  const lock = join(cacheDir, `${dir.split('/').pop()}.lock`)
  await writeFile(lock, '4194305')
  const built = await ensureCompiledModel(other)
  expect(built.cached).toBe(false)
  expect(await readdir(cacheDir)).not.toContain(lock.split('/').pop())
})
