import { BaseError } from './base.js'

export const SUPPORTED_OPS = [
  'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Relu', 'LeakyRelu', 'Flatten', 'Reshape', 'Squeeze',
  'Unsqueeze', 'Transpose', 'Identity', 'Dropout', 'Constant', 'Conv', 'ConvTranspose', 'AveragePool', 'MaxPool',
  'GlobalAveragePool', 'BatchNormalization', 'ArgMax', 'Softmax', 'LogSoftmax', 'Concat', 'Split', 'Slice',
  'Gather (constant indices, or rows of a constant table by integer indices)', 'Neg', 'Abs', 'Clip', 'PRelu', 'Max', 'Min',
  'ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'Pad', 'Sum', 'Mean', 'HardSigmoid', 'HardSwish',
  'Expand', 'Tile', 'Resize (nearest)', 'Upsample (nearest)', 'Sigmoid', 'Tanh', 'Erf', 'Exp', 'Softsign',
  'Softplus', 'Gelu', 'Elu', 'Selu', 'Sqrt', 'Reciprocal', 'LayerNormalization', 'Cast (to float or double)', 'LinearRegressor', 'LinearClassifier', 'TreeEnsembleRegressor', 'TreeEnsembleClassifier', 'Normalizer', 'ZipMap (its scores are compiled)',
] as const

type NodeRef = { node: string; op: string }

function nodeLabel({ node, op }: NodeRef): string {
  return `node "${node}" (${op})`
}

export class MalformedOnnxError extends BaseError {
  override name = 'MalformedOnnxError'
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`The file is not a valid ONNX model: ${reason}.`, {
      details: 'Check that the file was written completely (a truncated download or copy gives this error) and that it is an ONNX ModelProto.',
      cause,
    })
  }
}

export class ModelFileError extends BaseError {
  override name = 'ModelFileError'
  constructor({ path, code, cause }: { path: string; code: string | undefined; cause?: unknown }) {
    super(code === 'ENOENT' ? `No ONNX file at ${path}.` : `Cannot read the ONNX file ${path} (${code ?? 'unknown error'}).`, {
      details: 'Pass the path of a .onnx model file.',
      cause,
    })
  }
}

export class UnsupportedOpError extends BaseError {
  override name = 'UnsupportedOpError'
  readonly node: string
  readonly op: string
  constructor({ node, op, reason }: NodeRef & { reason?: string }) {
    super(`Unsupported op at ${nodeLabel({ node, op })}${reason ? `: ${reason}` : ''}.`, {
      details: `Supported ops: ${SUPPORTED_OPS.join(', ')}.`,
    })
    this.node = node
    this.op = op
  }
}

export class UnsupportedAttributeError extends BaseError {
  override name = 'UnsupportedAttributeError'
  constructor({ node, op, attribute, value, supported }: NodeRef & { attribute: string; value: unknown; supported: string }) {
    super(`${nodeLabel({ node, op })} has ${attribute} = ${JSON.stringify(value)}, which is not supported.`, {
      details: `Supported: ${supported}.`,
    })
  }
}

export class DynamicShapeError extends BaseError {
  override name = 'DynamicShapeError'
  constructor({ tensor, shape }: { tensor: string; shape: readonly (number | string)[] | undefined }) {
    super(
      shape === undefined
        ? `Tensor "${tensor}" has no shape.`
        : `Tensor "${tensor}" has a dynamic shape [${shape.map((d) => (typeof d === 'string' ? `"${d}"` : d)).join(', ')}].`,
      {
        details: 'A circuit has a fixed size: export the model with static dimensions (for example a fixed batch size of 1; in PyTorch, torch.onnx.export without dynamic_axes).',
      },
    )
  }
}

export class UnsupportedGraphError extends BaseError {
  override name = 'UnsupportedGraphError'
  constructor({ reason, details }: { reason: string; details?: string }) {
    super(`Unsupported model graph: ${reason}.`, {
      details: details ?? 'The compiler takes a graph (any DAG of supported ops with static shapes) with one input and one output: docs/ops.md lists the ops and their attributes.',
    })
  }
}

export class ShapeMismatchError extends BaseError {
  override name = 'ShapeMismatchError'
  constructor({ node, op, reason }: NodeRef & { reason: string }) {
    super(`Shape mismatch at ${nodeLabel({ node, op })}: ${reason}.`)
  }
}

export class BitWidthExceededError extends BaseError {
  override name = 'BitWidthExceededError'
  constructor({ stage, bits, maxBits, scale }: { stage: string; bits: number; maxBits: number; scale: number }) {
    super(`Values after ${stage} need ${bits} bits at scale 2^${scale}, more than the maximum of ${maxBits}.`, {
      details: 'Compile with a smaller --scale (fewer fractional bits) or raise --max-bits (each bit costs one constraint per value).',
    })
  }
}

/** A piecewise stage (Sigmoid, Exp, ...) whose input range needs more segments than a circuit should pay for. */
export class PiecewiseSegmentsExceededError extends BaseError {
  override name = 'PiecewiseSegmentsExceededError'
  constructor({ stage, fn, from, to, maxSegments, tolerance, scale }: { stage: string; fn: string; from: number; to: number; maxSegments: number; tolerance: number; scale: number }) {
    super(`${stage}: ${fn} on inputs ${from.toPrecision(4)} to ${to.toPrecision(4)} needs more than ${maxSegments} segments of one quadratic each to stay within ${tolerance} output units at scale 2^${scale}.`, {
      details: 'Compile with a smaller --scale, or bound the input (e.g. a Clip before the op; for Exp, calibration data bounds it at the largest input seen).',
    })
  }
}

export class InvalidCompileOptionError extends BaseError {
  override name = 'InvalidCompileOptionError'
  constructor({ option, value, expected }: { option: string; value: unknown; expected: string }) {
    super(`Invalid option ${option} = ${JSON.stringify(value)}: expected ${expected}.`)
  }
}

/** What the self-check found on one input: the first output that differs, or why there was no witness. */
export type SelfCheckFailure = { index: number; circuit: bigint; reference: bigint } | { reason: string }

export class CircuitSelfCheckError extends BaseError {
  override name = 'CircuitSelfCheckError'
  /** The input that exposed it: a calibration sample's index or the extreme input's name. */
  readonly sample: string
  readonly failure: SelfCheckFailure
  constructor({ sample, failure, cause }: { sample: string; failure: SelfCheckFailure; cause?: unknown }) {
    super(
      'reason' in failure
        ? `Compiler bug: the compiled circuit has no witness for ${sample}, a valid input (${failure.reason}).`
        : `Compiler bug: the compiled circuit's output differs from the reference executor's on ${sample}: quantized output ${failure.index} is ${failure.circuit} in the circuit and ${failure.reference} in the reference.`,
      {
        details:
          'The circuit must compute exactly the reference output (the canonical one) for every valid input; this one would leave honest results without a proof. ' +
          'It is a bug in the Veridict compiler, not in the model: do not register this circuit, and report the bug with the ONNX file and the compile options.',
        cause,
      },
    )
    this.sample = sample
    this.failure = failure
  }
}

/** --private-weights asks for a circuit (the committed weights are proved); --no-circuit has none. */
export class PrivateWeightsWithoutCircuitError extends BaseError {
  override name = 'PrivateWeightsWithoutCircuitError'
  constructor() {
    super('Private weights need a circuit: the proof is what shows the committed weights give the output.', { details: 'Drop --no-circuit (an attested model is re-run by attesters, who would need the weights), or drop --private-weights.' })
  }
}

export class ModelWithoutWeightsError extends BaseError {
  override name = 'ModelWithoutWeightsError'
  constructor({ stages }: { stages: readonly string[] }) {
    super(`The model has no trained weights to keep private: its stages (${stages.join(', ')}) have no linear stage.`, { details: 'Drop --private-weights: its circuit already holds nothing secret beyond the architecture.' })
  }
}

export class PrivateInputWithoutCircuitError extends BaseError {
  override name = 'PrivateInputWithoutCircuitError'
  constructor() {
    super('A private input needs a circuit: the proof is what shows the committed input gives the output.', { details: 'Drop --no-circuit (private requests are served in ZK mode only), or drop --private-input.' })
  }
}

/** The circuit `compile` would build is beyond what this machine proves in reasonable time or memory (estimateModel). */
export class CircuitTooLargeError extends BaseError {
  override name = 'CircuitTooLargeError'
  readonly constraints: number
  readonly maxConstraints: number
  constructor({ constraints, maxConstraints, limitSource, estimate, largest, lowerBound }: { constraints: number; maxConstraints: number; limitSource: string; estimate: string; largest: string; lowerBound: boolean }) {
    super(
      `The circuit would have ${lowerBound ? 'at least ' : 'about '}${constraints.toLocaleString('en-US')} constraints, above this machine's limit of ${maxConstraints.toLocaleString('en-US')} (${limitSource}); nothing was compiled.`,
      {
        details:
          `${estimate}\nThe largest part: ${largest}.\n` +
          'Ways forward: serve the model attested, without a circuit (--no-circuit: operators stake on the result and a trace dispute settles a false one); ' +
          'a smaller input or fewer comparisons (pool or downsample before the network, average instead of max pooling); a coarser --scale or fewer --input-bits; ' +
          'or, on a machine that can take it, a larger --max-constraints.',
      },
    )
    this.constraints = constraints
    this.maxConstraints = maxConstraints
  }
}

/** compile writes a model folder whole and replaces it whole, so it refuses a folder holding anything else. */
export class OutputFolderInUseError extends BaseError {
  override name = 'OutputFolderInUseError'
  constructor({ dir, reason }: { dir: string; reason: string }) {
    super(`Cannot compile into ${dir}: ${reason}.`, { details: 'compile writes a model folder whole and replaces it whole; pass --out a new or empty folder, or the folder of an earlier compile.' })
  }
}
