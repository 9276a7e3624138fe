import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { compileCircom, type CompileCircomReturnType } from './circuit/compileCircom.js'
import { calculateWitness, failingConstraints, readR1cs, readSymbols, type R1cs } from './circuit/r1cs.js'
import { functionShape, type PiecewiseFunction } from './ir/piecewiseFunctions.js'
import { buildModel, type NodeInit } from './onnx/buildModel.js'
import type { QuantizedPiecewise } from './quantize/model.js'
import { fitPiecewise, PIECEWISE_ERROR_BOUND } from './quantize/piecewise.js'
import { signedBits } from './quantize/quantize.js'
import { piecewise } from './reference/runReference.js'
import { compileOpCase, runOpCase, seededRandom, testDir } from './testing/opHarness.js'

/** Inputs in [-16, 16) at 2^-6: the clamp bounds of the saturating functions lie inside. */
const WIDE = { scale: 8, inputScale: 6, inputBits: 11, maxBits: 64 }
/** Inputs in [-2, 2) at 2^-7: Exp and Softsign need fewer segments on a narrower range. */
const NARROW = { scale: 8, inputScale: 7, inputBits: 9, maxBits: 64 }
/** Values per test input. */
const WIDTH = 64

type Case = { op: string; attributes?: NodeInit['attributes']; settings: typeof WIDE; opset?: number; f: (x: number) => number; slack?: number }

const gelu = (x: number) => 0.5 * x * (1 + functionShape({ name: 'erf' }).f(x / Math.SQRT2))
const SELU = { alpha: 1.67326319217681884765625, gamma: 1.05070102214813232421875 }
const cases: Case[] = [
  { op: 'Sigmoid', settings: WIDE, f: (x) => 1 / (1 + Math.exp(-x)) },
  { op: 'Tanh', settings: WIDE, f: Math.tanh },
  { op: 'Erf', settings: WIDE, f: functionShape({ name: 'erf' }).f },
  { op: 'Exp', settings: NARROW, f: Math.exp },
  { op: 'Softsign', settings: NARROW, f: (x) => x / (1 + Math.abs(x)) },
  { op: 'Softplus', settings: WIDE, f: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) },
  { op: 'Gelu', settings: WIDE, opset: 20, f: gelu },
  { op: 'Gelu', attributes: { approximate: 'tanh' }, settings: WIDE, opset: 20, f: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))) },
  { op: 'Elu', attributes: { alpha: 0.5 }, settings: WIDE, f: (x) => (x >= 0 ? x : 0.5 * Math.expm1(x)) },
  // Selu's gamma is a weight of the linear stage that adds the Relu: rounded to 2^-8, so |x| · 2^-9 more.
  { op: 'Selu', settings: WIDE, f: (x) => SELU.gamma * (x >= 0 ? x : SELU.alpha * Math.expm1(x)), slack: 16 / 2 ** 9 },
]

/** The integers a piecewise stage must get right: both ends of the input range, both clamp bounds and their neighbours, every segment boundary, 0 and ±1. */
function edgeInputs(stage: QuantizedPiecewise, bits: number): bigint[] {
  const size = 1n << BigInt(stage.segmentBits)
  const hi = stage.lo + BigInt(stage.segments) * size - 1n
  const [xMin, xMax] = [-(1n << BigInt(bits - 1)), (1n << BigInt(bits - 1)) - 1n]
  const xs = [xMin, xMax, stage.lo - 1n, stage.lo, stage.lo + 1n, hi - 1n, hi, hi + 1n, 0n, -1n, 1n]
  for (let k = 1n; k < BigInt(stage.segments); k++) xs.push(stage.lo + k * size - 1n, stage.lo + k * size)
  return [...new Set(xs)].filter((x) => x >= xMin && x <= xMax)
}

describe.each(cases)('$op $attributes: circuit = reference = canonical graph, and within the float bound', ({ op, attributes, settings, opset, f, slack = 0 }) => {
  const bytes = buildModel({
    inputs: [{ name: 'x', shape: [1, WIDTH] }],
    outputs: [{ name: 'y', shape: [1, WIDTH] }],
    nodes: [{ op, inputs: ['x'], outputs: ['y'], ...(attributes ? { attributes } : {}) }],
    ...(opset ? { opset } : {}),
  })
  const name = `${op}${attributes ? '-attr' : ''}`.toLowerCase()
  const compiled = compileOpCase(bytes, settings, `pw-${name}`)

  test('edge and random inputs', async () => {
    const c = await compiled
    const stage = c.model.stages.find((s): s is QuantizedPiecewise => s.kind === 'piecewise')!
    expect(stage).toBeDefined()
    const rand = seededRandom(11)
    const [xMin, span] = [-(2 ** (settings.inputBits - 1)), 2 ** settings.inputBits]
    const edges = edgeInputs(stage, settings.inputBits)
    // The edges, then random values, in inputs of WIDTH values.
    const all = [...edges]
    while (all.length % WIDTH !== 0 || all.length < edges.length + WIDTH) all.push(BigInt(xMin + Math.floor(rand() * span)))
    const unit = 2 ** -settings.scale
    let worst = 0
    for (let at = 0; at < all.length; at += WIDTH) {
      const q = all.slice(at, at + WIDTH)
      const input = Float32Array.from(q, (v) => Number(v) / 2 ** settings.inputScale)
      const run = await runOpCase(c, input)
      expect(run.failing).toBe(0)
      expect(run.canonical).toEqual(run.reference)
      expect(run.canonical64).toEqual(run.reference)
      run.dequantized.forEach((y, i) => {
        const error = Math.abs(y - f(input[i]!))
        worst = Math.max(worst, error)
        expect(error).toBeLessThanOrEqual(PIECEWISE_ERROR_BOUND * unit + slack)
        // onnxruntime's float32 kernels (its Erf and Gelu are approximations too) agree to 1e-5.
        expect(Math.abs(y - run.onnxruntime[i]!)).toBeLessThanOrEqual(PIECEWISE_ERROR_BOUND * unit + slack + 1e-5)
      })
    }
    expect(worst).toBeGreaterThan(0)
  })
})

/** Every function, every input of a 16-bit range at 2^-8 (the default scale without calibration): the documented bound holds, exhaustively. */
describe('the float error over every input, at the default scale', () => {
  const functions: PiecewiseFunction[] = [
    { name: 'sigmoid' },
    { name: 'tanh' },
    { name: 'erf' },
    { name: 'softplusExcess' },
    { name: 'geluExcess', approximate: 'none' },
    { name: 'geluExcess', approximate: 'tanh' },
    { name: 'expm1Negative', scale: 1 },
    { name: 'expm1Negative', scale: SELU.gamma * SELU.alpha },
  ]
  test.each(functions.map((fn) => [JSON.stringify(fn), fn] as const))('%s', (_name, fn) => {
    const [xMin, xMax] = [-(2n ** 15n), 2n ** 15n - 1n]
    const p = fitPiecewise({ fn, xMin, xMax, inScale: 8, outScale: 8, where: 'test' })
    const stage = { kind: 'piecewise', fn, inBits: 16, ...p, bits: signedBits(p.yMin, p.yMax), sources: [], shape: [1] } as QuantizedPiecewise
    const { f } = functionShape(fn)
    let worst = 0
    for (let x = xMin; x <= xMax; x++) {
      const y = piecewise(stage, x)
      expect(y >= p.yMin && y <= p.yMax).toBe(true)
      worst = Math.max(worst, Math.abs(Number(y) - f(Number(x) / 256) * 256))
    }
    expect(worst).toBeLessThanOrEqual(PIECEWISE_ERROR_BOUND)
    expect(worst).toBeGreaterThan(0.25)
  })
})
