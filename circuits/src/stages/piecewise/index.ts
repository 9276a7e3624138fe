import { list } from '../../circuit/emit.js'
import { functionShape } from '../../ir/piecewiseFunctions.js'
import { floorShift, maxOf, minOf, quantizeReal, signedBits } from '../../quantize/bounds.js'
import type { QuantizedPiecewise } from '../../quantize/model.js'
import { fitPiecewise } from '../../quantize/piecewise.js'
import { EXACT_LIMIT } from '../../reference/integerGraphContext.js'
import type { StageModule } from '../types.js'

/** An input of a function without an upper limit (Exp) saturates this far (in real units) above the largest calibration input. */
export const EXP_CALIBRATION_MARGIN = 0.5

/** The piecewise semantics of model.ts (QuantizedPiecewise), on one value. */
export function piecewise(stage: QuantizedPiecewise, x: bigint): bigint {
  const hi = stage.lo + (BigInt(stage.segments) << BigInt(stage.segmentBits)) - 1n
  const u = (x < stage.lo ? stage.lo : x > hi ? hi : x) - stage.lo
  const k = Number(u >> BigInt(stage.segmentBits))
  const t = u - (BigInt(k) << BigInt(stage.segmentBits))
  return floorShift(stage.c0[k]! + stage.c1[k]! * t + stage.c2[k]! * t * t, stage.shift)
}

/**
 * y = fn(x) for a smooth function (ir/piecewiseFunctions.ts), quantized as a clamp, equal segments
 * and one integer quadratic per segment (QuantizedPiecewise, fitted by quantize/piecewise.ts).
 */
export const piecewiseStage: StageModule<'piecewise'> = {
  kind: 'piecewise',

  evaluate(stage, x) {
    const { f } = functionShape(stage.fn)
    return x.map(f)
  },

  mixedScales: false,

  quantize(stage, { scale, base, lo, hi, bits: inBits, currentScale, check }) {
    // One set of parameters for the whole tensor, fitted over the union of its values' bounds.
    let xMin = lo.reduce((m, v) => (v < m ? v : m))
    let xMax = hi.reduce((m, v) => (v > m ? v : m))
    if (stage.domain?.min !== undefined) xMin = maxOf(xMin, quantizeReal(stage.domain.min, currentScale))
    if (stage.domain?.max !== undefined) xMax = minOf(xMax, quantizeReal(stage.domain.max, currentScale))
    if (xMax < xMin) xMax = xMin
    if (stage.calibratedMax !== undefined) {
      const calibrated = quantizeReal(stage.calibratedMax + EXP_CALIBRATION_MARGIN, currentScale)
      if (calibrated < xMax) xMax = calibrated > xMin ? calibrated : xMin
    }
    const where = `${stage.kind} [${stage.sources.join(', ')}]`
    const p = fitPiecewise({ fn: stage.fn, xMin, xMax, inScale: currentScale, outScale: scale, where })
    const bits = signedBits(p.yMin, p.yMax)
    // The accumulator is below 2^(shift + bits + 1) in magnitude (its rescale is in range).
    check(bits, p.shift + 1)
    const { yMin: _yMin, yMax: _yMax, ...parameters } = p
    return {
      stage: { ...base, kind: 'piecewise', fn: stage.fn, inBits, ...parameters, bits },
      lo: lo.map(() => p.yMin),
      hi: hi.map(() => p.yMax),
      bits,
      scale,
    }
  },

  reference: (stage, x) => x.map((v) => piecewise(stage, v)),

  integerGraph(stage, { out, bound, nodes, constant, values, inputIn, typeFor }) {
    // Clamp (Max, Min), u = x - lo, k = floor(u / 2^w), t = u - k·2^w, each segment's
    // coefficients gathered by k, then acc = c0 + c1·t + c2·t·t + half and Floor(acc · 2^-shift):
    // every value an integer below the largest |c0| + |c1|·t + |c2|·t² + half (and the clamp bounds).
    const size = 2 ** stage.segmentBits
    const hi = Number(stage.lo) + stage.segments * size - 1
    const half = 2 ** (stage.shift - 1)
    let largest = Math.max(Math.abs(Number(stage.lo)), Math.abs(hi), bound)
    for (let k = 0; k < stage.segments; k++) largest = Math.max(largest, Math.abs(Number(stage.c0[k]!)) + Math.abs(Number(stage.c1[k]!)) * (size - 1) + Math.abs(Number(stage.c2[k]!)) * (size - 1) ** 2 + half)
    if (largest >= EXACT_LIMIT.double) return undefined
    const type = typeFor(largest)
    const c = (name: string, value: number) => constant(`${out}_${name}`, [1], values(type, [value]))
    const table = (name: string, data: bigint[]) => constant(`${out}_${name}`, [data.length], values(type, data.map(Number)))
    nodes.push(
      { op: 'Max', inputs: [inputIn(type), c('lo', Number(stage.lo))], outputs: [`${out}_max`] },
      { op: 'Min', inputs: [`${out}_max`, c('hi', hi)], outputs: [`${out}_clamped`] },
      { op: 'Sub', inputs: [`${out}_clamped`, c('lo_sub', Number(stage.lo))], outputs: [`${out}_u`] },
      { op: 'Mul', inputs: [`${out}_u`, c('inv_size', 1 / size)], outputs: [`${out}_uk`] },
      { op: 'Floor', inputs: [`${out}_uk`], outputs: [`${out}_k`] },
      { op: 'Mul', inputs: [`${out}_k`, c('size', size)], outputs: [`${out}_start`] },
      { op: 'Sub', inputs: [`${out}_u`, `${out}_start`], outputs: [`${out}_t`] },
      { op: 'Cast', inputs: [`${out}_k`], outputs: [`${out}_index`], attributes: { to: 7 } },
      { op: 'Gather', inputs: [table('table0', stage.c0), `${out}_index`], outputs: [`${out}_c0`], attributes: { axis: 0 } },
      { op: 'Gather', inputs: [table('table1', stage.c1), `${out}_index`], outputs: [`${out}_c1`], attributes: { axis: 0 } },
      { op: 'Gather', inputs: [table('table2', stage.c2), `${out}_index`], outputs: [`${out}_c2`], attributes: { axis: 0 } },
      { op: 'Mul', inputs: [`${out}_c2`, `${out}_t`], outputs: [`${out}_c2t`] },
      { op: 'Add', inputs: [`${out}_c2t`, `${out}_c1`], outputs: [`${out}_inner`] },
      { op: 'Mul', inputs: [`${out}_inner`, `${out}_t`], outputs: [`${out}_poly`] },
      { op: 'Add', inputs: [`${out}_poly`, `${out}_c0`], outputs: [`${out}_acc`] },
      { op: 'Add', inputs: [`${out}_acc`, c('half', half)], outputs: [`${out}_acch`] },
      { op: 'Mul', inputs: [`${out}_acch`, c('scale', 2 ** -stage.shift)], outputs: [`${out}_accs`] },
      { op: 'Floor', inputs: [`${out}_accs`], outputs: [out] },
    )
    return type
  },

  signBits: 'none',

  circuit(stage, { emit, name, size, current }) {
    const bits = current.bits
    // The comparisons in - lo and hi - in are Sign checks wide enough for every input of the declared width.
    const hi = stage.lo + (BigInt(stage.segments) << BigInt(stage.segmentBits)) - 1n
    const [xMin, xMax] = [-(1n << BigInt(bits - 1)), (1n << BigInt(bits - 1)) - 1n]
    const cmpBits = Math.max(signedBits(xMin - stage.lo, xMax - stage.lo), signedBits(hi - xMax, hi - xMin))
    let kBits = 0
    while (1 << kBits < stage.segments) kBits++
    if (stage.segmentBits + kBits === 0) kBits = 1
    const component = `${name}Piecewise`
    emit(`component ${component} = Piecewise(${size}, ${cmpBits}, ${stage.lo}, ${stage.segmentBits}, ${kBits}, ${stage.segments}, ${list(stage.c0)}, ${list(stage.c1)}, ${list(stage.c2)}, ${stage.shift}, ${stage.bits});`)
    emit(`${component}.in <== ${current.values};`)
    return { values: `${component}.out`, nonNeg: `${component}.nonNeg`, size, bits: stage.bits }
  },

  commitment: {
    code: 8,
    scalars: (stage) => [BigInt(stage.inBits), stage.lo, BigInt(stage.segmentBits), BigInt(stage.segments), BigInt(stage.shift), ...stage.c0, ...stage.c1, ...stage.c2],
  },

  summary: (stage) => ({ shift: stage.shift, function: stage.fn.name, segments: stage.segments }),

  toJson: (stage) => ({ ...stage, lo: String(stage.lo), c0: stage.c0.map(String), c1: stage.c1.map(String), c2: stage.c2.map(String) }),
  fromJson: (raw) => ({ ...(raw as unknown as QuantizedPiecewise), lo: BigInt(raw.lo as string), c0: (raw.c0 as string[]).map(BigInt), c1: (raw.c1 as string[]).map(BigInt), c2: (raw.c2 as string[]).map(BigInt) }),
}
