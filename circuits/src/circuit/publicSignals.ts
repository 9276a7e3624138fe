import { getAddress, isAddress, type Address } from 'viem'
import { InvalidBeneficiaryError } from '../errors/artifacts.js'

/** Signal name and manifest layout entry of the address a proof credits, the last public signal. */
export const BENEFICIARY_SIGNAL = 'beneficiary'
/** Signal name and manifest layout entry of a private-input proof's first public signal: the input's commitment. */
export const INPUT_COMMITMENT_SIGNAL = 'inCommitment'

export type PublicSignalsParameters = {
  inputWords: readonly bigint[]
  outputWords: readonly bigint[]
  /** The address credited for the proof; it must be an Ethereum address (the circuit range-checks it below 2^160). */
  beneficiary: Address
}

/** The witness input of a generated model circuit: its public signals by name, as decimal strings. */
export type CircuitInput = { inWords: string[]; outWords: string[]; beneficiary: string }

/** The witness input of a private-input circuit: the commitment, outputs and beneficiary public; the words and the salt private. */
export type PrivateCircuitInput = CircuitInput & { inCommitment: string; salt: string }

/**
 * The public signals of a model's proof, in the order the circuit declares them: input words,
 * output words, then the beneficiary as a field element (protocol.md, "Public signals").
 */
export function publicSignals({ inputWords, outputWords, beneficiary }: PublicSignalsParameters): bigint[] {
  return [...inputWords, ...outputWords, beneficiaryField(beneficiary)]
}

/** The same signals named as the generated circuit's inputs, for its witness calculator. */
export function circuitInput({ inputWords, outputWords, beneficiary }: PublicSignalsParameters): CircuitInput {
  return { inWords: inputWords.map(String), outWords: outputWords.map(String), beneficiary: beneficiaryField(beneficiary).toString() }
}

/**
 * A private-input circuit's witness input and public signals: the input's commitment (computed
 * here from the words and the salt, as the SDK's commitInput does), the output words, the
 * beneficiary; the words and the salt stay private.
 */
export async function privateCircuitInput({ inputWords, outputWords, beneficiary, salt }: PublicSignalsParameters & { salt: bigint }): Promise<{ input: PrivateCircuitInput; publicSignals: bigint[]; commitment: bigint }> {
  // Loaded only for a private-input model: the SDK's private entry (circomlibjs) is workspace-only for now.
  const { commitInput } = await import('@veridict/sdk/private')
  const commitment = await commitInput({ inputWords, salt })
  const input = { ...circuitInput({ inputWords, outputWords, beneficiary }), inCommitment: commitment.toString(), salt: salt.toString() }
  return { input, publicSignals: [commitment, ...outputWords, beneficiaryField(beneficiary)], commitment }
}

/** The address as the field element the circuit takes. */
export function beneficiaryField(beneficiary: Address): bigint {
  return BigInt(parseBeneficiary(beneficiary))
}

/** Checks that `value` is an Ethereum address (a mixed-case one with a valid EIP-55 checksum) and returns it checksummed. */
export function parseBeneficiary(value: string): Address {
  if (typeof value !== 'string' || !isAddress(value)) throw new InvalidBeneficiaryError({ beneficiary: value })
  return getAddress(value)
}
