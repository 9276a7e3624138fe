import { list, type Emit } from '../../circuit/emit.js'

/**
 * A linear stage's accumulators `${name}Acc` as several Linear components of at most
 * `chunkWeights` weights each (a row is never split; one longer than that is a chunk alone).
 */
export function emitLinearChunks(emit: Emit, name: string, input: { size: number; values: string }, offsets: ArrayLike<number>, indices: ArrayLike<number>, weights: ArrayLike<bigint>, bias: ArrayLike<bigint>, chunkWeights: number): void {
  const rows = offsets.length - 1
  emit(`signal ${name}Acc[${rows}];`)
  let chunk = 0
  for (let start = 0; start < rows; chunk++) {
    let end = start + 1
    while (end < rows && offsets[end + 1]! - offsets[start]! <= chunkWeights) end++
    const from = offsets[start]!
    const to = offsets[end]!
    const component = `${name}Linear${chunk}`
    if (to > from) {
      const local = Array.from({ length: end - start + 1 }, (_, r) => offsets[start + r]! - from)
      emit(`component ${component} = Linear(${input.size}, ${end - start}, ${to - from}, ${list(local)}, ${list(Array.prototype.slice.call(indices, from, to) as number[])}, ${list(Array.prototype.slice.call(weights, from, to) as bigint[])}, ${list(Array.prototype.slice.call(bias, start, end) as bigint[])});`)
      emit(`${component}.in <== ${input.values};`)
      emit(`for (var i = ${start}; i < ${end}; i++) ${name}Acc[i] <== ${component}.out[i - ${start}];`)
    } else {
      emit(`var ${name}Bias${chunk}[${end - start}] = ${list(Array.prototype.slice.call(bias, start, end) as bigint[])};`)
      emit(`for (var i = ${start}; i < ${end}; i++) ${name}Acc[i] <== ${name}Bias${chunk}[i - ${start}];`)
    }
    start = end
  }
}
