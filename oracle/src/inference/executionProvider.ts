import type * as ort from 'onnxruntime-node'
import type { Logger } from 'pino'
import { openModelSession, type ModelSession } from '@veridict/circuits'

export type ExecutionProviderChoice = 'auto' | 'cuda' | 'cpu'

let cudaMissingLogged = false

/**
 * Opens an onnxruntime session on the chosen provider. CUDA needs onnxruntime-node's CUDA provider,
 * which `npm ci` does not fetch (README: `ONNXRUNTIME_NODE_INSTALL=cuda12 node
 * node_modules/onnxruntime-node/script/install.js` on a GPU host); when it is not there, 'auto' and
 * 'cuda' fall back to the bundled CPU provider and say so once.
 */
export async function createSession(path: string, choice: ExecutionProviderChoice, logger: Logger): Promise<{ session: ModelSession; provider: 'cuda' | 'cpu' }> {
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', intraOpNumThreads: 1 }
  if (choice !== 'cpu') {
    try {
      return { session: await openModelSession(path, { ...options, executionProviders: ['cuda'] }), provider: 'cuda' }
    } catch (cause) {
      if (!cudaMissingLogged) {
        cudaMissingLogged = true
        const message = 'CUDA execution provider not available, using CPU (on a GPU host: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js)'
        if (choice === 'cuda') logger.warn({ reason: (cause as Error).message.split('\n')[0] }, message)
        else logger.info(message)
      }
    }
  }
  return { session: await openModelSession(path, { ...options, executionProviders: ['cpu'] }), provider: 'cpu' }
}
