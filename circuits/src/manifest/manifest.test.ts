import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { zeroHash } from 'viem'
import { expect, test } from 'vitest'
import { computeDefinitionHash, EMPTY_SETUP_RECORD } from '@veridict/sdk'
import { REPO_ROOT } from '../circuit/paths.js'
import { compileModel } from '../compile/compileModel.js'
import { testDir } from '../testing/opHarness.js'
import { MANIFEST_FORMAT, readManifest } from './manifest.js'

const IRIS = join(REPO_ROOT, 'circuits', 'models', 'iris.onnx')

test('an attested-only model gets its definition hash at compile: no proof system, zero key, empty setup record', async () => {
  const dir = await testDir('manifest-attested')
  const { manifest } = await compileModel({ onnx: IRIS, outDir: dir, scale: 6, inputScale: 5, inputBits: 10, circuit: false })
  expect(manifest.format).toBe('veridict-manifest/4')
  expect(manifest.parameters.stages).toBe(manifest.stages.length)
  expect(manifest.parameters.root).toMatch(/^0x[0-9a-f]{64}$/)
  expect(manifest.definitionHash).toBe(
    computeDefinitionHash({
      onnxHash: manifest.onnx.keccak256,
      quantizationHash: manifest.quantization.keccak256,
      parameters: manifest.parameters,
      proofSystem: 'none',
      verificationKeyHash: zeroHash,
      input: { values: 4, bits: 10, private: false },
      output: { values: manifest.output.count, bits: manifest.output.bits },
      setup: EMPTY_SETUP_RECORD,
    }),
  )
  expect((await readManifest(dir)).definitionHash).toBe(manifest.definitionHash)
})

test('refuses a manifest of an older format, saying to compile and set up again', async () => {
  const dir = await testDir('manifest-old')
  const { manifest } = await compileModel({ onnx: IRIS, outDir: dir, scale: 6, inputScale: 5, inputBits: 10, circuit: false })
  const { definitionHash: _, ...rest } = manifest
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...rest, format: 'veridict-manifest/1', modelId: zeroHash }))
  await expect(readManifest(dir)).rejects.toThrow(
    `Bad model manifest ${join(dir, 'manifest.json')}: its format is veridict-manifest/1, written by another compiler version; this one reads ${MANIFEST_FORMAT} (a model's definition now also says whether its input is private). Re-run veridict compile for this model, then veridict setup (or a ceremony) to make new keys.`,
  )
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ format: 'something-else/3' }))
  await expect(readManifest(dir)).rejects.toThrow('its format is "something-else/3", not a veridict manifest (expected veridict-manifest/4)')
  await writeFile(join(dir, 'manifest.json'), (await readFile(join(dir, 'manifest.json'), 'utf8')).slice(0, 10))
  await expect(readManifest(dir)).rejects.toThrow('it is not valid JSON')
})
