import type { SnarkjsLogger } from 'snarkjs'

/** What a setup or ceremony step is doing; `fraction` (0 to 1) on long steps. */
export type SetupProgress = {
  step: 'ptau' | 'zkey' | 'contribute' | 'import' | 'beacon' | 'verify' | 'export' | 'done'
  message: string
  fraction?: number | undefined
}

/**
 * A snarkjs logger that turns its "label: i/n" debug lines into progress (from the second one on:
 * a small circuit's steps log only their start, which is no news) and keeps its warnings
 * and errors (snarkjs reports most refusals there, not by throwing) for the error it leads to.
 */
export function snarkjsLogger({ step, onProgress, messages }: { step: SetupProgress['step']; onProgress: (progress: SetupProgress) => void; messages: string[] }): SnarkjsLogger {
  return {
    debug(message) {
      const match = /^(.*?):?\s+(\d+)\/(\d+)\s*$/.exec(message)
      if (match && Number(match[2]) > 0 && Number(match[3]) > 0) onProgress({ step, message: match[1]!.trim(), fraction: Number(match[2]) / Number(match[3]) })
    },
    info() {},
    warn: (message) => void messages.push(message),
    error: (message) => void messages.push(message),
  }
}
