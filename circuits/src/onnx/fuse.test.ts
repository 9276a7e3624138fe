import { describe, expect, test } from 'vitest'
import { lowerGraph } from '../ir/lower.js'
import { buildModel, type NodeInit } from './buildModel.js'
import { fuseGraph } from './fuse.js'
import { loadModel } from './loadModel.js'

const scalar = (name: string, value: number) => ({ name, dims: [], data: [value] })
const W = { name: 'W', dims: [4, 4], data: Float32Array.from({ length: 16 }, (_, i) => ((i * 7) % 5) / 5 - 0.4) }

/** x = x0 · W, then the nodes, with y the graph output. */
function graphOf(nodes: NodeInit[], constants: { name: string; dims: number[]; data: number[] }[]) {
  return loadModel(
    buildModel({
      inputs: [{ name: 'x0', shape: [1, 4] }],
      outputs: [{ name: 'y', shape: [1, 4] }],
      initializers: [W, ...constants],
      nodes: [{ op: 'MatMul', inputs: ['x0', 'W'], outputs: ['x'] }, ...nodes],
    }),
  )
}

const PYTORCH_GELU: NodeInit[] = [
  { op: 'Div', inputs: ['x', 'sqrt2'], outputs: ['scaled'], name: 'div' },
  { op: 'Erf', inputs: ['scaled'], outputs: ['erf'], name: 'erf' },
  { op: 'Add', inputs: ['erf', 'one'], outputs: ['plus'], name: 'add' },
  { op: 'Mul', inputs: ['x', 'plus'], outputs: ['product'], name: 'mul' },
  { op: 'Mul', inputs: ['product', 'half'], outputs: ['y'], name: 'half' },
]
const PYTORCH_CONSTANTS = [scalar('sqrt2', Math.SQRT2), scalar('one', 1), scalar('half', 0.5)]

describe('fuseGraph: GELU written as x · ½ · (1 + erf(x / √2))', () => {
  test("PyTorch's form ((x · (1 + erf(x / √2))) · ½) becomes one Gelu node reading x, writing y", () => {
    const { graph, notes } = fuseGraph(graphOf(PYTORCH_GELU, PYTORCH_CONSTANTS))
    expect(graph.nodes.map((node) => node.op)).toEqual(['MatMul', 'Gelu'])
    expect(graph.nodes[1]).toMatchObject({ inputs: ['x'], outputs: ['y'] })
    expect(notes.join()).toMatch(/fused into one Gelu op.*"erf"/)
  })

  test("Hugging Face's form ((x · ½) · (1 + erf(x · 1/√2))), constants on either side, is fused too", () => {
    const nodes: NodeInit[] = [
      { op: 'Mul', inputs: ['inverseSqrt2', 'x'], outputs: ['scaled'] },
      { op: 'Erf', inputs: ['scaled'], outputs: ['erf'] },
      { op: 'Add', inputs: ['one', 'erf'], outputs: ['plus'] },
      { op: 'Mul', inputs: ['x', 'half'], outputs: ['halfX'] },
      { op: 'Mul', inputs: ['halfX', 'plus'], outputs: ['y'] },
    ]
    const { graph } = fuseGraph(graphOf(nodes, [scalar('inverseSqrt2', Math.SQRT1_2), scalar('one', 1), scalar('half', 0.5)]))
    expect(graph.nodes.map((node) => node.op)).toEqual(['MatMul', 'Gelu'])
  })

  test('nothing is fused when an intermediate value has another reader, a constant is off, or the formula reads another tensor', () => {
    const otherReader: NodeInit[] = [...PYTORCH_GELU.slice(0, 4), { op: 'Mul', inputs: ['product', 'half'], outputs: ['g'] }, { op: 'Add', inputs: ['g', 'erf'], outputs: ['y'] }]
    const wrongConstant = PYTORCH_CONSTANTS.map((c) => (c.name === 'half' ? scalar('half', 0.6) : c))
    const otherTensor: NodeInit[] = [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, ...PYTORCH_GELU.slice(0, 3), { op: 'Mul', inputs: ['r', 'plus'], outputs: ['product'] }, PYTORCH_GELU[4]!]
    for (const [nodes, constants] of [
      [otherReader, PYTORCH_CONSTANTS],
      [PYTORCH_GELU, wrongConstant],
      [otherTensor, PYTORCH_CONSTANTS],
    ] as const) {
      const graph = graphOf([...nodes], [...constants])
      const fused = fuseGraph(graph)
      expect(fused.notes).toEqual([])
      expect(fused.graph.nodes).toEqual(graph.nodes)
    }
  })

  test('lowering the fused graph gives one relu and one piecewise stage where the formula gave Erf, a product and their sums; the manifest op list keeps the file\'s ops', () => {
    const ir = lowerGraph(graphOf(PYTORCH_GELU, PYTORCH_CONSTANTS))
    expect(ir.stages.map((stage) => stage.kind)).toEqual(['linear', 'relu', 'piecewise', 'linear'])
    expect(ir.stages.some((stage) => stage.kind === 'bilinear')).toBe(false)
    expect(ir.ops).toEqual(['MatMul', 'Div', 'Erf', 'Add', 'Mul', 'Mul'])
    expect(ir.notes.join()).toMatch(/Gelu/)
  })
})
