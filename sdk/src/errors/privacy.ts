import { BaseError } from './base.js'

/** A salt or committed value outside the BN254 scalar field the commitment is computed in. */
export class InvalidSaltError extends BaseError {
  override name = 'InvalidSaltError'
  constructor({ salt }: { salt: bigint }) {
    super(`The salt ${salt} is not a field element.`, { details: 'A salt is a whole number from 1 to the BN254 scalar field order minus 1; randomSalt() draws one.' })
  }
}

/** Private inputs need circomlibjs (an optional peer dependency of the SDK), which is not installed. */
export class PrivacyDependencyError extends BaseError {
  override name = 'PrivacyDependencyError'
  constructor({ cause }: { cause?: unknown } = {}) {
    super('Private inputs need circomlibjs (Poseidon), which is not installed.', { details: 'npm install circomlibjs (an optional peer dependency of @veridict/sdk).', cause })
  }
}

/** A Baby Jubjub public key that is not a point of the curve (or the identity). */
export class InvalidEncryptionKeyError extends BaseError {
  override name = 'InvalidEncryptionKeyError'
  constructor({ x, y }: { x: bigint; y: bigint }) {
    super(`The encryption key (${x}, ${y}) is not a point of Baby Jubjub's prime-order subgroup.`, { details: "An operator's key is registered in OperatorStaking (encryptionKeyOf); generateEncryptionKey() makes one." })
  }
}

/** A ciphertext that does not decrypt under this key: meant for another operator, or changed on the way. */
export class DecryptionError extends BaseError {
  override name = 'DecryptionError'
  constructor({ cause }: { cause?: unknown } = {}) {
    super('The encrypted input does not decrypt with this key: it was encrypted for another key, or changed on the way.', { cause })
  }
}

/** A private-input model's request was proved without its private input (the words and the salt the request committed to). */
export class PrivateInputRequiredError extends BaseError {
  override name = 'PrivateInputRequiredError'
  constructor({ requestId }: { requestId: bigint }) {
    super(`Request ${requestId} is for a private-input model: proving it needs its input words and salt.`, {
      details: 'Pass privateInput: the { inputWords, salt } that requestPrivateInference returned. The chain holds only their commitment.',
      docsPath: 'docs/privacy.md',
    })
  }
}

/** The private input given does not hash to the commitment the request carries. */
export class CommitmentMismatchError extends BaseError {
  override name = 'CommitmentMismatchError'
  constructor({ requestId, expected, received }: { requestId: bigint; expected: bigint; received: bigint }) {
    super(`The private input's commitment ${received} is not request ${requestId}'s commitment ${expected}.`, {
      details: 'These words and salt are not the ones the request committed to: use the privateInput requestPrivateInference returned for this request.',
      docsPath: 'docs/privacy.md',
    })
  }
}

/** The operator has published no encryption key in OperatorStaking: no one can delegate a private input to it. */
export class EncryptionKeyNotFoundError extends BaseError {
  override name = 'EncryptionKeyNotFoundError'
  constructor({ operator }: { operator: string }) {
    super(`Operator ${operator} has published no encryption key.`, {
      details: 'Delegate to an operator whose encryptionKeyOf is set (its node publishes one when it serves a private-input model), or prove the request yourself with proveLocally.',
      docsPath: 'docs/privacy.md',
    })
  }
}

/** An operator's node refused a delegated private input (or could not be reached). */
export class DelegationRefusedError extends BaseError {
  override name = 'DelegationRefusedError'
  readonly status: number | undefined
  readonly code: string | undefined
  constructor({ nodeUrl, status, code, message, cause }: { nodeUrl: string; status?: number | undefined; code?: string | undefined; message: string; cause?: unknown }) {
    super(`${nodeUrl} did not take the private input${status === undefined ? '' : ` (${status}${code ? ` ${code}` : ''})`}: ${message}`, {
      details: 'Another operator can be asked before the deadline, or the request proved with proveLocally: anyone may fulfil it with a proof.',
      docsPath: 'docs/privacy.md',
      cause,
    })
    this.status = status
    this.code = code
  }
}
