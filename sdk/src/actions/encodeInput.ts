import { packValues } from '../encoding/pack.js'
import { InputOutOfRangeError, InputShapeMismatchError } from '../errors/input.js'
import type { TensorLayout } from '../types.js'
import { flattenTensor, type NumberTensor } from '../utils/tensor.js'

export type EncodeInputParameters = {
  /** The model's manifest, or anything with its input layout (a `getModel` result's `manifest`). */
  manifest: { input: TensorLayout }
} & (
  | {
      /** Real-valued input, flat or nested as the model's input shape; quantized q = round(x * 2^scale). */
      values: NumberTensor
      quantized?: undefined
    }
  | {
      /** Already-quantized integers, flat, in [-2^(bits-1), 2^(bits-1)). */
      quantized: readonly (bigint | number)[]
      values?: undefined
    }
)

export type EncodeInputReturnType = {
  /** The packed uint256 words a request carries (design.md, "Packing"). */
  words: bigint[]
  /** The quantized input values. */
  quantized: bigint[]
}

/**
 * Quantizes a real-valued input tensor at the model's input scale (q = round(x * 2^scale), as
 * the circuit's reference executor does) and packs it into the uint256 words a request carries.
 * Throws InputShapeMismatchError for a wrong shape and InputOutOfRangeError (naming the value
 * and its index) for a value that does not fit the model's input bit width.
 *
 * @example
 * import { encodeInput } from '@veridict/sdk'
 *
 * const { words, quantized } = encodeInput({ manifest, values: [5.1, 3.5, 1.4, 0.2] })
 * // quantized: [326n, 224n, 90n, 13n] (scale 2^6), words: one packed uint256
 */
export function encodeInput({ manifest, values, quantized }: EncodeInputParameters): EncodeInputReturnType {
  const layout = manifest.input
  const min = -(2 ** (layout.bits - 1))
  const max = 2 ** (layout.bits - 1) - 1
  let q: bigint[]
  if (quantized !== undefined) {
    if (quantized.length !== layout.count) throw new InputShapeMismatchError({ expected: layout.shape, received: [quantized.length] })
    q = quantized.map((value, index) => {
      const integer = BigInt(value)
      if (integer < BigInt(min) || integer > BigInt(max)) throw new InputOutOfRangeError({ index, value: integer, bits: layout.bits, scale: 0, min, max })
      return integer
    })
  } else {
    const range = { bits: layout.bits, scale: layout.scale, min: min / 2 ** layout.scale, max: max / 2 ** layout.scale }
    q = flattenTensor(values, layout.shape).map((x, index) => {
      const rounded = typeof x === 'number' ? Math.round(x * 2 ** layout.scale) : Number.NaN
      if (!Number.isFinite(rounded) || rounded < min || rounded > max) throw new InputOutOfRangeError({ index, value: x, ...range })
      return BigInt(rounded)
    })
  }
  return { words: packValues(q, layout.bits), quantized: q }
}
