import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { expect, test } from 'vitest'
import { REPO_ROOT } from '../circuit/paths.js'
import { openModelSession } from './session.js'

test('the native session of the installed onnxruntime-node runs, and gives the public API results', async () => {
  const file = join(REPO_ROOT, 'circuits', 'models', 'digits.onnx')
  const native = await openModelSession(file, { intraOpNumThreads: 1 })
  const fromBytes = await openModelSession(new Uint8Array(await readFile(file)), { intraOpNumThreads: 1 })
  const fallback = await openModelSession(file, { intraOpNumThreads: 1 }, { direct: false })
  const reference = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 })
  // Pinned: if an onnxruntime-node upgrade changes its binding, this says so (the node still runs, a few µs slower).
  expect([native.binding, fromBytes.binding, fallback.binding]).toEqual(['native', 'native', 'public'])
  expect(native.inputNames).toEqual(reference.inputNames)
  expect(native.outputNames).toEqual(reference.outputNames)
  for (let trial = 0; trial < 5; trial++) {
    const input = Float32Array.from({ length: 196 }, (_, i) => ((i * (trial + 3)) % 17) / 17)
    const feeds = { [reference.inputNames[0]!]: new ort.Tensor('float32', input, [1, 196]) }
    const expected = Array.from((await reference.run(feeds))[reference.outputNames[0]!]!.data as Float32Array)
    for (const session of [native, fromBytes, fallback]) expect(Array.from(((await session.run(feeds))[session.outputNames[0]!] as ort.Tensor).data as Float32Array)).toEqual(expected)
  }
  await expect(native.run({})).rejects.toThrow(`input '${reference.inputNames[0]}' is missing from the feeds`)
  await expect(native.run({ [reference.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(3), [1, 3]) })).rejects.toThrow()
  await Promise.all([native.release(), fromBytes.release(), fallback.release(), reference.release()])
})
