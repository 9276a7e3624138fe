import { describe, expect, test } from 'vitest'
import { DecryptionError, InvalidEncryptionKeyError } from '../errors/privacy.js'
import { SCALAR_FIELD_ORDER } from './commitInput.js'
import { decryptInput, encryptInputFor, encryptionPublicKeyOf, generateEncryptionKey } from './encryptInput.js'

const inputWords = [1n, 2n ** 247n + 5n, 0n, 123456789n]
const salt = 0xfeedn

describe('encryptInputFor / decryptInput', () => {
  test('round-trips for the operator it was encrypted for; the ciphertext hides the words', async () => {
    const operator = await generateEncryptionKey()
    expect(await encryptionPublicKeyOf(operator.secretKey)).toEqual(operator.publicKey)
    const encrypted = await encryptInputFor({ publicKey: operator.publicKey, inputWords, salt })
    expect(encrypted.length).toBe(1 + inputWords.length)
    for (const word of [salt, ...inputWords]) expect(encrypted.ciphertext).not.toContain(word)
    expect(await decryptInput({ secretKey: operator.secretKey, encrypted })).toEqual({ inputWords, salt })
    // Each encryption takes a fresh ephemeral key and nonce.
    const again = await encryptInputFor({ publicKey: operator.publicKey, inputWords, salt })
    expect(again.ciphertext).not.toEqual(encrypted.ciphertext)
  })

  test('another operator cannot decrypt it, and a changed ciphertext does not decrypt', async () => {
    const [operator, other] = await Promise.all([generateEncryptionKey(), generateEncryptionKey()])
    const encrypted = await encryptInputFor({ publicKey: operator.publicKey, inputWords, salt })
    await expect(decryptInput({ secretKey: other.secretKey, encrypted })).rejects.toThrowError(DecryptionError)
    const tampered = { ...encrypted, ciphertext: encrypted.ciphertext.map((c, i) => (i === 1 ? c + 1n : c)) }
    await expect(decryptInput({ secretKey: operator.secretKey, encrypted: tampered })).rejects.toThrowError(/does not decrypt with this key/)
  })

  test('refuses a public key off the curve, of small order or unreduced', async () => {
    await expect(encryptInputFor({ publicKey: { x: 1n, y: 2n }, inputWords, salt })).rejects.toThrowError(InvalidEncryptionKeyError)
    // (0, -1) is on the curve with order 2: the shared point would be one of two, anyone's guess.
    await expect(encryptInputFor({ publicKey: { x: 0n, y: SCALAR_FIELD_ORDER - 1n }, inputWords, salt })).rejects.toThrowError(InvalidEncryptionKeyError)
    const { publicKey } = await generateEncryptionKey()
    await expect(encryptInputFor({ publicKey: { x: publicKey.x + SCALAR_FIELD_ORDER, y: publicKey.y }, inputWords, salt })).rejects.toThrowError(InvalidEncryptionKeyError)
  })
})
