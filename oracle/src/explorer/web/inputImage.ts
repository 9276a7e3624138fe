import { h } from './dom.js'

/**
 * The side of a square grayscale image, if `shape` is one: [.., n, n] with n >= 8, or a flat
 * vector of n*n values (the devnet's digits model takes a 14x14 digit as [1, 196]).
 */
export function imageSide(shape: readonly number[]): number | undefined {
  const dims = shape.filter((d) => d > 1)
  const last = dims.at(-1)
  const before = dims.at(-2)
  if (dims.length >= 2 && last === before && last !== undefined && last >= 8 && dims.slice(0, -2).every((d) => d === 1)) return last
  if (dims.length === 1 && last !== undefined) {
    const side = Math.round(Math.sqrt(last))
    if (side >= 8 && side * side === last) return side
  }
  return undefined
}

/** The input drawn as a grayscale image (brightest value white), scaled up with crisp pixels. */
export function inputImage(values: readonly number[], side: number): HTMLCanvasElement {
  const canvas = h('canvas', { width: side, height: side, class: 'input-image', 'data-side': side })
  const context = canvas.getContext('2d')
  if (!context) return canvas
  const image = context.createImageData(side, side)
  const min = Math.min(...values)
  const max = Math.max(...values)
  const span = max - min || 1
  values.forEach((value, i) => {
    const level = Math.round(((value - min) / span) * 255)
    image.data.set([level, level, level, 255], i * 4)
  })
  context.putImageData(image, 0, 0)
  return canvas
}
