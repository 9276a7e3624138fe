import type { Logger } from 'pino'
import type { Hex } from 'viem'
import { VerificationKeyMismatchError } from '../errors/node.js'
import type { ServedModel } from '../inference/servedModel.js'

/** A ModelRegistered event's arguments, as the registry emits them. */
export type ModelRegisteredArgs = {
  modelId: Hex
  definitionHash: Hex
  owner: Hex
  definition: {
    onnxHash: Hex
    quantizationHash: Hex
    proofSystem: number
    setup: { ptauHash: Hex; contributions: number; insecure: boolean }
  }
}

/** A registration of one of this node's ONNX models that the node will not serve, and why. */
export type RefusedListing = { modelId: Hex; model: string; reason: string }

/**
 * Which registered model ids this node serves. A model id is derived from a definition (the
 * ONNX file, quantization, verification key, packing and setup record) and its owner, so a
 * registration is served exactly when its definition hash is the hash of a local model folder:
 * then the registry verifies proofs with the very key the local zkey proves for. A registration of
 * a local ONNX file and quantization under another definition (another key or setup) is refused,
 * loudly, rather than served with proofs the registry would reject.
 */
export class ModelListings {
  private readonly byDefinition: Map<string, ServedModel>
  private readonly byId = new Map<string, ServedModel>()
  private readonly ids = new Map<ServedModel, Hex[]>()
  private readonly refusedById = new Map<string, RefusedListing>()

  constructor(
    readonly models: readonly ServedModel[],
    private readonly logger: Logger,
  ) {
    this.byDefinition = new Map(models.map((m) => [m.definitionHash.toLowerCase(), m]))
  }

  /** The local model a registered id names, if this node serves it. */
  get(modelId: Hex): ServedModel | undefined {
    return this.byId.get(modelId.toLowerCase())
  }

  /** The registered ids of a local model, in registration order. */
  idsOf(model: ServedModel): readonly Hex[] {
    return this.ids.get(model) ?? []
  }

  /** Registrations of local ONNX models that are not served (another key or setup). */
  get refused(): RefusedListing[] {
    return [...this.refusedById.values()]
  }

  /** Applies one ModelRegistered event (idempotent). */
  apply(args: ModelRegisteredArgs): void {
    const id = args.modelId.toLowerCase()
    if (this.byId.has(id) || this.refusedById.has(id)) return
    const model = this.byDefinition.get(args.definitionHash.toLowerCase())
    if (model) {
      this.byId.set(id, model)
      this.ids.set(model, [...this.idsOf(model), args.modelId])
      this.logger.info({ model: model.name, modelId: args.modelId, owner: args.owner }, 'serving a registration of this model')
      return
    }
    const sameOnnx = this.models.find((m) => m.definition.onnxHash.toLowerCase() === args.definition.onnxHash.toLowerCase() && m.definition.quantizationHash.toLowerCase() === args.definition.quantizationHash.toLowerCase())
    if (!sameOnnx) return
    const error = new VerificationKeyMismatchError({ model: sameOnnx.name, modelId: args.modelId, reason: differenceOf(sameOnnx, args) })
    this.refusedById.set(id, { modelId: args.modelId, model: sameOnnx.name, reason: error.shortMessage })
    this.logger.error({ model: sameOnnx.name, modelId: args.modelId, registryDefinition: args.definitionHash, localDefinition: sameOnnx.definitionHash }, error.message)
  }
}

const PROOF_SYSTEMS = ['none', 'groth16', 'plonk'] as const

/** Which part of a registered definition differs from the local model's, in words. */
function differenceOf(model: ServedModel, args: ModelRegisteredArgs): string {
  const local = model.definition
  const registered = args.definition
  const proofSystem = PROOF_SYSTEMS[registered.proofSystem] ?? `proof system ${registered.proofSystem}`
  if (proofSystem !== local.proofSystem) return `it is registered with proof system ${proofSystem}, the local folder is set up for ${local.proofSystem}`
  const setup = registered.setup
  if (setup.ptauHash.toLowerCase() !== local.setup.ptauHash.toLowerCase() || setup.contributions !== local.setup.contributions || setup.insecure !== local.setup.insecure)
    return `its setup record (ptau ${setup.ptauHash}, ${setup.contributions} contributions${setup.insecure ? ', insecure' : ''}) is not the local one (ptau ${local.setup.ptauHash}, ${local.setup.contributions} contributions${local.setup.insecure ? ', insecure' : ''})`
  return `its verification key is not the local one (local key hash ${local.verificationKeyHash}; definition ${args.definitionHash} on-chain, ${model.definitionHash} here)`
}
