import { BaseError } from './base.js'

/**
 * A verification key field that the on-chain verifier would not read: a wrong protocol or curve, a
 * count or domain power out of range, a field element outside its field, a malformed point.
 *
 * @example
 * encodePlonkVerificationKey({ ...vkey, power: 29 }) // throws InvalidVerificationKeyError (field 'power', value 29)
 */
export class InvalidVerificationKeyError extends BaseError {
  override name = 'InvalidVerificationKeyError'
  readonly field: string
  readonly value: unknown
  constructor({ proofSystem, field, value, reason }: { proofSystem: string; field: string; value: unknown; reason: string }) {
    super(`The ${proofSystem} verification key's ${field} (${formatValue(value)}) is invalid: ${reason}.`, {
      details: 'Pass the verification_key.json that snarkjs exported for the circuit (snarkjs zkey export verificationkey).',
    })
    this.field = field
    this.value = value
  }
}

/**
 * Bytes that are not an encoded verification key: not hex, or not the encoding's length.
 *
 * @example
 * decodePlonkVerificationKey('0x00') // throws InvalidVerificationKeyBytesError
 */
export class InvalidVerificationKeyBytesError extends BaseError {
  override name = 'InvalidVerificationKeyBytesError'
  readonly bytes: string
  constructor({ proofSystem, bytes, reason }: { proofSystem: string; bytes: string; reason: string }) {
    super(`The bytes ${abbreviate(bytes)} are not a ${proofSystem} verification key: ${reason}.`, {
      details: 'Read the key from the registry (the key contract\'s code without its leading 0x00 byte) or encode it again from verification_key.json.',
    })
    this.bytes = bytes
  }
}

/**
 * A proof field that the on-chain verifier would reject: a field element outside its field or a
 * point that is not in affine form.
 *
 * @example
 * encodePlonkProof({ ...proof, eval_a: r.toString() }) // throws InvalidProofFieldError (field 'eval_a')
 */
export class InvalidProofFieldError extends BaseError {
  override name = 'InvalidProofFieldError'
  readonly field: string
  readonly value: unknown
  constructor({ proofSystem, field, value, reason }: { proofSystem: string; field: string; value: unknown; reason: string }) {
    super(`The ${proofSystem} proof's ${field} (${formatValue(value)}) is invalid: ${reason}.`, {
      details: 'Pass the proof object that snarkjs produced (proof.json, or the `proof` of fullProve).',
    })
    this.field = field
    this.value = value
  }
}

/**
 * Bytes that are not an encoded proof: not hex, or not the encoding's length.
 *
 * @example
 * decodePlonkProof('0x1234') // throws InvalidProofBytesError
 */
export class InvalidProofBytesError extends BaseError {
  override name = 'InvalidProofBytesError'
  readonly bytes: string
  constructor({ proofSystem, bytes, reason }: { proofSystem: string; bytes: string; reason: string }) {
    super(`The bytes ${abbreviate(bytes)} are not a ${proofSystem} proof: ${reason}.`, {
      details: 'Pass the proof bytes as fulfilWithProof sends them, or encode them again from the snarkjs proof.',
    })
    this.bytes = bytes
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'bigint') return value.toString()
  return JSON.stringify(value, (_, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ?? String(value)
}

function abbreviate(bytes: string): string {
  return bytes.length > 26 ? `${bytes.slice(0, 12)}...${bytes.slice(-10)}` : bytes
}
