/**
 * `@veridict/sdk`: request, await, read and verify verifiable AI inferences from a dApp.
 * Plain viem actions, `action(client, parameters)`, or all of them on a viem client with
 * `client.extend(veridictActions({ deployment }))`; no snarkjs or onnxruntime here (proving is in
 * `@veridict/sdk/prover`, proof verification in `@veridict/sdk/verify`).
 */
export {
  createVeridictClient,
  type CreateVeridictClientParameters,
  type DeploymentJson,
  type VeridictClient,
  type VeridictPublicClient,
  type VeridictWalletClient,
} from './client/createVeridictClient.js'

export { getModel, type GetModelParameters, type GetModelReturnType, type RegisteredLayout, type VeridictModel } from './actions/getModel.js'
export { getVerificationKey, type GetVerificationKeyParameters, type GetVerificationKeyReturnType } from './actions/getVerificationKey.js'
export { assertSetup, describeSetup, type ModelSetup, type SetupRequirement } from './model/modelSetup.js'
export { listModels, type ListModelsParameters, type ListModelsReturnType } from './actions/listModels.js'
export { encodeInput, type EncodeInputParameters, type EncodeInputReturnType } from './actions/encodeInput.js'
export { decodeOutput, type DecodeOutputParameters, type DecodeOutputReturnType } from './actions/decodeOutput.js'
export { quote, type ModeQuote, type QuoteParameters, type QuoteReturnType } from './actions/quote.js'
export {
  requestInference,
  DEFAULT_CALLBACK_GAS_LIMIT,
  DEFAULT_REQUEST_TTL,
  type RequestInferenceParameters,
  type RequestInferenceReturnType,
} from './actions/requestInference.js'
export { getRequest, type GetRequestParameters, type GetRequestReturnType, type VeridictRequest } from './actions/getRequest.js'
export { getResult, type GetResultParameters, type GetResultReturnType, type VeridictResult } from './actions/getResult.js'
export { waitForResult, type WaitForResultParameters, type WaitForResultReturnType } from './actions/waitForResult.js'
export { watchResults, type WatchResultsParameters, type WatchResultsReturnType } from './actions/watchResults.js'
export { getDispute, type DisputePhase, type GetDisputeParameters, type VeridictDispute } from './actions/getDispute.js'
export { watchDisputes, type WatchDisputesParameters, type WatchDisputesReturnType } from './actions/watchDisputes.js'
export { verifyAttestation, type AttestationMessage, type VerifyAttestationParameters, type VerifyAttestationReturnType } from './actions/verifyAttestation.js'
export { committeeRoundAt, committeeSeed, committeeSize, holdsSeat, type CommitteeRound } from './utils/committee.js'
export {
  NO_ATTESTATION,
  readRequestState,
  requestOptions,
  type AttestationRecord,
  type RequestCommitment,
  type RequestOptions,
  type RequestState,
} from './utils/requestState.js'
export { refundExpired, type RefundExpiredParameters, type RefundExpiredReturnType } from './actions/refundExpired.js'
export { withdraw, type WithdrawParameters, type WithdrawReturnType } from './actions/withdraw.js'
export { fulfillWithProof, type FulfillWithProofParameters, type FulfillWithProofReturnType } from './actions/fulfillWithProof.js'
export { disputeWithProof, type DisputeWithProofParameters, type DisputeWithProofReturnType } from './actions/disputeWithProof.js'
export { veridictActions, type VeridictActions, type VeridictActionsParameters } from './decorators/veridictActions.js'

export { LITTLE_ENDIAN, packValues, packedWordBytes, unpackValues, unpackValuesToNumbers, valuesPerWord, wordCount, WORD_PAYLOAD_BITS } from './encoding/pack.js'
export { hashWords } from './encoding/hashWords.js'
export { decodeGroth16Proof, encodeGroth16Proof, toSolidityGroth16Proof } from './encoding/encodeGroth16Proof.js'
export { encodeProof, type AnyProof } from './encoding/encodeProof.js'
export { decodeGroth16VerificationKey, encodeGroth16VerificationKey, type Groth16VerificationKey } from './encoding/groth16VerificationKey.js'
export { decodeVerificationKey, encodeVerificationKey, verificationKeyHash, type VerificationKey } from './encoding/verificationKey.js'
export {
  decodePlonkProof,
  decodePlonkVerificationKey,
  encodePlonkProof,
  encodePlonkVerificationKey,
  PLONK_PROOF_WORDS,
  PLONK_VERIFICATION_KEY_WORDS,
  type PlonkProof,
  type PlonkVerificationKey,
} from './encoding/plonk.js'
export {
  computeDefinitionHash,
  computeModelId,
  EMPTY_SETUP_RECORD,
  MODEL_DEFINITION_TYPE,
  MODEL_DEFINITION_TYPEHASH,
  PROOF_SYSTEM_IDS,
  type ModelDefinition,
  type ProofSystem,
  type SetupRecord,
} from './encoding/modelDefinition.js'
export { findKnownPtau, HERMEZ_CEREMONY, KNOWN_PTAU_FILES, ptauRecordHash, type KnownCeremonyFile } from './encoding/knownCeremonies.js'

export { inferenceOracleAbi } from './abi/inferenceOracleAbi.js'
export { modelRegistryAbi } from './abi/modelRegistryAbi.js'
export { operatorStakingAbi } from './abi/operatorStakingAbi.js'
export { inferenceConsumerAbi } from './abi/inferenceConsumerAbi.js'
/** The ABI of DigitConsumer, the example consumer that `npm start`'s demo deploys. */
export { digitConsumerAbi } from './abi/digitConsumerAbi.js'
export { proofVerifierAbi } from './abi/proofVerifierAbi.js'
export { traceDisputesAbi } from './abi/traceDisputesAbi.js'
export { attestationBatchTypes, attestationTypes, attestationTypeString, eip712DomainName, eip712DomainVersion } from './abi/eip712.js'

export type {
  Groth16Proof,
  InferenceMode,
  RequestStatus,
  ResultFulfilment,
  SolidityGroth16Proof,
  TensorLayout,
  VeridictDeployment,
  VeridictManifest,
} from './types.js'
export type { NumberTensor } from './utils/tensor.js'

export { version } from './version.js'
export * from './errors/index.js'
