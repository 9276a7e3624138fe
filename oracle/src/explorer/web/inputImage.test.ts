import { expect, test } from 'vitest'
import { imageSide } from './inputImage.js'

test('draws square inputs: [1, 1, n, n], [n, n] and a flat n*n vector', () => {
  expect(imageSide([1, 1, 28, 28])).toBe(28)
  expect(imageSide([14, 14])).toBe(14)
  expect(imageSide([1, 196])).toBe(14)
})

test('draws nothing else: a feature vector, a small square, several channels', () => {
  expect(imageSide([1, 4])).toBeUndefined()
  expect(imageSide([1, 30])).toBeUndefined()
  expect(imageSide([4, 4])).toBeUndefined()
  expect(imageSide([1, 3, 28, 28])).toBeUndefined()
})
