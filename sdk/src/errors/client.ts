import { BaseError } from './base.js'

/**
 * A write action was called on a client without a wallet client or account.
 *
 * @example
 * const readOnly = createVeridictClient({ publicClient, deployment })
 * await requestInference(readOnly, { modelId, values }) // throws AccountNotFoundError
 */
export class AccountNotFoundError extends BaseError {
  override name = 'AccountNotFoundError'
  constructor({ action }: { action: string }) {
    super(`${action} sends a transaction and needs an account.`, {
      details: 'Create the client with a `walletClient` that has an account, or pass `account`.',
    })
  }
}

/**
 * The clients are connected to another chain than the deployment's.
 *
 * @example
 * createVeridictClient({ publicClient: mainnetClient, deployment: { chainId: 31337, ... } }) // throws ChainMismatchError
 */
export class ChainMismatchError extends BaseError {
  override name = 'ChainMismatchError'
  constructor({ expected, received }: { expected: number; received: number }) {
    super(`The client is on chain ${received}, but the deployment is on chain ${expected}.`, {
      details: 'Point the public and wallet clients at the chain the Veridict contracts are deployed on.',
    })
  }
}

/**
 * A contract call reverted for a reason the SDK has no dedicated error for.
 *
 * @example
 * try {
 *   await withdraw(veridict)
 * } catch (error) {
 *   if (error instanceof ContractCallError) console.log(error.errorName) // 'NothingToWithdraw'
 * }
 */
export class ContractCallError extends BaseError {
  override name = 'ContractCallError'
  readonly errorName: string | undefined
  readonly args: readonly unknown[] | undefined
  constructor({
    functionName,
    errorName,
    args,
    reason,
    cause,
  }: { functionName: string; errorName?: string | undefined; args?: readonly unknown[] | undefined; reason?: string | undefined; cause?: unknown }) {
    const why =
      reason ?? (errorName ? `${errorName}(${(args ?? []).map(String).join(', ')})` : ((cause as { shortMessage?: string } | undefined)?.shortMessage ?? String(cause)))
    super(`${functionName} failed: ${why}.`, { cause })
    this.errorName = errorName
    this.args = args
  }
}

/**
 * A proof needs a beneficiary (who it pays) and none was given or found on the client.
 *
 * @example
 * await proveLocally(readOnlyClient, { requestId, dir }) // throws BeneficiaryNotFoundError
 */
export class BeneficiaryNotFoundError extends BaseError {
  override name = 'BeneficiaryNotFoundError'
  constructor({ action }: { action: string }) {
    super(`${action} binds a beneficiary into the proof and none was given.`, {
      details: 'Pass `beneficiary` (the address the fee or bounty is paid to), or create the client with a wallet account.',
    })
  }
}
