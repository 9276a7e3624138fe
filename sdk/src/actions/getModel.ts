import { type Address, type Hex, zeroAddress, zeroHash } from 'viem'
import { readContract } from 'viem/actions'
import { modelRegistryAbi } from '../abi/modelRegistryAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { valuesPerWord, wordCount } from '../encoding/pack.js'
import { ModelNotFoundError } from '../errors/model.js'
import { checkManifest } from '../manifest/checkManifest.js'
import type { InferenceMode, VeridictManifest } from '../types.js'
import { toVeridictError } from '../utils/contractError.js'

/** The packing of a model's input or output as the registry stores it. */
export type RegisteredLayout = { values: number; bits: number; valuesPerWord: number; words: number }

/** A registered model: its terms from the registry, and its manifest when asked for. */
export type VeridictModel = {
  modelId: Hex
  /** Compact 1-based id that requests store. */
  index: number
  owner: Address
  status: 'active' | 'deprecated'
  /** Minimum payment for one request, in wei. */
  fee: bigint
  /** The IInferenceVerifier that checks proofs; undefined for an attested-only model. */
  verifier: Address | undefined
  /** The modes a request can ask for: a model without a verifier is served attested only. */
  modes: readonly InferenceMode[]
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
 * console.log(model.fee, model.modes, model.manifest?.input.shape)
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
  const model: VeridictModel = {
    modelId,
    index: terms.index,
    owner: stored.owner,
    status: terms.status === 1 ? 'active' : 'deprecated',
    fee: terms.fee,
    verifier: stored.verifier === zeroAddress ? undefined : stored.verifier,
    modes: terms.hasVerifier ? ['zk', 'attested'] : ['attested'],
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

function registeredLayout(values: number, bits: number): RegisteredLayout {
  return { values, bits, valuesPerWord: valuesPerWord(bits), words: wordCount(values, bits) }
}
