import { stageModule } from '../stages/index.js'
import type { QuantizedModel, QuantizedStage } from './model.js'

/** JSON form of a quantized model (bigints as decimal strings), stored beside the circuit as quantized.json. */
export type QuantizedModelJson = Omit<QuantizedModel, 'stages'> & { format: 'veridict-quantized/1'; stages: Record<string, unknown>[] }

export function quantizedModelToJson(model: QuantizedModel): QuantizedModelJson {
  const stages = model.stages.map((stage): Record<string, unknown> => stageModule(stage.kind).toJson(stage))
  return { format: 'veridict-quantized/1', ...model, stages }
}

export function quantizedModelFromJson(json: QuantizedModelJson): QuantizedModel {
  const { format: _format, stages, ...rest } = json
  return {
    ...rest,
    stages: stages.map((raw): QuantizedStage => stageModule((raw as { kind: QuantizedStage['kind'] }).kind).fromJson(raw)),
  }
}
