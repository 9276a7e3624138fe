import type { CircuitContext, CircuitTensor } from '../circuit/emit.js'
import type { Stage } from '../ir/stages.js'
import type { QuantizeContext, QuantizeResult } from '../quantize/bounds.js'
import type { QuantizedStage } from '../quantize/model.js'
import type { FloatType, IntegerGraphContext } from '../reference/integerGraphContext.js'

export type StageKind = Stage['kind']
/** The IR stage of kind K (ir/stages.ts). */
export type StageOf<K extends StageKind> = Extract<Stage, { kind: K }>
/** The quantized stage of kind K (quantize/model.ts). */
export type QuantizedStageOf<K extends StageKind> = Extract<QuantizedStage, { kind: K }>

/** One output value's row in the parameter commitment: the concatenated-input positions it reads, and its parameters. */
export type StageRow = { positions: number[]; params: bigint[] }

/**
 * How the trace dispute commits to a stage's parameters (docs/disputes.md, "Parameter (weight)
 * commitment"): the header's kind code and scalars, and each output value's row. `row` is absent
 * for an elementwise kind: its output r reads position r and has no parameters.
 */
export type StageCommitment<K extends StageKind> = {
  /** The kind's code in the header (docs/disputes.md's table). */
  readonly code: number
  /** The header's scalars, in the order of the table. */
  scalars(stage: QuantizedStageOf<K>): bigint[]
  /** Output value r's positions and params (absent: elementwise). */
  row?(stage: QuantizedStageOf<K>, r: number): StageRow
}

/** What manifest.json tells of a stage beyond its kind, sources, shape, bits and inputs. */
export type StageSummary = { shift?: number; weights?: number; products?: number; function?: string; segments?: number }

/**
 * One stage kind's part in every executor. Each executor (evaluateFloat, quantizeIR, runReference,
 * buildIntegerGraph, generateCircuit, quantizedModelToJson / FromJson) keeps what is common to all
 * kinds (tensor bookkeeping, concatenation of inputs, sign bits) and calls these for the rest.
 */
export interface StageModule<K extends StageKind> {
  readonly kind: K
  /** The IR's float64 meaning (ir/evaluate.ts), on the concatenation of the stage's inputs. */
  evaluate(stage: StageOf<K>, x: Float64Array): Float64Array
  /** Whether the stage may read tensors of different fixed-point scales (else quantizeIR rejects them). */
  readonly mixedScales: boolean
  /** Integer parameters, output bounds, declared width and scale (quantize/quantize.ts). */
  quantize(stage: StageOf<K>, context: QuantizeContext): QuantizeResult<QuantizedStageOf<K>>
  /** The exact integer semantics (reference/runReference.ts), on the concatenated input. */
  reference(stage: QuantizedStageOf<K>, x: readonly bigint[]): bigint[]
  /**
   * The canonical onnxruntime graph's nodes (reference/integerGraph.ts), writing `context.out`.
   * Returns the element type computed in, or undefined when no exact graph exists (bounds past 2^53,
   * a dense matrix too large): the bigint executor then serves the model.
   */
  integerGraph(stage: QuantizedStageOf<K>, context: IntegerGraphContext): FloatType | undefined
  /**
   * What the circuit needs of the input's sign bits: 'required' (a Sign check is added where a
   * tensor has none), 'passed' (carried through a concatenation when every part has them), 'none'.
   */
  readonly signBits: 'required' | 'passed' | 'none'
  /**
   * The stage's trained parameters that --private-weights turns into committed private signals, in
   * the order its circuit takes them from CircuitContext.privateWeights (absent: it has none, and
   * its circuit is the same in both modes). weightCommitment.ts commits to their concatenation.
   */
  privateParameters?(stage: QuantizedStageOf<K>): bigint[]
  /** The circom lines of the stage (circuit/generateCircuit.ts); returns its output tensor. */
  circuit(stage: QuantizedStageOf<K>, context: CircuitContext): CircuitTensor
  /** Header scalars and rows of the trace dispute's parameter commitment (trace/commitments.ts). */
  readonly commitment: StageCommitment<K>
  /** The stage's kind-specific fields in manifest.json's stage list (manifest.ts stageSummaries). */
  summary(stage: QuantizedStageOf<K>): StageSummary
  /** quantized.json's form (bigints as decimal strings, typed arrays as arrays), and back. */
  toJson(stage: QuantizedStageOf<K>): Record<string, unknown>
  fromJson(raw: Record<string, unknown>): QuantizedStageOf<K>
}
