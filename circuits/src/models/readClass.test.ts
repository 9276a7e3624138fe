import * as ort from 'onnxruntime-node'
import { describe, expect, test } from 'vitest'
import { classOfFloatOutput, classOfQuantizedOutput, inputTensor } from './readClass.js'

describe('reading a class from a classifier output', () => {
  test('float: a label as is, one probability at 0.5, scores by their ArgMax', () => {
    expect(classOfFloatOutput(new ort.Tensor('int64', BigInt64Array.of(1n), [1]))).toBe(1)
    expect(classOfFloatOutput(new ort.Tensor('float32', Float32Array.of(0.5), [1, 1]))).toBe(1)
    expect(classOfFloatOutput(new ort.Tensor('float32', Float32Array.of(0.49), [1, 1]))).toBe(0)
    expect(classOfFloatOutput(new ort.Tensor('float32', Float32Array.of(0.2, 0.7, 0.1), [1, 3]))).toBe(1)
  })

  test('quantized: a class index as is, one probability read at its scale, values by their ArgMax', () => {
    expect(classOfQuantizedOutput([2n], { kind: 'class-index', scale: 0 })).toBe(2)
    expect(classOfQuantizedOutput([128n], { kind: 'values', scale: 8 })).toBe(1)
    expect(classOfQuantizedOutput([127n], { kind: 'values', scale: 8 })).toBe(0)
    expect(classOfQuantizedOutput([-5n, 9n], { kind: 'values', scale: 8 })).toBe(1)
  })

  test('an integer-typed input (token ids) is fed to onnxruntime as that type', () => {
    const ids = inputTensor([3, 14, 1], [1, 3], 'int64')
    expect(ids.type).toBe('int64')
    expect(Array.from(ids.data as BigInt64Array)).toEqual([3n, 14n, 1n])
    expect(inputTensor([2.4], [1, 1], 'int32').data).toEqual(Int32Array.of(2))
    expect(inputTensor([0.25], [1, 1]).type).toBe('float32')
  })
})
