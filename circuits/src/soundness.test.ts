import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { packValues } from '@veridict/sdk'
import { compileCircom, type CompileCircomReturnType } from './circuit/compileCircom.js'
import { calculateWitness, failingConstraints, readR1cs, readSymbols, type R1cs } from './circuit/r1cs.js'
import { testDir } from './testing/opHarness.js'

/** BN254 scalar field: a "negative" number n is the field element P + n. */
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
const field = (v: bigint) => ((v % P) + P) % P

type Harness = { circuit: CompileCircomReturnType; r1cs: R1cs; symbols: Map<string, number> }

/** Compiles a one-template test circuit without simplification, so every named signal keeps its wire. */
async function harness(name: string, body: string): Promise<Harness> {
  const dir = await testDir(`sound-${name}`)
  const file = join(dir, `${name}.circom`)
  await writeFile(file, `pragma circom 2.1.6;\ninclude "veridict.circom";\n${body}\n`)
  const circuit = await compileCircom({ file, outDir: dir, optimization: 0 })
  return { circuit, r1cs: await readR1cs(circuit.r1cs), symbols: await readSymbols(circuit.sym) }
}

/** Honest witness, then the named signals overwritten as an attacker would; returns the violated constraints. */
async function tamper(h: Harness, input: Record<string, unknown>, edit: (get: (s: string) => bigint, set: (s: string, v: bigint) => void) => void) {
  const witness = await calculateWitness(h.circuit.wasm, input)
  expect(failingConstraints(h.r1cs, witness)).toEqual([])
  const wire = (signal: string) => {
    const id = h.symbols.get(signal)
    if (id === undefined) throw new Error(`no signal ${signal} in the harness`)
    return id
  }
  const tampered = [...witness]
  edit(
    (s) => tampered[wire(s)]!,
    (s, v) => (tampered[wire(s)] = field(v)),
  )
  return failingConstraints(h.r1cs, tampered)
}

const bitsOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}[${i}]`)

describe('Rescale: the rounded quotient is fully constrained', () => {
  let h: Harness
  beforeAll(async () => {
    h = await harness('rescale', 'template T() { signal input in; signal output out; component r = Rescale(4, 8); r.in <== in; out <== r.out; }\ncomponent main = T();')
  })

  test('computes round-half-up division for positive and negative accumulators', async () => {
    for (const [acc, expected] of [[40n, 3n], [39n, 2n], [-40n, -2n], [-41n, -3n], [8n, 1n], [-8n, 0n]] as const) {
      const w = await calculateWitness(h.circuit.wasm, { in: String(field(acc)) })
      expect(field(w[h.symbols.get('main.out')!]!)).toBe(field(expected))
    }
  })

  test('rejects a wrong output', async () => {
    const failing = await tamper(h, { in: '40' }, (get, set) => set('main.out', get('main.out') + 1n))
    expect(failing.length).toBeGreaterThan(0)
  })

  test('rejects out + 1 paid for with an out-of-range (negative) remainder', async () => {
    const failing = await tamper(h, { in: '40' }, (get, set) => {
      // in + 8 + 2^11 = (out + 128) * 16 + r: move 16 from the remainder into the quotient bits.
      const bits = bitsOf('main.r.split.out', 12)
      const u = get('main.r.out') + 1n + 128n
      for (let t = 0; t < 8; t++) set(bits[4 + t]!, (u >> BigInt(t)) & 1n)
      set(bits[0]!, get(bits[0]!) - 16n)
      set('main.r.out', get('main.r.out') + 1n)
      set('main.out', get('main.out') + 1n)
      set('main.r.nonNeg', get(bits[11]!))
    })
    // Only the booleanity of the forged low bit fails: every linear relation was kept.
    expect(failing.length).toBe(1)
  })

  test('rejects an output wrapped around the field', async () => {
    const failing = await tamper(h, { in: '40' }, (get, set) => {
      set('main.r.out', get('main.r.out') + P / 16n)
      set('main.out', get('main.out') + P / 16n)
    })
    expect(failing.length).toBeGreaterThan(0)
  })

  test('has no witness for an accumulator outside the declared range', async () => {
    await expect(calculateWitness(h.circuit.wasm, { in: String(1n << 20n) })).rejects.toThrow('Witness calculation failed')
  })
})

describe('Relu: the sign bit of the range check selects', () => {
  let h: Harness
  beforeAll(async () => {
    h = await harness(
      'relu',
      'template T() { signal input in; signal output out; component s = Sign(8); s.in <== in; component r = Relu(1); r.in[0] <== in; r.nonNeg[0] <== s.nonNeg; out <== r.out[0]; }\ncomponent main = T();',
    )
  })

  test('passes positive values and zeroes negative ones', async () => {
    for (const [x, y] of [[5n, 5n], [-5n, 0n], [0n, 0n], [127n, 127n], [-128n, 0n]] as const) {
      const w = await calculateWitness(h.circuit.wasm, { in: String(field(x)) })
      expect(w[h.symbols.get('main.out')!]).toBe(field(y))
    }
  })

  test('rejects a negative value passed through by a flipped sign bit', async () => {
    const failing = await tamper(h, { in: String(field(-5n)) }, (_get, set) => {
      set('main.s.nonNeg', 1n)
      set('main.r.nonNeg[0]', 1n)
      set('main.r.out[0]', -5n)
      set('main.out', -5n)
    })
    expect(failing.length).toBeGreaterThan(0)
  })

  test('rejects a wrong output', async () => {
    const failing = await tamper(h, { in: '5' }, (_get, set) => set('main.out', 4n))
    expect(failing.length).toBeGreaterThan(0)
  })
})

describe('LeakyRelu: out and its sign bit outNonNeg are fully constrained, for either sign of alpha', () => {
  let h: Harness
  beforeAll(async () => {
    // alpha = -128 / 2^8 = -0.5 and 26 / 2^8 ~ 0.1, on one input with its sign bit from Sign(8).
    h = await harness(
      'leakyrelu',
      `template T() {
        signal input in; signal output out[2]; signal output sign[2];
        component s = Sign(8); s.in <== in;
        component n = LeakyRelu(1, -128, 8, 8); n.in[0] <== in; n.nonNeg[0] <== s.nonNeg;
        component p = LeakyRelu(1, 26, 8, 8); p.in[0] <== in; p.nonNeg[0] <== s.nonNeg;
        out[0] <== n.out[0]; sign[0] <== n.outNonNeg[0]; out[1] <== p.out[0]; sign[1] <== p.outNonNeg[0];
      }
      component main = T();`,
    )
  })

  test('outNonNeg is the sign of out: a negative input with a negative slope gives a positive output', async () => {
    // [in, out with alpha -0.5, out with alpha 26/256], rounding half up: -128 * -5 / 256 = 2.5 -> 3;
    // 26 * -1 / 256 rounds to 0, and a zero output has sign bit 1 whichever branch made it.
    for (const [x, negative, positive] of [[5n, 5n, 5n], [-5n, 3n, -1n], [-1n, 1n, 0n], [-128n, 64n, -13n], [-100n, 50n, -10n], [0n, 0n, 0n], [127n, 127n, 127n]] as const) {
      const w = await calculateWitness(h.circuit.wasm, { in: String(field(x)) })
      const get = (s: string) => w[h.symbols.get(s)!]!
      expect([get('main.out[0]'), get('main.out[1]')]).toEqual([field(negative), field(positive)])
      expect([get('main.sign[0]'), get('main.sign[1]')]).toEqual([negative >= 0n ? 1n : 0n, positive >= 0n ? 1n : 0n])
    }
  })

  test('rejects the sign bit of the input passed on as outNonNeg', async () => {
    const failing = await tamper(h, { in: String(field(-5n)) }, (_get, set) => {
      set('main.n.outNonNeg[0]', 0n)
      set('main.sign[0]', 0n)
    })
    expect(failing.length).toBeGreaterThan(0)
  })

  test('rejects a wrong output on the negative branch', async () => {
    const failing = await tamper(h, { in: String(field(-5n)) }, (_get, set) => {
      set('main.n.out[0]', 0n)
      set('main.out[0]', 0n)
    })
    expect(failing.length).toBeGreaterThan(0)
  })
})

describe('MaxPool: the larger input wins, by the sign of a range-checked difference', () => {
  let h: Harness
  beforeAll(async () => {
    h = await harness('maxpool', 'template T() { signal input in[3]; signal output out; component m = MaxPool(3, 1, 3, [0, 3], [0, 1, 2], 8); m.in <== in; out <== m.out[0]; }\ncomponent main = T();')
  })

  test('computes the maximum of signed values', async () => {
    const w = await calculateWitness(h.circuit.wasm, { in: [-3, 7, 2].map((v) => String(field(BigInt(v)))) })
    expect(w[h.symbols.get('main.out')!]).toBe(7n)
  })

  test('rejects a smaller input claimed as the maximum, even with the comparison bit flipped', async () => {
    const failing = await tamper(h, { in: ['1', '7', '2'] }, (get, set) => {
      // First comparison max(1, 7): claim 1 wins by setting the top bit of (1 - 7 + 256).
      set('main.m.max[1].split.out[8]', 1n)
      set('main.m.max[1].out', 1n)
      set('main.m.max[2].a', 1n)
      set('main.m.max[2].out', 2n)
      set('main.m.out[0]', 2n)
      set('main.out', 2n)
      expect(get('main.in[1]')).toBe(7n)
    })
    expect(failing.length).toBeGreaterThan(0)
  })
})

describe('Unpack: every packed value is range-checked by the word split', () => {
  let h: Harness
  beforeAll(async () => {
    h = await harness('unpack', 'template T() { signal input words[2]; signal output values[33]; component u = Unpack(33, 8); u.words <== words; values <== u.values; }\ncomponent main = T();')
  })

  test('unpacks the design.md vector -16..16 exactly', async () => {
    const values = Array.from({ length: 33 }, (_, i) => BigInt(i - 16))
    const w = await calculateWitness(h.circuit.wasm, { words: packValues(values, 8).map(String) })
    values.forEach((v, i) => expect(w[h.symbols.get(`main.values[${i}]`)!]).toBe(field(v)))
  })

  test('has no witness for a word with bits beyond its last value', async () => {
    const [w0, w1] = packValues(Array.from({ length: 33 }, () => 0n), 8)
    await expect(calculateWitness(h.circuit.wasm, { words: [String(w0), String(w1! + (1n << 16n))] })).rejects.toThrow('Witness calculation failed')
  })

  test('rejects a value pushed out of range by a non-boolean bit', async () => {
    const words = packValues(Array.from({ length: 33 }, (_, i) => BigInt(i - 16)), 8).map(String)
    const failing = await tamper(h, { words }, (get, set) => {
      // Value 0 becomes 2^8 larger (wrapped) while its word stays the same: bit 8 pays for it.
      set('main.u.split[0].out[0]', get('main.u.split[0].out[0]') + 256n)
      set('main.u.split[0].out[8]', get('main.u.split[0].out[8]') - 1n)
      set('main.values[0]', get('main.values[0]') + 256n)
      set('main.u.values[0]', get('main.u.values[0]') + 256n)
    })
    expect(failing.length).toBeGreaterThan(0)
  })
})

describe('ArgMax: only the first maximum satisfies the circuit', () => {
  let h: Harness
  beforeAll(async () => {
    h = await harness('argmax', 'template T() { signal input in[4]; signal output out; component a = ArgMax(4, 8); a.in <== in; out <== a.out; }\ncomponent main = T();')
  })

  test('returns the first index on ties', async () => {
    const w = await calculateWitness(h.circuit.wasm, { in: ['3', '9', '9', String(field(-4n))] })
    expect(w[h.symbols.get('main.out')!]).toBe(1n)
  })

  test('rejects a later tied index and a smaller value claimed as the maximum', async () => {
    for (const claimed of [2, 0]) {
      const failing = await tamper(h, { in: ['3', '9', '9', '1'] }, (get, set) => {
        for (let i = 0; i < 4; i++) {
          set(`main.a.oneHot[${i}]`, i === claimed ? 1n : 0n)
          set(`main.a.picked[${i}]`, i === claimed ? get(`main.in[${i}]`) : 0n)
        }
        set('main.a.out', BigInt(claimed))
        set('main.out', BigInt(claimed))
      })
      expect(failing.length).toBeGreaterThan(0)
    }
  })
})
