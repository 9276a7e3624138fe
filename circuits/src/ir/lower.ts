import { UnsupportedGraphError, UnsupportedOpError } from '../errors/compile.js'
import type { OnnxGraph, OnnxNode } from '../onnx/graph.js'
import { sizeOf } from '../onnx/graph.js'
import { fuseGraph } from '../onnx/fuse.js'
import { foldConstantNode } from './foldConstantNode.js'
import { fuseStages, pruneUnused } from './fuseStages.js'
import { NodeContext, type Value } from './ops/context.js'
import { opLowerings } from './ops/index.js'
import { SHAPE_OPS } from './ops/shape.js'
import type { ModelIR, Stage } from './stages.js'

/**
 * Lowers an ONNX graph (nodes in topological order, as ONNX requires) into the compiler's stages
 * (see stages.ts): any DAG of supported ops with static shapes. Shape ops only rename a value;
 * each other op appends stages that read the tensors of its activation inputs, through its
 * family's handler (ops/index.ts); constant-only subgraphs are folded. Linear and gather stages
 * with a single consumer are then composed into that consumer (fuseStages).
 */
export function lowerGraph(exported: OnnxGraph): ModelIR {
  // The ops as the file has them (the manifest lists these), before fusions rewrite formulas.
  const ops = exported.nodes.map((node) => node.op)
  const { graph, notes } = fuseGraph(exported)
  const constants = new Map(graph.constants)
  const stages: Stage[] = []
  const values = new Map<string, Value>([[graph.input.name, { tensor: 0, shape: [...graph.input.shape] }]])
  // Softmax outputs dropped because only an ArgMax (or nothing) reads them: their value is their input's.
  const consumers = new Map<string, OnnxNode[]>()
  for (const node of graph.nodes) for (const name of node.inputs) if (name) consumers.set(name, [...(consumers.get(name) ?? []), node])
  /** The non-shape ops that read `name`, looking through shape ops. */
  const readers = (name: string): OnnxNode[] => (consumers.get(name) ?? []).flatMap((n) => (SHAPE_OPS.has(n.op) ? readers(n.outputs[0] ?? '') : [n]))
  const argMaxTensors = new Set<number>()

  for (const node of graph.nodes) {
    const activationInputs = node.inputs.filter((name) => name !== '' && !constants.has(name))
    if (activationInputs.length === 0) {
      foldConstantNode(node, constants, graph.opset)
      continue
    }
    const inputs = activationInputs.map((name) => {
      const value = values.get(name)
      if (!value) throw new UnsupportedGraphError({ reason: `node "${node.name}" (${node.op}) reads "${name}", which is neither the model input, a constant nor the output of an earlier node` })
      if (argMaxTensors.has(value.tensor) && !SHAPE_OPS.has(node.op))
        throw new UnsupportedGraphError({ reason: `node "${node.name}" (${node.op}) reads the output of an ArgMax, which must be the model's output` })
      return value
    })
    const first = inputs[0]!
    const ctx = new NodeContext(node, constants, first.shape, graph.opset)
    const lowerOp = opLowerings.get(node.op)
    if (!lowerOp) throw new UnsupportedOpError({ node: node.name, op: node.op })
    lowerOp({
      ctx,
      inputs,
      single: () => {
        if (inputs.length > 1) ctx.unsupported(`${node.op} of ${inputs.length} activations ("${activationInputs.join('", "')}") is not supported: one operand must be a constant`)
        return first
      },
      emit: (stage, reads, shape = stage.shape) => {
        stages.push({ ...stage, inputs: reads })
        return { tensor: stages.length, shape }
      },
      out: (value, k = 0) => {
        const name = node.outputs[k]
        if (name) values.set(name, value)
      },
      valueOf: (name) => values.get(name),
      readers,
      note: (text) => {
        notes.push(text)
      },
      markArgMax: (value) => {
        argMaxTensors.add(value.tensor)
      },
      graphOutput: graph.output.name,
    })
  }

  const output = values.get(graph.output.name)
  if (!output) throw new UnsupportedGraphError({ reason: `the graph output "${graph.output.name}" is not computed by any supported node` })
  if (stages.length === 0 || output.tensor === 0)
    throw new UnsupportedGraphError({ reason: 'the model computes nothing from its input', details: 'Only shape ops were found.' })
  // The output must be the last tensor: an output computed earlier (others computed after it and unused) is copied last.
  if (output.tensor !== stages.length) stages.push({ kind: 'gather', sources: [graph.output.name], shape: output.shape, index: Int32Array.from({ length: sizeOf(output.shape) }, (_, i) => i), inputs: [output.tensor] })
  return { inputShape: [...graph.input.shape], outputShape: output.shape, stages: fuseStages(pruneUnused(stages)), ops, notes }
}
