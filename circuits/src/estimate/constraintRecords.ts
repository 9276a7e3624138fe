import { join } from 'node:path'
import { REPO_ROOT } from '../circuit/paths.js'
import type { QuantizationSettings } from '../quantize/model.js'

/** circuits/models/constraints.json: what circom made of each committed model (circuits/scripts/recordConstraints.ts). */
export const CONSTRAINTS_FILE = join(REPO_ROOT, 'circuits', 'models', 'constraints.json')

/** One model's record: circom's constraint count for the integer model these settings give (its parameters root). */
export type ConstraintRecord = { constraints: number; quantization: QuantizationSettings; parametersRoot: string; compiler: string }
