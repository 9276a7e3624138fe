import { join } from 'node:path'
import pino from 'pino'
import { expect, test } from 'vitest'
import { REPO_ROOT } from '../testing/harness.js'
import { createSession } from './executionProvider.js'

test('auto and cuda fall back to the CPU provider with one log line when CUDA is not installed', async () => {
  const lines: { level: number; msg: string }[] = []
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) })
  const model = join(REPO_ROOT, 'circuits', 'models', 'iris.onnx')
  const first = await createSession(model, 'auto', logger)
  const second = await createSession(model, 'cuda', logger)
  expect([first.provider, second.provider]).toEqual(['cpu', 'cpu'])
  expect(lines.map((l) => l.msg)).toEqual(['CUDA execution provider not available, using CPU (on a GPU host: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js)'])
  const output = await first.session.run({ [first.session.inputNames[0]!]: new (await import('onnxruntime-node')).Tensor('float32', Float32Array.of(5.1, 3.5, 1.4, 0.2), [1, 4]) })
  expect(output[first.session.outputNames[0]!]!.data).toHaveLength(3)
})
