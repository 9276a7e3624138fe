/**
 * `@veridict/sdk/private` (built as dist/privacy.*: tsup's declaration bundler cannot read a folder named "private"): private inputs (docs/privacy.md). The commitment is Poseidon over the
 * BN254 field, computed with circomlibjs (an optional peer dependency), so it lives apart from the
 * plain entry point.
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
