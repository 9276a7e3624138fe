import { describe, expect, test } from 'vitest'
import { InvalidCompileOptionError } from '../errors/compile.js'
import { evaluateFloat } from '../ir/evaluate.js'
import { lowerGraph } from '../ir/lower.js'
import { buildModel } from '../onnx/buildModel.js'
import { loadModel } from '../onnx/loadModel.js'
import { seededRandom } from '../testing/opHarness.js'
import { chooseQuantization, measureAgreement, withinTolerance } from './calibrate.js'
import { quantizeIR } from './quantize.js'

// A padded 3x3 Conv2d with random weights on 8x8 inputs in [0, 1] (the kind of model that came out
// 9% off its range when only the mean error was judged).
const random = seededRandom(3)
const onnx = buildModel({
  inputs: [{ name: 'x', shape: [1, 1, 8, 8] }],
  outputs: [{ name: 'y', shape: [1, 10] }],
  initializers: [
    { name: 'W', dims: [4, 1, 3, 3], data: Array.from({ length: 36 }, () => random() - 0.5) },
    { name: 'D', dims: [10, 256], data: Array.from({ length: 2560 }, () => (random() - 0.5) / 8) },
  ],
  nodes: [
    { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'], attributes: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] } },
    { op: 'Relu', inputs: ['c'], outputs: ['r'] },
    { op: 'Flatten', inputs: ['r'], outputs: ['f'] },
    { op: 'Gemm', inputs: ['f', 'D'], outputs: ['y'], attributes: { transB: 1 } },
  ],
})
const ir = lowerGraph(loadModel(onnx))
const calibration = Array.from({ length: 32 }, () => Array.from({ length: 64 }, () => random()))

/** The largest |quantized - float| over the samples, against the float outputs' range. */
function maxErrorShare(tolerance?: number) {
  const { report, settings } = chooseQuantization(ir, { calibration, tolerance })
  let low = Infinity
  let high = -Infinity
  for (const sample of calibration) for (const v of evaluateFloat(ir, sample)) [low, high] = [Math.min(low, v), Math.max(high, v)]
  expect(report.outputRange).toBeCloseTo(high - low, 9)
  return { share: report.maxAbsError! / report.outputRange!, scale: settings.scale, report }
}

describe('the calibrated scale meets the accuracy asked for', () => {
  test('by default the largest error is within 1% of the output range, and the mean error within 1% of the mean output', () => {
    const { share, report } = maxErrorShare()
    expect(share).toBeLessThanOrEqual(0.01)
    expect(report.meanAbsError! / report.meanAbsOutput!).toBeLessThanOrEqual(0.01)
    expect(withinTolerance(report, 0.01)).toBe(true)
  })

  test('a larger tolerance buys a coarser scale (fewer constraints) within it; a smaller one a finer scale', () => {
    const loose = maxErrorShare(0.05)
    const strict = maxErrorShare(0.002)
    const normal = maxErrorShare()
    expect(loose.share).toBeLessThanOrEqual(0.05)
    expect(strict.share).toBeLessThanOrEqual(0.002)
    expect(loose.scale).toBeLessThan(normal.scale)
    expect(strict.scale).toBeGreaterThan(normal.scale)
  })

  test('a scale whose largest error exceeds the tolerance is not within it, even when the mean error is', () => {
    const report = { samples: 1, top1Agreement: 1, meanAbsError: 0.001, maxAbsError: 0.5, meanAbsOutput: 1, outputRange: 10 }
    expect(withinTolerance(report, 0.01)).toBe(false)
    expect(withinTolerance({ ...report, maxAbsError: 0.09 }, 0.01)).toBe(true)
  })

  test('calibration stops measuring a scale at its first failing sample, and chooses what measuring every sample of every scale chooses', () => {
    for (const tolerance of [0.05, 0.01, 0.002]) {
      const chosen = chooseQuantization(ir, { calibration, tolerance })
      // The definition: the smallest scale whose full report is within the tolerance.
      const coarser = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16].filter((scale) => scale < chosen.settings.scale)
      for (const scale of coarser) expect(withinTolerance(measureAgreement(ir, quantizeIR(ir, { ...chosen.settings, scale, inputScale: Math.min(scale, chosen.settings.inputScale) }), calibration), tolerance), `scale ${scale}`).toBe(false)
      expect(chosen.report).toEqual(measureAgreement(ir, chosen.model, calibration))
      expect(withinTolerance(chosen.report, tolerance)).toBe(true)
    }
    // No scale within 1e-6: every candidate is measured in full, and the closest kept.
    const closest = chooseQuantization(ir, { calibration, tolerance: 1e-6 })
    expect(closest.chosenBy).toBe('calibration (closest: no scale meets the tolerance)')
    expect(closest.report).toEqual(measureAgreement(ir, closest.model, calibration))
  })

  test('a tolerance outside (0, 1) is refused, naming the option', () => {
    expect(() => chooseQuantization(ir, { calibration, tolerance: 0 })).toThrow(InvalidCompileOptionError)
    expect(() => chooseQuantization(ir, { calibration, tolerance: 1.5 })).toThrow(/tolerance.*between 0 and 1/)
  })
})
