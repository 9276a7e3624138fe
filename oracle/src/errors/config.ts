import { BaseError } from './base.js'

/** The configuration (file, environment or flags) is invalid. */
export class ConfigError extends BaseError {
  override name = 'ConfigError'
  constructor({ problems, source }: { problems: string[]; source: string }) {
    super(`Invalid node configuration (${source}).`, {
      metaMessages: problems.map((p) => `- ${p}`),
      details: 'Fix the values above in the config file, the VERIDICT_* environment variables or the command-line flags.',
    })
  }
}

/** The operator's (or, for `npm run deploy`, the deployer's) key could not be loaded: missing, malformed, or a keystore that does not decrypt. */
export class OperatorKeyError extends BaseError {
  override name = 'OperatorKeyError'
  constructor({ reason, cause, role = 'operator' }: { reason: string; cause?: unknown; role?: 'operator' | 'deployer' | undefined }) {
    super(`Cannot load the ${role} key: ${reason}.`, {
      cause,
      details:
        role === 'operator'
          ? 'Set VERIDICT_OPERATOR_KEY to a 0x-prefixed 32-byte hex key, or point keystore.path at an encrypted JSON keystore and set VERIDICT_KEYSTORE_PASSWORD.'
          : 'Pass --keystore FILE with its password in VERIDICT_KEYSTORE_PASSWORD, or set VERIDICT_DEPLOYER_KEY to a 0x-prefixed 32-byte hex key.',
    })
  }
}

/** The configured encryption key (encryptionKey, VERIDICT_ENCRYPTION_KEY) is not a Baby Jubjub secret scalar. */
export class EncryptionKeyError extends BaseError {
  override name = 'EncryptionKeyError'
  constructor({ reason }: { reason: string }) {
    super(`Invalid encryptionKey: ${reason}.`, {
      details: 'Set VERIDICT_ENCRYPTION_KEY to a whole number from 1 to the Baby Jubjub subgroup order minus 1 (decimal or 0x hex; generateEncryptionKey() from @veridict/sdk/private makes one), or leave it unset: the node then derives its key from the operator key.',
    })
  }
}

/** The node's log file (logFile, VERIDICT_LOG_FILE, --log-file) cannot be created or opened for appending. */
export class LogFileError extends BaseError {
  override name = 'LogFileError'
  constructor({ path, cause }: { path: string; cause: unknown }) {
    super(`Cannot open the log file ${path}: ${(cause as Error).message}.`, {
      cause,
      details: "Point logFile at a file in a folder the node's user can create and write, or leave logFile unset to log to stderr.",
    })
  }
}
