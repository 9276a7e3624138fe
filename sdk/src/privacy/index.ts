/**
 * `@veridict/sdk/private` (built as dist/privacy.*): private inputs (docs/privacy.md). The
 * commitment is Poseidon over the BN254 field and the encryption is Baby Jubjub ECDH with Poseidon
 * encryption, computed with circomlibjs and @zk-kit/poseidon-cipher (optional peer dependencies),
 * so it lives apart from the plain entry point.
 */
export { commitInput, randomSalt, COMMITMENT_WORDS_PER_LINK, SCALAR_FIELD_ORDER, type CommitInputParameters } from './commitInput.js'
export {
  decryptInput,
  encryptInputFor,
  encryptionPublicKeyOf,
  generateEncryptionKey,
  type EncryptedInput,
  type EncryptionKeyPair,
  type EncryptionPublicKey,
} from './encryptInput.js'
export {
  requestPrivateInference,
  type PrivateInput,
  type RequestPrivateInferenceParameters,
  type RequestPrivateInferenceReturnType,
} from './requestPrivateInference.js'
export { getEncryptionKey, type GetEncryptionKeyParameters } from './getEncryptionKey.js'
export {
  delegatePrivateInput,
  encryptedInputBody,
  type DelegatePrivateInputParameters,
  type DelegatePrivateInputReturnType,
} from './delegatePrivateInput.js'
