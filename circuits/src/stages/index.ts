import { argMaxStage } from './argMax/index.js'
import { bilinearStage } from './bilinear/index.js'
import { divideStage } from './divide/index.js'
import { gatherStage } from './gather/index.js'
import { leakyReluStage } from './leakyRelu/index.js'
import { linearStage } from './linear/index.js'
import { maxPoolStage } from './maxPool/index.js'
import { piecewiseStage } from './piecewise/index.js'
import { reluStage } from './relu/index.js'
import { sqrtStage } from './sqrt/index.js'
import type { StageKind, StageModule } from './types.js'

/** Every stage kind's module (README.md): a kind without one, or a module missing an executor, is a type error. */
export const STAGES: { readonly [K in StageKind]: StageModule<K> } = {
  linear: linearStage,
  relu: reluStage,
  leakyRelu: leakyReluStage,
  maxPool: maxPoolStage,
  argMax: argMaxStage,
  gather: gatherStage,
  bilinear: bilinearStage,
  piecewise: piecewiseStage,
  divide: divideStage,
  sqrt: sqrtStage,
}

/** The module of a stage's kind, for an executor's dispatch: `stageModule(stage.kind).evaluate(stage, x)`. */
export function stageModule<K extends StageKind>(kind: K): StageModule<K> {
  return STAGES[kind] as StageModule<K>
}
