import { list, type Emit, type PrivateWeightSignals } from '../../circuit/emit.js'

/**
 * A linear stage's accumulators `${name}Acc` as several Linear components of at most
 * `chunkWeights` weights each (a row is never split; one longer than that is a chunk alone).
 */
export function emitLinearChunks(emit: Emit, name: string, input: { size: number; values: string }, offsets: ArrayLike<number>, indices: ArrayLike<number>, weights: ArrayLike<bigint>, bias: ArrayLike<bigint>, chunkWeights: number): void {
  emit(`signal ${name}Acc[${offsets.length - 1}];`)
  for (const { chunk, start, end, from, to, local } of rowChunks(offsets, chunkWeights)) {
    const component = `${name}Linear${chunk}`
    if (to > from) {
      emit(`component ${component} = Linear(${input.size}, ${end - start}, ${to - from}, ${list(local)}, ${list(Array.prototype.slice.call(indices, from, to) as number[])}, ${list(Array.prototype.slice.call(weights, from, to) as bigint[])}, ${list(Array.prototype.slice.call(bias, start, end) as bigint[])});`)
      emit(`${component}.in <== ${input.values};`)
      emit(`for (var i = ${start}; i < ${end}; i++) ${name}Acc[i] <== ${component}.out[i - ${start}];`)
    } else {
      emit(`var ${name}Bias${chunk}[${end - start}] = ${list(Array.prototype.slice.call(bias, start, end) as bigint[])};`)
      emit(`for (var i = ${start}; i < ${end}; i++) ${name}Acc[i] <== ${name}Bias${chunk}[i - ${start}];`)
    }
  }
}

/**
 * A linear stage's accumulators `${name}Acc` with its weights and biases read from the committed
 * parameter array (--private-weights): PrivateLinear components over the same row chunks as
 * emitLinearChunks, each wired to its slice. The stage takes its weights (in the order of
 * stage.weights), then its biases, as the linear module's privateParameters lists them.
 */
export function emitPrivateLinear(emit: Emit, name: string, input: { size: number; values: string }, offsets: ArrayLike<number>, indices: ArrayLike<number>, parameters: PrivateWeightSignals, chunkWeights: number): void {
  const rows = offsets.length - 1
  const weightsAt = parameters.take(offsets[rows]! + rows)
  const biasAt = weightsAt + offsets[rows]!
  const at = (offset: number) => (offset === 0 ? '' : `${offset} + `)
  emit(`signal ${name}Acc[${rows}];`)
  for (const { chunk, start, end, from, to, local } of rowChunks(offsets, chunkWeights)) {
    if (to > from) {
      const component = `${name}Linear${chunk}`
      emit(`component ${component} = PrivateLinear(${input.size}, ${end - start}, ${to - from}, ${list(local)}, ${list(Array.prototype.slice.call(indices, from, to) as number[])});`)
      emit(`${component}.in <== ${input.values};`)
      emit(`for (var t = 0; t < ${to - from}; t++) ${component}.weight[t] <== ${parameters.signal}[${at(weightsAt + from)}t];`)
      emit(`for (var i = 0; i < ${end - start}; i++) ${component}.bias[i] <== ${parameters.signal}[${at(biasAt + start)}i];`)
      emit(`for (var i = ${start}; i < ${end}; i++) ${name}Acc[i] <== ${component}.out[i - ${start}];`)
    } else emit(`for (var i = ${start}; i < ${end}; i++) ${name}Acc[i] <== ${parameters.signal}[${at(biasAt)}i];`)
  }
}

/** Consecutive rows of at most `chunkWeights` weights (a longer row alone), with their weights' range and local offsets. */
function* rowChunks(offsets: ArrayLike<number>, chunkWeights: number): Generator<{ chunk: number; start: number; end: number; from: number; to: number; local: number[] }> {
  const rows = offsets.length - 1
  let chunk = 0
  for (let start = 0; start < rows; chunk++) {
    let end = start + 1
    while (end < rows && offsets[end + 1]! - offsets[start]! <= chunkWeights) end++
    const from = offsets[start]!
    const to = offsets[end]!
    yield { chunk, start, end, from, to, local: Array.from({ length: end - start + 1 }, (_, r) => offsets[start + r]! - from) }
    start = end
  }
}
