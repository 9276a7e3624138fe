import { describe, expect, test } from 'vitest'
import { InputOutOfRangeError, InputShapeMismatchError } from '../errors/input.js'
import { decodeOutput } from './decodeOutput.js'
import { encodeInput } from './encodeInput.js'

const layout = { shape: [1, 2, 3], count: 6, scale: 4, bits: 8, valuesPerWord: 31, words: 1 }
const manifest = { input: layout, output: { ...layout, kind: 'values' as const } }

describe('encodeInput', () => {
  test('quantizes at the input scale with round-half-up and packs little-endian', () => {
    const { quantized, words } = encodeInput({ manifest, values: [0, 1, -1, 0.03125, -0.03125, 7.9375] })
    expect(quantized).toEqual([0n, 16n, -16n, 1n, 0n, 127n])
    expect(words).toEqual([[0n, 16n, -16n, 1n, 0n, 127n].reduceRight((w, q) => (w << 8n) | (q + 128n), 0n)])
  })

  test('accepts nested tensors of the model shape, with or without leading 1s, and typed arrays', () => {
    const flat = encodeInput({ manifest, values: [1, 2, 3, 4, 5, 6].map((x) => x / 8) }).words
    expect(encodeInput({ manifest, values: [[[0.125, 0.25, 0.375], [0.5, 0.625, 0.75]]] }).words).toEqual(flat)
    expect(encodeInput({ manifest, values: [[0.125, 0.25, 0.375], [0.5, 0.625, 0.75]] }).words).toEqual(flat)
    expect(encodeInput({ manifest, values: Float64Array.from([1, 2, 3, 4, 5, 6], (x) => x / 8) }).words).toEqual(flat)
  })

  test('rejects ragged and wrongly shaped tensors', () => {
    expect(() => encodeInput({ manifest, values: [[1, 2, 3], [4, 5]] })).toThrowErrorMatchingInlineSnapshot(`
      [InputShapeMismatchError: Input of shape [2, 3] does not fit the model's input shape [1, 2, 3].

      Details: The nested arrays are ragged: element 1 has shape [2], element 0 has [3].]
    `)
    expect(() => encodeInput({ manifest, values: [[1, 2], [3, 4], [5, 6]] })).toThrow(InputShapeMismatchError)
    expect(() => encodeInput({ manifest, values: [1, 2, 3] })).toThrow(InputShapeMismatchError)
    expect(() => encodeInput({ manifest, quantized: [1n] })).toThrow(InputShapeMismatchError)
  })

  test('names the first value out of range, by index', () => {
    expect(() => encodeInput({ manifest, values: [0, 0, 8, 0, 0, 0] })).toThrowErrorMatchingInlineSnapshot(`
      [InputOutOfRangeError: Input value 8 at index 2 is out of range.

      Details: The model quantizes inputs to 8-bit integers at scale 2^4, so a value must be finite and lie in [-8, 7.9375].]
    `)
    expect(() => encodeInput({ manifest, values: [0, 0, 0, 0, Number.POSITIVE_INFINITY, 0] })).toThrow(/Infinity at index 4/)
    const error = (() => {
      try {
        encodeInput({ manifest, quantized: [0, 0, 0, 0, 0, -129] })
      } catch (e) {
        return e as InputOutOfRangeError
      }
    })()
    expect(error).toBeInstanceOf(InputOutOfRangeError)
    expect([error!.index, error!.value]).toEqual([5, -129n])
  })
})

describe('decodeOutput', () => {
  test('round-trips encodeInput through the packing and picks the first highest value as the class', () => {
    const values = [0.5, -1, 2, 2, -8, 7.9375]
    const { words } = encodeInput({ manifest, values })
    expect(decodeOutput({ manifest: { output: manifest.output }, words })).toEqual({
      quantized: [8n, -16n, 32n, 32n, -128n, 127n],
      values,
      shape: [1, 2, 3],
      class: 5,
    })
    expect(decodeOutput({ manifest, words: encodeInput({ manifest, values: [0, 3, 3, 1, 0, 0] }).words }).class).toBe(1)
  })

  test('returns the index itself for a class-index output', () => {
    const output = { shape: [1], count: 1, scale: 0, bits: 8, valuesPerWord: 31, words: 1, kind: 'class-index' as const }
    expect(decodeOutput({ manifest: { output }, words: [128n + 7n] })).toMatchObject({ class: 7, values: [7] })
  })

  test('rejects words that do not fit the layout', () => {
    expect(() => decodeOutput({ manifest, words: [] })).toThrowErrorMatchingInlineSnapshot(
      `[WordCountMismatchError: Expected 1 packed words for 6 values of 8 bits, received 0.]`,
    )
    expect(() => decodeOutput({ manifest, words: [1n << 48n] })).toThrow(/larger than its 48 bits allow/)
  })
})
