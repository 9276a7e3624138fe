import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pino from 'pino'
import { expect, test } from 'vitest'
import { REPO_ROOT } from '../testing/harness.js'
import { createSession, cudaProviderInstalled } from './executionProvider.js'

const model = join(REPO_ROOT, 'circuits', 'models', 'iris.onnx')

// This machine has no CUDA provider installed (npm ci never fetches it); on a GPU host these tests
// would take the CUDA path instead, so they say so and stop.
const cpuHost = !cudaProviderInstalled()

test.skipIf(!cpuHost)('auto on a host without the CUDA provider runs on the CPU, says so in one plain line, and onnxruntime prints nothing', async () => {
  // onnxruntime's native logger writes to the process's stderr directly: watch a process of its own.
  const script = `
    import pino from 'pino'
    import { createSession } from ${JSON.stringify(join(import.meta.dirname, 'executionProvider.ts'))}
    const lines = []
    const logger = pino({ level: 'info' }, { write: (line) => lines.push(JSON.parse(line).msg) })
    const first = await createSession(${JSON.stringify(model)}, 'auto', logger)
    const second = await createSession(${JSON.stringify(model)}, 'auto', logger, 1)
    console.log(JSON.stringify({ providers: [first.provider, second.provider], lines }))
  `
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--conditions=@veridict/source', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT })
  expect(JSON.parse(stdout)).toEqual({ providers: ['cpu', 'cpu'], lines: ['no CUDA provider installed: models run on the CPU (on a GPU host: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js)'] })
  expect(stderr).toBe('')
})

test.skipIf(!cpuHost)('cuda chosen on a host without the CUDA provider is refused with the way to install it', async () => {
  const logger = pino({ level: 'silent' })
  await expect(createSession(model, 'cuda', logger, 0)).rejects.toThrowError(/executionProvider is cuda, but onnxruntime-node's CUDA provider is not installed \(on a GPU host: ONNXRUNTIME_NODE_INSTALL=cuda12/)
  const cpu = await createSession(model, 'cpu', logger)
  const output = await cpu.session.run({ [cpu.session.inputNames[0]!]: new (await import('onnxruntime-node')).Tensor('float32', Float32Array.of(5.1, 3.5, 1.4, 0.2), [1, 4]) })
  expect(output[cpu.session.outputNames[0]!]!.data).toHaveLength(3)
})
