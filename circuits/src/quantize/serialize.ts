import type { SparseRows } from '../ir/stages.js'
import type { QuantizedModel, QuantizedStage } from './model.js'

/** JSON form of a quantized model (bigints as decimal strings), stored beside the circuit as quantized.json. */
export type QuantizedModelJson = Omit<QuantizedModel, 'stages'> & { format: 'veridict-quantized/1'; stages: Record<string, unknown>[] }

const rowsToJson = (rows: SparseRows) => ({ offsets: Array.from(rows.offsets), indices: Array.from(rows.indices) })
const rowsFromJson = (rows: { offsets: number[]; indices: number[] }): SparseRows => ({
  offsets: Int32Array.from(rows.offsets),
  indices: Int32Array.from(rows.indices),
})

export function quantizedModelToJson(model: QuantizedModel): QuantizedModelJson {
  const stages = model.stages.map((stage): Record<string, unknown> => {
    switch (stage.kind) {
      case 'linear':
        return { ...stage, rows: rowsToJson(stage.rows), weights: stage.weights.map(String), bias: stage.bias.map(String) }
      case 'leakyRelu':
        return { ...stage, alpha: String(stage.alpha) }
      case 'maxPool':
        return { ...stage, windows: rowsToJson(stage.windows) }
      case 'argMax':
        return { ...stage, groups: rowsToJson(stage.groups) }
      case 'gather':
        return { ...stage, index: Array.from(stage.index) }
      case 'relu':
        return { ...stage }
      case 'bilinear':
        return { ...stage, rows: { offsets: Array.from(stage.rows.offsets) }, left: Array.from(stage.left), right: Array.from(stage.right) }
      case 'piecewise':
        return { ...stage, lo: String(stage.lo), c0: stage.c0.map(String), c1: stage.c1.map(String), c2: stage.c2.map(String) }
      case 'divide':
        return { ...stage, numerator: Array.from(stage.numerator), denominator: Array.from(stage.denominator) }
      case 'sqrt':
        return { ...stage }
    }
  })
  return { format: 'veridict-quantized/1', ...model, stages }
}

export function quantizedModelFromJson(json: QuantizedModelJson): QuantizedModel {
  const { format: _format, stages, ...rest } = json
  return {
    ...rest,
    stages: stages.map((raw): QuantizedStage => {
      const s = raw as Record<string, never> & QuantizedStage
      switch (s.kind) {
        case 'linear':
          return { ...s, rows: rowsFromJson(raw.rows as never), weights: (raw.weights as string[]).map(BigInt), bias: (raw.bias as string[]).map(BigInt) }
        case 'leakyRelu':
          return { ...s, alpha: BigInt(raw.alpha as string) }
        case 'maxPool':
          return { ...s, windows: rowsFromJson(raw.windows as never) }
        case 'argMax':
          return { ...s, groups: rowsFromJson(raw.groups as never) }
        case 'gather':
          return { ...s, index: Int32Array.from(raw.index as number[]) }
        case 'relu':
          return s
        case 'bilinear':
          return { ...s, rows: { offsets: Int32Array.from((raw.rows as { offsets: number[] }).offsets) }, left: Int32Array.from(raw.left as number[]), right: Int32Array.from(raw.right as number[]) }
        case 'piecewise':
          return { ...s, lo: BigInt(raw.lo as string), c0: (raw.c0 as string[]).map(BigInt), c1: (raw.c1 as string[]).map(BigInt), c2: (raw.c2 as string[]).map(BigInt) }
        case 'divide':
          return { ...s, numerator: Int32Array.from(raw.numerator as number[]), denominator: Int32Array.from(raw.denominator as number[]) }
        case 'sqrt':
          return s
      }
    }),
  }
}
