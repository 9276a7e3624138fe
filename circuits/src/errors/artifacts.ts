import { BaseError } from './base.js'

export class ManifestError extends BaseError {
  override name = 'ManifestError'
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`Bad model manifest ${path}: ${reason}.`, { cause })
  }
}

export class ModelNotSetUpError extends BaseError {
  override name = 'ModelNotSetUpError'
  constructor({ dir }: { dir: string }) {
    super(`The model in ${dir} has no proving key yet.`, { details: `Run: veridict setup ${dir} (add --ptau FILE for a ceremony file).` })
  }
}

export class SetupError extends BaseError {
  override name = 'SetupError'
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Groth16 setup failed: ${reason}.`, { cause })
  }
}

export class ProofError extends BaseError {
  override name = 'ProofError'
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Proving failed: ${reason}.`, { cause })
  }
}
