/** A seeded pseudo-random generator, so training and data splits replay bit for bit. */
export type Random = {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number
  /** Uniform integer in [0, bound). */
  nextInt(bound: number): number
  /** Standard normal (Box–Muller). */
  normal(): number
  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[]
}

/**
 * sfc32 seeded through splitmix32: small, fast, and identical on every platform because it uses
 * only 32-bit integer arithmetic (Math.log / Math.cos in `normal` are V8's fdlibm ports, also exact
 * across platforms).
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0
  const splitmix32 = () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = splitmix32()
  let b = splitmix32()
  let c = splitmix32()
  let counter = 1

  const nextUint32 = () => {
    const result = (a + b + counter) >>> 0
    counter = (counter + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = ((c << 21) | (c >>> 11)) >>> 0
    c = (c + result) >>> 0
    return result
  }
  for (let warmup = 0; warmup < 12; warmup++) nextUint32()

  const next = () => nextUint32() / 4294967296
  return {
    next,
    nextInt: (bound) => Math.floor(next() * bound),
    normal: () => {
      const u = 1 - next()
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next())
    },
    shuffle: (items) => {
      for (let index = items.length - 1; index > 0; index--) {
        const other = Math.floor(next() * (index + 1))
        const item = items[index]!
        items[index] = items[other]!
        items[other] = item
      }
      return items
    },
  }
}
