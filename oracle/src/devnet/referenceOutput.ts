import { loadCompiledModel, quantizeInput, runReference } from '@veridict/circuits'
import { packValues } from '@veridict/sdk'

/** The model's canonical output words for real input values: what the circuit proves, computed by the reference executor. */
export async function referenceOutputWords(dir: string, values: readonly number[]): Promise<bigint[]> {
  const { model, manifest } = await loadCompiledModel(dir)
  return packValues(runReference(model, quantizeInput(model, values)), manifest.output.bits)
}
