import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { loadCompiledModel, parametersCommitment, runTrace, traceCommitment } from '../../../circuits/src/index.js'
import { TraceFileError } from '../errors/node.js'
import { compileIris } from '../testing/harness.js'
import { JobStore } from './jobStore.js'
import { TraceFiles } from './traceFiles.js'

test('a kept trace reads back as the same game side; a changed, cut or foreign file is refused by name', async () => {
  const { dir, testInputs } = await compileIris()
  const { model } = await loadCompiledModel(dir)
  const parameters = parametersCommitment(model)
  const dataDir = mkdtempSync(join(tmpdir(), 'veridict-traces-'))
  const traces = new TraceFiles(dataDir)
  const q = testInputs[0]!.map((v) => BigInt(Math.round(v * 2 ** model.inputScale)))
  const tensors = runTrace(model, q)
  const { traceRoot } = traceCommitment(model, tensors)

  const { file, bytes } = await traces.write(7n, traceRoot, model, tensors)
  expect(readFileSync(join(traces.dir, file)).length).toBe(bytes)
  const side = await traces.read(file, model, parameters)
  expect(side.tensors).toEqual(tensors)
  expect(side.trace.traceRoot).toBe(traceRoot)
  // No temporary is left behind.
  expect(readdirSync(traces.dir)).toEqual([file])

  const data = readFileSync(join(traces.dir, file))
  const changed = Buffer.from(data)
  changed.writeUInt8(changed.readUInt8(changed.length - 1) ^ 1, changed.length - 1)
  writeFileSync(join(traces.dir, 'changed.trace'), changed)
  await expect(traces.read('changed.trace', model, parameters)).rejects.toThrow(/its output commits to 0x[0-9a-f]{64}, it was stored as/)
  const early = Buffer.from(data)
  early.writeUInt8(early.readUInt8(100) ^ 1, 100)
  writeFileSync(join(traces.dir, 'early.trace'), early)
  await expect(traces.read('early.trace', model, parameters)).rejects.toThrow(/its tensors commit to 0x[0-9a-f]{64}, it was stored as/)
  writeFileSync(join(traces.dir, 'cut.trace'), data.subarray(0, data.length - 32))
  await expect(traces.read('cut.trace', model, parameters)).rejects.toThrow(TraceFileError)
  writeFileSync(join(traces.dir, 'foreign.trace'), 'not a trace')
  await expect(traces.read('foreign.trace', model, parameters)).rejects.toThrow(/not a Veridict trace file/)
  await expect(traces.read('missing.trace', model, parameters)).rejects.toThrow(/does not exist/)

  // Files no row names (a crash between the write and the record) are removed at start.
  const store = new JobStore({ dataDir })
  store.addTrace({ requestId: 7n, traceRoot, outputHash: `0x${'11'.repeat(32)}`, file, bytes })
  expect(traces.removeUnlisted(store.traceFiles())).toBe(4)
  expect(readdirSync(traces.dir)).toEqual([file])
  expect(store.tracesBytes()).toBe(bytes)
  // With no job (or a final one) and no open game, the trace can go; an open game keeps it.
  const request = { id: 7n } as never
  store.addGame({ gameId: 1n, requestId: 7n, challenger: `0x${'22'.repeat(20)}`, challengerTrace: `0x${'33'.repeat(32)}`, challengerOutputHash: `0x${'44'.repeat(32)}`, request, attested: { outputHash: `0x${'11'.repeat(32)}`, traceRoot, packed: 5n }, startedBlock: 9n })
  expect(store.addGame({ gameId: 1n, requestId: 7n, challenger: `0x${'22'.repeat(20)}`, challengerTrace: `0x${'33'.repeat(32)}`, challengerOutputHash: `0x${'44'.repeat(32)}`, request, attested: { outputHash: `0x${'11'.repeat(32)}`, traceRoot, packed: 5n }, startedBlock: 9n })).toBe(false)
  expect(store.releasableTraces()).toEqual([])
  expect(store.openGames(7n).map((g) => [g.gameId, g.attested.packed, g.startedBlock, g.status])).toEqual([[1n, 5n, 9n, 'open']])
  expect(store.endGame(1n, true, 'one step')).toBe(true)
  expect(store.endGame(1n, false, 'again')).toBe(false)
  expect(store.getGame(1n)).toMatchObject({ status: 'over', attestersLost: true, reason: 'one step' })
  expect(store.releasableTraces().map((t) => t.file)).toEqual([file])
  store.close()
})
