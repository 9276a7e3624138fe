import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { lowerGraph } from '../ir/lower.js'
import { rowsFromLists } from '../ir/stages.js'
import { readBundledModel } from '../models/readBundledModel.js'
import { loadModel } from '../onnx/loadModel.js'
import type { QuantizedModel, QuantizedStage } from '../quantize/model.js'
import { quantizeIR } from '../quantize/quantize.js'
import { dagModel, DAG_MODELS } from '../testing/dagModels.js'
import { generateCircuit } from './generateCircuit.js'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** A quantized model from its stages: `inputs` as given (absent: a chain), output shape and bits from the last stage. */
function quantizedModel(inputSize: number, inputBits: number, stages: QuantizedStage[]): QuantizedModel {
  const last = stages[stages.length - 1]!
  return { scale: 6, inputScale: 6, inputBits, inputShape: [inputSize], outputShape: last.shape, outputScale: last.kind === 'argMax' ? 0 : 6, outputBits: last.bits, stages }
}

const linear = (rows: number[][], weights: number[], bias: number[], shift: number, bits: number): QuantizedStage => ({
  kind: 'linear',
  sources: ['Gemm'],
  shape: [rows.length],
  rows: rowsFromLists(rows),
  weights: weights.map(BigInt),
  bias: bias.map(BigInt),
  shift,
  bits,
})

/** Chain models (no `inputs`) that reach every branch of the generator: the sign bits of Unpack, Rescale, Relu (all 1), LeakyRelu, Sign, gathered or not. */
const CHAIN_MODELS: Record<string, QuantizedModel> = {
  // linear -> relu -> linear -> leakyRelu -> gather -> relu -> argMax
  'linear, relu, leakyRelu, gather, argMax': quantizedModel(3, 8, [
    linear([[0, 1], [1, 2], [0, 2], [2]], [3, -2, 5, 1, -4, 7, 2], [1, -3, 0, 8], 4, 10),
    { kind: 'relu', sources: ['Relu'], shape: [4], bits: 10 },
    linear([[0, 1, 2], [3], [1, 3]], [2, 1, -3, 5, -1, 4], [0, 2, -1], 5, 9),
    { kind: 'leakyRelu', sources: ['LeakyRelu'], shape: [3], alpha: -26n, shift: 6, negBits: 6, bits: 9 },
    { kind: 'gather', sources: ['Transpose'], shape: [3], index: Int32Array.from([2, 0, 1]), bits: 9 },
    { kind: 'relu', sources: ['Relu'], shape: [3], bits: 9 },
    { kind: 'argMax', sources: ['ArgMax'], shape: [1], groups: rowsFromLists([[0, 1, 2]]), inBits: 9, bits: 3 },
  ]),
  // relu on the input -> gather -> maxPool -> relu: sign bits all 1 throughout
  'relu on the input, gather, maxPool and relu of non-negative values': quantizedModel(4, 8, [
    { kind: 'relu', sources: ['Relu'], shape: [4], bits: 8 },
    { kind: 'gather', sources: ['Slice'], shape: [3], index: Int32Array.from([3, 1, 0]), bits: 8 },
    { kind: 'maxPool', sources: ['MaxPool'], shape: [2], windows: rowsFromLists([[0, 1], [2]]), bits: 8 },
    { kind: 'relu', sources: ['Relu'], shape: [2], bits: 8 },
  ]),
  // linear -> maxPool (no sign bits) -> relu (Sign) ; maxPool -> gather (no sign bits) -> leakyRelu (Sign)
  'sign checks after maxPool and gather': quantizedModel(4, 8, [
    linear([[0, 1], [2, 3], [1, 2]], [1, 2, 3, -1, -2, 1], [0, 0, 5], 4, 8),
    { kind: 'maxPool', sources: ['MaxPool'], shape: [2], windows: rowsFromLists([[0, 1], [1, 2]]), bits: 8 },
    { kind: 'relu', sources: ['Relu'], shape: [2], bits: 8 },
    linear([[0, 1], [0], [1]], [2, 1, -3, 2], [-1, 0, 1], 4, 8),
    { kind: 'maxPool', sources: ['MaxPool'], shape: [2], windows: rowsFromLists([[0, 2], [1, 2]]), bits: 8 },
    { kind: 'gather', sources: ['Gather'], shape: [3], index: Int32Array.from([1, 0, 1]), bits: 8 },
    { kind: 'leakyRelu', sources: ['LeakyRelu'], shape: [3], alpha: 6n, shift: 6, negBits: 5, bits: 8 },
  ]),
}

/** The bundled iris MLP (4-16-3, Gemm Relu Gemm) quantized at fixed settings. */
function irisModel(): QuantizedModel {
  return quantizeIR(lowerGraph(loadModel(readBundledModel('iris').onnx)), { scale: 8, inputScale: 4, inputBits: 8, maxBits: 64 })
}

const CHAIN_CASES: Record<string, QuantizedModel> = { ...CHAIN_MODELS, 'bundled iris MLP': irisModel() }

/** sha256 of generateCircuit's text for CHAIN_CASES, computed with the generator before stages could read several tensors. */
const CHAIN_HASHES: Record<string, string> = {
  'linear, relu, leakyRelu, gather, argMax': 'c5485bf6c740d57097d4bcb5f5d489e4293e38b05065785677eed20cab7c95da',
  'relu on the input, gather, maxPool and relu of non-negative values': '38456d04dccadefbbcaae8916da45d12f917f2d0402553311e85869e84f42a49',
  'sign checks after maxPool and gather': '3b20789b3468ad9b955b4dc1ed5bcb7f82f04b38f38d5ce2d6649f19d268cd0d',
  'bundled iris MLP': 'cdaa4d1e1224a3a0baf0018991abeb0b87425c81b85aa1e5b7e99655e71db789',
}

// Pooling before the rescale (a later optimization) would change the texts pinned here; it has its own tests.
const generate = (model: QuantizedModel) => generateCircuit({ model, templateName: 'ChainTest', poolBeforeRescale: false })
const count = (text: string, needle: string) => text.split(needle).length - 1

describe('generateCircuit on chain models gives the text it gave before DAGs', () => {
  test.each(Object.keys(CHAIN_CASES))('%s', (name) => {
    const text = generate(CHAIN_CASES[name]!)
    expect(text).not.toMatch(/\bs\d+In(?!dex)/)
    expect(text).not.toContain('reads tensor')
    expect(sha256(text)).toBe(CHAIN_HASHES[name])
  })

  test('listing the previous tensor as the only input changes nothing', () => {
    for (const model of Object.values(CHAIN_CASES)) {
      const explicit = { ...model, stages: model.stages.map((stage, s) => ({ ...stage, inputs: [s] })) }
      expect(generate(explicit)).toBe(generate(model))
    }
  })
})

describe('generateCircuit on DAG models', () => {
  test('a stage reading several tensors reads a signal array wired to their concatenation', () => {
    const text = generate(DAG_MODELS.residual)
    expect(text).toContain('// stage 1: linear from linear1; reads tensors 1, 0; 10-bit outputs')
    expect(text).toContain(
      [
        'signal s1In[8];',
        'for (var i = 0; i < 4; i++) {',
        '    s1In[i] <== s0Relu.out[i];',
        '}',
        'for (var i = 0; i < 4; i++) {',
        '    s1In[4 + i] <== unpack.values[i];',
        '}',
        'component s1Linear = Linear(8, 4, 12, ',
      ]
        .map((line) => `    ${line}`)
        .join('\n'),
    )
    // A linear stage needs no sign bits: none are wired.
    expect(text).not.toContain('s1InNonNeg')
    expect(text).toContain('s1Linear.in <== s1In;')
  })

  test('sign bits are concatenated with their values: signal arrays as they are, parts all >= 0 as 1', () => {
    const text = generate(DAG_MODELS.residual)
    // relu(y ++ x): both parts have sign bits from their range checks (Rescale, Unpack).
    expect(text).toContain('    s2InNonNeg[i] <== s1NonNeg[i];\n')
    expect(text).toContain('    s2InNonNeg[4 + i] <== unpack.nonNeg[i];\n')
    expect(text).toContain('s2Relu.nonNeg <== s2InNonNeg;')
    // leakyRelu(relu(x) ++ y): 1 for the part that is all >= 0, Rescale's bits for the other.
    expect(text).toContain('    s3InNonNeg[i] <== 1;\n')
    expect(text).toContain('    s3InNonNeg[4 + i] <== s1NonNeg[i];\n')
    expect(text).toContain('component s3LeakyRelu = LeakyRelu(8, -40, 6, ')
    expect(text).toContain('s3LeakyRelu.nonNeg <== s3InNonNeg;')
    expect(text).not.toContain('Sign(')
  })

  test('a part without sign bits gets a Sign check at its own width, once, and shares it with later readers', () => {
    const model = DAG_MODELS.pooling
    const text = generate(model)
    const width = (t: number) => (t === 0 ? model.inputBits : model.stages[t - 1]!.bits)
    // relu of gather(maxPool ++ x) has no sign bits: Sign on the gathered values.
    expect(text).toContain(`    s3Sign[i] = Sign(${width(3)});\n`)
    // relu(maxPool ++ linear): Sign on the maxPool part only, at its width; the linear part has its Rescale bits.
    expect(text).toContain(`    s5In0Sign[i] = Sign(${width(2)});\n        s5In0Sign[i].in <== s1MaxPool.out[i];\n`)
    expect(text).toContain('    s5InNonNeg[i] <== s5In0SignBit[i];\n')
    expect(text).toContain('    s5InNonNeg[4 + i] <== s4NonNeg[i];\n')
    expect(count(text, 'Sign(')).toBe(2)
    // Comparisons run at the widest input's width: the 8-bit input, then a wider linear output.
    expect(width(1)).toBeGreaterThan(model.inputBits)
    expect(text).toMatch(new RegExp(`component s1MaxPool = MaxPool\\(10, 4, 10, .*, ${width(1)}\\);`))
    expect(text).toContain(`component s6ArgMax0 = ArgMax(4, ${Math.max(width(6), width(0))});`)
    expect(text).toContain('s6ArgMax2.in[3] <== s6In[12];')
  })

  test('a Sign check made for one reader is reused by the next', () => {
    // Tensor 1 (a maxPool of signed values) read by two Relus: one Sign check.
    const model = dagModel(3, 8, [
      { kind: 'maxPool', windows: [[0, 1], [1, 2]] },
      { kind: 'relu' },
      { kind: 'relu', inputs: [1, 0] },
      { kind: 'linear', inputs: [2, 3], rows: [[0, 1, 2, 3, 4, 5, 6]], weights: [[1, 2, 3, 4, 5, 6, 7]], bias: [0], shift: 2 },
    ])
    const text = generate(model)
    expect(count(text, 'Sign(')).toBe(1)
    expect(text).toContain('s1Relu.nonNeg <== s1SignBit;')
    expect(text).toContain('    s2InNonNeg[i] <== s1SignBit[i];\n')
  })

  test('gathers carry concatenated sign bits; all >= 0 concatenations need none', () => {
    const text = generate(DAG_MODELS.gathers)
    expect(text).toContain('    s2NonNeg[i] <== s2InNonNeg[s2Index[i]];\n')
    expect(text).toContain('s3LeakyRelu.nonNeg <== s2NonNeg;')
    expect(text).not.toContain('s5InNonNeg')
    expect(text).not.toContain('s6InNonNeg')
    expect(text).toMatch(/s7Relu\.nonNeg\[i\] <== 1;/)
    expect(text).toContain('component s8Linear = Linear(17, 2, 10, ')
    expect(text).toContain('    s8In[12 + i] <== unpack.values[i];\n')
    expect(text).not.toContain('Sign(')
  })

  test('a stage may only read the input and earlier stages', () => {
    const model = DAG_MODELS.residual
    const bad = { ...model, stages: model.stages.map((stage, s) => (s === 1 ? { ...stage, inputs: [2, 0] } : stage)) }
    expect(() => generate(bad)).toThrow('stage 1 reads tensors [2, 0]')
  })
})
