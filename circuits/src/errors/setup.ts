import { BaseError } from './base.js'

/** Smallest and largest power a dev ptau can be written at (bn128's 2-adicity is 28). */
export const DEV_PTAU_MIN_POWER = 1
export const DEV_PTAU_MAX_POWER = 27

export class InvalidPtauPowerError extends BaseError {
  override name = 'InvalidPtauPowerError'
  readonly power: unknown
  constructor({ power }: { power: unknown }) {
    super(`Invalid powers-of-tau power ${JSON.stringify(power)}.`, {
      details: `Pass an integer from ${DEV_PTAU_MIN_POWER} to ${DEV_PTAU_MAX_POWER}: the file supports circuits of up to 2^power constraints (plus public inputs).`,
    })
    this.power = power
  }
}

export class FixedBaseWorkerError extends BaseError {
  override name = 'FixedBaseWorkerError'
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`A worker thread multiplying curve points failed: ${reason}`, {
      details: 'This is a bug or an out-of-memory condition; try a smaller power or free memory, and report it with the power used.',
      cause,
    })
  }
}

export class PtauWriteError extends BaseError {
  override name = 'PtauWriteError'
  readonly path: string
  constructor({ path, cause }: { path: string; cause: unknown }) {
    super(`Could not write the dev powers-of-tau file ${path}.`, {
      details: `Check that the folder is writable and has room for the file. ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    })
    this.path = path
  }
}
