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

const PTAU_ADVICE =
  'Pass a bn128 powers-of-tau file prepared for phase 2 (snarkjs powersoftau prepare phase2), for example a Perpetual Powers of Tau final file such as powersOfTau28_hez_final_14.ptau; without --ptau, setup uses the cached dev ptau (INSECURE).'

export class PtauFileError extends BaseError {
  override name = 'PtauFileError'
  readonly path: string
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`The powers-of-tau file ${path} cannot be used: ${reason}.`, { details: PTAU_ADVICE, cause })
    this.path = path
  }
}

export class PtauVerificationError extends BaseError {
  override name = 'PtauVerificationError'
  readonly path: string
  constructor({ path, messages }: { path: string; messages: readonly string[] }) {
    super(`snarkjs powersoftau verify rejected ${path}${messages.length ? `: ${messages.join('; ')}` : ''}.`, {
      details: 'The file is corrupt or its contributions do not follow each other. Download it again from its ceremony and compare its blake2b hash (b2sum) with the published one.',
    })
    this.path = path
  }
}

export class PtauTooSmallError extends BaseError {
  override name = 'PtauTooSmallError'
  constructor({ path, power, required }: { path: string; power: number; required: number }) {
    super(`The powers-of-tau file ${path} has power ${power}; this circuit needs at least ${required}.`, {
      details: `Pass a file of power ${required} or more (for example powersOfTau28_hez_final_${String(required).padStart(2, '0')}.ptau).`,
    })
  }
}

export class PtauMismatchError extends BaseError {
  override name = 'PtauMismatchError'
  constructor({ path, expected, actual }: { path: string; expected: string; actual: string }) {
    super(`The powers-of-tau file ${path} is not the one this ceremony started from (blake2b ${actual.slice(0, 18)}..., the ceremony's is ${expected.slice(0, 18)}...).`, {
      details: 'Pass the ceremony\'s own ptau file with --ptau (its name and hash are in ceremony/ceremony.json).',
    })
  }
}

export class ZkeyFileError extends BaseError {
  override name = 'ZkeyFileError'
  readonly path: string
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`The proving key ${path} cannot be used: ${reason}.`, {
      details: 'Pass a Groth16 bn128 .zkey file written by veridict ceremony export or veridict ceremony contribute.',
      cause,
    })
    this.path = path
  }
}

export class ZkeyVerificationError extends BaseError {
  override name = 'ZkeyVerificationError'
  readonly path: string
  constructor({ path, messages }: { path: string; messages: readonly string[] }) {
    super(`snarkjs zkey verify rejected ${path}${messages.length ? `: ${messages.join('; ')}` : ''}.`, {
      details: 'Some contribution in the file is not a valid phase-2 step from this circuit and ptau. Do not use it: go back to the last verified key of the ceremony (veridict ceremony export) and contribute again.',
    })
    this.path = path
  }
}

export class ContributionMismatchError extends BaseError {
  override name = 'ContributionMismatchError'
  readonly path: string
  constructor({ path, reason }: { path: string; reason: string }) {
    super(`${path} does not extend this ceremony: ${reason}.`, {
      details: 'Contribute to the file veridict ceremony export wrote for the latest step (veridict ceremony contribute --in FILE --out NEXT --name NAME), then import NEXT.',
    })
    this.path = path
  }
}

export class CeremonyNotFoundError extends BaseError {
  override name = 'CeremonyNotFoundError'
  constructor({ dir, cause }: { dir: string; cause?: unknown }) {
    super(`No ceremony in ${dir}.`, { details: `Start one with: veridict ceremony init ${dir} --ptau FILE.`, cause })
  }
}

export class CeremonyExistsError extends BaseError {
  override name = 'CeremonyExistsError'
  constructor({ dir, steps }: { dir: string; steps: number }) {
    super(`${dir} already holds a ceremony (${steps} steps).`, {
      details: `Continue it (veridict ceremony contribute / import / finalize), or start over with veridict ceremony init ${dir} --restart, which deletes its transcript.`,
    })
  }
}

export class CeremonyStaleError extends BaseError {
  override name = 'CeremonyStaleError'
  constructor({ dir }: { dir: string }) {
    super(`The ceremony in ${dir} was started for an earlier compilation of the model: the circuit changed since.`, {
      details: `Start over for the new circuit: veridict ceremony init ${dir} --restart.`,
    })
  }
}

export class CeremonyFileChangedError extends BaseError {
  override name = 'CeremonyFileChangedError'
  constructor({ path, expected, actual }: { path: string; expected: string; actual: string | undefined }) {
    super(
      actual === undefined
        ? `The ceremony file ${path} is missing.`
        : `The ceremony file ${path} changed after it was recorded (blake2b ${actual.slice(0, 18)}..., recorded ${expected.slice(0, 18)}...).`,
      { details: 'Restore the file from a copy, or import a contribution again; the transcript (ceremony.json) records the hash of every key.' },
    )
  }
}

export class CeremonyClosedError extends BaseError {
  override name = 'CeremonyClosedError'
  constructor({ dir }: { dir: string }) {
    super(`The ceremony in ${dir} ended with a random beacon: it takes no more contributions.`, {
      details: `Finalize it (veridict ceremony finalize ${dir}), or start over with veridict ceremony init ${dir} --restart.`,
    })
  }
}

export class NoContributionsError extends BaseError {
  override name = 'NoContributionsError'
  constructor({ dir }: { dir: string }) {
    super(`The ceremony in ${dir} has no phase-2 contribution yet: its key would be known to everyone.`, {
      details: `Contribute first: veridict ceremony contribute ${dir} --name NAME.`,
    })
  }
}

export class InvalidBeaconError extends BaseError {
  override name = 'InvalidBeaconError'
  constructor({ option, value, expected }: { option: string; value: unknown; expected: string }) {
    super(`Invalid beacon ${option} ${JSON.stringify(value)}: expected ${expected}.`, {
      details: 'A beacon is public randomness nobody could predict when the last contribution was made, e.g. a future block hash, named before it exists.',
    })
  }
}

export class InvalidContributionNameError extends BaseError {
  override name = 'InvalidContributionNameError'
  constructor({ value }: { value: unknown }) {
    super(`Invalid contribution name ${JSON.stringify(value)}: expected 1 to 64 characters.`, {
      details: 'The name is recorded in the key for everyone to see (snarkjs keeps 64 characters): use your name or handle, e.g. --name "alice (example.org)".',
    })
  }
}
