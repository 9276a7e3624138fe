/**
 * What generateCircuit.ts shares with each stage kind's circom emission (circuits/src/stages/<kind>):
 * tensors as signal arrays with their sign bits, the context a stage emits in, and small writers.
 */

/**
 * The sign bits (value >= 0) that travel with a tensor: the name of a signal array pinned by the
 * range check (or LeakyRelu) that produced the values, ALL_NON_NEGATIVE after a Relu (every bit
 * is 1, no signal needed), or undefined when none is at hand (a consumer then adds Sign checks).
 * Each bit must be the sign of the value it travels with: a Relu multiplies by it, and a LeakyRelu
 * selects its branch by it. A concatenation of tensors carries its parts' bits in the same order
 * (a constant 1 for a part that is all >= 0), so bit i is still the sign of value i.
 */
export const ALL_NON_NEGATIVE = Symbol('every value >= 0')
export type SignBits = string | typeof ALL_NON_NEGATIVE | undefined

/**
 * Tensor as circom signals: a value array, its sign bits, and the declared signed width `bits`
 * that every value lies in (range-checked by whatever produced it): Sign, MaxPool and ArgMax
 * are only sound and complete for inputs in that range.
 */
export type CircuitTensor = { values: string; nonNeg: SignBits; size: number; bits: number }

export type Emit = (line?: string) => void

export type CircuitContext = {
  emit: Emit
  /** The stage's signal prefix (`s<index>`). */
  name: string
  /** The stage's index. */
  s: number
  /** The stage's output size. */
  size: number
  /** The stage's input: its one tensor, or the concatenation of several (readInputs). */
  current: CircuitTensor
  /** Declares `signal ${name}[size]` (and `${name}NonNeg` with withSign) as a tensor of width `bits`. */
  newTensor: (name: string, size: number, withSign: boolean, bits: number) => CircuitTensor
  /** Linear stages with more weights are split over several Linear components. */
  linearChunkWeights: number
  /**
   * A linear stage chosen by poolBeforeRescale (generateCircuit.ts): it emits its unrounded
   * accumulators and calls deferRescale; the maxPool that reads them (after a relu, maybe) rescales.
   */
  poolFirst: boolean
  deferRescale: (rescale: { shift: number; bits: number }) => void
  /**
   * Set for a model compiled with --private-weights (generateCircuit's privateWeights): the main
   * template's committed parameter array. A stage with parameters (StageModule.privateParameters)
   * reads them as signals instead of constants: `take(n)` hands it the next n entries, in the order
   * privateParameters lists them, and returns the index of the first (weightCommitment.ts).
   */
  privateWeights?: PrivateWeightSignals | undefined
}

/** The main template's `weights` signal array, handed out in stage order (CircuitContext.privateWeights). */
export type PrivateWeightSignals = { signal: string; take: (count: number) => number }

export const list = (values: ArrayLike<number | bigint>) => `[${Array.from(values as ArrayLike<number>, String).join(',')}]`

/** `${name}[i]` (with its sign bits `${name}NonNeg[i]`) = Rescale(shift, bits) of `accumulator` (an expression in i), for i < size. */
export function emitRescales(emit: Emit, name: string, accumulator: string, size: number, shift: number, bits: number): void {
  emit(`component ${name}Rescale[${size}];`)
  emit(`for (var i = 0; i < ${size}; i++) {`)
  emit(`    ${name}Rescale[i] = Rescale(${shift}, ${bits});`)
  emit(`    ${name}Rescale[i].in <== ${accumulator};`)
  emit(`    ${name}[i] <== ${name}Rescale[i].out;`)
  emit(`    ${name}NonNeg[i] <== ${name}Rescale[i].nonNeg;`)
  emit('}')
}

/** `${component}.nonNeg <==` the input's sign bits (a Relu or LeakyRelu selects by them). */
export function wireSignBits(emit: Emit, component: string, size: number, nonNeg: SignBits, where: string): void {
  if (nonNeg === undefined) throw new Error(`generateCircuit: ${where} has no sign bits for its input`)
  if (nonNeg === ALL_NON_NEGATIVE) {
    emit(`for (var i = 0; i < ${size}; i++) {`)
    emit(`    ${component}.nonNeg[i] <== 1;`)
    emit('}')
  } else emit(`${component}.nonNeg <== ${nonNeg};`)
}
