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
    super(`The encryption key (${x}, ${y}) is not a Baby Jubjub point.`, { details: "An operator's key is registered in OperatorStaking (encryptionKeyOf); generateEncryptionKey() makes one." })
  }
}

/** A ciphertext that does not decrypt under this key: meant for another operator, or changed on the way. */
export class DecryptionError extends BaseError {
  override name = 'DecryptionError'
  constructor({ cause }: { cause?: unknown } = {}) {
    super('The encrypted input does not decrypt with this key: it was encrypted for another key, or changed on the way.', { cause })
  }
}
