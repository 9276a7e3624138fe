/**
 * The smooth functions a `piecewise` stage evaluates (see stages.ts), in float64: what the float
 * evaluator runs and what the quantizer fits its integer polynomials to.
 *
 * Functions that grow linearly are not here as such: the lowering splits them into a Relu and a
 * part g = f - a·relu(x) that tends to constants at both ends, and only g is a piecewise stage
 * (Softplus: log(1 + e^-|x|); Gelu: gelu(x) - relu(x); Elu and Selu: scale·(e^min(x,0) - 1)).
 */
export type PiecewiseFunction =
  | { name: 'sigmoid' }
  | { name: 'tanh' }
  | { name: 'erf' }
  | { name: 'exp' }
  | { name: 'softsign' }
  /** Softplus(x) - relu(x) = log(1 + e^-|x|). */
  | { name: 'softplusExcess' }
  /** Gelu(x) - relu(x), with ONNX Gelu's `approximate` (none: x·Φ(x); tanh: the tanh formula). */
  | { name: 'geluExcess'; approximate: 'none' | 'tanh' }
  /** scale·(e^x - 1) for x < 0, else 0: Elu(x) - relu(x) with scale alpha, Selu(x) - gamma·relu(x) with scale gamma·alpha. */
  | { name: 'expm1Negative'; scale: number }
  /** 1/x, only on a domain bounded away from 0 (a Softmax's sum of exponentials, at least 1). */
  | { name: 'reciprocal' }
  /** ln x, only on a domain bounded away from 0 (a LogSoftmax's sum of exponentials, at least 1). */
  | { name: 'log' }
  /** 1 for x >= 0, else 0 (a decision node's comparison; exact: each segment is constant). */
  | { name: 'stepAtLeast' }
  /** 1 for x > 0, else 0: on integers, 1 from the first value above 0. */
  | { name: 'stepAbove' }

/** How a function behaves: its value, the limits it tends to (undefined: grows), and where its derivatives jump. */
export type FunctionShape = {
  f: (x: number) => number
  /** lim f at -∞ and +∞; undefined where f grows without bound. */
  limits: [number | undefined, number | undefined]
  /** Points where a derivative of f jumps: segment boundaries are aligned to them. */
  kinks: number[]
  /** Kinks given as integer inputs (whatever the scale): the first input above 0 for a step at x > 0. */
  integerKinks?: number[] | undefined
}

export function functionShape(fn: PiecewiseFunction): FunctionShape {
  switch (fn.name) {
    case 'sigmoid':
      return { f: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))), limits: [0, 1], kinks: [] }
    case 'tanh':
      return { f: Math.tanh, limits: [-1, 1], kinks: [] }
    case 'erf':
      return { f: erf, limits: [-1, 1], kinks: [] }
    case 'exp':
      return { f: Math.exp, limits: [0, undefined], kinks: [] }
    case 'softsign':
      return { f: (x) => x / (1 + Math.abs(x)), limits: [-1, 1], kinks: [0] }
    case 'softplusExcess':
      return { f: (x) => Math.log1p(Math.exp(-Math.abs(x))), limits: [0, 0], kinks: [0] }
    case 'geluExcess': {
      const gelu = fn.approximate === 'tanh' ? (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))) : (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2))
      return { f: (x) => gelu(x) - Math.max(x, 0), limits: [0, 0], kinks: [0] }
    }
    case 'expm1Negative':
      return { f: (x) => (x < 0 ? fn.scale * Math.expm1(x) : 0), limits: [-fn.scale, 0], kinks: [0] }
    case 'reciprocal':
      return { f: (x) => 1 / x, limits: [undefined, 0], kinks: [] }
    case 'log':
      return { f: Math.log, limits: [undefined, undefined], kinks: [] }
    case 'stepAtLeast':
      return { f: (x) => (x >= 0 ? 1 : 0), limits: [0, 1], kinks: [0] }
    case 'stepAbove':
      return { f: (x) => (x > 0 ? 1 : 0), limits: [0, 1], kinks: [], integerKinks: [1] }
  }
}

/** The error function to float64 precision: its Taylor series near 0, a continued fraction for erfc beyond. */
export function erf(x: number): number {
  const a = Math.abs(x)
  if (a === Infinity) return Math.sign(x)
  if (a < 2.5) {
    // erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = a
    let sum = a
    for (let n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-a * a) / n
      sum += term / (2 * n + 1)
    }
    return (Math.sign(x) * 2 * sum) / Math.sqrt(Math.PI)
  }
  // erfc(a) = e^(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...))))), evaluated from the tail.
  let fraction = a
  for (let n = 80; n >= 1; n--) fraction = a + n / 2 / fraction
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / fraction
  return Math.sign(x) * (1 - erfc)
}
