import { BaseError } from './base.js'

export class CircomCompileError extends BaseError {
  override name = 'CircomCompileError'
  constructor({ file, output, code }: { file: string; output: string; code: number | null }) {
    super(`circom failed to compile ${file} (exit code ${code}).`, {
      details: output.trim().split('\n').slice(-30).join('\n'),
    })
  }
}

export class WitnessError extends BaseError {
  override name = 'WitnessError'
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Witness calculation failed: ${reason}.`, { cause })
  }
}
