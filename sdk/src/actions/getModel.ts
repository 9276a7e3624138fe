import { type Address, type Hex, zeroAddress, zeroHash } from 'viem'
import { readContract } from 'viem/actions'
import { modelRegistryAbi } from '../abi/modelRegistryAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import type { ProofSystem } from '../encoding/modelDefinition.js'
import { valuesPerWord, wordCount } from '../encoding/pack.js'
import { ModelNotFoundError } from '../errors/model.js'
import { checkManifest } from '../manifest/checkManifest.js'
import { describeSetup, type ModelSetup } from '../model/modelSetup.js'
import type { InferenceMode, VeridictManifest } from '../types.js'
import { toVeridictError } from '../utils/contractError.js'

/** The packing of a model's input or output as the registry stores it. */
export type RegisteredLayout = { values: number; bits: number; valuesPerWord: number; words: number }

/** A registered model: its terms from the registry, and its manifest when asked for. */
export type VeridictModel = {
  modelId: Hex
  /** The hash of everything that defines the model (the id is it and the owner). */
  definitionHash: Hex
  /** Compact 1-based id that requests store. */
  index: number
  owner: Address
  status: 'active' | 'deprecated'
  /** Minimum payment for one request, in wei. */
  fee: bigint
  /** How results are proved: 'none' for a model served attested only. */
  proofSystem: ProofSystem
  /** The proof system's verifier, pinned by the registry; undefined without a proof system. */
  verifier: Address | undefined
  /** The contract whose code holds the verification key (getVerificationKey reads it). */
  verificationKey: Address | undefined
  /** keccak256 of the ONNX file and of the quantization settings. */
  onnxHash: Hex
  quantizationHash: Hex
  /** Where the setup came from (ptau, phase-2 contributions, insecure); undefined without a proof system. */
  setup: ModelSetup | undefined
  /**
   * The modes a request can ask for: a model without a verifier is served attested only, a
   * private-input model with proofs only.
   */
  modes: readonly InferenceMode[]
  /**
   * The circuit keeps the input private: a request carries one Poseidon commitment of the input
   * and a salt instead of its words (requestPrivateInference), and is served with proofs only.
   */
  privateInput: boolean
  /**
   * What a result of this model rests on, in words. With a proof system: a proof (final at once),
   * or an attestation that any proof of another output overturns and slashes. Without one: an
   * honest majority of a stake-weighted committee drawn after the request, since nothing can
   * dispute its output yet (docs/protocol.md, Committees, gives the odds per quorum).
   */
  security: string
  input: RegisteredLayout
  output: RegisteredLayout
  metadataURI: string
  previousVersion: Hex | undefined
  nextVersion: Hex | undefined
  /** The manifest (scales, shapes, output kind), checked against the registry; present when asked for. */
  manifest: VeridictManifest | undefined
}

export type GetModelParameters = {
  modelId: Hex
  /**
   * true: load the manifest from the model's metadata URI; a manifest object: use it. Either way
   * it is checked against the registry (model id, value counts and bit widths).
   */
  manifest?: boolean | VeridictManifest | undefined
}

export type GetModelReturnType = VeridictModel

/**
 * Reads a model from the registry, with its manifest if asked. Throws ModelNotFoundError for an
 * unknown id, ManifestNotFoundError / ManifestMismatchError for a manifest that cannot be read or
 * does not describe this model.
 *
 * @example
 * import { getModel } from '@veridict/sdk'
 *
 * const model = await getModel(veridict, { modelId, manifest: true })
 * console.log(model.fee, model.modes, model.setup?.summary, model.manifest?.input.shape)
 */
export async function getModel(client: VeridictClient, { modelId, manifest }: GetModelParameters): Promise<GetModelReturnType> {
  let stored
  try {
    stored = await readContract(client.publicClient, {
      address: client.deployment.registry,
      abi: modelRegistryAbi,
      functionName: 'getModel',
      args: [modelId],
    })
  } catch (error) {
    throw toVeridictError(error, 'getModel')
  }
  const { terms } = stored
  if (terms.status === 0) throw new ModelNotFoundError({ modelId })
  const proofSystem = PROOF_SYSTEMS[stored.proofSystem] ?? 'none'
  const model: VeridictModel = {
    modelId,
    definitionHash: stored.definitionHash,
    index: terms.index,
    owner: stored.owner,
    status: terms.status === 1 ? 'active' : 'deprecated',
    fee: terms.fee,
    proofSystem,
    verifier: stored.verifier === zeroAddress ? undefined : stored.verifier,
    verificationKey: stored.verificationKey === zeroAddress ? undefined : stored.verificationKey,
    onnxHash: stored.onnxHash,
    quantizationHash: stored.quantizationHash,
    setup: proofSystem === 'none' ? undefined : describeSetup(proofSystem, { ...stored.setup, listedCeremony: stored.listedCeremony }),
    modes: terms.privateInput ? ['zk'] : terms.hasVerifier ? ['zk', 'attested'] : ['attested'],
    privateInput: terms.privateInput,
    security: terms.privateInput
      ? `proofs checked on-chain (${proofSystem}) against a commitment of the input: the input never reaches the chain`
      : terms.hasVerifier
      ? `proofs checked on-chain (${proofSystem}); attestations overturned and slashed by any proof of another output within the challenge window`
      : 'attested only, by committees: a result rests on an honest majority of a stake-weighted committee drawn after the request (no proof can dispute it yet; equivocation still slashes); a larger quorum makes a captured committee less likely',
    input: registeredLayout(terms.inputValues, terms.inputBits),
    output: registeredLayout(terms.outputValues, terms.outputBits),
    metadataURI: stored.metadataURI,
    previousVersion: stored.previousVersion === zeroHash ? undefined : stored.previousVersion,
    nextVersion: stored.nextVersion === zeroHash ? undefined : stored.nextVersion,
    manifest: undefined,
  }
  if (manifest) model.manifest = await resolveManifest(client, model, manifest === true ? undefined : manifest)
  return model
}

async function resolveManifest(client: VeridictClient, model: VeridictModel, supplied: VeridictManifest | undefined): Promise<VeridictManifest> {
  const cached = client.manifests.get(model.modelId)
  if (cached && (!supplied || supplied === cached)) return cached
  const manifest = checkManifest(model, supplied ?? (await client.loadManifest(model.metadataURI)))
  client.manifests.set(model.modelId, manifest)
  return manifest
}

/** The registry's ProofSystem enum, by value. */
const PROOF_SYSTEMS: readonly ProofSystem[] = ['none', 'groth16', 'plonk']

function registeredLayout(values: number, bits: number): RegisteredLayout {
  return { values, bits, valuesPerWord: valuesPerWord(bits), words: wordCount(values, bits) }
}
