import type { Hex } from 'viem'
import { findKnownPtau } from '../encoding/knownCeremonies.js'
import type { ProofSystem } from '../encoding/modelDefinition.js'
import { UntrustedSetupError } from '../errors/model.js'

/** A registered model's setup, as the registry records it, with what that means. */
export type ModelSetup = {
  /** First 32 bytes of the powers-of-tau file's blake2b-512 hash. */
  ptauHash: Hex
  /** Phase-2 contributions (Groth16; the beacon not counted). PLONK has no phase 2: 0. */
  contributions: number
  /** A single-party dev powers of tau: whoever made it can forge proofs. */
  insecure: boolean
  /** The ptau is a public ceremony file the registry lists (Perpetual Powers of Tau, Hermez final files). */
  listedCeremony: boolean
  /** The listed file's name, when listed. */
  ceremonyFile: string | undefined
  /** One line for people: e.g. "dev setup, 1 contribution, INSECURE". */
  summary: string
}

/** What a dApp demands of a model's setup before trusting its proofs. */
export type SetupRequirement = {
  /** Least phase-2 contributions (Groth16); one honest contributor makes the setup sound. Default 1. */
  minContributions?: number | undefined
  /** Accept a model whose phase 1 is not a listed public ceremony. Default false. */
  allowUnlistedCeremony?: boolean | undefined
  /** Accept a single-party dev setup (local development only). Default false. */
  allowInsecure?: boolean | undefined
}

/** The setup of a model with proof system `proofSystem`, from the registry's record. */
export function describeSetup(proofSystem: ProofSystem, record: { ptauHash: Hex; contributions: number; insecure: boolean; listedCeremony: boolean }): ModelSetup {
  const file = record.listedCeremony ? findKnownPtau(record.ptauHash)?.file : undefined
  const phase1 = record.insecure ? 'dev setup' : record.listedCeremony ? `${file ?? record.ptauHash} (Perpetual Powers of Tau)` : `unlisted ceremony ${record.ptauHash.slice(0, 10)}...`
  const phase2 = proofSystem === 'plonk' ? 'universal setup (no phase 2)' : `${record.contributions} contribution${record.contributions === 1 ? '' : 's'}`
  return { ...record, ceremonyFile: file, summary: `${phase1}, ${phase2}${record.insecure ? ', INSECURE' : ''}` }
}

/**
 * Throws UntrustedSetupError unless a model's setup meets `requirement`: not insecure, a listed
 * public ceremony and enough phase-2 contributions (PLONK needs none). A model without a proof
 * system has no setup to trust and always passes: its results are attested, not proved.
 *
 * @example
 * import { assertSetup, getModel } from '@veridict/sdk'
 *
 * const model = await getModel(veridict, { modelId })
 * assertSetup(model, { minContributions: 3 })
 */
export function assertSetup(model: { modelId: Hex; proofSystem: ProofSystem; setup: ModelSetup | undefined }, requirement: SetupRequirement = {}): void {
  const { setup } = model
  if (model.proofSystem === 'none' || !setup) return
  const fail = (reason: string) => new UntrustedSetupError({ modelId: model.modelId, summary: setup.summary, reason })
  if (setup.insecure && !requirement.allowInsecure) throw fail('it was set up over a single-party dev powers of tau, which its maker can use to forge proofs')
  if (!setup.listedCeremony && !requirement.allowUnlistedCeremony) throw fail(`its powers of tau (${setup.ptauHash}) is not a public ceremony file the registry lists`)
  const least = requirement.minContributions ?? 1
  if (model.proofSystem === 'groth16' && setup.contributions < least) throw fail(`it has ${setup.contributions} phase-2 contributions, fewer than the ${least} required`)
}
