import { BitWidthExceededError, PiecewiseSegmentsExceededError } from '../errors/compile.js'
import { evaluateFloat, evaluateTensors } from '../ir/evaluate.js'
import { functionShape } from '../ir/piecewiseFunctions.js'
import { stageInputs, type ModelIR } from '../ir/stages.js'
import { dequantizeOutput, quantizeInput, runReference } from '../reference/runReference.js'
import type { QuantizationSettings, QuantizedModel } from './model.js'
import { quantizeIR } from './quantize.js'

export type AgreementReport = {
  samples: number
  /** Share of samples whose predicted class (argmax of the last axis, or the ArgMax output) matches float. */
  top1Agreement: number | undefined
  /** Mean and max |quantized - float| over all output values (not for class-index outputs). */
  meanAbsError: number | undefined
  maxAbsError: number | undefined
  /** Mean |float output|, to read the errors against. */
  meanAbsOutput: number | undefined
}

export type QuantizeOptions = Partial<QuantizationSettings> & { calibration?: readonly ArrayLike<number>[] | undefined }

export type ChooseQuantizationReturnType = {
  model: QuantizedModel
  settings: QuantizationSettings
  report: AgreementReport
  chosenBy: 'options' | 'calibration' | 'default (no calibration data)'
}

const SCALE_CANDIDATES = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
export const DEFAULT_MAX_BITS = 64
const DEFAULT_INPUT_BITS = 8
/** Accept the smallest scale whose outputs are within this share of the mean |output| of float. */
const RELATIVE_ERROR_TOLERANCE = 0.01
/** Default input widths grow (up to 16 bits) until inputs keep this many fractional bits. */
const MIN_INPUT_FRACTION_BITS = 6

/** Compares the quantized model with the float IR on sample inputs. */
export function measureAgreement(ir: ModelIR, model: QuantizedModel, samples: readonly ArrayLike<number>[]): AgreementReport {
  const classOutput = model.stages[model.stages.length - 1]?.kind === 'argMax'
  const classes = ir.outputShape[ir.outputShape.length - 1] ?? 1
  let agree = 0
  let rows = 0
  let absError = 0
  let maxError = 0
  let absOutput = 0
  let values = 0
  for (const sample of samples) {
    const f = evaluateFloat(ir, sample)
    const q = dequantizeOutput(model, runReference(model, quantizeInput(model, sample)))
    if (classOutput) {
      f.forEach((v, i) => (agree += v === q[i] ? 1 : 0))
      rows += f.length
      continue
    }
    for (let i = 0; i < f.length; i++) {
      const e = Math.abs(q[i]! - f[i]!)
      absError += e
      maxError = Math.max(maxError, e)
      absOutput += Math.abs(f[i]!)
      values++
    }
    if (classes > 1)
      for (let start = 0; start < f.length; start += classes) {
        agree += argmax(f, start, classes) === argmax(q, start, classes) ? 1 : 0
        rows++
      }
  }
  return {
    samples: samples.length,
    top1Agreement: rows > 0 ? agree / rows : undefined,
    meanAbsError: values > 0 ? absError / values : undefined,
    maxAbsError: values > 0 ? maxError : undefined,
    meanAbsOutput: values > 0 ? absOutput / values : undefined,
  }
}

/** Higher class agreement first, then lower mean error. */
function better(a: AgreementReport, b: AgreementReport): boolean {
  const [ta, tb] = [a.top1Agreement ?? 1, b.top1Agreement ?? 1]
  return ta !== tb ? ta > tb : (a.meanAbsError ?? 0) < (b.meanAbsError ?? 0)
}

function argmax(v: ArrayLike<number>, start: number, n: number): number {
  let best = start
  for (let i = start + 1; i < start + n; i++) if (v[i]! > v[best]!) best = i
  return best - start
}

/**
 * Input scale for a scale and input width: the largest exponent at which every calibration value
 * still fits in `inputBits` signed bits, and never finer than the model scale.
 */
function inputScaleFor(scale: number, inputBits: number, maxAbsInput: number): number {
  if (maxAbsInput === 0) return scale
  const limit = 2 ** (inputBits - 1) - 1
  return Math.max(0, Math.min(scale, Math.floor(Math.log2(limit / maxAbsInput))))
}

/**
 * Picks the quantization: options given are kept; a missing scale is calibrated as the smallest
 * scale (fewest constraints) whose outputs agree with float on every calibration sample's class
 * and stay within 1% of the mean output magnitude; a missing input scale is the finest that keeps
 * the calibration inputs inside `inputBits` (8 by default, widened up to 16 when 8 bits would
 * leave fewer than 6 fractional bits).
 */
export function chooseQuantization(uncalibrated: ModelIR, options: QuantizeOptions): ChooseQuantizationReturnType {
  const samples = options.calibration ?? []
  const ir = withCalibratedMaxima(uncalibrated, samples)
  const maxBits = options.maxBits ?? DEFAULT_MAX_BITS
  const maxAbsInput = samples.reduce((m, s) => Array.from(s).reduce((a, v) => Math.max(a, Math.abs(v)), m), 0)

  const settingsFor = (scale: number): QuantizationSettings => {
    if (options.inputScale !== undefined) return { scale, inputScale: options.inputScale, inputBits: options.inputBits ?? DEFAULT_INPUT_BITS, maxBits }
    if (samples.length === 0) return { scale, inputScale: scale, inputBits: options.inputBits ?? 16, maxBits }
    let inputBits = options.inputBits ?? DEFAULT_INPUT_BITS
    while (options.inputBits === undefined && inputBits < 16 && inputScaleFor(scale, inputBits, maxAbsInput) < Math.min(scale, MIN_INPUT_FRACTION_BITS)) inputBits++
    return { scale, inputScale: inputScaleFor(scale, inputBits, maxAbsInput), inputBits, maxBits }
  }

  if (options.scale !== undefined || samples.length === 0) {
    const settings = settingsFor(options.scale ?? 8)
    const model = quantizeIR(ir, settings)
    return { model, settings, report: measureAgreement(ir, model, samples), chosenBy: options.scale !== undefined ? 'options' : 'default (no calibration data)' }
  }

  let best: ChooseQuantizationReturnType | undefined
  let lastError: BitWidthExceededError | PiecewiseSegmentsExceededError | undefined
  for (const scale of SCALE_CANDIDATES) {
    const settings = settingsFor(scale)
    let model: QuantizedModel
    try {
      model = quantizeIR(ir, settings)
    } catch (error) {
      // A finer scale only needs more bits and more segments: keep the best coarser one.
      if (error instanceof BitWidthExceededError || error instanceof PiecewiseSegmentsExceededError) {
        lastError = error
        break
      }
      throw error
    }
    const report = measureAgreement(ir, model, samples)
    const candidate = { model, settings, report, chosenBy: 'calibration' as const }
    const relative = report.meanAbsError !== undefined && report.meanAbsOutput ? report.meanAbsError / report.meanAbsOutput : 0
    if ((report.top1Agreement ?? 1) === 1 && relative <= RELATIVE_ERROR_TOLERANCE) return candidate
    if (!best || better(report, best.report)) best = candidate
  }
  if (!best) throw lastError!
  return best
}

/**
 * The IR with `calibratedMax` on each piecewise stage of a function without an upper limit (Exp):
 * the largest value its input takes over the calibration samples. Unchanged without samples.
 */
export function withCalibratedMaxima(ir: ModelIR, samples: readonly ArrayLike<number>[]): ModelIR {
  const unbounded = ir.stages.flatMap((stage, s) => (stage.kind === 'piecewise' && functionShape(stage.fn).limits[1] === undefined ? [s] : []))
  if (unbounded.length === 0 || samples.length === 0) return ir
  const maxima = new Map<number, number>(unbounded.map((s) => [s, -Infinity]))
  for (const sample of samples) {
    const tensors = evaluateTensors(ir, sample)
    for (const s of unbounded)
      for (const t of stageInputs(ir.stages[s]!, s)) for (const v of tensors[t]!) maxima.set(s, Math.max(maxima.get(s)!, v))
  }
  return { ...ir, stages: ir.stages.map((stage, s) => (maxima.has(s) ? { ...stage, calibratedMax: maxima.get(s)! } : stage)) }
}
