/** Exact integer division and square root: the semantics of the divide and sqrt stages (model.ts), shared by the quantizer and the reference executor. */

/** floor(n / d) for d > 0. */
export function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d
  return n % d < 0n ? q - 1n : q
}

/** ceil(n / d) for d > 0. */
export function ceilDiv(n: bigint, d: bigint): bigint {
  return -floorDiv(-n, d)
}

/** The divide stage on one pair: b' = max(b, 1), floor((a·2^shift + floor(b'/2)) / b'). */
export function divideRound(a: bigint, b: bigint, shift: number): bigint {
  const d = b < 1n ? 1n : b
  return floorDiv((a << BigInt(shift)) + d / 2n, d)
}

/** floor(sqrt(n)) for n >= 0 (Newton's method from above). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError(`isqrt of a negative number (${n})`)
  if (n < 2n) return n
  let x = 1n << BigInt((n.toString(2).length + 1) >> 1)
  for (;;) {
    const y = (x + n / x) >> 1n
    if (y >= x) return x
    x = y
  }
}

/** The sqrt stage on one value: floor(sqrt(max(x, 0)·2^shift)). */
export function sqrtFloor(x: bigint, shift: number): bigint {
  return isqrt((x > 0n ? x : 0n) << BigInt(shift))
}
