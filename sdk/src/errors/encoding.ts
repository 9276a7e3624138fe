import { BaseError } from './base.js'

/**
 * A packing bit width outside 2..248.
 *
 * @example
 * packValues([1n], 1) // throws InvalidBitWidthError
 */
export class InvalidBitWidthError extends BaseError {
  override name = 'InvalidBitWidthError'
  constructor({ bits, details }: { bits: number; details?: string }) {
    super(`Bit width ${bits} is not supported.`, {
      details: details ?? 'A packed value needs an integer bit width from 2 to 248.',
    })
  }
}

/**
 * A quantized value does not fit its signed bit width.
 *
 * @example
 * packValues([128n], 8) // throws ValueOutOfRangeError (index 0, value 128)
 */
export class ValueOutOfRangeError extends BaseError {
  override name = 'ValueOutOfRangeError'
  readonly index: number
  readonly value: bigint
  constructor({ index, value, bits }: { index: number; value: bigint; bits: number }) {
    const lo = -(1n << BigInt(bits - 1))
    const hi = (1n << BigInt(bits - 1)) - 1n
    super(`Value ${value} at index ${index} does not fit in ${bits} signed bits.`, {
      details: `Quantized values must lie in [${lo}, ${hi}]. Scale the input down or compile the model with a wider input bit width.`,
    })
    this.index = index
    this.value = value
  }
}

/**
 * Packed words of the wrong count for a tensor.
 *
 * @example
 * unpackValues([], 5, 8) // throws WordCountMismatchError
 */
export class WordCountMismatchError extends BaseError {
  override name = 'WordCountMismatchError'
  constructor({ expected, received, count, bits }: { expected: number; received: number; count: number; bits: number }) {
    super(`Expected ${expected} packed words for ${count} values of ${bits} bits, received ${received}.`)
  }
}

/**
 * A packed word with bits set above its payload.
 *
 * @example
 * unpackValues([1n << 40n], 5, 8) // throws WordOutOfRangeError
 */
export class WordOutOfRangeError extends BaseError {
  override name = 'WordOutOfRangeError'
  constructor({ index, word, bits }: { index: number; word: bigint; bits: number }) {
    super(`Packed word ${index} (${word}) is larger than its ${bits} bits allow.`, {
      details: 'Unused high bits of a packed word must be zero.',
    })
  }
}
