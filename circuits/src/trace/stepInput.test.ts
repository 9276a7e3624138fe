import { decodeAbiParameters, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { createRandom } from '../models/random.js'
import type { QuantizedModel } from '../quantize/model.js'
import { runTrace } from '../reference/runReference.js'
import { dagModel } from '../testing/dagModels.js'
import { parametersCommitment, tensorSizes, traceCommitment } from './commitments.js'
import { verifyOneStep } from './oneStep.js'
import { disputeDagModel } from './oneStepFixtures.js'
import { encodeStepInput, STEP_INPUT_ABI, stepInput, type StepInput } from './stepInput.js'

const random = createRandom(33)
const randomInput = (model: QuantizedModel) => Array.from({ length: tensorSizes(model)[0]! }, () => BigInt(random.nextInt(2 ** model.inputBits)) - (1n << BigInt(model.inputBits - 1)))

function setUp(model: QuantizedModel) {
  const tensors = runTrace(model, randomInput(model))
  const trace = traceCommitment(model, tensors)
  const parameters = parametersCommitment(model)
  const claim = (s: number, r: number, step: StepInput) => ({ parametersRoot: parameters.parametersRoot, stageCount: model.stages.length, traceRoot: trace.traceRoot, stage: s, r, step })
  return { tensors, trace, parameters, claim, step: (s: number, r: number) => stepInput(model, tensors, { trace, parameters }, s, r) }
}

/** Tensor 0 of 100 8-bit values (31 a word, 4 words), read twice by one linear stage, then a relu and a gather of both. */
const wide = dagModel(100, 8, [
  { kind: 'linear', inputs: [0, 0], rows: [[0, 31, 62, 99, 100, 130, 199], [5], []], weights: [[1, -2, 3, -4, 5, -6, 7], [9], []], bias: [3, -1, 11], shift: 2 },
  { kind: 'relu' },
  { kind: 'gather', inputs: [2, 0, 1], index: [0, 3, 102, 104] },
])

describe('stepInput', () => {
  test('opens every output value of every stage of a DAG of all ten kinds, and the one-step recomputes it', () => {
    const model = disputeDagModel()
    const { tensors, claim, step } = setUp(model)
    model.stages.forEach((_, s) => {
      for (let r = 0; r < tensors[s + 1]!.length; r++) {
        const input = step(s, r)
        expect(verifyOneStep(claim(s, r, input)), `stage ${s}, output ${r}`).toBe(tensors[s + 1]![r])
        expect(input.expected).toBe(tensors[s + 1]![r])
      }
    })
  })

  test('words: each once, sorted by (tensor, index), across several words of a tensor read twice; tensors: distinct and ascending', () => {
    const { tensors, claim, step } = setUp(wide)
    const input = step(0, 0)
    expect(input.tensors.map((t) => t.tensor)).toEqual([0])
    expect(input.words.map((w) => [w.tensor, w.index])).toEqual([[0, 0], [0, 1], [0, 2], [0, 3]])
    expect(input.positions).toEqual([0, 31, 62, 99, 100, 130, 199])
    expect(input.xs).toEqual([0, 31, 62, 99, 0, 30, 99].map((i) => tensors[0]![i]!))
    expect(verifyOneStep(claim(0, 0, input))).toBe(tensors[1]![0])
    const gather = step(2, 2)
    expect(gather.tensors.map((t) => t.tensor)).toEqual([0, 1, 2])
    expect(gather.words.map((w) => [w.tensor, w.index])).toEqual([[0, 3]])
    expect(verifyOneStep(claim(2, 2, gather))).toBe(tensors[3]![2])
    // A row without terms reads no words; an elementwise stage reads word r / k of its input.
    expect(step(0, 2).words).toEqual([])
    expect(verifyOneStep(claim(0, 2, step(0, 2)))).toBe(tensors[1]![2])
    expect(step(1, 1).row).toBe('0x')
    expect(step(1, 1).rowProof).toEqual([])
  })

  test('encodes as the tuple OneStep.sol decodes', () => {
    const { step } = setUp(wide)
    const input = step(0, 0)
    const [decoded] = decodeAbiParameters(STEP_INPUT_ABI, encodeStepInput(input))
    expect(decoded).toEqual({ header: input.header, rowsRoot: input.rowsRoot, stageProof: input.stageProof, row: input.row, rowProof: input.rowProof, tensors: input.tensors, words: input.words })
  })

  test('a tampered opening fails the one-step; a wrong output value is told apart from the recomputed one', () => {
    const { tensors, claim, step } = setUp(wide)
    const input = step(0, 0)
    const flip = (hex: Hex) => `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}` as Hex
    expect(() => verifyOneStep(claim(0, 0, { ...input, words: input.words.map((w, i) => (i === 1 ? { ...w, word: w.word ^ 1n } : w)) }))).toThrow('word 1 of tensor 0 does not open against its root')
    expect(() => verifyOneStep(claim(0, 0, { ...input, words: input.words.slice(1) }))).toThrow('no word holds position 0 (value 0 of tensor 0)')
    expect(() => verifyOneStep(claim(0, 0, { ...input, rowsRoot: flip(input.rowsRoot) }))).toThrow("stage 0's header and rowsRoot do not open against parametersRoot")
    expect(() => verifyOneStep(claim(1, 0, input))).toThrow("stage 1's header and rowsRoot do not open against parametersRoot")
    expect(() => verifyOneStep(claim(0, 1, input))).toThrow('row 1 does not open against rowsRoot')
    expect(() => verifyOneStep(claim(0, 0, { ...input, tensors: input.tensors.map((t) => ({ ...t, root: flip(t.root) })) }))).toThrow("tensor 0's root does not open against traceRoot")
    // A trace whose output value is wrong: the one-step, from the agreed inputs, computes the right one.
    const lying = tensors.map((tensor) => [...tensor])
    lying[1]![0] = lying[1]![0]! + 1n
    const liar = traceCommitment(wide, lying)
    const opened = stepInput(wide, lying, { trace: liar, parameters: parametersCommitment(wide) }, 0, 0)
    expect(opened.expected).toBe(tensors[1]![0]! + 1n)
    expect(verifyOneStep({ ...claim(0, 0, opened), traceRoot: liar.traceRoot })).toBe(tensors[1]![0])
  })

  test('a stage or output out of range is refused', () => {
    const { step } = setUp(wide)
    expect(() => step(3, 0)).toThrow('Stage 3 is out of range: there are 3 (0 to 2).')
    expect(() => step(2, 4)).toThrow("Stage 2's output value 4 is out of range: there are 4 (0 to 3).")
  })
})
