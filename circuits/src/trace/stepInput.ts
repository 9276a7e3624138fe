import { valuesPerWord } from '@veridict/sdk'
import { encodeAbiParameters, parseAbiParameters, type Hex } from 'viem'
import { StepIndexError } from '../errors/trace.js'
import { stageInputs } from '../ir/stages.js'
import type { QuantizedModel } from '../quantize/model.js'
import { checkStep, checkTrace, stageRow, tensorBits, tensorSizes, type ParametersCommitment, type TraceCommitment } from './commitments.js'
import { toHex } from './keccak.js'

/** The ABI type of the one-step's input, as OneStep.sol decodes it. */
export const STEP_INPUT_ABI = parseAbiParameters(
  '(bytes header, bytes32 rowsRoot, bytes32[] stageProof, bytes row, bytes32[] rowProof, (uint32 tensor, bytes32 root, bytes32[] proof)[] tensors, (uint32 tensor, uint32 index, uint256 word, bytes32[] proof)[] words)',
)

/** One input tensor's root, opened in the trace tree (S leaves) at index `tensor`. */
export type TensorOpening = { tensor: number; root: Hex; proof: readonly Hex[] }
/** One packed word of an input tensor, opened in that tensor's word tree at index `index`. */
export type WordOpening = { tensor: number; index: number; word: bigint; proof: readonly Hex[] }

/**
 * What the on-chain one-step needs to recompute output value r of stage s (docs/disputes.md, "One
 * step"): the stage's header and rowsRoot opened against parametersRoot (stageProof: stageLeaf_s at
 * index s of S), the row opened against rowsRoot (rowProof: keccak256(row) at index r; both empty
 * for an elementwise kind), each distinct input tensor's root opened against traceRoot (ascending
 * tensor order), and every packed word holding a position the row reads (each once, ascending by
 * (tensor, index)) opened against its tensor's root.
 */
export type StepInput = {
  header: Hex
  rowsRoot: Hex
  stageProof: readonly Hex[]
  row: Hex
  rowProof: readonly Hex[]
  tensors: readonly TensorOpening[]
  words: readonly WordOpening[]
}

/** The values the one-step reads and the value it must compute (for tests and fixtures; not sent on-chain). */
export type StepValues = {
  /** The positions in the concatenated input the row reads, in order ([r] for an elementwise kind). */
  positions: number[]
  /** The input values at those positions. */
  xs: bigint[]
  /** Output value r of stage s in the trace. */
  expected: bigint
}

/** Where concatenated-input position p of stage s lies: which tensor, and which value of it. */
export function locatePosition(model: QuantizedModel, s: number, p: number): { tensor: number; index: number } {
  const sizes = tensorSizes(model)
  let start = 0
  for (const t of stageInputs(model.stages[s]!, s)) {
    if (p < start + sizes[t]!) return { tensor: t, index: p - start }
    start += sizes[t]!
  }
  throw new StepIndexError({ what: `Stage ${s}'s input position`, index: p, count: start })
}

/** The positions, input values and output value of one step, read from the trace. */
export function stepValues(model: QuantizedModel, tensors: readonly (readonly bigint[])[], s: number, r: number): StepValues {
  checkTrace(model, tensors)
  checkStep(model, s, r)
  const positions = stageRow(model, s, r)?.positions ?? [r]
  const xs = positions.map((p) => {
    const { tensor, index } = locatePosition(model, s, p)
    return tensors[tensor]![index]!
  })
  return { positions, xs, expected: tensors[s + 1]![r]! }
}

/**
 * The one-step's input for output value r of stage s, from the model, its trace and both
 * commitments (traceCommitment of these tensors, parametersCommitment of the model), together
 * with the values it reads and must compute (StepValues).
 */
export function stepInput(model: QuantizedModel, tensors: readonly (readonly bigint[])[], commitments: { trace: TraceCommitment; parameters: ParametersCommitment }, s: number, r: number): StepInput & StepValues {
  const values = stepValues(model, tensors, s, r)
  const { trace, parameters } = commitments
  const rowTree = parameters.rowTrees[s]
  const row = parameters.row(s, r)
  const bits = tensorBits(model)
  const words = new Map<string, { tensor: number; index: number }>()
  for (const p of values.positions) {
    const { tensor, index } = locatePosition(model, s, p)
    const word = Math.floor(index / valuesPerWord(bits[tensor]!))
    words.set(`${tensor}:${word}`, { tensor, index: word })
  }
  const wordList = [...words.values()].sort((a, b) => a.tensor - b.tensor || a.index - b.index)
  const inputTensors = [...new Set(stageInputs(model.stages[s]!, s))].sort((a, b) => a - b)
  return {
    header: toHex(parameters.headers[s]!),
    rowsRoot: parameters.rowsRoots[s]!,
    stageProof: parameters.stageTree.proof(s),
    row: row ? toHex(row) : '0x',
    rowProof: rowTree ? rowTree.proof(r) : [],
    tensors: inputTensors.map((t) => ({ tensor: t, root: trace.tensorRoots[t]!, proof: trace.traceTree.proof(t) })),
    words: wordList.map(({ tensor, index }) => ({ tensor, index, word: BigInt(trace.tensorTrees[tensor]!.leaf(index)), proof: trace.tensorTrees[tensor]!.proof(index) })),
    ...values,
  }
}

/** The tuple's fields of a StepInput, in order, for encodeAbiParameters. */
export function stepInputTuple(step: StepInput) {
  const { header, rowsRoot, stageProof, row, rowProof, tensors, words } = step
  return { header, rowsRoot, stageProof, row, rowProof, tensors, words }
}

/** abi.encode of the one-step's input tuple. */
export function encodeStepInput(step: StepInput): Hex {
  return encodeAbiParameters(STEP_INPUT_ABI, [stepInputTuple(step)])
}
