import { describe, expect, test } from 'vitest'
import { packValues, packedWordBytes, unpackValues, unpackValuesToNumbers, valuesPerWord, wordCount } from './pack.js'

describe('packing (design.md test vectors)', () => {
  test('b = 8, [-128, -1, 0, 1, 127] packs into one word', () => {
    expect(packValues([-128, -1, 0, 1, 127], 8)).toEqual([1097389342464n])
    expect(packValues([-128, -1, 0, 1, 127], 8)[0]!.toString(16)).toBe('ff81807f00')
  })

  test('b = 16, [-32768, 32767, 5] packs into one word', () => {
    expect(packValues([-32768, 32767, 5], 16)).toEqual([140763258093568n])
  })

  test('b = 8, -16..16 packs 31 values into the first word and 2 into the second', () => {
    const values = Array.from({ length: 33 }, (_, i) => i - 16)
    expect(valuesPerWord(8)).toBe(31)
    expect(packValues(values, 8)).toEqual([
      251869218521360902062432826087296980455777397801217030907867146010099872112n,
      37007n,
    ])
    expect(packValues(values, 8)[0]!.toString(16)).toBe('8e8d8c8b8a898887868584838281807f7e7d7c7b7a79787776757473727170')
  })

  test('unpacking inverts packing for random values of every width', () => {
    for (const bits of [2, 3, 7, 8, 13, 16, 31, 32, 64, 124, 248]) {
      const lo = -(1n << BigInt(bits - 1))
      const span = 1n << BigInt(bits)
      const values = Array.from({ length: 70 }, (_, i) => lo + ((BigInt(i) * 0x9e3779b97f4a7c15n) % span))
      const words = packValues(values, bits)
      expect(words.length).toBe(wordCount(values.length, bits))
      for (const w of words) expect(w < 1n << 248n).toBe(true)
      expect(unpackValues(words, values.length, bits)).toEqual(values)
      if (bits <= 48) expect(Array.from(unpackValuesToNumbers(words, values.length, bits))).toEqual(values.map(Number))
    }
  })

  test('the 32-bit limb reader (up to 24 bits) and the 48-bit chunk reader agree at every width and word boundary', () => {
    for (let bits = 2; bits <= 30; bits++) {
      const lo = -(2 ** (bits - 1))
      const span = 2 ** bits
      // Every extreme, then a spread; 200 values cover full words and a partial last word.
      const values = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? lo : i % 3 === 1 ? lo + span - 1 : lo + ((i * 2654435761) % span)))
      const words = packValues(values, bits)
      expect(Array.from(unpackValuesToNumbers(words, values.length, bits))).toEqual(values)
      expect(Array.from(unpackValuesToNumbers(words, values.length, bits, { unit: 2 ** -bits }))).toEqual(values.map((v) => v / 2 ** bits))
      if (bits <= 25) expect(Array.from(unpackValuesToNumbers(words, values.length, bits, { into: new Float32Array(values.length) }))).toEqual(values)
    }
  })

  test('unpacking into a Float32Array refuses widths it cannot hold exactly, and a short output array', () => {
    const words = packValues([1, 2, 3], 26)
    expect(() => unpackValuesToNumbers(words, 3, 26, { into: new Float32Array(3) })).toThrow('Bit width 26 is not supported.')
    expect(() => unpackValuesToNumbers(words, 3, 26, { into: new Float64Array(2) })).toThrow('the output array holds 2 values, 3 needed')
    expect(() => unpackValuesToNumbers(words, 3, 26, { unit: 0.3 })).toThrow('unit 0.3 is not a power of two')
    expect(Array.from(unpackValuesToNumbers(words, 3, 26, { into: new Float64Array(3) }))).toEqual([1, 2, 3])
  })

  test('packedWordBytes: 32 little-endian bytes per word, byte i of word j the offset value j * 31 + i (8 bits)', () => {
    const values = Array.from({ length: 40 }, (_, i) => (i * 53) % 256 - 128)
    const bytes = packedWordBytes(packValues(values, 8), 40, 8)
    expect(bytes.length).toBe(64)
    values.forEach((v, i) => expect(bytes[Math.floor(i / 31) * 32 + (i % 31)]).toBe(v + 128))
    expect([bytes[31], ...bytes.subarray(32 + 9)]).toEqual(new Array(1 + 23).fill(0))
    const halves = Array.from({ length: 20 }, (_, i) => i * 3001 - 32768)
    const wide = packedWordBytes(packValues(halves, 16), 20, 16)
    const view = new DataView(wide.buffer)
    halves.forEach((v, i) => expect(view.getUint16((Math.floor(i / 15) * 16 + (i % 15)) * 2, true)).toBe(v + 32768))
    expect(() => packedWordBytes([1n << 250n], 5, 8)).toThrow('Packed word 0')
    expect(() => packedWordBytes([0n], 40, 8)).toThrow('Expected 2 packed words for 40 values of 8 bits, received 1.')
  })

  test('rejects a value outside the signed range, naming it and its index', () => {
    expect(() => packValues([0, 128], 8)).toThrowErrorMatchingInlineSnapshot(`
      [ValueOutOfRangeError: Value 128 at index 1 does not fit in 8 signed bits.

      Details: Quantized values must lie in [-128, 127]. Scale the input down or compile the model with a wider input bit width.]
    `)
  })

  test('rejects a wrong word count and stray high bits', () => {
    expect(() => unpackValues([1n, 2n], 5, 8)).toThrow('Expected 1 packed words for 5 values of 8 bits, received 2.')
    expect(() => unpackValues([1n << 40n], 5, 8)).toThrow('Packed word 0')
    expect(() => unpackValuesToNumbers([1n << 40n], 5, 8)).toThrow('Packed word 0')
    expect(() => unpackValuesToNumbers([0n, 1n << 248n], 32, 8)).toThrow('Packed word 1')
    expect(() => unpackValuesToNumbers([-1n], 5, 8)).toThrow('Packed word 0')
  })

  test('rejects an unsupported bit width', () => {
    expect(() => packValues([0], 1)).toThrow('Bit width 1 is not supported.')
    expect(() => packValues([0], 249)).toThrow('Bit width 249 is not supported.')
  })
})
