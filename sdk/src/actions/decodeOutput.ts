import { unpackValues } from '../encoding/pack.js'
import type { TensorLayout } from '../types.js'

export type DecodeOutputParameters = {
  /** The model's manifest, or anything with its output layout and kind. */
  manifest: { output: TensorLayout & { kind: 'class-index' | 'values' } }
  /** Output words of a result. */
  words: readonly bigint[]
}

export type DecodeOutputReturnType = {
  /** The canonical quantized output values (what the circuit proves). */
  quantized: bigint[]
  /** Real values, q / 2^scale (class indices as they are). */
  values: number[]
  shape: readonly number[]
  /**
   * The predicted class: the output itself for a 'class-index' model, else the index of the
   * highest value (the first one on a tie, as ONNX ArgMax).
   */
  class: number
}

/**
 * Unpacks a result's output words into the model's output tensor and, for classifiers, the class.
 * Throws WordCountMismatchError or WordOutOfRangeError for words that do not fit the layout.
 *
 * @example
 * import { decodeOutput } from '@veridict/sdk'
 *
 * const { values, class: species } = decodeOutput({ manifest, words: result.outputWords })
 * // values: [-2.3, 1.9, 0.4], species: 1
 */
export function decodeOutput({ manifest, words }: DecodeOutputParameters): DecodeOutputReturnType {
  const { count, bits, scale, shape, kind } = manifest.output
  const quantized = unpackValues(words, count, bits)
  if (kind === 'class-index') {
    const values = quantized.map(Number)
    return { quantized, values, shape, class: values[0] ?? 0 }
  }
  const values = quantized.map((q) => Number(q) / 2 ** scale)
  let best = 0
  for (let i = 1; i < quantized.length; i++) if (quantized[i]! > quantized[best]!) best = i
  return { quantized, values, shape, class: best }
}
