import { decodeEventLog, type Account, type Address, type Chain, type Hex, type PublicClient, type WalletClient } from 'viem'
import { readModelDefinition } from '@veridict/circuits'
import { PROOF_SYSTEM_IDS, computeModelId, type ModelDefinition, modelRegistryAbi } from '@veridict/sdk'
import { InsecureSetupError, TransactionError } from '../errors/node.js'

export type RegisterModelParameters = {
  publicClient: PublicClient
  walletClient: WalletClient
  account: Account
  chain: Chain
  registry: Address
  /** A compiled (and, for a model with a circuit, set-up) model folder. */
  dir: string
  fee: bigint
  metadataURI?: string | undefined
  /** Register a model set up over a single-party dev powers of tau (local development chains only). */
  allowInsecureSetup?: boolean | undefined
}

export type RegisterModelReturnType = {
  /** keccak256(abi.encode(definitionHash, owner)): the id requests name. */
  modelId: Hex
  definitionHash: Hex
  owner: Address
  proofSystem: ModelDefinition['proofSystem']
  /** The registry's setup record; zero for a model without a proof system. */
  setup: ModelDefinition['setup'] & { listedCeremony: boolean }
  /** The contract whose code holds the verification key; undefined without a proof system. */
  verificationKey: Address | undefined
  /** This account had registered these artifacts already: nothing was sent. */
  alreadyRegistered: boolean
  transactionHash: Hex | undefined
}

/**
 * Registers a compiled model from its folder: the registry hashes the ONNX file, quantization,
 * verification key, packing and setup record into the definition hash, stores the key where its
 * verifier reads it, and derives the model id from the definition and the caller. No verifier
 * contract is deployed: the registry pins one per proof system. Refuses an insecure (dev) setup
 * unless `allowInsecureSetup`. Registering the same folder again from the same account returns
 * the existing id.
 */
export async function registerModel({ publicClient, walletClient, account, chain, registry, dir, fee, metadataURI = '', allowInsecureSetup = false }: RegisterModelParameters): Promise<RegisterModelReturnType> {
  const { manifest, definition, verificationKey, definitionHash } = await readModelDefinition(dir)
  if (definition.setup.insecure && !allowInsecureSetup) throw new InsecureSetupError({ dir, ceremony: manifest.setup?.ptau.ceremony ?? 'a dev powers of tau' })
  const owner = account.address
  const modelId = computeModelId(definitionHash, owner)
  const args = [
    {
      onnxHash: definition.onnxHash,
      quantizationHash: definition.quantizationHash,
      parametersRoot: definition.parameters.root,
      stageCount: definition.parameters.stages,
      proofSystem: PROOF_SYSTEM_IDS[definition.proofSystem],
      inputValues: definition.input.values,
      inputBits: definition.input.bits,
      privateInput: definition.input.private,
      outputValues: definition.output.values,
      outputBits: definition.output.bits,
      setup: definition.setup,
    },
    verificationKey,
    fee,
    metadataURI,
  ] as const
  const registered = await readRegistered(publicClient, registry, modelId)
  if (registered) return { ...registered, modelId, definitionHash, owner, proofSystem: definition.proofSystem, alreadyRegistered: true, transactionHash: undefined }

  let hash: Hex
  try {
    const { request, result } = await publicClient.simulateContract({ address: registry, abi: modelRegistryAbi, functionName: 'registerModel', args, account, chain })
    if (result !== modelId) throw new TransactionError({ action: 'model register', reason: `the registry would give id ${result}, not ${modelId}: is ${registry} a Veridict ModelRegistry of this version?` })
    hash = await walletClient.writeContract(request)
  } catch (cause) {
    if (cause instanceof TransactionError) throw cause
    throw new TransactionError({ action: 'model register', reason: (cause as Error).message.split('\n')[0]!, cause })
  }
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new TransactionError({ action: 'model register', reason: `registerModel ${hash} reverted` })
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== registry.toLowerCase()) continue
    const event = decodeEventLog({ abi: modelRegistryAbi, data: log.data, topics: log.topics, strict: false })
    if (event.eventName === 'ModelRegistered' && event.args.modelId === modelId) {
      return {
        modelId,
        definitionHash,
        owner,
        proofSystem: definition.proofSystem,
        setup: { ...definition.setup, listedCeremony: event.args.listedCeremony ?? false },
        verificationKey: event.args.verificationKey === ZERO_ADDRESS ? undefined : event.args.verificationKey,
        alreadyRegistered: false,
        transactionHash: hash,
      }
    }
  }
  throw new TransactionError({ action: 'model register', reason: `transaction ${hash} emitted no ModelRegistered event for ${modelId}` })
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

async function readRegistered(publicClient: PublicClient, registry: Address, modelId: Hex) {
  const terms = await publicClient.readContract({ address: registry, abi: modelRegistryAbi, functionName: 'getModelTerms', args: [modelId] })
  if (terms.status === 0) return undefined
  const model = await publicClient.readContract({ address: registry, abi: modelRegistryAbi, functionName: 'getModel', args: [modelId] })
  return {
    setup: { ...model.setup, listedCeremony: model.listedCeremony },
    verificationKey: model.verificationKey === ZERO_ADDRESS ? undefined : model.verificationKey,
  }
}
