/**
 * `@veridict/sdk/errors`: every error the SDK throws, without the rest of the SDK (or viem): for a
 * program that only needs `instanceof` checks, or a command line that must start fast. The main
 * entry point exports the same classes.
 */
export { BaseError, type BaseErrorParameters } from './base.js'
export { InvalidBitWidthError, ValueOutOfRangeError, WordCountMismatchError, WordOutOfRangeError } from './encoding.js'
export { InputOutOfRangeError, InputShapeMismatchError } from './input.js'
export {
  CommitmentMismatchError,
  DecryptionError,
  DelegationRefusedError,
  EncryptionKeyNotFoundError,
  InvalidEncryptionKeyError,
  InvalidSaltError,
  PrivacyDependencyError,
  PrivateInputRequiredError,
} from './privacy.js'
export { ManifestMismatchError, ManifestNotFoundError, ModelNotFoundError, ModelNotRequestableError, UntrustedSetupError } from './model.js'
export {
  InputHashMismatchError,
  InsufficientFeeError,
  InvalidProofError,
  NotDisputableError,
  RequestExpiredError,
  RequestNotFoundError,
  DisputeNotFoundError,
  RequestNotPendingError,
  RequestNotRefundableError,
  ResultNotFinalError,
  WaitForResultTimeoutError,
} from './request.js'
export { AccountNotFoundError, BeneficiaryNotFoundError, ChainMismatchError, ContractCallError } from './client.js'
export { NothingToVerifyError, VerificationKeyNotFoundError } from './verify.js'
export { InvalidProofBytesError, InvalidProofFieldError, InvalidVerificationKeyBytesError, InvalidVerificationKeyError } from './verificationKey.js'
