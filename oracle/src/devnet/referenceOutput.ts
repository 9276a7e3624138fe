import { loadCompiledModel, quantizeInput, runReference } from '../../../circuits/src/index.js'
import { packValues } from '../../../sdk/src/encoding/pack.js'

/** The model's canonical output words for real input values: what the circuit proves, computed by the reference executor. */
export async function referenceOutputWords(dir: string, values: readonly number[]): Promise<bigint[]> {
  const { model, manifest } = await loadCompiledModel(dir)
  return packValues(runReference(model, quantizeInput(model, values)), manifest.output.bits)
}
