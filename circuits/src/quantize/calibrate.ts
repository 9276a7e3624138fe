import { BitWidthExceededError, InvalidCompileOptionError, PiecewiseSegmentsExceededError } from '../errors/compile.js'
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
  /** Largest minus smallest float output value over the samples: the max error is judged against it. */
  outputRange?: number | undefined
}

export type QuantizeOptions = Partial<QuantizationSettings> & {
  calibration?: readonly ArrayLike<number>[] | undefined
  /**
   * The calibrated scale is the smallest whose largest error is within this share of the output's
   * range and whose mean error within this share of the mean output (default 0.01): larger trades
   * accuracy for constraints.
   */
  tolerance?: number | undefined
  /**
   * The model's input is integer-typed (token ids, indices): unless given, its input scale is 0 (an
   * id is its own integer) and its width {@link INTEGER_INPUT_BITS} bits, or wider when a
   * calibration sample needs it.
   */
  integerInput?: boolean | undefined
  /**
   * Called with the first model quantized, before any calibration sample is run (the costly part):
   * the coarsest candidate, so the smallest circuit calibration can choose. compile refuses a
   * hopeless circuit here, in seconds, rather than after calibrating it.
   */
  beforeCalibration?: ((model: QuantizedModel) => void) | undefined
}

export type ChooseQuantizationReturnType = {
  model: QuantizedModel
  settings: QuantizationSettings
  report: AgreementReport
  chosenBy: 'options' | 'calibration' | 'calibration (closest: no scale meets the tolerance)' | 'default (no calibration data)'
}

const SCALE_CANDIDATES = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
/** Extra input bits tried, in order, when no scale meets the tolerance with narrower inputs. */
const INPUT_WIDENINGS = [0, 2, 4, 8]
export const DEFAULT_MAX_BITS = 64
const DEFAULT_INPUT_BITS = 8
/** Default width of an integer-typed input: ids below 2^15 (a 32k vocabulary). */
export const INTEGER_INPUT_BITS = 16
/** Accept the smallest scale whose errors are within this share of the output's range (max) and mean magnitude (mean). */
export const DEFAULT_TOLERANCE = 0.01
/** Default input widths grow (up to 16 bits) until inputs keep this many fractional bits. */
const MIN_INPUT_FRACTION_BITS = 6

/** The float IR's outputs on the calibration samples: the same for every candidate quantization. */
type FloatOutputs = { outputs: ReturnType<typeof evaluateFloat>[]; classOutput: boolean; classes: number; meanAbsOutput: number | undefined; outputRange: number | undefined }

function floatOutputs(ir: ModelIR, model: QuantizedModel, samples: readonly ArrayLike<number>[]): FloatOutputs {
  const outputs = samples.map((sample) => evaluateFloat(ir, sample))
  const classOutput = model.stages[model.stages.length - 1]?.kind === 'argMax'
  let absOutput = 0
  let values = 0
  let low = Infinity
  let high = -Infinity
  if (!classOutput)
    for (const f of outputs)
      for (let i = 0; i < f.length; i++) {
        absOutput += Math.abs(f[i]!)
        low = Math.min(low, f[i]!)
        high = Math.max(high, f[i]!)
        values++
      }
  return { outputs, classOutput, classes: ir.outputShape[ir.outputShape.length - 1] ?? 1, meanAbsOutput: values > 0 ? absOutput / values : undefined, outputRange: values > 0 ? high - low : undefined }
}

/**
 * Compares the quantized model's outputs (the reference executor's) with the float ones. With a
 * `tolerance`, stops at the first sample that makes withinTolerance false whatever the samples
 * after it (a class that differs, an error above the range's share, errors already summing past the
 * mean's share) and returns undefined: calibration rejects a coarse scale without running every sample.
 */
function compareOutputs(model: QuantizedModel, samples: readonly ArrayLike<number>[], float: FloatOutputs, tolerance?: number): AgreementReport | undefined {
  const { classOutput, classes, meanAbsOutput, outputRange } = float
  const total = float.outputs.reduce((n, f) => n + f.length, 0)
  const maxError = tolerance !== undefined && outputRange ? tolerance * outputRange : Infinity
  // As withinTolerance reads the final report: the sums only grow, so once past, past for good.
  const meanLimit = tolerance !== undefined && meanAbsOutput ? tolerance * meanAbsOutput : Infinity
  let agree = 0
  let rows = 0
  let absError = 0
  let largest = 0
  for (let n = 0; n < samples.length; n++) {
    const f = float.outputs[n]!
    const q = dequantizeOutput(model, runReference(model, quantizeInput(model, samples[n]!)))
    if (classOutput) {
      f.forEach((v, i) => (agree += v === q[i] ? 1 : 0))
      rows += f.length
      if (tolerance !== undefined && agree !== rows) return undefined
      continue
    }
    for (let i = 0; i < f.length; i++) {
      const e = Math.abs(q[i]! - f[i]!)
      absError += e
      largest = Math.max(largest, e)
    }
    if (classes > 1)
      for (let start = 0; start < f.length; start += classes) {
        agree += argmax(f, start, classes) === argmax(q, start, classes) ? 1 : 0
        rows++
      }
    if (tolerance !== undefined && (agree !== rows || largest > maxError || absError / total > meanLimit)) return undefined
  }
  const values = classOutput ? 0 : total
  return {
    samples: samples.length,
    top1Agreement: rows > 0 ? agree / rows : undefined,
    meanAbsError: values > 0 ? absError / values : undefined,
    maxAbsError: values > 0 ? largest : undefined,
    // Undefined from floatOutputs for a class output or an empty sample set, as above.
    meanAbsOutput,
    outputRange,
  }
}

/** Compares the quantized model with the float IR on sample inputs. */
export function measureAgreement(ir: ModelIR, model: QuantizedModel, samples: readonly ArrayLike<number>[]): AgreementReport {
  return compareOutputs(model, samples, floatOutputs(ir, model, samples))!
}

/** Whether a report meets `tolerance`: every class as float, max error within tolerance·range, mean error within tolerance·mean |output|. */
export function withinTolerance(report: AgreementReport, tolerance: number): boolean {
  if ((report.top1Agreement ?? 1) !== 1) return false
  if (report.meanAbsError !== undefined && report.meanAbsOutput && report.meanAbsError > tolerance * report.meanAbsOutput) return false
  if (report.maxAbsError !== undefined && report.outputRange && report.maxAbsError > tolerance * report.outputRange) return false
  return true
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
 * scale (fewest constraints) whose outputs agree with float on every calibration sample's class,
 * whose largest error is within `tolerance` (1%) of the float outputs' range and whose mean error
 * within `tolerance` of their mean magnitude (withinTolerance); a missing input scale is the finest that keeps
 * the calibration inputs inside `inputBits` (8 by default, widened up to 16 when 8 bits would
 * leave fewer than 6 fractional bits).
 */
export function chooseQuantization(uncalibrated: ModelIR, options: QuantizeOptions): ChooseQuantizationReturnType {
  const samples = options.calibration ?? []
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE
  if (!(tolerance > 0 && tolerance < 1)) throw new InvalidCompileOptionError({ option: 'tolerance', value: String(options.tolerance), expected: 'a share of the output range between 0 and 1 (e.g. 0.01 for 1%)' })
  const ir = withCalibratedMaxima(uncalibrated, samples)
  const maxBits = options.maxBits ?? DEFAULT_MAX_BITS
  const maxAbsInput = samples.reduce((m, s) => Array.from(s).reduce((a, v) => Math.max(a, Math.abs(v)), m), 0)

  /** `wider`: extra input bits beyond the default width, when inputs rounded to it cannot meet the tolerance. */
  const settingsFor = (scale: number, wider = 0): QuantizationSettings => {
    if (options.inputScale !== undefined) return { scale, inputScale: options.inputScale, inputBits: options.inputBits ?? DEFAULT_INPUT_BITS, maxBits }
    if (options.integerInput) return { scale, inputScale: 0, inputBits: options.inputBits ?? Math.max(INTEGER_INPUT_BITS, Math.ceil(Math.log2(maxAbsInput + 1)) + 1), maxBits }
    if (samples.length === 0) return { scale, inputScale: scale, inputBits: options.inputBits ?? 16, maxBits }
    let inputBits = options.inputBits ?? DEFAULT_INPUT_BITS
    while (options.inputBits === undefined && inputBits < 16 && inputScaleFor(scale, inputBits, maxAbsInput) < Math.min(scale, MIN_INPUT_FRACTION_BITS)) inputBits++
    if (options.inputBits === undefined) inputBits = Math.min(16, inputBits + wider)
    return { scale, inputScale: inputScaleFor(scale, inputBits, maxAbsInput), inputBits, maxBits }
  }

  if (options.scale !== undefined || samples.length === 0) {
    const settings = settingsFor(options.scale ?? 8)
    const model = quantizeIR(ir, settings)
    options.beforeCalibration?.(model)
    return { model, settings, report: measureAgreement(ir, model, samples), chosenBy: options.scale !== undefined ? 'options' : 'default (no calibration data)' }
  }

  let best: ChooseQuantizationReturnType | undefined
  let lastError: BitWidthExceededError | PiecewiseSegmentsExceededError | undefined
  /** The settings tried (not their models: up to 52 of them), for the closest when none meets the tolerance. */
  const tried: QuantizationSettings[] = []
  let float: FloatOutputs | undefined
  // Inputs at the default width first; wider inputs only when no scale meets the tolerance with them
  // (the input's rounding then bounds the error whatever the scale).
  for (const wider of options.inputBits === undefined && options.inputScale === undefined && !options.integerInput ? INPUT_WIDENINGS : [0]) {
    for (const scale of SCALE_CANDIDATES) {
      const settings = settingsFor(scale, wider)
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
      if (tried.length === 0 && !lastError && scale === SCALE_CANDIDATES[0] && wider === 0) options.beforeCalibration?.(model)
      float ??= floatOutputs(ir, model, samples)
      // Run with the tolerance: a candidate that cannot meet it is rejected at its first failing sample.
      const report = compareOutputs(model, samples, float, tolerance)
      if (report && withinTolerance(report, tolerance)) return { model, settings, report, chosenBy: 'calibration' }
      tried.push(settings)
    }
  }
  // None meets the tolerance: every candidate quantized again and measured on every sample, the closest kept.
  for (const settings of tried) {
    const model = quantizeIR(ir, settings)
    const report = compareOutputs(model, samples, float!)!
    if (!best || better(report, best.report)) best = { model, settings, report, chosenBy: 'calibration' }
  }
  if (!best) throw lastError!
  return { ...best, chosenBy: 'calibration (closest: no scale meets the tolerance)' }
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
