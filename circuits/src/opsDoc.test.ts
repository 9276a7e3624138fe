import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { compileCircom } from './circuit/compileCircom.js'
import { estimateConstraints } from './estimate/estimateConstraints.js'
import { generateCircuit } from './circuit/generateCircuit.js'
import { REPO_ROOT } from './circuit/paths.js'
import { readR1cs } from './circuit/r1cs.js'
import { evaluateFloat } from './ir/evaluate.js'
import { lowerGraph } from './ir/lower.js'
import { opFamilies, opLowerings } from './ir/ops/index.js'
import { buildModel, type InitializerInit, type NodeInit } from './onnx/buildModel.js'
import { loadModel } from './onnx/loadModel.js'
import { quantizeIR } from './quantize/quantize.js'
import { dequantizeOutput, quantizeInput, runReference } from './reference/runReference.js'
import { testDir } from './testing/opHarness.js'

// docs/ops.md is the written spec of the integer IR: these tests keep its op table, its constraint
// formulas and its Softmax error bound tied to the code.

const OPS_DOC = join(REPO_ROOT, 'docs', 'ops.md')

/** The ONNX op names (in backticks) in the first column of the op table under `heading`. */
function documentedOps(markdown: string, heading: string): Set<string> {
  const start = markdown.indexOf(`\n${heading}\n`)
  if (start < 0) throw new Error(`docs/ops.md has no heading "${heading}"`)
  const rest = markdown.slice(start + heading.length + 2)
  const end = rest.search(/\n#{1,2} /)
  const section = end < 0 ? rest : rest.slice(0, end)
  const ops = new Set<string>()
  for (const line of section.split('\n')) {
    if (!line.startsWith('|')) continue
    const first = line.split('|')[1] ?? ''
    for (const [, name] of first.matchAll(/`([A-Za-z]+)`/g)) ops.add(name!)
  }
  return ops
}

/** The op types a source file tests for: its `op === 'Op'` comparisons. */
function handledOps(source: string, pattern: RegExp): Set<string> {
  return new Set(Array.from(source.matchAll(pattern), (m) => m[1]!))
}

describe('docs/ops.md op table', () => {
  test('lists exactly the ONNX ops the lowering and the loader accept', async () => {
    const doc = documentedOps(await readFile(OPS_DOC, 'utf8'), '## ONNX ops → stages')
    // The ops lowerGraph dispatches on: the registry's keys.
    const lowered = new Set(opLowerings.keys())
    // Ops the loader itself consumes (Constant nodes become constants; ZipMap stands for its input).
    const loaded = handledOps(await readFile(join(REPO_ROOT, 'circuits', 'src', 'onnx', 'loadModel.ts'), 'utf8'), /op === '([A-Za-z]+)'/g)
    const accepted = new Set([...lowered, ...loaded])
    expect(lowered.size).toBeGreaterThan(50)
    expect([...doc].filter((op) => !accepted.has(op)).sort()).toEqual([])
    expect([...accepted].filter((op) => !doc.has(op)).sort()).toEqual([])
  })

  test('each op is lowered by exactly one family', () => {
    const families = Object.entries(opFamilies).flatMap(([family, table]) => Object.keys(table).map((op) => `${op} (${family})`))
    const claimed = (op: string) => families.filter((entry) => entry.startsWith(`${op} (`))
    expect([...opLowerings.keys()].filter((op) => claimed(op).length !== 1).flatMap(claimed)).toEqual([])
  })
})

/** Scale 2^-8, 16-bit inputs at 2^-8: "the default" of docs/ops.md. */
const SETTINGS = { scale: 8, inputScale: 8, inputBits: 16, maxBits: 64 }

const WIDTH = 30
const weights = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 0.4)
const shape = (name: string, ...dims: bigint[]): InitializerInit => ({ name, dims: [dims.length], data: BigInt64Array.from(dims) })
type ConstraintCase = { name: string; kinds: string[]; nodes: NodeInit[]; initializers?: InitializerInit[]; opset?: number }
const constraintCases: ConstraintCase[] = [
  { name: 'Gemm', kinds: ['linear'], nodes: [{ op: 'Gemm', inputs: ['x', 'W'], outputs: ['y'], attributes: { transB: 1 } }], initializers: [{ name: 'W', dims: [WIDTH, WIDTH], data: weights(WIDTH * WIDTH) }] },
  { name: 'Mul of two activations (one pair per output)', kinds: ['bilinear'], nodes: [{ op: 'Mul', inputs: ['x', 'x'], outputs: ['y'] }] },
  {
    name: 'MatMul of two activations (five pairs per output)',
    kinds: ['gather', 'bilinear'],
    nodes: [
      { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['m'] },
      { op: 'Transpose', inputs: ['m'], outputs: ['t'], attributes: { perm: [1, 0] } },
      { op: 'MatMul', inputs: ['m', 't'], outputs: ['y'] },
    ],
    initializers: [shape('shape', 6n, 5n)],
  },
  { name: 'Relu on the input (its sign bits)', kinds: ['relu'], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] },
  {
    name: 'MaxPool of signed values, then Relu (Sign checks)',
    kinds: ['maxPool', 'relu'],
    nodes: [
      { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['r'] },
      { op: 'MaxPool', inputs: ['r'], outputs: ['m'], attributes: { kernel_shape: [3], strides: [2] } },
      { op: 'Relu', inputs: ['m'], outputs: ['y'] },
    ],
    initializers: [shape('shape', 1n, 1n, BigInt(WIDTH))],
  },
  { name: 'LeakyRelu', kinds: ['leakyRelu'], nodes: [{ op: 'LeakyRelu', inputs: ['x'], outputs: ['y'], attributes: { alpha: 0.1 } }] },
  { name: 'ArgMax', kinds: ['argMax'], nodes: [{ op: 'ArgMax', inputs: ['x'], outputs: ['y'], attributes: { axis: 1 } }] },
  { name: 'Sigmoid', kinds: ['piecewise'], nodes: [{ op: 'Sigmoid', inputs: ['x'], outputs: ['y'] }] },
  { name: 'Gelu', kinds: ['relu', 'piecewise', 'linear'], nodes: [{ op: 'Gelu', inputs: ['x'], outputs: ['y'] }], opset: 20 },
  {
    name: 'Div of two activations',
    kinds: ['gather', 'gather', 'divide'],
    nodes: [
      { op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attributes: { axis: 1 } },
      { op: 'Div', inputs: ['a', 'b'], outputs: ['y'] },
    ],
  },
  { name: 'Sqrt', kinds: ['sqrt'], nodes: [{ op: 'Sqrt', inputs: ['x'], outputs: ['y'] }] },
  { name: 'Transpose', kinds: ['gather'], nodes: [{ op: 'Transpose', inputs: ['x'], outputs: ['y'] }] },
]

describe('docs/ops.md constraint formulas (circom --O1, as compile runs it)', () => {
  test.each(constraintCases)('$name', async ({ kinds, nodes, initializers = [], opset }) => {
    const bytes = buildModel({ inputs: [{ name: 'x', shape: [1, WIDTH] }], outputs: [{ name: 'y', shape: null }], initializers, nodes, ...(opset ? { opset } : {}) })
    const model = quantizeIR(lowerGraph(loadModel(bytes)), SETTINGS)
    expect(model.stages.map((s) => s.kind)).toEqual(kinds)
    const dir = await testDir('ops-doc')
    const file = join(dir, 'model.circom')
    await writeFile(file, generateCircuit({ model, templateName: 'OpsDoc' }))
    const circuit = await compileCircom({ file, outDir: dir, optimization: 1 })
    const constraints = (await readR1cs(circuit.r1cs)).constraints.length
    // estimateConstraints implements docs/ops.md's formulas (each stage's, Unpack, Pack, the beneficiary).
    expect(constraints).toBe(estimateConstraints({ model }).constraints)
  })
})

describe('docs/ops.md Softmax / LogSoftmax error bound', () => {
  // x = (0, d, ..., d): every small exp rounds the same way, the worst case for the group's sum.
  const UNIT = 2 ** -SETTINGS.scale
  test.each([2, 4, 16, 64])('group of %i: |p - P| <= (3 + 1.25·n·P)·u and |o - O| <= (1.25 + 1.25·n/S)·u', (n) => {
    const worst: Record<string, number> = {}
    for (const op of ['Softmax', 'LogSoftmax']) {
      const bytes = buildModel({
        inputs: [{ name: 'x', shape: [1, n] }],
        outputs: [{ name: 'y', shape: [1, n] }],
        initializers: [{ name: 'one', dims: [1], data: [1] }],
        // The Mul keeps the Softmax inside the model (a last Softmax is dropped).
        nodes: [{ op, inputs: ['x'], outputs: ['p'], attributes: { axis: -1 } }, { op: 'Mul', inputs: ['p', 'one'], outputs: ['y'] }],
      })
      const ir = lowerGraph(loadModel(bytes))
      const model = quantizeIR(ir, SETTINGS)
      worst[op] = 0
      for (let step = -2000; step <= 0; step += 11) {
        const x = [0, ...new Array<number>(n - 1).fill(step * UNIT)]
        const float = evaluateFloat(ir, x)
        const quantized = dequantizeOutput(model, runReference(model, quantizeInput(model, x)))
        const sum = x.reduce((a, v) => a + Math.exp(v), 0)
        float.forEach((f, i) => {
          const error = Math.abs(quantized[i]! - f) / UNIT
          const bound = op === 'Softmax' ? 3 + 1.25 * n * f : 1.25 + (1.25 * n) / sum
          expect(error).toBeLessThanOrEqual(bound)
          worst[op] = Math.max(worst[op]!, error)
        })
      }
    }
    console.log(`group of ${n}: Softmax max error ${worst.Softmax!.toFixed(1)} u, LogSoftmax ${worst.LogSoftmax!.toFixed(1)} u`)
  })
})
