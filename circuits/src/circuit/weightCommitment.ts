import type { QuantizedModel } from '../quantize/model.js'
import { BN128_R } from '../setup/devPtauScalars.js'
import { stageModule } from '../stages/index.js'

/** The generated circuit's private signals under --private-weights: every stage's parameters, and the owner's salt. */
export const WEIGHTS_SIGNAL = 'weights'
export const WEIGHT_SALT_SIGNAL = 'weightSalt'

/**
 * The model's committed parameters, as signed integers: each stage's privateParameters (a linear
 * stage's weights, then its biases) in stage order, the order the generated circuit reads them from
 * its `weights` array. These are the trained values; a stage kind without privateParameters (a
 * Relu, a piecewise fit of a fixed function, LeakyRelu's slope) keeps its constants in the circuit.
 */
export function privateWeightValues(model: QuantizedModel): bigint[] {
  return model.stages.flatMap((stage) => stageModule(stage.kind).privateParameters?.(stage as never) ?? [])
}

/**
 * The parameters as the circuit's field elements (a negative w is p + w): exactly what the
 * commitment hashes and the witness holds. Every |w| is far below p / 2 (a weight fits the
 * accumulator's declared width), so the map is one-to-one on the model's integers.
 */
export function weightFieldElements(model: QuantizedModel): bigint[] {
  return privateWeightValues(model).map((w) => ((w % BN128_R) + BN128_R) % BN128_R)
}

/**
 * The weight commitment a --private-weights circuit compiles in as a constant: the Poseidon chain
 * of InputCommitment (the SDK's commitInput, circomlibjs) over the salt and the parameters' field
 * elements, 15 a link. The salt hides the weights from anyone who would test guesses against it.
 */
export async function commitWeights({ model, salt }: { model: QuantizedModel; salt: bigint }): Promise<bigint> {
  // The SDK's private entry (circomlibjs) is workspace-only for now: loaded only for a private-weights model.
  const { commitInput } = await import('@veridict/sdk/private')
  return commitInput({ inputWords: weightFieldElements(model), salt })
}

/** The witness inputs a --private-weights circuit takes besides its public signals: the parameters and the salt, as decimal strings. */
export function weightCircuitInput({ model, salt }: { model: QuantizedModel; salt: bigint }): { weights: string[]; weightSalt: string } {
  return { weights: weightFieldElements(model).map(String), weightSalt: salt.toString() }
}
