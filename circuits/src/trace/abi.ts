import { AbiValueRangeError } from '../errors/trace.js'
import type { StageRow } from '../stages/types.js'

/** A stage header's fields (docs/disputes.md, "Parameter (weight) commitment"). */
export type HeaderFields = { code: number; outCount: number; bits: number; inputs: number[]; inputCounts: number[]; inputBits: number[]; scalars: bigint[] }

/*
 * The ABI encodings of headers and rows written straight into bytes: viem's encodeAbiParameters
 * builds hex strings, far too slow for a weight matrix of millions of entries (the tests check these
 * against it byte for byte). Both are tuples of static words and dynamic arrays: a head of one word
 * per field (an array's is its offset from the start), then each array as its length and entries.
 */

const INT256_MIN = -(1n << 255n)
const INT256_LIMIT = 1n << 255n

function writeUint(view: DataView, at: number, value: number, bits: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) throw new AbiValueRangeError({ what, value, type: `uint${bits}` })
  // Words start zeroed; a uint of up to 53 bits sits in the last 8 bytes.
  if (value >= 2 ** 32) view.setUint32(at + 24, Math.floor(value / 2 ** 32))
  view.setUint32(at + 28, value >>> 0)
}

function writeInt256(bytes: Uint8Array, view: DataView, at: number, value: bigint, what: string): void {
  if (BigInt.asIntN(64, value) === value) {
    if (value < 0n) bytes.fill(0xff, at, at + 24)
    view.setBigInt64(at + 24, value)
    return
  }
  if (value < INT256_MIN || value >= INT256_LIMIT) throw new AbiValueRangeError({ what, value, type: 'int256' })
  const u = BigInt.asUintN(256, value)
  for (let limb = 0; limb < 4; limb++) view.setBigUint64(at + 8 * limb, BigInt.asUintN(64, u >> BigInt(192 - 64 * limb)))
}

/** Writes `values` as a dynamic array at word `at` (its length, then the entries); returns the word after it. */
function writeUintArray(view: DataView, at: number, values: readonly number[], bits: number, what: string): number {
  writeUint(view, at, values.length, 256, `${what}' length`)
  values.forEach((v, i) => writeUint(view, at + 32 * (i + 1), v, bits, `${what}[${i}]`))
  return at + 32 * (values.length + 1)
}

function writeIntArray(bytes: Uint8Array, view: DataView, at: number, values: readonly bigint[], what: string): number {
  writeUint(view, at, values.length, 256, `${what}' length`)
  for (let i = 0; i < values.length; i++) writeInt256(bytes, view, at + 32 * (i + 1), values[i]!, what)
  return at + 32 * (values.length + 1)
}

/** abi.encode(uint8 kind, uint32 outCount, uint8 bits, uint32[] inputs, uint32[] inputCounts, uint8[] inputBits, int256[] scalars). */
export function encodeHeader({ code, outCount, bits, inputs, inputCounts, inputBits, scalars }: HeaderFields): Uint8Array {
  const bytes = new Uint8Array(32 * (7 + 4 + inputs.length + inputCounts.length + inputBits.length + scalars.length))
  const view = new DataView(bytes.buffer)
  writeUint(view, 0, code, 8, 'The kind code')
  writeUint(view, 32, outCount, 32, 'outCount')
  writeUint(view, 64, bits, 8, 'bits')
  let at = 32 * 7
  const arrays = [
    (at: number) => writeUintArray(view, at, inputs, 32, 'inputs'),
    (at: number) => writeUintArray(view, at, inputCounts, 32, 'inputCounts'),
    (at: number) => writeUintArray(view, at, inputBits, 8, 'inputBits'),
    (at: number) => writeIntArray(bytes, view, at, scalars, 'a scalar'),
  ]
  arrays.forEach((write, k) => {
    writeUint(view, 32 * (3 + k), at, 256, 'an offset')
    at = write(at)
  })
  return bytes
}

/** The length of a row's encoding in bytes. */
export function rowLength(row: StageRow): number {
  return 32 * (4 + row.positions.length + row.params.length)
}

/**
 * abi.encode(uint32[] positions, int256[] params) written into `into` (zeroed first, at least
 * rowLength bytes), or into new bytes; returns the encoding (a view of `into` when given).
 */
export function encodeRow(row: StageRow, into?: Uint8Array): Uint8Array {
  const length = rowLength(row)
  const bytes = into ? into.subarray(0, length).fill(0) : new Uint8Array(length)
  const view = new DataView(bytes.buffer, bytes.byteOffset, length)
  writeUint(view, 0, 64, 256, 'an offset')
  const at = writeUintArray(view, 64, row.positions, 32, 'positions')
  writeUint(view, 32, at, 256, 'an offset')
  writeIntArray(bytes, view, at, row.params, 'a param')
  return bytes
}
