import {
  InvalidBitWidthError,
  ValueOutOfRangeError,
  WordCountMismatchError,
  WordOutOfRangeError,
} from '../errors/encoding.js'

/**
 * Bits of a uint256 word that carry values; the rest stay zero so every word is below the BN254 field.
 *
 * @example
 * Math.floor(WORD_PAYLOAD_BITS / 8) // 31 values of 8 bits per word
 */
export const WORD_PAYLOAD_BITS = 248

/**
 * How many `bits`-wide values one word holds: floor(248 / bits).
 *
 * @example
 * valuesPerWord(8) // 31
 */
export function valuesPerWord(bits: number): number {
  assertBits(bits)
  return Math.floor(WORD_PAYLOAD_BITS / bits)
}

/**
 * Number of words that `count` values of `bits` bits pack into.
 *
 * @example
 * wordCount(33, 8) // 2
 */
export function wordCount(count: number, bits: number): number {
  return Math.ceil(count / valuesPerWord(bits))
}

/**
 * Packs signed fixed-point values into uint256 words (design.md, "Packing"): each value q is
 * offset to u = q + 2^(bits-1), and k = floor(248 / bits) values go into a word little-endian.
 *
 * @example
 * packValues([-128n, -1n, 0n, 1n, 127n], 8) // [0xff81807f00n]
 */
export function packValues(values: readonly (bigint | number)[], bits: number): bigint[] {
  const k = valuesPerWord(bits)
  const width = BigInt(bits)
  const offset = 1n << (width - 1n)
  const words: bigint[] = []
  for (let j = 0; j * k < values.length; j++) {
    let word = 0n
    for (let i = Math.min(k, values.length - j * k) - 1; i >= 0; i--) {
      const index = j * k + i
      const q = BigInt(values[index]!)
      const u = q + offset
      if (u < 0n || u >= offset << 1n) throw new ValueOutOfRangeError({ index, value: q, bits })
      word = (word << width) | u
    }
    words.push(word)
  }
  return words
}

/**
 * Unpacks `count` signed values of `bits` bits from words made by {@link packValues}, checking
 * the word count and that no word has bits set beyond its payload.
 *
 * @example
 * unpackValues([0xff81807f00n], 5, 8) // [-128n, -1n, 0n, 1n, 127n]
 */
export function unpackValues(words: readonly bigint[], count: number, bits: number): bigint[] {
  const k = valuesPerWord(bits)
  const expected = wordCount(count, bits)
  if (words.length !== expected) throw new WordCountMismatchError({ expected, received: words.length, count, bits })
  const width = BigInt(bits)
  const mask = (1n << width) - 1n
  const offset = 1n << (width - 1n)
  const values: bigint[] = []
  words.forEach((word, j) => {
    const n = Math.min(k, count - j * k)
    if (word < 0n || word >> (width * BigInt(n)) !== 0n) throw new WordOutOfRangeError({ index: j, word, bits: bits * n })
    for (let i = 0; i < n; i++) values.push(((word >> (width * BigInt(i))) & mask) - offset)
  })
  return values
}

function assertBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 2 || bits > WORD_PAYLOAD_BITS) throw new InvalidBitWidthError({ bits })
}
