import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type * as ort from 'onnxruntime-node'
import type { Logger } from 'pino'
import { openModelSession, type ExecutionProvider, type ModelSession } from '@veridict/circuits'
import { ExecutionProviderError } from '../errors/node.js'

export type ExecutionProviderChoice = 'auto' | 'cuda' | 'cpu'

/** How to get onnxruntime-node's CUDA provider, which `npm ci` does not fetch. */
export const CUDA_INSTALL_HINT = 'on a GPU host: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js'

let cpuFallbackLogged = false

/**
 * Whether onnxruntime-node's CUDA provider library is installed next to its binding. Checked
 * before asking for CUDA: onnxruntime itself prints a red error to stderr when it is missing.
 */
export function cudaProviderInstalled(): boolean {
  const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'))
  const library = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'
  return existsSync(join(root, 'bin', 'napi-v6', process.platform, process.arch, library))
}

/** The providers a session on CUDA device `deviceId` asks for, CPU last (for the ops CUDA lacks). */
export const cudaProviders = (deviceId: number): ExecutionProvider[] => [{ name: 'cuda', deviceId }, 'cpu']

/**
 * Opens an onnxruntime session on the chosen provider. 'auto' uses CUDA device `gpuDevice` when
 * onnxruntime-node's CUDA provider is installed and works, else the bundled CPU provider, saying
 * so once in one plain line. 'cuda' fails (ExecutionProviderError) rather than run on the CPU.
 */
export async function createSession(path: string, choice: ExecutionProviderChoice, logger: Logger, gpuDevice = 0): Promise<{ session: ModelSession; provider: 'cuda' | 'cpu' }> {
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', intraOpNumThreads: 1 }
  if (choice !== 'cpu') {
    const installed = cudaProviderInstalled()
    if (!installed && choice === 'cuda') throw new ExecutionProviderError({ reason: `onnxruntime-node's CUDA provider is not installed (${CUDA_INSTALL_HINT})` })
    if (installed) {
      try {
        return { session: await openModelSession(path, { ...options, executionProviders: cudaProviders(gpuDevice) }), provider: 'cuda' }
      } catch (cause) {
        const reason = (cause as Error).message.split('\n')[0]!
        if (choice === 'cuda') throw new ExecutionProviderError({ reason: `CUDA device ${gpuDevice} could not run the model: ${reason}`, cause })
        if (!cpuFallbackLogged) logger.warn({ gpuDevice, reason }, 'the CUDA provider is installed but failed: using the CPU')
        cpuFallbackLogged = true
      }
    } else if (!cpuFallbackLogged) {
      cpuFallbackLogged = true
      logger.info(`no CUDA provider installed: models run on the CPU (${CUDA_INSTALL_HINT})`)
    }
  }
  return { session: await openModelSession(path, { ...options, executionProviders: ['cpu'] }), provider: 'cpu' }
}
