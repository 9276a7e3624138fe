import { ShapeMismatchError, UnsupportedAttributeError, UnsupportedOpError } from '../../errors/compile.js'
import type { AttributeValue, ConstTensor, OnnxNode } from '../../onnx/graph.js'
import { sizeOf } from '../../onnx/graph.js'
import type { Stage } from '../stages.js'

/** A linear stage under construction: per output element, its (input index, weight) terms. */
export type LinearRows = { indices: number[][]; weights: number[][]; bias: Float64Array }

/** An activation value during lowering: the tensor holding it (0 = input, s + 1 = stage s) and its shape (shape ops only change this). */
export type Value = { tensor: number; shape: number[] }

/**
 * What an op's handler gets for one node of the graph (lowerGraph builds it): the node's context
 * (attributes, constant inputs, the first activation's shape), its activation inputs in the node's
 * order, and callbacks to append stages and name the node's outputs.
 */
export type NodeLowering = {
  ctx: NodeContext
  /** The node's activation (non-constant) inputs, in the node's order. */
  inputs: Value[]
  /** The one activation input; rejects the node when it reads more than one. */
  single: () => Value
  /** Appends a stage reading `reads` (tensor ids) and returns its value. */
  emit: (stage: Stage, reads: number[], shape?: number[]) => Value
  /** Names output `k` (default 0) of the node as `value`. */
  out: (value: Value, k?: number) => void
  /** The value of an activation computed so far, by name. */
  valueOf: (name: string) => Value | undefined
  /** The non-shape ops that read `name`, looking through shape ops. */
  readers: (name: string) => OnnxNode[]
  /** Adds a line to the compile notes (an op dropped or rewritten). */
  note: (text: string) => void
  /** Marks a value as an ArgMax's output: no op but a shape op may read it. */
  markArgMax: (value: Value) => void
  /** The name of the graph output being compiled. */
  graphOutput: string
}

/** Lowers one node: appends its stages through `emit` and names its outputs through `out`. */
export type OpHandler = (lowering: NodeLowering) => void

/** An op family's handlers by ONNX op type. */
export type OpTable = Readonly<Record<string, OpHandler>>

/** A node being lowered: its attributes and constant inputs, its first activation's shape, and the compile errors that name it. */
export class NodeContext {
  constructor(
    readonly node: OnnxNode,
    readonly constants: Map<string, ConstTensor>,
    readonly shape: number[],
    readonly opset: number,
  ) {}

  unsupported(reason: string): never {
    throw new UnsupportedOpError({ node: this.node.name, op: this.node.op, reason })
  }

  mismatch(reason: string): never {
    throw new ShapeMismatchError({ node: this.node.name, op: this.node.op, reason })
  }

  isConst(i: number): boolean {
    const name = this.node.inputs[i]
    return name !== undefined && name !== '' && this.constants.has(name)
  }

  hasInput(i: number): boolean {
    const name = this.node.inputs[i]
    return name !== undefined && name !== ''
  }

  constInput(i: number): ConstTensor {
    const name = this.node.inputs[i]
    const value = name ? this.constants.get(name) : undefined
    if (!value) this.unsupported(`input ${i} ("${name ?? ''}") must be a constant (an initializer or a Constant node)`)
    return value
  }

  attr(name: string): AttributeValue | undefined {
    return this.node.attributes[name]
  }

  intAttr(name: string, fallback: number): number {
    const v = this.attr(name)
    return typeof v === 'number' ? v : fallback
  }

  floatAttr(name: string, fallback: number): number {
    return this.intAttr(name, fallback)
  }

  intsAttr(name: string, fallback: number[]): number[] {
    const v = this.attr(name)
    return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : fallback
  }

  stringsAttr(name: string): string[] | undefined {
    const v = this.attr(name)
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined
  }

  stringAttr(name: string, fallback: string): string {
    const v = this.attr(name)
    return typeof v === 'string' ? v : fallback
  }

  reject(attribute: string, value: unknown, supported: string): never {
    throw new UnsupportedAttributeError({ node: this.node.name, op: this.node.op, attribute, value, supported })
  }
}

/** `axis` in [0, rank), negative axes counting from the end; rejects one out of range. */
export function normalizeAxis(ctx: NodeContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis
  if (a < 0 || a >= rank) ctx.reject('axis', axis, `an axis in [${-rank}, ${rank - 1}]`)
  return a
}

/** A linear stage from its rows under construction (CSR indices and weights). */
export function linearStage(source: string, shape: number[], rows: LinearRows): Stage {
  const offsets = new Int32Array(rows.indices.length + 1)
  let total = 0
  rows.indices.forEach((r, i) => {
    total += r.length
    offsets[i + 1] = total
  })
  const indices = new Int32Array(total)
  const weights = new Float64Array(total)
  rows.indices.forEach((r, i) => {
    indices.set(r, offsets[i]!)
    weights.set(rows.weights[i]!, offsets[i]!)
  })
  return { kind: 'linear', sources: [source], shape, rows: { offsets, indices }, weights, bias: rows.bias }
}

/**
 * The distinct tensors `inputs` read, in order (a stage's `inputs`), and where each starts in
 * their concatenation: value i of input v is element base.get(v.tensor) + i of what the stage reads.
 */
export function concatenatedReads(inputs: readonly Value[]): { reads: number[]; base: Map<number, number> } {
  const reads = [...new Set(inputs.map((v) => v.tensor))]
  const base = new Map<number, number>()
  let offset = 0
  for (const t of reads) {
    base.set(t, offset)
    offset += sizeOf(inputs.find((v) => v.tensor === t)!.shape)
  }
  return { reads, base }
}
