import { encodeAbiParameters, parseAbiParameters } from 'viem'
import { describe, expect, test } from 'vitest'
import { createRandom } from '../models/random.js'
import { encodeHeader, encodeRow, rowLength, type HeaderFields } from './abi.js'
import { toHex } from './keccak.js'

const HEADER = parseAbiParameters('uint8 kind, uint32 outCount, uint8 bits, uint32[] inputs, uint32[] inputCounts, uint8[] inputBits, int256[] scalars')
const ROW = parseAbiParameters('uint32[] positions, int256[] params')
const viemHeader = (h: HeaderFields) => encodeAbiParameters(HEADER, [h.code, h.outCount, h.bits, h.inputs, h.inputCounts, h.inputBits, h.scalars])

const INT256_MAX = (1n << 255n) - 1n
const INT256_MIN = -(1n << 255n)
const random = createRandom(9)
const randomInt = () => {
  const bits = [1, 8, 31, 53, 63, 64, 65, 100, 200, 255][random.nextInt(10)]!
  let v = 0n
  for (let i = 0; i < bits; i += 32) v = (v << 32n) | BigInt(random.nextInt(2 ** 32))
  return BigInt.asIntN(256, BigInt.asUintN(bits, v) - (1n << BigInt(bits - 1)))
}

describe('ABI encodings written into bytes', () => {
  test('headers equal viem encodeAbiParameters byte for byte', () => {
    const cases: HeaderFields[] = [
      { code: 2, outCount: 1, bits: 2, inputs: [0], inputCounts: [1], inputBits: [2], scalars: [] },
      { code: 8, outCount: 4_294_967_295, bits: 255, inputs: [4_294_967_295, 0, 3], inputCounts: [7, 4_294_967_295, 1], inputBits: [255, 2, 64], scalars: [INT256_MIN, INT256_MAX, -1n, 0n, 1n, -(1n << 63n), (1n << 63n) - 1n, 1n << 63n, -(1n << 63n) - 1n] },
      ...Array.from({ length: 20 }, () => {
        const inputs = Array.from({ length: random.nextInt(4) }, () => random.nextInt(2 ** 32))
        return { code: 1 + random.nextInt(10), outCount: random.nextInt(2 ** 32), bits: random.nextInt(256), inputs, inputCounts: inputs.map(() => random.nextInt(2 ** 32)), inputBits: inputs.map(() => random.nextInt(256)), scalars: Array.from({ length: random.nextInt(6) }, randomInt) }
      }),
    ]
    for (const h of cases) expect(toHex(encodeHeader(h))).toBe(viemHeader(h))
  })

  test('rows equal viem encodeAbiParameters, also when written into a reused, dirty buffer', () => {
    const buffer = new Uint8Array(4096).fill(0xab)
    const rows = [
      { positions: [], params: [] },
      { positions: [], params: [-5n] },
      { positions: [0, 4_294_967_295], params: [INT256_MIN, INT256_MAX, -1n] },
      ...Array.from({ length: 20 }, () => ({ positions: Array.from({ length: random.nextInt(9) }, () => random.nextInt(2 ** 32)), params: Array.from({ length: random.nextInt(9) }, randomInt) })),
    ]
    for (const row of rows) {
      const expected = encodeAbiParameters(ROW, [row.positions, row.params])
      expect(toHex(encodeRow(row))).toBe(expected)
      expect(toHex(encodeRow(row, buffer))).toBe(expected)
      expect(rowLength(row)).toBe((expected.length - 2) / 2)
    }
  })

  test('values the types cannot hold are refused, naming them', () => {
    const header = { code: 1, outCount: 1, bits: 8, inputs: [0], inputCounts: [1], inputBits: [8], scalars: [0n] }
    expect(() => encodeHeader({ ...header, code: 256 })).toThrow('The kind code is 256, which a uint8 cannot hold.')
    expect(() => encodeHeader({ ...header, outCount: 2 ** 32 })).toThrow('outCount is 4294967296, which a uint32 cannot hold.')
    expect(() => encodeHeader({ ...header, inputBits: [8, -1] })).toThrow('inputBits[1] is -1, which a uint8 cannot hold.')
    expect(() => encodeHeader({ ...header, scalars: [1n << 255n] })).toThrow(`a scalar is ${1n << 255n}, which an int256 cannot hold.`)
    expect(() => encodeRow({ positions: [1.5], params: [] })).toThrow('positions[0] is 1.5, which a uint32 cannot hold.')
  })
})
