import { concatInputs, rowsFromLists, stageInputs } from '../ir/stages.js'
import type { QuantizedModel, QuantizedStage } from '../quantize/model.js'
import { signedBits } from '../quantize/bounds.js'

/**
 * Hand-built quantized models for the executors' tests: stages are given without bit widths,
 * which `dagModel` derives from interval bounds over every input in range, as quantizeIR does
 * (so the circuit has a witness for every valid input): a stage reading several tensors reads
 * their concatenation, as wide as the widest of them.
 */
export type StageSpec = { inputs?: number[] } & (
  | { kind: 'linear'; rows: number[][]; weights: number[][]; bias: number[]; shift: number }
  | { kind: 'relu' }
  | { kind: 'leakyRelu'; alpha: number; shift: number }
  | { kind: 'gather'; index: number[] }
  | { kind: 'maxPool'; windows: number[][] }
  | { kind: 'argMax'; groups: number[][] }
)

const rescale = (v: bigint, shift: number) => (shift === 0 ? v : (v + (1n << BigInt(shift - 1))) >> BigInt(shift))
const widest = (values: readonly number[]) => values.reduce((m, b) => Math.max(m, b), 2)

export function dagModel(inputSize: number, inputBits: number, specs: StageSpec[]): QuantizedModel {
  const lo: bigint[][] = [new Array<bigint>(inputSize).fill(-(1n << BigInt(inputBits - 1)))]
  const hi: bigint[][] = [new Array<bigint>(inputSize).fill((1n << BigInt(inputBits - 1)) - 1n)]
  const widths = [inputBits]
  const stages = specs.map((spec, s): QuantizedStage => {
    const inputs = stageInputs(spec, s)
    const [l, h] = [concatInputs(lo, inputs), concatInputs(hi, inputs)]
    const inBits = widest(inputs.map((t) => widths[t]!))
    const base = { sources: [`${spec.kind}${s}`], inputs: spec.inputs }
    let stage: QuantizedStage
    let out: [bigint[], bigint[]]
    switch (spec.kind) {
      case 'linear': {
        const weights = spec.weights.flat().map(BigInt)
        const bounds = spec.rows.map((row, r) => {
          let [a, b] = [BigInt(spec.bias[r]!), BigInt(spec.bias[r]!)]
          row.forEach((i, k) => {
            const w = BigInt(spec.weights[r]![k]!)
            a += w * (w >= 0n ? l[i]! : h[i]!)
            b += w * (w >= 0n ? h[i]! : l[i]!)
          })
          return [rescale(a, spec.shift), rescale(b, spec.shift)] as const
        })
        out = [bounds.map((b) => b[0]), bounds.map((b) => b[1])]
        const bits = widest(bounds.map(([a, b]) => signedBits(a, b)))
        stage = { ...base, kind: 'linear', shape: [spec.rows.length], rows: rowsFromLists(spec.rows), weights, bias: spec.bias.map(BigInt), shift: spec.shift, bits }
        break
      }
      case 'relu':
        out = [l.map((v) => (v > 0n ? v : 0n)), h.map((v) => (v > 0n ? v : 0n))]
        stage = { ...base, kind: 'relu', shape: [l.length], bits: inBits }
        break
      case 'leakyRelu': {
        // The negative branch is computed (and range-checked) for every value, whatever its sign.
        const alpha = BigInt(spec.alpha)
        const negLo = l.map((v, i) => rescale(alpha >= 0n ? alpha * v : alpha * h[i]!, spec.shift))
        const negHi = h.map((v, i) => rescale(alpha >= 0n ? alpha * v : alpha * l[i]!, spec.shift))
        const negBits = widest(negLo.map((v, i) => signedBits(v, negHi[i]!)))
        out = [l.map((v, i) => (negLo[i]! < v ? negLo[i]! : v)), h.map((v, i) => (negHi[i]! > v ? negHi[i]! : v))]
        stage = { ...base, kind: 'leakyRelu', shape: [l.length], alpha, shift: spec.shift, negBits, bits: Math.max(inBits, negBits) }
        break
      }
      case 'gather':
        out = [spec.index.map((i) => l[i]!), spec.index.map((i) => h[i]!)]
        stage = { ...base, kind: 'gather', shape: [spec.index.length], index: Int32Array.from(spec.index), bits: inBits }
        break
      case 'maxPool': {
        const max = (bound: bigint[], window: number[]) => window.map((i) => bound[i]!).reduce((m, v) => (v > m ? v : m))
        out = [spec.windows.map((w) => max(l, w)), spec.windows.map((w) => max(h, w))]
        stage = { ...base, kind: 'maxPool', shape: [spec.windows.length], windows: rowsFromLists(spec.windows), bits: inBits }
        break
      }
      case 'argMax': {
        const top = BigInt(widest(spec.groups.map((g) => g.length)) - 1)
        out = [spec.groups.map(() => 0n), spec.groups.map(() => top)]
        stage = { ...base, kind: 'argMax', shape: [spec.groups.length], groups: rowsFromLists(spec.groups), inBits, bits: signedBits(0n, top) }
        break
      }
    }
    lo.push(out[0])
    hi.push(out[1])
    widths.push(stage.bits)
    return stage
  })
  const last = stages[stages.length - 1]!
  return {
    scale: 6,
    inputScale: 6,
    inputBits,
    inputShape: [inputSize],
    outputShape: last.shape,
    outputScale: last.kind === 'argMax' ? 0 : 6,
    outputBits: last.bits,
    stages,
  }
}

/**
 * Small DAG models covering what a DAG adds to a chain: residual connections, concatenations by
 * gather, tensors read by several stages, tensor 0 read late, and every nonlinear stage reading a
 * concatenation whose parts carry sign bits as signal arrays, as all >= 0, or not at all.
 */
export const DAG_MODELS = {
  /** relu(x); y = linear(relu(x) ++ x) (residual); relu(y ++ x); leakyRelu(relu(x) ++ y); linear of the last two. */
  residual: dagModel(4, 8, [
    { kind: 'relu', inputs: [0] },
    { kind: 'linear', inputs: [1, 0], rows: [[0, 4, 5], [1, 5, 6], [2, 6, 7], [3, 7, 4]], weights: [[20, 16, -9], [20, 16, -9], [-11, 16, 7], [20, 16, 3]], bias: [5, -40, 0, 17], shift: 4 },
    { kind: 'relu', inputs: [2, 0] },
    { kind: 'leakyRelu', inputs: [1, 2], alpha: -40, shift: 6 },
    {
      kind: 'linear',
      inputs: [4, 3],
      rows: [[0, 1, 2, 8, 9, 15], [3, 4, 5, 10, 11, 12], [6, 7, 13, 14]],
      weights: [[3, -2, 5, 1, -4, 2], [-1, 4, 2, -3, 1, 6], [2, 2, -5, 3]],
      bias: [1, -3, 7],
      shift: 5,
    },
  ]),
  /** linear(x); maxPool over (x ++ linear(x)) (the narrow part first), gather over (maxPool ++ x); relu of the gather (Sign checks); relu and argMax of concatenations, the last with x. */
  pooling: dagModel(6, 8, [
    { kind: 'linear', rows: [[0, 1, 2], [2, 3, 4], [4, 5, 0], [1, 3, 5]], weights: [[30, -25, 12], [-17, 29, 8], [21, 30, -30], [9, -14, 27]], bias: [3, -100, 0, 64], shift: 3 },
    { kind: 'maxPool', inputs: [0, 1], windows: [[6, 0], [7, 1, 2], [8, 9, 3], [4, 5]] },
    { kind: 'gather', inputs: [2, 0], index: [9, 0, 4, 3, 1, 7] },
    { kind: 'relu' },
    { kind: 'linear', rows: [[0, 1, 2], [3, 4], [5, 0]], weights: [[2, -3, 1], [-2, 4], [3, -1]], bias: [-20, 5, 0], shift: 2 },
    { kind: 'relu', inputs: [2, 5] },
    { kind: 'argMax', inputs: [6, 0], groups: [[0, 7, 8, 1], [2, 3, 4, 9, 10], [5, 6, 11, 12]] },
  ]),
  /** Gathers carrying concatenated sign bits, concatenations of all >= 0 tensors, and a final linear over three tensors (x among them). */
  gathers: dagModel(5, 8, [
    { kind: 'relu', inputs: [0] },
    { kind: 'linear', inputs: [0], rows: [[0, 1], [1, 2], [2, 3], [3, 4]], weights: [[5, -3], [-4, 6], [7, 2], [-5, -5]], bias: [0, 9, -9, 2], shift: 2 },
    { kind: 'gather', inputs: [2, 0], index: [0, 5, 1, 6, 2, 7, 3, 8] },
    { kind: 'leakyRelu', alpha: 13, shift: 6 },
    { kind: 'relu' },
    { kind: 'gather', inputs: [1, 5], index: [0, 5, 2, 7, 9, 12] },
    { kind: 'maxPool', inputs: [6, 1], windows: [[0, 6], [1, 2, 7], [3, 10], [4, 5, 8, 9]] },
    { kind: 'relu' },
    { kind: 'linear', inputs: [8, 3, 0], rows: [[0, 1, 4, 6, 12], [2, 3, 5, 9, 16]], weights: [[2, -1, 3, 1, -2], [1, 1, -2, 2, 3]], bias: [0, -4], shift: 3 },
  ]),
}
