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
  // Values are gathered into float64-exact chunks of up to 48 bits, so a word costs a few bigint
  // operations instead of one per value.
  const perChunk = Math.max(1, Math.floor(CHUNK_BITS / bits))
  const chunkShift = BigInt(perChunk * bits)
  const offset = 2 ** (bits - 1)
  const span = 2 ** bits
  const words: bigint[] = []
  for (let j = 0; j * k < values.length; j++) {
    const n = Math.min(k, values.length - j * k)
    let word = 0n
    for (let c = Math.ceil(n / perChunk) - 1; c >= 0; c--) {
      if (bits > CHUNK_BITS) {
        word = (word << chunkShift) | wideOffsetValue(values, j * k + c, bits)
        continue
      }
      let chunk = 0
      for (let i = Math.min(perChunk, n - c * perChunk) - 1; i >= 0; i--) {
        const index = j * k + c * perChunk + i
        const value = values[index]!
        const u = (typeof value === 'bigint' ? Number(value) : value) + offset
        if (!(u >= 0 && u < span && Number.isInteger(u))) throw new ValueOutOfRangeError({ index, value: BigInt(value), bits })
        chunk = chunk * span + u
      }
      word = (word << chunkShift) | BigInt(chunk)
    }
    words.push(word)
  }
  return words
}

/** Largest chunk of packed bits handled with float64 arithmetic (exact below 2^53). */
const CHUNK_BITS = 48

function wideOffsetValue(values: readonly (bigint | number)[], index: number, bits: number): bigint {
  const q = BigInt(values[index]!)
  const offset = 1n << BigInt(bits - 1)
  const u = q + offset
  if (u < 0n || u >= offset << 1n) throw new ValueOutOfRangeError({ index, value: q, bits })
  return u
}

/**
 * Unpacks `count` signed values of `bits` bits from words made by {@link packValues}, checking
 * the word count and that no word has bits set beyond its payload.
 *
 * @example
 * unpackValues([0xff81807f00n], 5, 8) // [-128n, -1n, 0n, 1n, 127n]
 */
export function unpackValues(words: readonly bigint[], count: number, bits: number): bigint[] {
  if (bits > CHUNK_BITS) return unpackWide(words, count, bits)
  const numbers = unpackValuesToNumbers(words, count, bits)
  const values = new Array<bigint>(numbers.length)
  for (let i = 0; i < numbers.length; i++) values[i] = BigInt(numbers[i]!)
  return values
}

/**
 * {@link unpackValues} as plain numbers (every value exact), without creating a bigint per value:
 * what a hot path feeding onnxruntime wants.
 * - `into`: a Float32Array (exact for up to 25 bits) or Float64Array of at least `count` entries
 *   to fill; by default a new Float64Array.
 * - `unit`: a power of two every value is multiplied by (exact), e.g. 2^-scale to dequantize.
 *
 * @example
 * unpackValuesToNumbers([0xff81807f00n], 5, 8) // Float64Array [-128, -1, 0, 1, 127]
 * unpackValuesToNumbers([0xff81807f00n], 5, 8, { into: new Float32Array(5), unit: 2 ** -7 }) // Float32Array [-1, -0.0078125, 0, 0.0078125, 0.9921875]
 */
export function unpackValuesToNumbers<T extends Float32Array | Float64Array = Float64Array>(words: readonly bigint[], count: number, bits: number, { into, unit = 1 }: { into?: T; unit?: number } = {}): T {
  const values = (into ?? new Float64Array(count)) as T
  if (values.length < count) throw new RangeError(`unpackValuesToNumbers: the output array holds ${values.length} values, ${count} needed`)
  if (values instanceof Float32Array && bits > 25)
    throw new InvalidBitWidthError({ bits, details: 'A Float32Array holds values of at most 25 signed bits exactly; unpack into a Float64Array.' })
  if (!(unit > 0) || 2 ** Math.round(Math.log2(unit)) !== unit) throw new RangeError(`unpackValuesToNumbers: unit ${unit} is not a power of two`)
  if (bits > CHUNK_BITS) {
    unpackWide(words, count, bits).forEach((v, i) => (values[i] = Number(v) * unit))
    return values
  }
  const k = checkWords(words, count, bits)
  if (bits <= LIMB_BITS && LITTLE_ENDIAN) unpackByLimbs(words, count, bits, k, values, unit)
  else unpackByChunks(words, count, bits, k, values, unit)
  return values
}

/**
 * The words' little-endian bytes, 32 per word, after the checks {@link unpackValues} makes (word
 * count, no bits above the payload). For 8-bit values, byte i of word j is value j * 31 + i plus
 * 128; for 16-bit values, halfword i is value j * 15 + i plus 32768: what a graph that unpacks its
 * own input reads (see the canonical executor's 'words' input).
 *
 * @example
 * packedWordBytes([0xff81807f00n], 5, 8).subarray(0, 6) // Uint8Array [0, 127, 128, 129, 255, 0]
 */
export function packedWordBytes(words: readonly bigint[], count: number, bits: number): Uint8Array {
  checkWords(words, count, bits)
  const limbs = new BigUint64Array(words.length * 4)
  for (let j = 0; j < words.length; j++) splitWord(words[j]!, limbs, 4 * j, 4)
  const bytes = new Uint8Array(limbs.buffer)
  if (!LITTLE_ENDIAN) for (let at = 0; at < bytes.length; at += 8) bytes.subarray(at, at + 8).reverse()
  return bytes
}

/** Widest values read from 32-bit limbs (a value spans at most two limbs; its mask stays below 2^31). */
const LIMB_BITS = 24
/** Typed-array views read this machine's byte order; the fast readers assume little-endian. */
export const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1
const limbs64 = new BigUint64Array(4)
const limbs32 = new Uint32Array(limbs64.buffer)
const limbs16 = new Uint16Array(limbs64.buffer)
const limbs8 = new Uint8Array(limbs64.buffer)

/**
 * The low `used` 64-bit limbs of a word into `limbs` from `at`, least significant first (a
 * BigUint64Array store keeps a bigint's low 64 bits, far cheaper than bigint masking).
 */
function splitWord(word: bigint, limbs: BigUint64Array, at: number, used: number): void {
  limbs[at] = word
  if (used > 1) limbs[at + 1] = word >> 64n
  if (used > 2) limbs[at + 2] = word >> 128n
  if (used > 3) limbs[at + 3] = word >> 192n
}

/**
 * Each word into its 64-bit limbs (splitWord), then every value from the limbs' bytes, halfwords or
 * 32-bit halves with int32 shifts.
 */
function unpackByLimbs(words: readonly bigint[], count: number, bits: number, k: number, values: Float32Array | Float64Array, unit: number): void {
  const mask = 2 ** bits - 1
  const offset = 2 ** (bits - 1)
  let v = 0
  for (let j = 0; j < words.length; j++) {
    const n = Math.min(k, count - j * k)
    splitWord(words[j]!, limbs64, 0, Math.ceil((n * bits) / 64))
    // Byte-aligned widths (8-bit images above all) read whole bytes or halfwords.
    if (bits === 8) {
      for (let i = 0; i < n; i++) values[v++] = (limbs8[i]! - offset) * unit
      continue
    }
    if (bits === 16) {
      for (let i = 0; i < n; i++) values[v++] = (limbs16[i]! - offset) * unit
      continue
    }
    for (let i = 0, bit = 0; i < n; i++, bit += bits) {
      const limb = bit >>> 5
      const shift = bit & 31
      let x = limbs32[limb]! >>> shift
      if (shift + bits > 32) x |= limbs32[limb + 1]! << (32 - shift)
      values[v++] = ((x & mask) - offset) * unit
    }
  }
}

/**
 * Up to 48 bits of values at a time as one float64: BigInt.asUintN is much faster than masking
 * with a bigint, and `& lowMask` reads the low bits of a float64 integer exactly (ToInt32 keeps
 * its low 32 bits).
 */
function unpackByChunks(words: readonly bigint[], count: number, bits: number, k: number, values: Float32Array | Float64Array, unit: number): void {
  const perChunk = Math.floor(CHUNK_BITS / bits)
  const chunkBitCount = perChunk * bits
  const chunkShift = BigInt(chunkBitCount)
  const span = 2 ** bits
  const lowMask = span - 1
  const offset = 2 ** (bits - 1)
  const narrow = bits <= 30
  let v = 0
  for (let j = 0; j < words.length; j++) {
    const n = Math.min(k, count - j * k)
    let rest = words[j]!
    for (let done = 0; done < n; done += perChunk) {
      let chunk = Number(BigInt.asUintN(chunkBitCount, rest))
      const last = Math.min(perChunk, n - done)
      for (let i = 0; i < last; i++) {
        const u = narrow ? chunk & lowMask : chunk % span
        chunk = Math.floor(chunk / span)
        values[v++] = (u - offset) * unit
      }
      rest >>= chunkShift
    }
  }
}

function unpackWide(words: readonly bigint[], count: number, bits: number): bigint[] {
  const k = checkWords(words, count, bits)
  const width = BigInt(bits)
  const mask = (1n << width) - 1n
  const offset = 1n << (width - 1n)
  const values: bigint[] = []
  words.forEach((word, j) => {
    let rest = word
    for (let i = 0; i < Math.min(k, count - j * k); i++) {
      values.push((rest & mask) - offset)
      rest >>= width
    }
  })
  return values
}

/** The word count and every word's payload (no bits above its last value); returns values per word. */
function checkWords(words: readonly bigint[], count: number, bits: number): number {
  const k = valuesPerWord(bits)
  const expected = wordCount(count, bits)
  if (words.length !== expected) throw new WordCountMismatchError({ expected, received: words.length, count, bits })
  const fullLimit = 1n << BigInt(bits * k)
  words.forEach((word, j) => {
    const n = Math.min(k, count - j * k)
    if (word < 0n || word >= (n === k ? fullLimit : 1n << BigInt(bits * n))) throw new WordOutOfRangeError({ index: j, word, bits: bits * n })
  })
  return k
}

function assertBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 2 || bits > WORD_PAYLOAD_BITS) throw new InvalidBitWidthError({ bits })
}
