import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { compileCircom, type CompileCircomReturnType } from '../../circuit/compileCircom.js'
import { calculateWitness, failingConstraints, readR1cs, readSymbols, type R1cs } from '../../circuit/r1cs.js'
import { buildModel } from '../../onnx/buildModel.js'
import { divideRound, isqrt, sqrtFloor } from '../../quantize/exact.js'
import { quantizedModelFromJson, quantizedModelToJson, type QuantizedModelJson } from '../../quantize/serialize.js'
import { compileOpCase, runOpCase, seededRandom, testDir } from '../../testing/opHarness.js'
import { lowerGraph } from '../../ir/lower.js'
import { loadModel } from '../../onnx/loadModel.js'
import { quantizeIR } from '../../quantize/quantize.js'
import { createCanonicalExecutor } from '../../reference/canonicalExecutor.js'
import { runReference } from '../../reference/runReference.js'

/** Inputs in [-2, 2) at 2^-7 (9 bits), outputs at 2^-8. */
const SETTINGS = { scale: 8, inputScale: 7, inputBits: 9, maxBits: 64 }
const UNIT = 2 ** -SETTINGS.scale
const IN_UNIT = 2 ** -SETTINGS.inputScale
const [X_MIN, X_MAX] = [-(2 ** (SETTINGS.inputBits - 1)), 2 ** (SETTINGS.inputBits - 1) - 1]
const WIDTH = 32

describe('exact integer semantics', () => {
  test('divideRound is floor((a·2^k + floor(b\'/2)) / b\') with b\' = max(b, 1), within half a unit of a·2^k / b\'', () => {
    for (let a = -300n; a <= 300n; a += 7n)
      for (let b = -5n; b <= 40n; b++) {
        const d = b < 1n ? 1n : b
        const y = divideRound(a, b, 3)
        const exact = (Number(a) * 8) / Number(d)
        expect(Math.abs(Number(y) - exact)).toBeLessThanOrEqual(0.5)
        // Round half up: ties go up.
        if ((Number(a) * 8 * 2) % Number(d) === 0 && ((Number(a) * 8 * 2) / Number(d)) % 2 !== 0) expect(Number(y)).toBe(exact + 0.5)
        // The circuit's doubled form gives the same quotient.
        const n = 2n * (a << 3n) + d
        const q = n / (2n * d) - (n % (2n * d) < 0n ? 1n : 0n)
        expect(y).toBe(q)
      }
  })

  test('isqrt and sqrtFloor: y² <= x·2^k < (y + 1)², negative inputs count as 0', () => {
    for (let x = 0n; x < 5000n; x++) {
      const y = isqrt(x)
      expect(y * y <= x && x < (y + 1n) * (y + 1n)).toBe(true)
    }
    for (const x of [2n ** 100n, 2n ** 100n - 1n, 3n ** 63n]) {
      const y = isqrt(x)
      expect(y * y <= x && x < (y + 1n) * (y + 1n)).toBe(true)
    }
    expect(sqrtFloor(-5n, 8)).toBe(0n)
    expect(sqrtFloor(4n, 8)).toBe(32n)
    expect(sqrtFloor(3n, 8)).toBe(27n)
  })
})

describe('the canonical graph equals the reference on every 9-bit input (float32 and float64 paths)', () => {
  const all = Array.from({ length: X_MAX - X_MIN + 1 }, (_, i) => BigInt(X_MIN + i))

  test('divide: every numerator against every denominator', async () => {
    const n = all.length
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 2 * n] }],
      outputs: [{ name: 'y', shape: [1, n] }],
      nodes: [
        { op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attributes: { axis: 1 } },
        { op: 'Div', inputs: ['a', 'b'], outputs: ['y'] },
      ],
    })
    const model = quantizeIR(lowerGraph(loadModel(bytes)), SETTINGS)
    const [f32, f64] = await Promise.all([createCanonicalExecutor({ model }), createCanonicalExecutor({ model, precision: 'float64' })])
    for (const b of all) {
      const q = [...all, ...all.map(() => b)]
      const reference = runReference(model, q)
      expect(reference).toEqual(all.map((a) => divideRound(a, b, 8)))
      expect(await f32.run(q)).toEqual(reference)
      expect(await f64.run(q)).toEqual(reference)
    }
  })

  test('sqrt: every input', async () => {
    const bytes = buildModel({ inputs: [{ name: 'x', shape: [1, all.length] }], outputs: [{ name: 'y', shape: [1, all.length] }], nodes: [{ op: 'Sqrt', inputs: ['x'], outputs: ['y'] }] })
    const model = quantizeIR(lowerGraph(loadModel(bytes)), SETTINGS)
    const reference = runReference(model, all)
    expect(reference).toEqual(all.map((x) => sqrtFloor(x, 9)))
    expect(await (await createCanonicalExecutor({ model })).run(all)).toEqual(reference)
    expect(await (await createCanonicalExecutor({ model, precision: 'float64' })).run(all)).toEqual(reference)
  })
})

/** Fills values to a multiple of WIDTH with random integers of the input range. */
function padRandom(values: number[][], rand: () => number, arity: number): number[][] {
  const out = [...values]
  while (out.length % (WIDTH / arity) !== 0 || out.length < values.length + WIDTH / arity) out.push(Array.from({ length: arity }, () => X_MIN + Math.floor(rand() * (X_MAX - X_MIN + 1))))
  return out
}

describe('Div of two activations: circuit = reference = canonical graph, within half a unit of float', () => {
  // x = [a (16 values), b (16 values)]; y = a / b.
  const half = WIDTH / 2
  const bytes = buildModel({
    inputs: [{ name: 'x', shape: [1, WIDTH] }],
    outputs: [{ name: 'y', shape: [1, half] }],
    nodes: [
      { op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attributes: { axis: 1 } },
      { op: 'Div', inputs: ['a', 'b'], outputs: ['y'] },
    ],
  })
  const compiled = compileOpCase(bytes, SETTINGS, 'divide')

  test('edge and random inputs', async () => {
    const c = await compiled
    expect(c.model.stages.map((s) => s.kind)).toContain('divide')
    const rand = seededRandom(3)
    // (a, b) integers at 2^-7: b = 0, b = 1 unit, negative b, a = 0, the extremes, ties.
    const edges = [[5, 0], [-5, 0], [X_MAX, 0], [X_MIN, 0], [0, 0], [7, 1], [-7, 1], [X_MAX, 1], [X_MIN, 1], [9, -3], [X_MIN, X_MIN], [0, 17], [0, -4], [X_MAX, X_MAX], [X_MIN, X_MAX], [1, 3], [3, 2], [-3, 2], [1, 255], [-1, 255], [100, 3], [-100, 3]]
    const pairs = padRandom(edges, rand, 2)
    let worst = 0
    let checked = 0
    for (let at = 0; at < pairs.length; at += half) {
      const chunk = pairs.slice(at, at + half)
      const input = Float32Array.from([...chunk.map(([a]) => a! * IN_UNIT), ...chunk.map(([, b]) => b! * IN_UNIT)])
      const run = await runOpCase(c, input)
      expect(run.failing).toBe(0)
      expect(run.canonical).toEqual(run.reference)
      expect(run.canonical64).toEqual(run.reference)
      chunk.forEach(([a, b], i) => {
        // The integer semantics, whatever the sign of b: b' = max(b, 1) (one unit, 2^-7).
        expect(run.reference[i]).toBe(divideRound(BigInt(a!), BigInt(b!), 8))
        if (b! > 0) {
          const error = Math.abs(run.dequantized[i]! - a! / b!)
          worst = Math.max(worst, error)
          expect(error).toBeLessThanOrEqual(0.5 * UNIT)
          expect(Math.abs(run.dequantized[i]! - run.onnxruntime[i]!)).toBeLessThanOrEqual(0.5 * UNIT + Math.abs(a! / b!) * 2 ** -23)
          checked++
        }
      })
    }
    expect(checked).toBeGreaterThan(20)
    expect(worst).toBeGreaterThan(0)
  })

  test('quantized.json keeps the stage exactly', async () => {
    const c = await compiled
    const json = JSON.parse(JSON.stringify(quantizedModelToJson(c.model))) as QuantizedModelJson
    expect(quantizedModelFromJson(json)).toEqual(c.model)
  })
})

describe('Reciprocal: 1 / x through a constant numerator', () => {
  const bytes = buildModel({ inputs: [{ name: 'x', shape: [1, WIDTH] }], outputs: [{ name: 'y', shape: [1, WIDTH] }], nodes: [{ op: 'Reciprocal', inputs: ['x'], outputs: ['y'] }] })
  const compiled = compileOpCase(bytes, SETTINGS, 'reciprocal')

  test('edge and random inputs', async () => {
    const c = await compiled
    const rand = seededRandom(4)
    const xs = padRandom([[0], [1], [-1], [2], [3], [X_MIN], [X_MAX], [128], [127], [129], [-128]], rand, 1).map(([x]) => x!)
    for (let at = 0; at < xs.length; at += WIDTH) {
      const chunk = xs.slice(at, at + WIDTH)
      const run = await runOpCase(c, Float32Array.from(chunk, (x) => x * IN_UNIT))
      expect(run.failing).toBe(0)
      expect(run.canonical).toEqual(run.reference)
      expect(run.canonical64).toEqual(run.reference)
      chunk.forEach((x, i) => {
        // 1 at 2^-8 is 256, divided by x at 2^-7: shift 7.
        expect(run.reference[i]).toBe(divideRound(256n, BigInt(x), 7))
        if (x > 0) expect(Math.abs(run.dequantized[i]! - 1 / (x * IN_UNIT))).toBeLessThanOrEqual(0.5 * UNIT)
      })
    }
  })
})

describe('Sqrt: circuit = reference = canonical graph, within one unit of float', () => {
  const bytes = buildModel({ inputs: [{ name: 'x', shape: [1, WIDTH] }], outputs: [{ name: 'y', shape: [1, WIDTH] }], nodes: [{ op: 'Sqrt', inputs: ['x'], outputs: ['y'] }] })
  const compiled = compileOpCase(bytes, SETTINGS, 'sqrt')

  test('edge and random inputs', async () => {
    const c = await compiled
    const stage = c.model.stages.find((s) => s.kind === 'sqrt')!
    expect(stage).toBeDefined()
    const rand = seededRandom(5)
    // x·2^shift is a perfect square when x = 2·m² (shift 9): those, their neighbours, 0, negatives, the extremes.
    const edges = [0, 1, -1, -5, X_MIN, X_MAX, 2, 8, 18, 32, 50, 72, 98, 128, 162, 200, 242]
    const xs = padRandom([...new Set(edges.flatMap((x) => [x - 1, x, x + 1]))].filter((x) => x >= X_MIN && x <= X_MAX).map((x) => [x]), rand, 1).map(([x]) => x!)
    let worst = 0
    for (let at = 0; at < xs.length; at += WIDTH) {
      const chunk = xs.slice(at, at + WIDTH)
      const run = await runOpCase(c, Float32Array.from(chunk, (x) => x * IN_UNIT))
      expect(run.failing).toBe(0)
      expect(run.canonical).toEqual(run.reference)
      expect(run.canonical64).toEqual(run.reference)
      chunk.forEach((x, i) => {
        expect(run.reference[i]).toBe(isqrt(BigInt(Math.max(x, 0)) << BigInt(stage.shift)))
        const f = Math.sqrt(Math.max(x, 0) * IN_UNIT)
        const error = f - run.dequantized[i]!
        worst = Math.max(worst, error)
        // Floor: never above, less than one unit below.
        expect(error).toBeGreaterThanOrEqual(0)
        expect(error).toBeLessThan(UNIT)
        if (x >= 0) expect(Math.abs(run.dequantized[i]! - run.onnxruntime[i]!)).toBeLessThan(UNIT + 1e-6)
      })
    }
    expect(worst).toBeGreaterThan(0)
  })
})

/** BN254 scalar field: a "negative" number n is the field element P + n. */
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
const field = (v: bigint) => ((v % P) + P) % P
const signed = (v: bigint) => (v > P / 2n ? v - P : v)

type Witness = { get: (s: string) => bigint; set: (s: string, v: bigint) => void }

/** A harness of one template instance with its compiled circuit: honest witnesses, edited as an attacker would. */
function harness(name: string, body: string, inputs: string[]) {
  let circuit: CompileCircomReturnType
  let r1cs: R1cs
  let symbols: Map<string, number>
  beforeAll(async () => {
    const dir = await testDir(`sound-${name}`)
    const file = join(dir, `${name}.circom`)
    await writeFile(file, `pragma circom 2.1.6;\ninclude "veridict.circom";\ntemplate T() { signal input ${inputs.join(';\nsignal input ')}; signal output out; ${body} }\ncomponent main = T();\n`)
    circuit = await compileCircom({ file, outDir: dir, optimization: 0 })
    r1cs = await readR1cs(circuit.r1cs)
    symbols = await readSymbols(circuit.sym)
  })
  const wire = (signal: string) => {
    const id = symbols.get(signal)
    if (id === undefined) throw new Error(`no signal ${signal} in the harness`)
    return id
  }
  async function honest(values: Record<string, bigint>): Promise<bigint> {
    const witness = await calculateWitness(circuit.wasm, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(field(v))])))
    expect(failingConstraints(r1cs, witness)).toEqual([])
    return signed(witness[wire('main.out')]!)
  }
  async function tamper(values: Record<string, bigint>, edit: (w: Witness) => void): Promise<{ failing: number; out: bigint; honest: bigint }> {
    const witness = await calculateWitness(circuit.wasm, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(field(v))])))
    expect(failingConstraints(r1cs, witness)).toEqual([])
    const tampered = [...witness]
    edit({ get: (s) => signed(tampered[wire(s)]!), set: (s, v) => (tampered[wire(s)] = field(v)) })
    return { failing: failingConstraints(r1cs, tampered).length, out: signed(tampered[wire('main.out')]!), honest: signed(witness[wire('main.out')]!) }
  }
  return { honest, tamper }
}

/** Sets a Num2Bits component's input and its bits (the low n bits of v, two's complement for v < 0). */
function setBits({ set }: Witness, component: string, v: bigint, n: number) {
  set(`${component}.in`, v)
  for (let j = 0; j < n; j++) set(`${component}.out[${j}]`, (v >> BigInt(j)) & 1n)
}

describe.each([
  { shift: 8, name: 'divide' },
  { shift: 0, name: 'divide0' },
])('Divide template at shift $shift: every signal is fixed by the inputs (forged witnesses fail the R1CS check)', ({ shift, name }) => {
  const [inBits, bits] = [9, 18]
  const h = harness(name, `component d = Divide(1, 1, [0], ${inBits}, ${shift}, ${bits}); d.num[0] <== num; d.den[0] <== den; out <== d.out[0];`, ['num', 'den'])

  /** Rewrites q, r and their range checks (and the output) from a claimed quotient, r = n - q·2b'. */
  function forge(w: Witness, q: bigint) {
    const d = w.get('main.d.clamped[0]')
    const n = 2n * (w.get('main.num') << BigInt(shift)) + d
    const r = n - q * 2n * d
    w.set('main.d.q[0]', q)
    w.set('main.d.r[0]', r)
    w.set('main.d.qd[0]', q * d)
    setBits(w, 'main.d.remLow[0]', r, inBits)
    setBits(w, 'main.d.remHigh[0]', 2n * d - 1n - r, inBits)
    setBits(w, 'main.d.quot[0]', q + (1n << BigInt(bits - 1)), bits)
    w.set('main.d.out[0]', q)
    w.set('main.d.nonNeg[0]', q >= 0n ? 1n : 0n)
    w.set('main.out', q)
  }

  test('computes the reference on edge inputs', async () => {
    for (const [a, b] of [[5n, 0n], [-5n, -3n], [0n, 7n], [0n, 0n], [255n, 1n], [-256n, 1n], [-256n, 255n], [255n, -256n], [100n, 3n], [-100n, 3n], [1n, 2n], [-1n, 2n], [3n, 2n]] as const)
      expect(await h.honest({ num: a, den: b })).toBe(divideRound(a, b, shift))
  })

  test('the honest witness recomputed by forge passes (the forgeries below differ only where they claim)', async () => {
    const { failing } = await h.tamper({ num: 100n, den: 3n }, (w) => forge(w, w.get('main.d.q[0]')))
    expect(failing).toBe(0)
  })

  test('rejects a wrong quotient (q + 1) whose compensating remainder is negative', async () => {
    const { failing, out, honest } = await h.tamper({ num: 100n, den: 3n }, (w) => forge(w, w.get('main.d.q[0]') + 1n))
    expect(out).toBe(honest + 1n)
    // Only the remainder's lower range check (its bit sum) fails.
    expect(failing).toBe(1)
  })

  test('rejects a wrong quotient (q - 1) with the remainder r + 2b\' (r >= 2b\')', async () => {
    const { failing, out, honest } = await h.tamper({ num: 100n, den: 3n }, (w) => forge(w, w.get('main.d.q[0]') - 1n))
    expect(out).toBe(honest - 1n)
    expect(failing).toBe(1)
  })

  test.runIf(shift === 0)('rejects the remainder at exactly 2b\' (in the brief\'s form, r = b\')', async () => {
    // a = 1, b = 2: 2·1 + 2 = 4 = 1·4 + 0; q - 1 needs r = 4 = 2b'.
    const { failing, out, honest } = await h.tamper({ num: 1n, den: 2n }, (w) => {
      expect(w.get('main.d.r[0]')).toBe(0n)
      forge(w, w.get('main.d.q[0]') - 1n)
      expect(w.get('main.d.r[0]')).toBe(4n)
    })
    expect(out).toBe(honest - 1n)
    expect(failing).toBe(1)
  })

  test('rejects a wrong clamp branch: a positive denominator claimed below 1', async () => {
    const { failing, out, honest } = await h.tamper({ num: 100n, den: 3n }, (w) => {
      const cmp = inBits + 1
      w.set('main.d.ge[0].nonNeg', 0n)
      w.set(`main.d.ge[0].split.out[${cmp - 1}]`, 0n)
      w.set('main.d.clamped[0]', 1n)
      forge(w, divideRound(100n, 1n, shift))
    })
    expect(out).not.toBe(honest)
    // Only the comparison's bit sum fails.
    expect(failing).toBe(1)
  })

  test('rejects a wrong clamp branch: a denominator of 0 or below claimed >= 1 (no division by b <= 0)', async () => {
    for (const den of [0n, -3n]) {
      const { failing } = await h.tamper({ num: 100n, den }, (w) => {
        const cmp = inBits + 1
        w.set('main.d.ge[0].nonNeg', 1n)
        w.set(`main.d.ge[0].split.out[${cmp - 1}]`, 1n)
        w.set('main.d.clamped[0]', den)
        forge(w, den === 0n ? 0n : divideRound(-100n, 3n, shift))
      })
      expect(failing).toBeGreaterThan(0)
    }
  })
})

describe('Sqrt template: every signal is fixed by the input (forged witnesses fail the R1CS check)', () => {
  const [inBits, shift, bits] = [9, 9, 12]
  const wBits = Math.max(inBits - 1 + shift, bits) + 1
  const h = harness('sqrt', `component s = Sqrt(1, ${inBits}, ${shift}, ${bits}, ${wBits}); s.in[0] <== x; out <== s.out[0];`, ['x'])

  function forge(w: Witness, y: bigint) {
    const x = w.get('main.s.pos[0]') << BigInt(shift)
    w.set('main.s.y[0]', y)
    setBits(w, 'main.s.outBits[0]', y, bits - 1)
    w.set('main.s.sq[0]', y * y)
    setBits(w, 'main.s.below[0]', x - y * y, wBits)
    setBits(w, 'main.s.above[0]', y * y + 2n * y - x, wBits)
    w.set('main.s.out[0]', y)
    w.set('main.out', y)
  }

  test('computes the reference on edge inputs', async () => {
    for (const x of [0n, 1n, -1n, -256n, 255n, 2n, 7n, 8n, 9n, 128n, 127n, 129n]) expect(await h.honest({ x })).toBe(sqrtFloor(x, shift))
  })

  test('the honest witness recomputed by forge passes', async () => {
    const { failing } = await h.tamper({ x: 100n }, (w) => forge(w, w.get('main.s.y[0]')))
    expect(failing).toBe(0)
  })

  test.each([
    ['y + 1', 1n],
    ['y - 1', -1n],
  ] as const)('rejects %s', async (_name, delta) => {
    // x = 8: x·2^9 = 4096 = 64², a perfect square (y - 1 leaves a gap of 2·63 + 1 > 0 below, fails above).
    for (const x of [8n, 9n, 100n]) {
      const { failing, out, honest } = await h.tamper({ x }, (w) => forge(w, w.get('main.s.y[0]') + delta))
      expect(out).toBe(honest + delta)
      expect(failing).toBe(1)
    }
  })

  test('rejects a wrong clamp branch: a negative input claimed >= 0', async () => {
    const { failing } = await h.tamper({ x: -9n }, (w) => {
      w.set('main.s.sign[0].nonNeg', 1n)
      w.set(`main.s.sign[0].split.out[${inBits - 1}]`, 1n)
      w.set('main.s.pos[0]', -9n)
      forge(w, 0n)
    })
    expect(failing).toBeGreaterThan(0)
  })

  test('rejects a wrong clamp branch: a positive input claimed negative (output 0)', async () => {
    const { failing, out, honest } = await h.tamper({ x: 50n }, (w) => {
      w.set('main.s.sign[0].nonNeg', 0n)
      w.set(`main.s.sign[0].split.out[${inBits - 1}]`, 0n)
      w.set('main.s.pos[0]', 0n)
      forge(w, 0n)
    })
    expect(out).not.toBe(honest)
    expect(failing).toBe(1)
  })
})

describe('constraints per element at the default scale (16-bit inputs at 2^-8, outputs at 2^-8, circom --O1)', () => {
  /** `shared`: inputs of one value whatever the count. */
  async function perElement(name: string, instance: (count: number) => string, inputs: string[], shared: string[] = []): Promise<number> {
    const counts: number[] = []
    for (const count of [1, 2]) {
      const dir = await testDir(`count-${name}${count}`)
      const file = join(dir, `${name}.circom`)
      const wires = [...inputs.map((i) => `signal input ${i}[${count}]; c.${i} <== ${i};`), ...shared.map((i) => `signal input ${i}[1]; c.${i} <== ${i};`)].join(' ')
      await writeFile(file, `pragma circom 2.1.6;\ninclude "veridict.circom";\ntemplate T() { component c = ${instance(count)}; ${wires} signal output out[${count}]; out <== c.out; }\ncomponent main = T();\n`)
      const circuit = await compileCircom({ file, outDir: dir, optimization: 1 })
      counts.push((await readR1cs(circuit.r1cs)).constraints.length)
    }
    return counts[1]! - counts[0]!
  }

  test('Divide: 16-bit numerator and denominator, 25-bit quotient', async () => {
    // |a|·2^8 / 1 < 2^23: the quantizer's 25 signed bits at the worst case b' = 1.
    const n = await perElement('divide', (count) => `Divide(${count}, ${count}, [${Array.from({ length: count }, (_, i) => i).join(',')}], 16, 8, 25)`, ['num', 'den'])
    expect(n).toBe(DIVIDE_CONSTRAINTS)
  })

  test('Divide: numerators sharing one denominator pay its clamp once', async () => {
    const n = await perElement('divide-shared', (count) => `Divide(${count}, 1, [${new Array(count).fill(0).join(',')}], 16, 8, 25)`, ['num'], ['den'])
    expect(n).toBe(DIVIDE_SHARED_CONSTRAINTS)
  })

  test('Sqrt: 16-bit input, 13-bit output', async () => {
    const n = await perElement('sqrt', (count) => `Sqrt(${count}, 16, 8, 13, ${Math.max(16 - 1 + 8, 13) + 1})`, ['in'])
    expect(n).toBe(SQRT_CONSTRAINTS)
  })
})

/** Documented in circuits/README.md. */
const DIVIDE_CONSTRAINTS = 85
/** Per numerator when all share one denominator: DIVIDE_CONSTRAINTS less the denominator's clamp (Sign(17) and one product). */
const DIVIDE_SHARED_CONSTRAINTS = 64
const SQRT_CONSTRAINTS = 85
/** Empirical (README): measured 0.0127 (3.2 units of 2^-8) for rows of standard deviation >= 0.25; the error grows as 1/std. */
const LAYERNORM_ERROR_BOUND = 0.025

describe('LayerNormalization: the float error at the default scale', () => {
  // [1, 4, 8] over the last axis, inputs in [-2, 2) at 2^-7, gamma in [0.5, 1.5), beta in [-0.5, 0.5).
  const rand = seededRandom(9)
  const bytes = buildModel({
    inputs: [{ name: 'x', shape: [1, 4, 8] }],
    outputs: [{ name: 'y', shape: [1, 4, 8] }],
    initializers: [
      { name: 'gamma', dims: [8], data: Float32Array.from({ length: 8 }, () => 0.5 + rand()) },
      { name: 'beta', dims: [8], data: Float32Array.from({ length: 8 }, () => rand() - 0.5) },
    ],
    nodes: [{ op: 'LayerNormalization', inputs: ['x', 'gamma', 'beta'], outputs: ['y'], attributes: { axis: -1, epsilon: 1e-5 } }],
    opset: 17,
  })
  const compiled = compileOpCase(bytes, SETTINGS, 'layernorm')

  test(`max |y - onnxruntime| <= ${LAYERNORM_ERROR_BOUND} over random rows whose standard deviation is at least 0.25`, async () => {
    const c = await compiled
    expect(c.model.stages.map((s) => s.kind)).toEqual(['linear', 'bilinear', 'linear', 'sqrt', 'divide', 'linear'])
    let worst = 0
    for (let trial = 0; trial < 12; trial++) {
      const input = Float32Array.from({ length: 32 }, () => Math.round((rand() * 4 - 2) * 128) / 128)
      const run = await runOpCase(c, input)
      expect(run.failing).toBe(0)
      expect(run.canonical).toEqual(run.reference)
      expect(run.canonical64).toEqual(run.reference)
      for (let g = 0; g < 4; g++) {
        const row = Array.from(input.subarray(g * 8, g * 8 + 8))
        const mean = row.reduce((a, b) => a + b, 0) / 8
        const std = Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / 8)
        if (std < 0.25) continue
        for (let j = g * 8; j < g * 8 + 8; j++) worst = Math.max(worst, Math.abs(run.dequantized[j]! - run.onnxruntime[j]!))
      }
    }
    console.log(`LayerNormalization: max |y - onnxruntime| = ${worst.toFixed(5)} (${(worst / UNIT).toFixed(2)} units of 2^-8)`)
    expect(worst).toBeLessThanOrEqual(LAYERNORM_ERROR_BOUND)
    expect(worst).toBeGreaterThan(0)
  })

  test('the normalized values keep the narrow width proved from the structure, and the rows that come closest to it still prove', async () => {
    const c = await compiled
    const divide = c.model.stages[4]!
    const centered = c.model.stages[0]!
    // Interval bounds alone would give the centered values' width plus the shift.
    expect(divide.kind).toBe('divide')
    expect(divide.bits).toBeLessThan(centered.bits + (divide.kind === 'divide' ? divide.shift : 0))
    // Rows of tiny variance (one value a unit or a few off the rest: the root is 0 or 1 unit, the
    // worst case of the bound), constant rows and the widest rows the input allows.
    const rows: number[][] = [
      [0, 0, 0, 0, 0, 0, 0, 1 / 128],
      [1, 1, 1, 1, 1, 1, 1, 1 - 1 / 128],
      [-2, -2, -2, -2, -2, -2, -2, -2 + 3 / 128],
      [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
      [-2, -2, -2, -2, -2, -2, -2, 2 - 1 / 128],
      [-2, 2 - 1 / 128, -2, 2 - 1 / 128, -2, 2 - 1 / 128, -2, 2 - 1 / 128],
      [1 / 128, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 2 / 128, 0, 0, 0, 1 / 128],
    ]
    for (let start = 0; start < rows.length; start += 4) {
      const run = await runOpCase(c, Float32Array.from(rows.slice(start, start + 4).flat()))
      expect(run.failing).toBe(0)
      expect(run.canonical).toEqual(run.reference)
    }
  })
})
