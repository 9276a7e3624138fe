import { BaseError } from './base.js'

/** A Merkle leaf or proof node that is not 32 bytes. */
export class InvalidMerkleNodeError extends BaseError {
  override name = 'InvalidMerkleNodeError'
  constructor({ what, index, length }: { what: string; index: number; length: number }) {
    super(`${what} ${index} is ${length} bytes long; a Merkle node is 32 bytes.`)
  }
}

export class PackedLeavesLengthError extends BaseError {
  override name = 'PackedLeavesLengthError'
  constructor({ what, length }: { what: string; length: number }) {
    super(`${what}'s packed leaves are ${length} bytes, not a multiple of 32.`)
  }
}

export class EmptyMerkleTreeError extends BaseError {
  override name = 'EmptyMerkleTreeError'
  constructor({ what }: { what: string }) {
    super(`${what} has no leaves; a Merkle tree needs at least one (docs/disputes.md, "Notation").`)
  }
}

export class MerkleIndexError extends BaseError {
  override name = 'MerkleIndexError'
  constructor({ index, leafCount }: { index: number; leafCount: number }) {
    super(`Leaf index ${index} is outside a Merkle tree of ${leafCount} leaves (0 to ${leafCount - 1}).`)
  }
}

/** The tensors given for a trace do not match the model's tensors (count, lengths). */
export class TraceShapeError extends BaseError {
  override name = 'TraceShapeError'
  constructor({ reason }: { reason: string }) {
    super(`The trace does not fit the model: ${reason}.`, { details: 'A trace has tensor 0 (the input) and one tensor per stage, each as long as the stage output (runTrace).' })
  }
}

/** A trace value outside its tensor's declared width (so it has no packed form). */
export class TraceValueOutOfRangeError extends BaseError {
  override name = 'TraceValueOutOfRangeError'
  constructor({ tensor, index, value, bits }: { tensor: number; index: number; value: bigint; bits: number }) {
    super(`Value ${index} of tensor ${tensor} is ${value}, outside the ${bits}-bit range [${-(1n << BigInt(bits - 1))}, ${(1n << BigInt(bits - 1)) - 1n}] ${tensor === 0 ? "of the model's input" : `stage ${tensor - 1} declares`}.`)
  }
}

/** A stage or output value index outside the model. */
export class StepIndexError extends BaseError {
  override name = 'StepIndexError'
  constructor({ what, index, count }: { what: string; index: number; count: number }) {
    super(`${what} ${index} is out of range: there are ${count} (0 to ${count - 1}).`)
  }
}

/** A value the ABI encoding cannot hold (a negative uint, a value past its width). */
export class AbiValueRangeError extends BaseError {
  override name = 'AbiValueRangeError'
  constructor({ what, value, type }: { what: string; value: bigint | number; type: string }) {
    super(`${what} is ${value}, which ${type.startsWith('int') ? 'an' : 'a'} ${type} cannot hold.`)
  }
}

/** A one-step input that does not open against the roots, or a header and row the one-step cannot compute from (trace/oneStep.ts). */
export class OneStepError extends BaseError {
  override name = 'OneStepError'
  constructor({ reason }: { reason: string }) {
    super(`The one-step cannot compute this value: ${reason}.`)
  }
}

/** A trace-game move asked for in a phase that has no such move, or for a side whose trace does not fit the game. */
export class GameMoveError extends BaseError {
  override name = 'GameMoveError'
  constructor({ move, phase, reason }: { move: string; phase: string; reason?: string | undefined }) {
    super(reason ? `Cannot make the ${move} move: ${reason}.` : `A game in its ${phase} phase takes no ${move} move.`, { details: 'Trace: reveal; Locate: openTensor; Tensor: reveal; Input: resolveInput; Step: step (docs/disputes.md, "The game").' })
  }
}

/** A node asked of a Merkle tree that it does not have: a depth past its own, or an index past its level. */
export class MerkleNodeError extends BaseError {
  override name = 'MerkleNodeError'
  constructor({ level, index, levels, depth }: { level: number; index: number; levels: number; depth: number }) {
    super(`The Merkle tree (depth ${depth}) has no nodes ${levels} levels below node ${index} of depth ${level}: a depth runs from 0 (the root) to ${depth}, and depth d has nodes 0 to 2^d - 1.`)
  }
}
