import { activationOps } from './activation.js'
import type { OpHandler, OpTable } from './context.js'
import { convOps } from './conv.js'
import { indexingOps } from './indexing.js'
import { linearOps } from './linear.js'
import { mlOps } from './ml.js'
import { nonlinearOps } from './nonlinear.js'
import { normalizationOps } from './normalization.js'
import { poolOps } from './pool.js'
import { reduceOps } from './reduce.js'
import { shapeOps } from './shape.js'

/** The op families, each a table of handlers by ONNX op type; an op belongs to one family. */
export const opFamilies: Readonly<Record<string, OpTable>> = {
  shape: shapeOps,
  linear: linearOps,
  conv: convOps,
  pool: poolOps,
  activation: activationOps,
  nonlinear: nonlinearOps,
  normalization: normalizationOps,
  reduce: reduceOps,
  indexing: indexingOps,
  ml: mlOps,
}

/** Every ONNX op lowerGraph lowers, by op type: the families' tables merged. */
export const opLowerings: ReadonlyMap<string, OpHandler> = new Map(Object.values(opFamilies).flatMap((table) => Object.entries(table)))
