import { concat, hexToBigInt, keccak256, stringToHex, type Hex } from 'viem'
import { EncryptionKeyError } from '../errors/config.js'

/**
 * The order of Baby Jubjub's prime subgroup (circomlibjs's `babyJub.subOrder`): an encryption
 * secret key is a scalar from 1 to this minus 1.
 */
export const BABYJUB_SUBGROUP_ORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041n

/** Separates the derived encryption key from every other use of the operator key's bytes. */
const DERIVATION_TAG = 'veridict/encryption-key/v1'

/**
 * The node's encryption secret key when none is configured: keccak256 of a domain tag and the
 * operator's signing key, reduced to a non-zero scalar of the subgroup. The same operator key
 * always gives the same encryption key, so a restart (or a new machine with the same keystore)
 * keeps the key registered on-chain; the encryption key reveals nothing of the signing key.
 */
export function deriveEncryptionKey(operatorKey: Hex): bigint {
  return (hexToBigInt(keccak256(concat([stringToHex(DERIVATION_TAG), operatorKey]))) % (BABYJUB_SUBGROUP_ORDER - 1n)) + 1n
}

/**
 * An encryption secret key given as configuration (`encryptionKey`, VERIDICT_ENCRYPTION_KEY): a
 * decimal or 0x-hex scalar from 1 to the subgroup order minus 1. Its value is never put in an error.
 */
export function parseEncryptionKey(raw: string): bigint {
  const text = raw.trim()
  if (!/^(0x[0-9a-fA-F]{1,64}|\d{1,78})$/.test(text)) throw new EncryptionKeyError({ reason: `it is not a decimal or 0x-hex whole number (${text.length} characters; the value is not shown)` })
  const key = BigInt(text)
  if (key === 0n) throw new EncryptionKeyError({ reason: 'it is 0' })
  if (key >= BABYJUB_SUBGROUP_ORDER) throw new EncryptionKeyError({ reason: 'it is not below the Baby Jubjub subgroup order (the value is not shown)' })
  return key
}
