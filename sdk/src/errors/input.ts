import { BaseError } from './base.js'

/**
 * The input tensor has the wrong number of values or the wrong nesting.
 *
 * @example
 * encodeInput({ manifest, values: [1, 2, 3] }) // a model taking [1, 4] throws InputShapeMismatchError
 */
export class InputShapeMismatchError extends BaseError {
  override name = 'InputShapeMismatchError'
  readonly expected: readonly number[]
  readonly received: readonly number[]
  constructor({ expected, received, reason }: { expected: readonly number[]; received: readonly number[]; reason?: string }) {
    super(`Input of shape [${received.join(', ')}] does not fit the model's input shape [${expected.join(', ')}].`, {
      details:
        reason ??
        `Pass ${expected.reduce((a, b) => a * b, 1)} numbers, flat or nested as [${expected.join(', ')}].`,
    })
    this.expected = expected
    this.received = received
  }
}

/**
 * A value is not finite or does not fit the model's quantized input range.
 *
 * @example
 * try {
 *   encodeInput({ manifest, values })
 * } catch (error) {
 *   if (error instanceof InputOutOfRangeError) console.log(error.index, error.value)
 * }
 */
export class InputOutOfRangeError extends BaseError {
  override name = 'InputOutOfRangeError'
  readonly index: number
  readonly value: number | bigint
  constructor({ index, value, min, max, bits, scale }: { index: number; value: number | bigint; min: number; max: number; bits: number; scale: number }) {
    super(`Input value ${value} at index ${index} is out of range.`, {
      details: `The model quantizes inputs to ${bits}-bit integers at scale 2^${scale}, so a value must be finite and lie in [${min}, ${max}].`,
    })
    this.index = index
    this.value = value
  }
}
