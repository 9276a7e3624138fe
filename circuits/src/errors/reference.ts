import { BaseError } from './base.js'

export class InputShapeError extends BaseError {
  override name = 'InputShapeError'
  constructor({ expected, received }: { expected: readonly number[]; received: number }) {
    const size = expected.reduce((a, b) => a * b, 1)
    super(`Expected ${size} input values (shape [${expected.join(', ')}]), received ${received}.`)
  }
}

export class QuantizedInputOutOfRangeError extends BaseError {
  override name = 'QuantizedInputOutOfRangeError'
  constructor({ index, value, bits }: { index: number; value: bigint; bits: number }) {
    super(`Quantized input ${index} is ${value}, outside the ${bits}-bit range [${-(1n << BigInt(bits - 1))}, ${(1n << BigInt(bits - 1)) - 1n}] the model was compiled for.`, {
      details: 'The circuit only accepts inputs in the range fixed at compile time. Clip or rescale the input, or recompile with a larger --input-bits.',
    })
  }
}
