import { fileURLToPath } from 'node:url'
import { build, type Metafile } from 'esbuild'
import { describe, expect, test } from 'vitest'

const entry = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** Bundles an entry point for the browser (viem left external) and returns every input file and import. */
async function importGraph(path: string, platform: 'browser' | 'node'): Promise<{ inputs: string[]; externals: string[] }> {
  const result = await build({
    entryPoints: [entry(path)],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform,
    logLevel: 'silent',
    // The workspace's packages resolve to their sources, as in the repository's tests.
    conditions: ['@veridict/source'],
    external: ['viem', 'viem/*', ...(platform === 'node' ? ['snarkjs', 'onnxruntime-node', 'onnx-proto', 'ffjavascript', 'circomlibjs'] : [])],
  })
  const metafile: Metafile = result.metafile
  const externals = new Set<string>()
  for (const input of Object.values(metafile.inputs)) for (const imported of input.imports) if (imported.external) externals.add(imported.path)
  return { inputs: Object.keys(metafile.inputs), externals: [...externals].sort() }
}

const heavy = /snarkjs|onnxruntime|ffjavascript|circomlib|onnx-proto|(^|\/)circuits\//

describe('entry points', () => {
  test('the plain entry bundles for the browser with viem only: no snarkjs, onnxruntime or circuits code', async () => {
    const { inputs, externals } = await importGraph('./index.ts', 'browser')
    expect(inputs.filter((file) => heavy.test(file))).toEqual([])
    expect(externals.every((path) => path === 'viem' || path.startsWith('viem/'))).toBe(true)
    expect(inputs.every((file) => file.startsWith('sdk/src/'))).toBe(true)
  })

  test('the verify entry adds snarkjs but no circuits code or onnxruntime', async () => {
    const { inputs, externals } = await importGraph('./verify/index.ts', 'node')
    expect(externals).toContain('snarkjs')
    expect(externals.filter((path) => /onnxruntime/.test(path))).toEqual([])
    expect(inputs.filter((file) => /(^|\/)circuits\//.test(file))).toEqual([])
  })

  test('the prover entry is where the circuits prover comes in', async () => {
    const { inputs } = await importGraph('./prover/index.ts', 'node')
    expect(inputs.some((file) => file.startsWith('circuits/src/prove/'))).toBe(true)
  })
})
