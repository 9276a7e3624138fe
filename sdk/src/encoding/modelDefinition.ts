import { encodeAbiParameters, keccak256, stringToBytes, zeroHash, type Address, type Hex } from 'viem'

/** How a model's results are proved: not at all (attested only), Groth16 or PLONK (universal setup). */
export type ProofSystem = 'none' | 'groth16' | 'plonk'

/** The registry's `ProofSystem` enum values. */
export const PROOF_SYSTEM_IDS: Readonly<Record<ProofSystem, number>> = { none: 0, groth16: 1, plonk: 2 }

/**
 * Where a model's setup came from, as the registry stores it. `ptauHash` is the first 32 bytes of
 * the powers-of-tau file's blake2b-512 hash; `contributions` counts the phase-2 contributions
 * (Groth16; 0 for PLONK, which has no per-circuit secret); `insecure` marks a single-party dev setup.
 * A model without a proof system has the zero record.
 */
export type SetupRecord = { ptauHash: Hex; contributions: number; insecure: boolean }

export const EMPTY_SETUP_RECORD: SetupRecord = { ptauHash: zeroHash, contributions: 0, insecure: false }

/**
 * Everything that defines a model's meaning: the registry hashes exactly this into the model's
 * definition hash, and the definition hash and the owner into the model id.
 */
export type ModelDefinition = {
  /** keccak256 of the ONNX file. */
  onnxHash: Hex
  /** keccak256 of the quantization settings (scales, bit widths, rounding rule). */
  quantizationHash: Hex
  /**
   * The integer model's weights and structure: the Merkle root of its stages' headers and rows
   * (docs/disputes.md), what a trace dispute's one step opens, and how many stages it has.
   */
  parameters: { root: Hex; stages: number }
  proofSystem: ProofSystem
  /** keccak256 of the verification key's on-chain encoding; zero for proof system `none`. */
  verificationKeyHash: Hex
  /**
   * The input's packing; `private`: the circuit keeps the input words private and shows one
   * Poseidon commitment of them (with a salt) instead (docs/privacy.md), so requests carry only
   * that commitment and are served with proofs only.
   */
  input: { values: number; bits: number; private: boolean }
  output: { values: number; bits: number }
  setup: SetupRecord
}

/** The EIP-712-style type string whose keccak256 heads a definition's encoding (ModelRegistry.DEFINITION_TYPEHASH). */
export const MODEL_DEFINITION_TYPE =
  'VeridictModel(bytes32 onnxHash,bytes32 quantizationHash,bytes32 parametersRoot,uint32 stageCount,uint8 proofSystem,bytes32 verificationKeyHash,uint32 inputValues,uint8 inputBits,bool privateInput,uint32 outputValues,uint8 outputBits,bytes32 ptauHash,uint16 contributions,bool insecure)'

export const MODEL_DEFINITION_TYPEHASH: Hex = keccak256(stringToBytes(MODEL_DEFINITION_TYPE))

/**
 * The definition hash of a model, as ModelRegistry computes it: keccak256(abi.encode(TYPEHASH,
 * onnxHash, quantizationHash, parametersRoot, stageCount, proofSystem, verificationKeyHash, inputValues, inputBits,
 * privateInput, outputValues, outputBits, ptauHash, contributions, insecure)). Same artifacts, same hash.
 *
 * @example
 * import { computeDefinitionHash } from '@veridict/sdk'
 *
 * const definitionHash = computeDefinitionHash(manifestDefinition)
 */
export function computeDefinitionHash(definition: ModelDefinition): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'uint32' },
        { type: 'uint8' },
        { type: 'bytes32' },
        { type: 'uint32' },
        { type: 'uint8' },
        { type: 'bool' },
        { type: 'uint32' },
        { type: 'uint8' },
        { type: 'bytes32' },
        { type: 'uint16' },
        { type: 'bool' },
      ],
      [
        MODEL_DEFINITION_TYPEHASH,
        definition.onnxHash,
        definition.quantizationHash,
        definition.parameters.root,
        definition.parameters.stages,
        PROOF_SYSTEM_IDS[definition.proofSystem],
        definition.verificationKeyHash,
        definition.input.values,
        definition.input.bits,
        definition.input.private,
        definition.output.values,
        definition.output.bits,
        definition.setup.ptauHash,
        definition.setup.contributions,
        definition.setup.insecure,
      ],
    ),
  )
}

/**
 * The model id the registry gives `owner`'s listing of a definition: keccak256(abi.encode(
 * definitionHash, owner)). The owner is part of the id so that no one can take a model's id
 * (and its fee, metadata and deprecation rights) by registering its artifacts first: a copy of
 * the owner's registration registers the very same listing for the owner.
 *
 * @example
 * import { computeModelId } from '@veridict/sdk'
 *
 * const modelId = computeModelId(manifest.definitionHash, owner)
 */
export function computeModelId(definitionHash: Hex, owner: Address): Hex {
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'address' }], [definitionHash, owner]))
}
