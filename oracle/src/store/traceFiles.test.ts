import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { loadCompiledModel, parametersCommitment, runTrace, tensorBits, tensorSizes, traceCommitment } from '@veridict/circuits'
import { wordCount } from '@veridict/sdk'
import { TraceFileError } from '../errors/node.js'
import { compileIris } from '../testing/harness.js'
import { JobStore } from './jobStore.js'
import { TraceFiles } from './traceFiles.js'

test('kept traces read back as the same game sides; a changed, cut or misplaced record is refused by name; segments go once released', async () => {
  const { dir, testInputs } = await compileIris()
  const { model } = await loadCompiledModel(dir)
  const parameters = parametersCommitment(model)
  const dataDir = mkdtempSync(join(tmpdir(), 'veridict-traces-'))
  // Small segments: the third trace starts a second one.
  const bits = tensorBits(model)
  const record = 72 + 32 * tensorSizes(model).reduce((sum, count, t) => sum + wordCount(count, bits[t]!), 0)
  const traces = new TraceFiles(dataDir, { segmentBytes: 2 * record + 100 })
  const runs = testInputs.slice(0, 3).map((x) => {
    const tensors = runTrace(model, x.map((v) => BigInt(Math.round(v * 2 ** model.inputScale))))
    return { tensors, commitment: traceCommitment(model, tensors) }
  })
  const locations = await Promise.all(runs.map((run) => traces.append(run.commitment)))
  expect(locations.map((l) => l.bytes)).toEqual([record, record, record])
  expect(locations.map((l) => l.offset)).toEqual([0, locations[0]!.bytes, 0])
  expect(locations[2]!.file).not.toBe(locations[0]!.file)
  for (const [i, run] of runs.entries()) {
    const side = await traces.read(locations[i]!, model, parameters)
    expect(side.tensors).toEqual(run.tensors)
    expect(side.trace.traceRoot).toBe(run.commitment.traceRoot)
  }

  const [first, second] = locations as [(typeof locations)[0], (typeof locations)[0]]
  const segment = join(traces.dir, first.file)
  const data = readFileSync(segment)
  const changeByte = (at: number) => {
    const changed = Buffer.from(data)
    changed.writeUInt8(changed.readUInt8(at) ^ 1, at)
    writeFileSync(segment, changed)
  }
  changeByte(second.offset + second.bytes - 1)
  await expect(traces.read(second, model, parameters)).rejects.toThrow(/its output commits to 0x[0-9a-f]{64}, it was stored as/)
  changeByte(first.offset + 100)
  await expect(traces.read(first, model, parameters)).rejects.toThrow(/its tensors commit to 0x[0-9a-f]{64}, it was stored as/)
  writeFileSync(segment, data.subarray(0, second.offset + 40))
  await expect(traces.read(second, model, parameters)).rejects.toThrow(/ends after 40 of the trace's/)
  await expect(traces.read({ ...second, offset: 1 }, model, parameters)).rejects.toThrow(TraceFileError)
  await expect(traces.read({ ...second, file: 'missing.traces' }, model, parameters)).rejects.toThrow(/does not exist/)

  // A segment goes once no kept trace lies in it; the one being appended to stays.
  const store = new JobStore({ dataDir })
  for (const [i, run] of runs.entries()) store.addTrace({ requestId: BigInt(i + 1), traceRoot: run.commitment.traceRoot, outputHash: `0x${'11'.repeat(32)}`, ...locations[i]! })
  writeFileSync(join(traces.dir, 'leftover.tmp'), 'x')
  expect(await traces.removeUnused(store.traceFiles())).toBe(1)
  expect(store.tracesBytes()).toBe(locations.reduce((sum, l) => sum + l.bytes, 0))
  // With no job (or a final one) and no open game, a trace is released; an open game keeps it.
  const game = { challenger: `0x${'22'.repeat(20)}`, challengerTrace: `0x${'33'.repeat(32)}`, challengerOutputHash: `0x${'44'.repeat(32)}`, request: { id: 1n } as never, attested: { outputHash: `0x${'11'.repeat(32)}`, traceRoot: runs[0]!.commitment.traceRoot, packed: 5n }, startedBlock: 9n } as const
  expect(store.addGame({ gameId: 1n, requestId: 1n, ...game })).toBe(true)
  expect(store.addGame({ gameId: 1n, requestId: 1n, ...game })).toBe(false)
  expect(store.releaseTraces()).toBe(2)
  expect(store.traceFiles()).toEqual(new Set([first.file]))
  expect(await traces.removeUnused(store.traceFiles())).toBe(0)
  expect(store.openGames(1n).map((g) => [g.gameId, g.attested.packed, g.startedBlock, g.status])).toEqual([[1n, 5n, 9n, 'open']])
  expect(store.endGame(1n, true, 'one step')).toBe(true)
  expect(store.endGame(1n, false, 'again')).toBe(false)
  expect(store.getGame(1n)).toMatchObject({ status: 'over', attestersLost: true, reason: 'one step' })
  expect(store.releaseTraces()).toBe(1)
  await traces.close()
  await expect(traces.append(runs[0]!.commitment)).rejects.toThrow(/the trace store is closed/)
  expect(await traces.removeUnused(store.traceFiles())).toBe(2)
  expect(readdirSync(traces.dir)).toEqual([])
  store.close()
})
