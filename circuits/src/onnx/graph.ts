/** A constant tensor (initializer or Constant node), values as float64 in row-major order. */
export type ConstTensor = { dims: number[]; data: Float64Array }

export type AttributeValue = number | number[] | string | string[] | ConstTensor

export type OnnxNode = {
  name: string
  op: string
  inputs: string[]
  outputs: string[]
  attributes: Record<string, AttributeValue>
}

/** `type`: an integer-typed input (token ids, category indices); absent for float inputs. */
export type ValueInfo = { name: string; shape: number[]; type?: 'int64' | 'int32' | undefined }

/** The parts of an ONNX model the compiler reads, with every shape made static. */
export type OnnxGraph = {
  input: ValueInfo
  output: ValueInfo
  constants: Map<string, ConstTensor>
  nodes: OnnxNode[]
  opset: number
  producer: string
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}
