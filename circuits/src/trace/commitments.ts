import { packValues } from '@veridict/sdk'
import type { Hex } from 'viem'
import { StepIndexError, TraceShapeError, TraceValueOutOfRangeError } from '../errors/trace.js'
import { stageInputs } from '../ir/stages.js'
import type { QuantizedModel } from '../quantize/model.js'
import { stageModule } from '../stages/index.js'
import type { StageRow } from '../stages/types.js'
import { encodeHeader, encodeRow, rowLength, type HeaderFields } from './abi.js'
import { hashPair, keccak, toHex } from './keccak.js'
import { MerkleTree } from './merkle.js'

/** The number of values of each tensor: n_0 (the input), then n_{s+1} = stage s's output size. */
export function tensorSizes(model: QuantizedModel): number[] {
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1)
  return [size(model.inputShape), ...model.stages.map((stage) => size(stage.shape))]
}

/** The signed width of each tensor's values: b_0 = inputBits, b_{s+1} = stage s's declared bits. */
export function tensorBits(model: QuantizedModel): number[] {
  return [model.inputBits, ...model.stages.map((stage) => stage.bits)]
}

/** A tensor's packed words (packValues at its width), each a bytes32 leaf, as one buffer. */
export function tensorLeaves(values: readonly bigint[], bits: number): Uint8Array {
  const words = packValues(values, bits)
  const bytes = new Uint8Array(32 * words.length)
  const view = new DataView(bytes.buffer)
  words.forEach((word, j) => {
    for (let limb = 0; limb < 4; limb++) view.setBigUint64(32 * j + 8 * limb, BigInt.asUintN(64, word >> BigInt(192 - 64 * limb)))
  })
  return bytes
}

export type TraceCommitment = {
  /** tensorRoot_t for t = 0 .. S: the Merkle root of tensor t's packed words. */
  tensorRoots: Hex[]
  /** MerkleRoot(tensorRoot_0 .. tensorRoot_{S-1}): the input and every intermediate tensor. */
  traceRoot: Hex
  /** tensorRoot_S, the output's. */
  outputRoot: Hex
  /** H(traceRoot, outputRoot). */
  gameRoot: Hex
  /** Each tensor's word tree (t = 0 .. S), for word proofs. */
  tensorTrees: MerkleTree[]
  /** The tree over tensorRoot_0 .. tensorRoot_{S-1}, for tensor proofs. */
  traceTree: MerkleTree
}

/** Checks that `tensors` are a trace of `model`: S + 1 tensors of the model's sizes, each value within its tensor's width. */
export function checkTrace(model: QuantizedModel, tensors: readonly (readonly bigint[])[]): void {
  const sizes = tensorSizes(model)
  if (tensors.length !== sizes.length) throw new TraceShapeError({ reason: `the model has ${model.stages.length} stages, so ${sizes.length} tensors, and ${tensors.length} were given` })
  const bits = tensorBits(model)
  tensors.forEach((tensor, t) => {
    if (tensor.length !== sizes[t]) throw new TraceShapeError({ reason: `tensor ${t} has ${tensor.length} values, the model's has ${sizes[t]}` })
    const [lo, hi] = [-(1n << BigInt(bits[t]! - 1)), (1n << BigInt(bits[t]! - 1)) - 1n]
    tensor.forEach((value, index) => {
      if (value < lo || value > hi) throw new TraceValueOutOfRangeError({ tensor: t, index, value, bits: bits[t]! })
    })
  })
}

/** The trace commitment of a run (docs/disputes.md, "Tensor commitments" and "Trace root"); `tensors` as runTrace gives them. */
export function traceCommitment(model: QuantizedModel, tensors: readonly (readonly bigint[])[]): TraceCommitment {
  checkTrace(model, tensors)
  const bits = tensorBits(model)
  const tensorTrees = tensors.map((tensor, t) => new MerkleTree(tensorLeaves(tensor, bits[t]!), `Tensor ${t}'s word tree`))
  const tensorRoots = tensorTrees.map((tree) => tree.root)
  const S = model.stages.length
  const traceTree = new MerkleTree(tensorTrees.slice(0, S).map((tree) => tree.rootBytes), 'The trace tree')
  const outputRoot = tensorRoots[S]!
  return { tensorRoots, traceRoot: traceTree.root, outputRoot, gameRoot: toHex(hashPair(traceTree.rootBytes, tensorTrees[S]!.rootBytes)), tensorTrees, traceTree }
}

/** Checks that stage s exists and has an output value r. */
export function checkStep(model: QuantizedModel, s: number, r: number): void {
  const S = model.stages.length
  if (!Number.isInteger(s) || s < 0 || s >= S) throw new StepIndexError({ what: 'Stage', index: s, count: S })
  const outCount = tensorSizes(model)[s + 1]!
  if (!Number.isInteger(r) || r < 0 || r >= outCount) throw new StepIndexError({ what: `Stage ${s}'s output value`, index: r, count: outCount })
}

/** Stage s's header fields: its kind code, output count and width, the tensors it reads (their lengths and widths), its scalars. */
export function stageHeaderFields(model: QuantizedModel, s: number): HeaderFields {
  const stage = model.stages[s]!
  const sizes = tensorSizes(model)
  const bits = tensorBits(model)
  const inputs = stageInputs(stage, s)
  const { commitment } = stageModule(stage.kind)
  return {
    code: commitment.code,
    outCount: sizes[s + 1]!,
    bits: stage.bits,
    inputs,
    inputCounts: inputs.map((t) => sizes[t]!),
    inputBits: inputs.map((t) => bits[t]!),
    scalars: (commitment.scalars as (stage: unknown) => bigint[])(stage),
  }
}

/** header_s = abi.encode(uint8 kind, uint32 outCount, uint8 bits, uint32[] inputs, uint32[] inputCounts, uint8[] inputBits, int256[] scalars). */
export function stageHeader(model: QuantizedModel, s: number): Uint8Array {
  return encodeHeader(stageHeaderFields(model, s))
}

/** Output value r's row of stage s (positions and params), or undefined for an elementwise kind. */
export function stageRow(model: QuantizedModel, s: number, r: number): StageRow | undefined {
  checkStep(model, s, r)
  const stage = model.stages[s]!
  const row = stageModule(stage.kind).commitment.row as ((stage: unknown, r: number) => StageRow) | undefined
  return row?.(stage, r)
}

export type ParametersCommitment = {
  /** header_s of each stage. */
  headers: Uint8Array[]
  /** rowsRoot_s: the root over keccak256(row_{s,r}), bytes32(0) for an elementwise kind. */
  rowsRoots: Hex[]
  /** stageLeaf_s = H(keccak256(header_s), rowsRoot_s). */
  stageLeaves: Hex[]
  parametersRoot: Hex
  /** Each stage's tree over its row hashes (undefined for an elementwise kind), for row proofs. */
  rowTrees: (MerkleTree | undefined)[]
  /** The tree over the stage leaves, for stage proofs. */
  stageTree: MerkleTree
  /**
   * row_{s,r} = abi.encode(uint32[] positions, int256[] params), undefined for an elementwise kind.
   * Encoded again when asked: a model's rows together are 64 bytes per weight, too many to keep.
   */
  row(s: number, r: number): Uint8Array | undefined
}

/** The parameter (weight) commitment of a model (docs/disputes.md, "Parameter (weight) commitment"). */
export function parametersCommitment(model: QuantizedModel): ParametersCommitment {
  if (model.stages.length === 0) throw new TraceShapeError({ reason: 'the model has no stages' })
  const sizes = tensorSizes(model)
  let buffer = new Uint8Array(1024)
  const headers: Uint8Array[] = []
  const rowTrees: (MerkleTree | undefined)[] = []
  const leaves = new Uint8Array(32 * model.stages.length)
  model.stages.forEach((stage, s) => {
    const header = stageHeader(model, s)
    headers.push(header)
    let rowsRoot: Uint8Array = new Uint8Array(32)
    if (stageModule(stage.kind).commitment.row) {
      const outCount = sizes[s + 1]!
      const hashes = new Uint8Array(32 * outCount)
      for (let r = 0; r < outCount; r++) {
        const row = stageRow(model, s, r)!
        const length = rowLength(row)
        if (length > buffer.length) buffer = new Uint8Array(Math.max(length, 2 * buffer.length))
        hashes.set(keccak(encodeRow(row, buffer)), 32 * r)
      }
      const tree = new MerkleTree(hashes, `Stage ${s}'s rows tree`)
      rowTrees.push(tree)
      rowsRoot = tree.rootBytes
    } else rowTrees.push(undefined)
    leaves.set(hashPair(keccak(header), rowsRoot), 32 * s)
  })
  const stageTree = new MerkleTree(leaves, 'The stage tree')
  const stageLeaves = model.stages.map((_, s) => stageTree.leaf(s))
  return {
    headers,
    rowsRoots: rowTrees.map((tree) => tree?.root ?? toHex(new Uint8Array(32))),
    stageLeaves,
    parametersRoot: stageTree.root,
    rowTrees,
    stageTree,
    row(s, r) {
      const row = stageRow(model, s, r)
      return row && encodeRow(row)
    },
  }
}
