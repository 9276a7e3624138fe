import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { compileCircom, type CompileCircomReturnType } from '../../circuit/compileCircom.js'
import { calculateWitness, failingConstraints, readR1cs, readSymbols, type R1cs } from '../../circuit/r1cs.js'
import { functionShape, type PiecewiseFunction } from '../../ir/piecewiseFunctions.js'
import { buildModel, type NodeInit } from '../../onnx/buildModel.js'
import type { QuantizedPiecewise } from '../../quantize/model.js'
import { fitPiecewise, PIECEWISE_ERROR_BOUND } from '../../quantize/piecewise.js'
import { signedBits } from '../../quantize/bounds.js'
import { quantizeIR } from '../../quantize/quantize.js'
import { chooseQuantization } from '../../quantize/calibrate.js'
import { PiecewiseSegmentsExceededError } from '../../errors/compile.js'
import { evaluateTensors } from '../../ir/evaluate.js'
import { lowerGraph } from '../../ir/lower.js'
import { loadModel } from '../../onnx/loadModel.js'
import { createCanonicalExecutor } from '../../reference/canonicalExecutor.js'
import { quantizedModelFromJson, quantizedModelToJson, type QuantizedModelJson } from '../../quantize/serialize.js'
import { quantizeInput, runReference } from '../../reference/runReference.js'
import { EXP_CALIBRATION_MARGIN, piecewise } from './index.js'
import { compileOpCase, randomArray, runOpCase, seededRandom, testDir } from '../../testing/opHarness.js'

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

  test('quantized.json keeps the stage exactly', async () => {
    const c = await compiled
    const json = JSON.parse(JSON.stringify(quantizedModelToJson(c.model))) as QuantizedModelJson
    expect(quantizedModelFromJson(json)).toEqual(c.model)
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

/** BN254 scalar field: a "negative" number n is the field element P + n. */
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
const field = (v: bigint) => ((v % P) + P) % P
const signed = (v: bigint) => (v > P / 2n ? v - P : v)

describe('Piecewise template: every signal is fixed by the input (forged witnesses fail the R1CS check)', () => {
  // Sigmoid on 11-bit inputs at 2^-6, outputs at 2^-8: the parameters the quantizer chooses.
  const inBits = 11
  const fit = fitPiecewise({ fn: { name: 'sigmoid' }, xMin: -1024n, xMax: 1023n, inScale: 6, outScale: 8, where: 'test' })
  const bits = signedBits(fit.yMin, fit.yMax)
  const stage = { kind: 'piecewise', fn: { name: 'sigmoid' }, inBits, ...fit, bits, sources: [], shape: [1] } as QuantizedPiecewise
  const size = 1n << BigInt(stage.segmentBits)
  const span = BigInt(stage.segments) * size - 1n
  const hi = stage.lo + span
  const cmpBits = Math.max(signedBits(-1024n - stage.lo, 1023n - stage.lo), signedBits(hi - 1023n, hi + 1024n))
  let kBits = 0
  while (1 << kBits < stage.segments) kBits++
  const uBits = stage.segmentBits + kBits
  let circuit: CompileCircomReturnType
  let r1cs: R1cs
  let symbols: Map<string, number>

  beforeAll(async () => {
    const dir = await testDir('sound-piecewise')
    const file = join(dir, 'piecewise.circom')
    const list = (v: bigint[]) => `[${v.join(',')}]`
    await writeFile(
      file,
      `pragma circom 2.1.6;\ninclude "veridict.circom";\ntemplate T() { signal input in; signal output out; component p = Piecewise(1, ${cmpBits}, ${stage.lo}, ${stage.segmentBits}, ${kBits}, ${stage.segments}, ${list(stage.c0)}, ${list(stage.c1)}, ${list(stage.c2)}, ${stage.shift}, ${bits}); p.in[0] <== in; out <== p.out[0]; }\ncomponent main = T();\n`,
    )
    circuit = await compileCircom({ file, outDir: dir, optimization: 0 })
    r1cs = await readR1cs(circuit.r1cs)
    symbols = await readSymbols(circuit.sym)
  })

  type Witness = { get: (s: string) => bigint; set: (s: string, v: bigint) => void }
  /** The honest witness for x, edited as an attacker would; returns the violated constraints and the claimed output. */
  async function tamper(x: bigint, edit: (w: Witness) => void): Promise<{ failing: number; out: bigint; honest: bigint }> {
    const witness = await calculateWitness(circuit.wasm, { in: String(field(x)) })
    expect(failingConstraints(r1cs, witness)).toEqual([])
    const wire = (signal: string) => {
      const id = symbols.get(signal)
      if (id === undefined) throw new Error(`no signal ${signal} in the harness`)
      return id
    }
    const tampered = [...witness]
    edit({ get: (s) => signed(tampered[wire(s)]!), set: (s, v) => (tampered[wire(s)] = field(v)) })
    return { failing: failingConstraints(r1cs, tampered).length, out: signed(tampered[wire('main.out')]!), honest: signed(witness[wire('main.out')]!) }
  }

  /** Rewrites everything after the clamp consistently from a claimed u and selector (default: one-hot at u's segment). */
  function forgeFrom({ get, set }: Witness, u: bigint, selector?: bigint[]) {
    set('main.p.u[0]', u)
    set('main.p.split[0].in', u)
    for (let j = 0; j < uBits; j++) set(`main.p.split[0].out[${j}]`, (u >> BigInt(j)) & 1n)
    const [k, t] = [u >> BigInt(stage.segmentBits), u & (size - 1n)]
    const sel = selector ?? Array.from({ length: stage.segments }, (_, s) => (BigInt(s) === k ? 1n : 0n))
    sel.forEach((e, s) => set(`main.p.sel[0][${s}]`, e))
    const dot = (c: bigint[]) => c.reduce((acc, v, s) => acc + v * sel[s]!, 0n)
    set('main.p.t2[0]', t * t)
    set('main.p.p1[0]', dot(stage.c1) * t)
    set('main.p.p2[0]', dot(stage.c2) * t * t)
    const acc = dot(stage.c0) + dot(stage.c1) * t + dot(stage.c2) * t * t
    rescaleTo({ get, set }, acc)
  }

  /** Rewrites the rescale of `acc` (its split into remainder and output bits) and the output. */
  function rescaleTo({ set }: Witness, acc: bigint) {
    const n = stage.shift + bits
    const v = acc + (1n << BigInt(stage.shift - 1)) + (1n << BigInt(n - 1))
    set('main.p.rescale[0].in', acc)
    set('main.p.rescale[0].split.in', v)
    for (let j = 0; j < n; j++) set(`main.p.rescale[0].split.out[${j}]`, (v >> BigInt(j)) & 1n)
    claimOutput(set, (v >> BigInt(stage.shift)) - (1n << BigInt(bits - 1)), (v >> BigInt(n - 1)) & 1n)
  }

  function claimOutput(set: Witness['set'], y: bigint, nonNeg: bigint) {
    set('main.p.rescale[0].out', y)
    set('main.p.rescale[0].nonNeg', nonNeg)
    set('main.p.out[0]', y)
    set('main.p.nonNeg[0]', nonNeg)
    set('main.out', y)
  }

  test('computes the reference on the edge inputs', async () => {
    for (const x of edgeInputs(stage, inBits)) {
      const w = await calculateWitness(circuit.wasm, { in: String(field(x)) })
      expect(signed(w[symbols.get('main.out')!]!)).toBe(piecewise(stage, x))
    }
  })

  test('rejects a wrong output', async () => {
    const { failing } = await tamper(0n, ({ get, set }) => set('main.out', get('main.out') + 1n))
    expect(failing).toBeGreaterThan(0)
  })

  test('rejects out + 1 paid for with a negative remainder (only the remainder bit range check fails)', async () => {
    const { failing, out, honest } = await tamper(0n, ({ get, set }) => {
      const n = stage.shift + bits
      const v = get('main.p.rescale[0].split.in')
      const forged = v + (1n << BigInt(stage.shift))
      for (let j = stage.shift; j < n; j++) set(`main.p.rescale[0].split.out[${j}]`, (forged >> BigInt(j)) & 1n)
      set('main.p.rescale[0].split.out[0]', get('main.p.rescale[0].split.out[0]') - (1n << BigInt(stage.shift)))
      claimOutput(set, get('main.p.rescale[0].out') + 1n, (forged >> BigInt(n - 1)) & 1n)
    })
    expect(out).toBe(honest + 1n)
    expect(failing).toBe(1)
  })

  test('rejects a non-boolean selector that sums to 1 and points at the right segment', async () => {
    // u in segment 5: sel[3] = 2, sel[1] = -1 gives sum 1 and Σ s·sel[s] = 6 - 1 = 5, other coefficients.
    const x = stage.lo + 5n * size + 10n
    const sel = Array.from({ length: stage.segments }, (_, s) => (s === 3 ? 2n : s === 1 ? -1n : 0n))
    const { failing, out, honest } = await tamper(x, (w) => forgeFrom(w, w.get('main.p.u[0]'), sel))
    expect(out).not.toBe(honest)
    // Only the booleanity of the two forged selector signals fails.
    expect(failing).toBe(2)
  })

  test('rejects a one-hot selector on the wrong segment', async () => {
    const x = stage.lo + 5n * size + 10n
    const sel = Array.from({ length: stage.segments }, (_, s) => (s === 6 ? 1n : 0n))
    const { failing, out, honest } = await tamper(x, (w) => forgeFrom(w, w.get('main.p.u[0]'), sel))
    expect(out).not.toBe(honest)
    expect(failing).toBe(1)
  })

  test('rejects a wrong clamp branch: an input in range claimed below lo', async () => {
    const { failing, out, honest } = await tamper(0n, (w) => {
      w.set('main.p.geLo[0].nonNeg', 0n)
      w.set(`main.p.geLo[0].split.out[${cmpBits - 1}]`, 0n)
      w.set('main.p.above[0]', 0n)
      forgeFrom(w, 0n)
    })
    expect(out).not.toBe(honest)
    // Only the bit sum of the comparison's range check fails.
    expect(failing).toBe(1)
  })

  test('rejects a wrong clamp branch: an input above hi claimed below it', async () => {
    const x = hi + 5n
    const { failing } = await tamper(x, (w) => {
      w.set('main.p.leHi[0].nonNeg', 1n)
      w.set(`main.p.leHi[0].split.out[${cmpBits - 1}]`, 1n)
      // u = x - lo: 5 past the last input, in a segment that has no selector.
      forgeFrom(w, x - stage.lo, Array.from({ length: stage.segments }, (_, s) => (s === stage.segments - 1 ? 1n : 0n)))
    })
    expect(failing).toBeGreaterThan(0)
  })
})

describe('Exp saturates above its calibrated range', () => {
  // x in [-2, 2) through weights of ±2: interval bounds ±16, far beyond what calibration sees.
  const bytes = buildModel({
    inputs: [{ name: 'x', shape: [1, 4] }],
    outputs: [{ name: 'y', shape: [1, 2] }],
    initializers: [{ name: 'W', dims: [2, 4], data: [2, -2, 2, -2, 2, 2, 2, 2] }],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W'], outputs: ['h'], attributes: { transB: 1 } },
      { op: 'Exp', inputs: ['h'], outputs: ['y'] },
    ],
  })
  const ir = lowerGraph(loadModel(bytes))
  const rand = seededRandom(5)
  const calibration = Array.from({ length: 16 }, () => randomArray(rand, 4, -0.3, 0.3))

  test('without calibration the interval bound needs too many segments; with it the clamp sits at the largest calibrated input + 0.5', async () => {
    expect(() => quantizeIR(ir, NARROW)).toThrow(PiecewiseSegmentsExceededError)
    const { model } = chooseQuantization(ir, { ...NARROW, calibration })
    const stage = model.stages.find((s): s is QuantizedPiecewise => s.kind === 'piecewise')!
    const calibratedMax = Math.max(...calibration.flatMap((x) => Array.from(evaluateTensors(ir, x)[1]!)))
    const hi = stage.lo + (BigInt(stage.segments) << BigInt(stage.segmentBits)) - 1n
    const bound = BigInt(Math.round((calibratedMax + EXP_CALIBRATION_MARGIN) * 2 ** NARROW.scale))
    expect(hi >= bound && hi - bound < 1n << BigInt(stage.segmentBits)).toBe(true)
    // An input far above the calibrated range gives exp at the clamp bound, in every executor.
    const big = quantizeInput(model, [1.9, -1.9, 1.9, -1.9])
    const out = runReference(model, big)
    expect(out[0]).toBe(piecewise(stage, hi))
    expect(Math.abs(Number(out[0]) - Math.exp(Number(hi) / 2 ** NARROW.scale) * 2 ** NARROW.scale)).toBeLessThanOrEqual(PIECEWISE_ERROR_BOUND)
    const canonical = await createCanonicalExecutor({ model, precision: 'float64' })
    expect(await canonical.run(big)).toEqual(out)
  })
})
