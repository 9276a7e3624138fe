import { InputShapeMismatchError } from '../errors/input.js'

/** A tensor of numbers: flat (an array or typed array) or nested arrays. */
export type NumberTensor = ArrayLike<number> | readonly NumberTensor[]

/**
 * Flattens `tensor` in row-major order and checks it against `shape`: a flat array must hold
 * exactly the shape's element count; a nested one must have the shape, with leading 1s optional.
 */
export function flattenTensor(tensor: NumberTensor, shape: readonly number[]): number[] {
  const count = shape.reduce((a, b) => a * b, 1)
  const received = shapeOf(tensor, shape)
  const flat: number[] = []
  collect(tensor, flat)
  const trimmed = trimLeadingOnes(shape)
  const isFlat = received.length === 1
  const matches = isFlat ? received[0] === count : sameShape(trimLeadingOnes(received), trimmed)
  if (!matches) throw new InputShapeMismatchError({ expected: shape, received })
  return flat
}

function shapeOf(tensor: NumberTensor, expected: readonly number[]): number[] {
  const shape = [tensor.length]
  const first = tensor[0]
  if (first === undefined || !isNested(first)) {
    for (let i = 0; i < tensor.length; i++)
      if (isNested(tensor[i])) throw ragged(expected, shape, `element ${i} is an array where a number was expected`)
    return shape
  }
  const inner = shapeOf(first, expected)
  for (let i = 1; i < tensor.length; i++) {
    const item = tensor[i]
    if (!isNested(item)) throw ragged(expected, [tensor.length, ...inner], `element ${i} is a number where an array was expected`)
    const other = shapeOf(item, expected)
    if (!sameShape(other, inner))
      throw ragged(expected, [tensor.length, ...inner], `element ${i} has shape [${other.join(', ')}], element 0 has [${inner.join(', ')}]`)
  }
  return [...shape, ...inner]
}

function collect(tensor: NumberTensor, out: number[]): void {
  for (let i = 0; i < tensor.length; i++) {
    const item = tensor[i]
    if (isNested(item)) collect(item, out)
    else out.push(item as number)
  }
}

function isNested(value: unknown): value is NumberTensor {
  return typeof value === 'object' && value !== null && 'length' in value
}

function ragged(expected: readonly number[], received: number[], reason: string): InputShapeMismatchError {
  return new InputShapeMismatchError({ expected, received, reason: `The nested arrays are ragged: ${reason}.` })
}

function trimLeadingOnes(shape: readonly number[]): readonly number[] {
  let i = 0
  while (i < shape.length - 1 && shape[i] === 1) i++
  return shape.slice(i)
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}
