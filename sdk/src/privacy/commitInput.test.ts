import { describe, expect, test } from 'vitest'
import { InvalidSaltError } from '../errors/privacy.js'
import { commitInput, randomSalt, SCALAR_FIELD_ORDER } from './commitInput.js'

describe('commitInput', () => {
  test("one link is circomlib's Poseidon of the salt and 15 words, zero-padded (known vector: Poseidon(1, 2) padded)", async () => {
    const { buildPoseidon } = await import('circomlibjs')
    const poseidon = await buildPoseidon()
    const expected = poseidon.F.toObject(poseidon([1n, 2n, ...new Array<bigint>(14).fill(0n)]))
    expect(await commitInput({ inputWords: [2n], salt: 1n })).toBe(expected)
  })

  test('chains links of 15 words: 16 words take two links, the second starting from the first', async () => {
    const { buildPoseidon } = await import('circomlibjs')
    const poseidon = await buildPoseidon()
    const words = Array.from({ length: 16 }, (_, i) => BigInt(i + 1) << 200n)
    const first = poseidon.F.toObject(poseidon([7n, ...words.slice(0, 15)]))
    const second = poseidon.F.toObject(poseidon([first, words[15]!, ...new Array<bigint>(14).fill(0n)]))
    expect(await commitInput({ inputWords: words, salt: 7n })).toBe(second)
  })

  test('another salt or another word gives another commitment', async () => {
    const words = [1n, 2n, 3n]
    const base = await commitInput({ inputWords: words, salt: 5n })
    expect(await commitInput({ inputWords: words, salt: 6n })).not.toBe(base)
    expect(await commitInput({ inputWords: [1n, 2n, 4n], salt: 5n })).not.toBe(base)
  })

  test('refuses a salt outside the field, and randomSalt draws field elements', async () => {
    await expect(commitInput({ inputWords: [1n], salt: 0n })).rejects.toThrowError(InvalidSaltError)
    await expect(commitInput({ inputWords: [1n], salt: SCALAR_FIELD_ORDER })).rejects.toThrowError(/is not a field element/)
    const salts = new Set(Array.from({ length: 8 }, randomSalt))
    expect(salts.size).toBe(8)
    for (const salt of salts) expect(salt > 0n && salt < 2n ** 248n).toBe(true)
  })
})
