import type { BabyJub } from 'circomlibjs'
import { DecryptionError, InvalidEncryptionKeyError, PrivacyDependencyError } from '../errors/privacy.js'
import { SCALAR_FIELD_ORDER } from './commitInput.js'

/** A Baby Jubjub point (twisted Edwards form, circomlib's curve): an operator's public encryption key. */
export type EncryptionPublicKey = { x: bigint; y: bigint }

/** An operator's encryption key pair: `publicKey` = Base8 · `secretKey`. The secret stays on the operator's machine. */
export type EncryptionKeyPair = { secretKey: bigint; publicKey: EncryptionPublicKey }

/**
 * An input encrypted for one operator: its words and salt, under a key agreed by ECDH between a
 * fresh ephemeral key and the operator's public key, with Poseidon encryption (a duplex sponge with
 * an authentication tag: a changed ciphertext does not decrypt).
 */
export type EncryptedInput = {
  /** The sender's one-time public key (its secret is discarded after encrypting). */
  ephemeralKey: EncryptionPublicKey
  /** Below 2^128, random. */
  nonce: bigint
  /** Poseidon ciphertext of [salt, ...inputWords], tag included. */
  ciphertext: bigint[]
  /** Plaintext length: 1 + the number of input words. */
  length: number
}

type Cipher = typeof import('@zk-kit/poseidon-cipher')
let curve: Promise<{ babyJub: BabyJub; cipher: Cipher }> | undefined

/** circomlibjs's Baby Jubjub and @zk-kit/poseidon-cipher (optional peer dependencies), loaded once. */
function load(): Promise<{ babyJub: BabyJub; cipher: Cipher }> {
  curve ??= Promise.all([import('circomlibjs').then((m) => m.buildBabyjub()), import('@zk-kit/poseidon-cipher')]).then(
    ([babyJub, cipher]) => ({ babyJub, cipher }),
    (cause: unknown) => {
      curve = undefined
      throw new PrivacyDependencyError({ cause })
    },
  )
  return curve
}

/** A uniformly random integer in [1, limit): rejection sampling over as many bits as `limit` has. */
function randomScalar(limit: bigint): bigint {
  const bits = limit.toString(2).length
  const bytes = Math.ceil(bits / 8)
  const mask = (1n << BigInt(bits)) - 1n
  for (;;) {
    const value = globalThis.crypto.getRandomValues(new Uint8Array(bytes)).reduce((v, b) => (v << 8n) | BigInt(b), 0n) & mask
    if (value > 0n && value < limit) return value
  }
}

const toPoint = (babyJub: BabyJub, { x, y }: EncryptionPublicKey) => [babyJub.F.e(x), babyJub.F.e(y)] as const
const fromPoint = (babyJub: BabyJub, point: readonly [Uint8Array, Uint8Array]): EncryptionPublicKey => ({ x: babyJub.F.toObject(point[0]), y: babyJub.F.toObject(point[1]) })

/**
 * Multiplies a checked public key by a scalar: the ECDH shared point, as the cipher's key. The key
 * must lie in the prime-order subgroup (the registry only checks that it is on the curve): a point
 * of small order would make the shared point one of at most 8, which anyone could try.
 */
function shared(babyJub: BabyJub, publicKey: EncryptionPublicKey, scalar: bigint): [bigint, bigint] {
  const point = toPoint(babyJub, publicKey)
  const reduced = publicKey.x < SCALAR_FIELD_ORDER && publicKey.y < SCALAR_FIELD_ORDER
  if (!reduced || !babyJub.inSubgroup(point) || (publicKey.x === 0n && publicKey.y === 1n)) throw new InvalidEncryptionKeyError(publicKey)
  const { x, y } = fromPoint(babyJub, babyJub.mulPointEscalar(point, scalar))
  return [x, y]
}

/**
 * A fresh encryption key pair for an operator, to register with `setEncryptionKey` in
 * OperatorStaking; users encrypt private inputs for its public key.
 */
export async function generateEncryptionKey(): Promise<EncryptionKeyPair> {
  const { babyJub } = await load()
  const secretKey = randomScalar(babyJub.subOrder)
  return { secretKey, publicKey: fromPoint(babyJub, babyJub.mulPointEscalar(babyJub.Base8, secretKey)) }
}

/** The public key of a secret key (an operator checks that the registered key is its own). */
export async function encryptionPublicKeyOf(secretKey: bigint): Promise<EncryptionPublicKey> {
  const { babyJub } = await load()
  return fromPoint(babyJub, babyJub.mulPointEscalar(babyJub.Base8, secretKey))
}

/**
 * Encrypts a private input (its words and the salt of its commitment) for the operator whose
 * public key is `publicKey`: only that operator's secret key decrypts it. The result travels to
 * that operator off-chain; the request carries only the commitment.
 *
 * @example
 * const encrypted = await encryptInputFor({ publicKey: operatorKey, inputWords, salt })
 */
export async function encryptInputFor({ publicKey, inputWords, salt }: { publicKey: EncryptionPublicKey; inputWords: readonly bigint[]; salt: bigint }): Promise<EncryptedInput> {
  const { babyJub, cipher } = await load()
  const ephemeralSecret = randomScalar(babyJub.subOrder)
  const key = shared(babyJub, publicKey, ephemeralSecret)
  const nonce = randomScalar(1n << 128n)
  const plaintext = [salt, ...inputWords]
  return {
    ephemeralKey: fromPoint(babyJub, babyJub.mulPointEscalar(babyJub.Base8, ephemeralSecret)),
    nonce,
    ciphertext: cipher.poseidonEncrypt(plaintext, key, nonce),
    length: plaintext.length,
  }
}

/** Decrypts an input encrypted for `secretKey`'s public key; DecryptionError for anyone else's or a changed ciphertext. */
export async function decryptInput({ secretKey, encrypted }: { secretKey: bigint; encrypted: EncryptedInput }): Promise<{ inputWords: bigint[]; salt: bigint }> {
  const { babyJub, cipher } = await load()
  const key = shared(babyJub, encrypted.ephemeralKey, secretKey)
  let plaintext: bigint[]
  try {
    plaintext = cipher.poseidonDecrypt(encrypted.ciphertext, key, encrypted.nonce, encrypted.length)
  } catch (cause) {
    throw new DecryptionError({ cause })
  }
  const [salt, ...inputWords] = plaintext
  return { inputWords, salt: salt! }
}
