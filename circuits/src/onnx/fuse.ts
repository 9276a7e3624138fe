import type { OnnxGraph, OnnxNode } from './graph.js'

/**
 * Graph rewrites that give the compiler one op where an exporter wrote a formula, as onnxruntime's
 * own fusions do. Each keeps the function the graph computes (in exact arithmetic) and only fires
 * when the formula's intermediate values have no other reader.
 */
export type FuseGraphReturnType = { graph: OnnxGraph; notes: string[] }

/** x · ½ · (1 + erf(x / √2)), as PyTorch (opset < 20) and Hugging Face export GELU. */
const SQRT2 = Math.SQRT2
const TOLERANCE = 1e-4

export function fuseGraph(graph: OnnxGraph): FuseGraphReturnType {
  const notes: string[] = []
  let nodes = graph.nodes
  const fusedGelus: string[] = []
  for (;;) {
    const match = findGelu({ ...graph, nodes })
    if (!match) break
    const { removed, gelu } = match
    const first = nodes.findIndex((node) => removed.has(node))
    nodes = nodes.flatMap((node, index) => (index === first ? [gelu] : removed.has(node) ? [] : [node]))
    fusedGelus.push(gelu.name)
  }
  if (fusedGelus.length > 0)
    notes.push(`x·½·(1 + erf(x/√2)) fused into one Gelu op (the exact GELU) at ${fusedGelus.map((name) => `"${name}"`).join(', ')}: one piecewise stage instead of Erf, Add and two Muls.`)
  return { graph: { ...graph, nodes }, notes }
}

function findGelu(graph: OnnxGraph): { removed: Set<OnnxNode>; gelu: OnnxNode } | undefined {
  const producer = new Map<string, OnnxNode>()
  const readers = new Map<string, OnnxNode[]>()
  for (const node of graph.nodes) {
    for (const output of node.outputs) producer.set(output, node)
    for (const input of node.inputs) if (input) readers.set(input, [...(readers.get(input) ?? []), node])
  }
  const scalar = (name: string): number | undefined => {
    const tensor = graph.constants.get(name)
    return tensor && tensor.data.length === 1 ? tensor.data[0] : undefined
  }
  const near = (value: number | undefined, target: number) => value !== undefined && Math.abs(value - target) < TOLERANCE
  /** The input other than the constant `value` of a two-input node, when it has such a constant. */
  const otherThanConstant = (node: OnnxNode, value: number): string | undefined => {
    const [a, b] = node.inputs
    if (a === undefined || b === undefined || node.inputs.length !== 2) return undefined
    if (near(scalar(b), value) && scalar(a) === undefined) return a
    if (near(scalar(a), value) && scalar(b) === undefined) return b
    return undefined
  }
  /** The single reader of `name`, unless it is the graph's output or read by several nodes. */
  const onlyReader = (name: string): OnnxNode | undefined => {
    const list = readers.get(name) ?? []
    return list.length === 1 && name !== graph.output.name ? list[0] : undefined
  }

  for (const erf of graph.nodes) {
    if (erf.op !== 'Erf' || erf.inputs.length !== 1) continue
    // erf's input: x / √2 or x · (1/√2).
    const scaled = producer.get(erf.inputs[0]!)
    if (!scaled || onlyReader(scaled.outputs[0]!) !== erf) continue
    const x = scaled.op === 'Div' && near(scalar(scaled.inputs[1] ?? ''), SQRT2) ? scaled.inputs[0] : scaled.op === 'Mul' ? otherThanConstant(scaled, 1 / SQRT2) : undefined
    if (x === undefined || scalar(x) !== undefined) continue
    // 1 + erf(...)
    const plusOne = onlyReader(erf.outputs[0]!)
    if (!plusOne || plusOne.op !== 'Add' || otherThanConstant(plusOne, 1) !== erf.outputs[0]) continue
    const next = onlyReader(plusOne.outputs[0]!)
    if (!next || next.op !== 'Mul' || next.inputs.length !== 2) continue
    const [p, q] = next.inputs as [string, string]
    const other = p === plusOne.outputs[0] ? q : q === plusOne.outputs[0] ? p : undefined
    if (other === undefined) continue
    let removed: OnnxNode[]
    let output: string
    if (other === x) {
      // (x · (1 + erf)) · ½
      const half = onlyReader(next.outputs[0]!)
      if (!half || half.op !== 'Mul' || otherThanConstant(half, 0.5) !== next.outputs[0]) continue
      removed = [scaled, erf, plusOne, next, half]
      output = half.outputs[0]!
    } else {
      // (x · ½) · (1 + erf)
      const halfX = producer.get(other)
      if (!halfX || halfX.op !== 'Mul' || otherThanConstant(halfX, 0.5) !== x || onlyReader(other) !== next) continue
      removed = [scaled, erf, plusOne, halfX, next]
      output = next.outputs[0]!
    }
    if (removed.some((node) => node.outputs.length !== 1)) continue
    return { removed: new Set(removed), gelu: { name: erf.name || `${output}_gelu`, op: 'Gelu', inputs: [x], outputs: [output], attributes: {} } }
  }
  return undefined
}
