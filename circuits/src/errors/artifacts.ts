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

export class InvalidBeneficiaryError extends BaseError {
  override name = 'InvalidBeneficiaryError'
  constructor({ beneficiary }: { beneficiary: unknown }) {
    super(`The beneficiary ${JSON.stringify(beneficiary)} is not an Ethereum address.`, {
      details:
        'A proof is bound to the address the oracle credits for it: pass 0x followed by 40 hex digits (a mixed-case address must carry a valid EIP-55 checksum), ' +
        'normally the account that will submit the proof.',
    })
  }
}

export class ModelWithoutBeneficiaryError extends BaseError {
  override name = 'ModelWithoutBeneficiaryError'
  constructor({ dir, compiler, layout }: { dir: string; compiler: string; layout: readonly string[] }) {
    super(`The model in ${dir} was compiled by Veridict compiler ${compiler}, whose circuit has no beneficiary signal (public signals: ${layout.join(', ')}).`, {
      details: 'Its proofs bind no recipient, so anyone who sees one could submit it as their own, and the oracle expects a beneficiary as the last signal. Re-run veridict compile for this model, then veridict setup (or a ceremony) to make new keys.',
    })
  }
}

/** A salt for a model with a public input, or none for a private-input one. */
export class SaltMismatchError extends BaseError {
  override name = 'SaltMismatchError'
  constructor({ dir, privateInput }: { dir: string; privateInput: boolean }) {
    super(
      privateInput ? `The model in ${dir} takes a private input: proving needs the salt its commitment was made with.` : `The model in ${dir} takes a public input: a salt has no place in its proof.`,
      { details: privateInput ? 'Pass the salt of the request (randomSalt() from @veridict/sdk/private drew it; it never goes on-chain).' : 'Drop the salt, or compile the model with --private-input.' },
    )
  }
}

export class WeightSaltError extends BaseError {
  override name = 'WeightSaltError'
  constructor({ dir, reason, cause }: { dir: string; reason: string; cause?: unknown }) {
    super(`The model in ${dir} has private weights, and ${reason}.`, {
      details:
        'Only whoever holds the weights can prove a private-weights model: its folder must keep quantized.json and weightSalt.json as veridict compile --private-weights wrote them. ' +
        'Copy them from the model owner\'s folder, or compile the model again (a new salt: a new circuit and keys, registered as a new model).',
      cause,
    })
  }
}
