import { packValues } from '@veridict/sdk'
import { concat, encodeAbiParameters, keccak256, numberToHex, parseAbiParameters, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { concatInputs, stageInputs } from '../ir/stages.js'
import { createRandom } from '../models/random.js'
import type { QuantizedModel, QuantizedStage } from '../quantize/model.js'
import { runReference, runTrace } from '../reference/runReference.js'
import { stageModule } from '../stages/index.js'
import { DAG_MODELS } from '../testing/dagModels.js'
import { parametersCommitment, stageHeader, stageRow, tensorBits, tensorSizes, traceCommitment } from './commitments.js'
import { toHex } from './keccak.js'
import { merkleRoot } from './merkle.js'
import { oneStepFromBytes } from './oneStep.js'
import { disputeDagModel } from './oneStepFixtures.js'

const HEADER = parseAbiParameters('uint8 kind, uint32 outCount, uint8 bits, uint32[] inputs, uint32[] inputCounts, uint8[] inputBits, int256[] scalars')
const ROW = parseAbiParameters('uint32[] positions, int256[] params')
const ZERO: Hex = `0x${'00'.repeat(32)}`
const random = createRandom(21)
const dag = disputeDagModel()

const randomValue = (bits: number) => BigInt(random.nextInt(2 ** Math.min(bits, 31))) - (1n << BigInt(Math.min(bits, 31) - 1))
const randomInput = (model: QuantizedModel) => Array.from({ length: tensorSizes(model)[0]! }, () => randomValue(model.inputBits))
const reference = (stage: QuantizedStage, x: readonly bigint[]) => (stageModule(stage.kind).reference as (stage: QuantizedStage, x: readonly bigint[]) => bigint[])(stage, x)

describe('runTrace', () => {
  test('every tensor of the reference run: the input, each stage on its concatenated inputs, runReference last', () => {
    const input = randomInput(dag)
    const tensors = runTrace(dag, input)
    expect(tensors.length).toBe(dag.stages.length + 1)
    expect(tensors[0]).toEqual(input)
    dag.stages.forEach((stage, s) => expect(tensors[s + 1]).toEqual(reference(stage, concatInputs(tensors, stageInputs(stage, s)))))
    expect(tensors.at(-1)).toEqual(runReference(dag, input))
  })
})

describe('trace commitment', () => {
  const input = randomInput(dag)
  const tensors = runTrace(dag, input)
  const S = dag.stages.length
  const commitment = traceCommitment(dag, tensors)

  test('tensor roots over the packed words, the trace root over tensors 0 .. S-1, the game root H(traceRoot, outputRoot)', () => {
    const bits = tensorBits(dag)
    expect(bits).toEqual([dag.inputBits, ...dag.stages.map((stage) => stage.bits)])
    tensors.forEach((tensor, t) => expect(commitment.tensorRoots[t], `tensor ${t}`).toBe(merkleRoot(packValues(tensor, bits[t]!).map((word) => numberToHex(word, { size: 32 })))))
    expect(commitment.traceRoot).toBe(merkleRoot(commitment.tensorRoots.slice(0, S)))
    expect(commitment.outputRoot).toBe(commitment.tensorRoots[S])
    expect(commitment.gameRoot).toBe(keccak256(concat([commitment.traceRoot, commitment.outputRoot])))
  })

  test('equal runs give equal roots; one value of one tensor changed changes that tensor root and the trace or output root', () => {
    const again = traceCommitment(dag, runTrace(dag, [...input]))
    expect([again.traceRoot, again.outputRoot, again.gameRoot]).toEqual([commitment.traceRoot, commitment.outputRoot, commitment.gameRoot])
    const bits = tensorBits(dag)
    for (let t = 0; t <= S; t++) {
      const changed = tensors.map((tensor) => [...tensor])
      const i = random.nextInt(changed[t]!.length)
      const top = (1n << BigInt(bits[t]! - 1)) - 1n
      changed[t]![i] = changed[t]![i]! === top ? top - 1n : changed[t]![i]! + 1n
      const other = traceCommitment(dag, changed)
      expect(other.tensorRoots.map((root, u) => root === commitment.tensorRoots[u]), `tensor ${t}, value ${i}`).toEqual(commitment.tensorRoots.map((_, u) => u !== t))
      expect(other.traceRoot === commitment.traceRoot).toBe(t === S)
      expect(other.outputRoot === commitment.outputRoot).toBe(t !== S)
      expect(other.gameRoot).not.toBe(commitment.gameRoot)
    }
  })

  test('a trace that does not fit the model is refused, naming the tensor', () => {
    expect(() => traceCommitment(dag, tensors.slice(1))).toThrow(`the model has ${S} stages, so ${S + 1} tensors, and ${S} were given`)
    expect(() => traceCommitment(dag, tensors.map((tensor, t) => (t === 3 ? tensor.slice(1) : tensor)))).toThrow(`tensor 3 has ${tensors[3]!.length - 1} values, the model's has ${tensors[3]!.length}`)
    const wide = tensors.map((tensor) => [...tensor])
    wide[2]![1] = 1n << BigInt(tensorBits(dag)[2]!)
    expect(() => traceCommitment(dag, wide)).toThrow(`Value 1 of tensor 2 is ${wide[2]![1]}, outside the ${tensorBits(dag)[2]}-bit range [-${wide[2]![1]! / 2n}, ${wide[2]![1]! / 2n - 1n}] stage 1 declares.`)
  })
})

describe('parameter commitment', () => {
  /** The commitment from the spec with viem's encodings and hashes. */
  function specParametersRoot(model: QuantizedModel): { headers: Hex[]; rowsRoots: Hex[]; root: Hex } {
    const sizes = tensorSizes(model)
    const bits = tensorBits(model)
    const headers: Hex[] = []
    const rowsRoots: Hex[] = []
    const leaves = model.stages.map((stage, s) => {
      const { commitment } = stageModule(stage.kind)
      const inputs = stageInputs(stage, s)
      const header = encodeAbiParameters(HEADER, [commitment.code, sizes[s + 1]!, stage.bits, inputs, inputs.map((t) => sizes[t]!), inputs.map((t) => bits[t]!), (commitment.scalars as (stage: QuantizedStage) => bigint[])(stage)])
      const rowsRoot = commitment.row
        ? merkleRoot(Array.from({ length: sizes[s + 1]! }, (_, r) => {
            const row = stageRow(model, s, r)!
            return keccak256(encodeAbiParameters(ROW, [row.positions, row.params]))
          }))
        : ZERO
      headers.push(header)
      rowsRoots.push(rowsRoot)
      return keccak256(concat([keccak256(header), rowsRoot]))
    })
    return { headers, rowsRoots, root: merkleRoot(leaves) }
  }

  test('headers, rows roots and the root are the spec computed with viem (every kind, DAG inputs)', () => {
    for (const model of [dag, DAG_MODELS.residual, DAG_MODELS.pooling]) {
      const commitment = parametersCommitment(model)
      const spec = specParametersRoot(model)
      expect(commitment.headers.map(toHex)).toEqual(spec.headers)
      expect(commitment.rowsRoots).toEqual(spec.rowsRoots)
      expect(commitment.parametersRoot).toBe(spec.root)
      model.stages.forEach((_, s) => expect(commitment.stageLeaves[s]).toBe(keccak256(concat([keccak256(spec.headers[s]!), spec.rowsRoots[s]!]))))
    }
    expect(new Set(dag.stages.map((stage) => stage.kind)).size).toBe(10)
  })

  test('one weight, bias, coefficient, index, shift or declared width changed changes the root', () => {
    const root = parametersCommitment(dag).parametersRoot
    const changed = (s: number, edit: (stage: QuantizedStage) => QuantizedStage) => parametersCommitment({ ...dag, stages: dag.stages.map((stage, k) => (k === s ? edit(stage) : stage)) }).parametersRoot
    const at = (kind: QuantizedStage['kind']) => dag.stages.findIndex((stage) => stage.kind === kind)
    const edits: [string, number, (stage: QuantizedStage) => QuantizedStage][] = [
      ['a linear weight', at('linear'), (st) => (st.kind === 'linear' ? { ...st, weights: st.weights.map((w, i) => (i === 5 ? w + 1n : w)) } : st)],
      ['a linear bias', at('linear'), (st) => (st.kind === 'linear' ? { ...st, bias: st.bias.map((b, i) => (i === 2 ? b - 1n : b)) } : st)],
      ['a piecewise coefficient', at('piecewise'), (st) => (st.kind === 'piecewise' ? { ...st, c2: st.c2.map((c, i) => (i === 0 ? c + 1n : c)) } : st)],
      ['a gather index', at('gather'), (st) => (st.kind === 'gather' ? { ...st, index: st.index.map((v, i) => (i === 0 ? v + 1 : v)) } : st)],
      ['a divide shift', at('divide'), (st) => (st.kind === 'divide' ? { ...st, shift: st.shift + 1 } : st)],
      ['a leakyRelu alpha', at('leakyRelu'), (st) => (st.kind === 'leakyRelu' ? { ...st, alpha: st.alpha + 1n } : st)],
      ['a relu width', at('relu'), (st) => ({ ...st, bits: st.bits + 1 })],
    ]
    for (const [what, s, edit] of edits) expect(changed(s, edit), what).not.toBe(root)
    expect(parametersCommitment(dag).parametersRoot).toBe(root)
  })

  test("each kind's scalars and rows give reference()'s value by the spec's formula, on random inputs", () => {
    const sizes = tensorSizes(dag)
    const bits = tensorBits(dag)
    dag.stages.forEach((stage, s) => {
      const header = toHex(stageHeader(dag, s))
      const widths = stageInputs(stage, s).flatMap((t) => new Array<number>(sizes[t]!).fill(bits[t]!))
      for (let trial = 0; trial < 4; trial++) {
        const x = widths.map(randomValue)
        const outputs = reference(stage, x)
        outputs.forEach((expected, r) => {
          const row = stageRow(dag, s, r)
          const xs = (row?.positions ?? [r]).map((p) => x[p]!)
          expect(oneStepFromBytes(header, row ? encodeAbiParameters(ROW, [row.positions, row.params]) : '0x', xs), `stage ${s} (${stage.kind}), output ${r}`).toBe(expected)
        })
      }
    })
  })

  test('rows are encoded again on demand; a stage or output out of range is refused', () => {
    const commitment = parametersCommitment(dag)
    const linear = dag.stages.findIndex((stage) => stage.kind === 'linear')
    const row = stageRow(dag, linear, 1)!
    expect(toHex(commitment.row(linear, 1)!)).toBe(encodeAbiParameters(ROW, [row.positions, row.params]))
    expect(commitment.row(dag.stages.findIndex((stage) => stage.kind === 'relu'), 0)).toBeUndefined()
    expect(() => commitment.row(dag.stages.length, 0)).toThrow(`Stage ${dag.stages.length} is out of range: there are ${dag.stages.length} (0 to ${dag.stages.length - 1}).`)
    expect(() => commitment.row(linear, 8)).toThrow(`Stage ${linear}'s output value 8 is out of range: there are 8 (0 to 7).`)
  })
})
