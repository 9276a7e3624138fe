import { version } from '../version.js'

export type BaseErrorParameters = {
  details?: string | undefined
  cause?: unknown
  metaMessages?: string[] | undefined
  /** The page of the repository's docs that explains this error (e.g. `docs/disputes.md`). */
  docsPath?: string | undefined
}

/**
 * Root of every error thrown by `@veridict/sdk`: a short message, optional details and a cause,
 * on viem's model: `shortMessage`, `details`, `metaMessages`, `docsPath`, `version`, and `walk` to
 * find a cause down the chain (viem's own errors included).
 *
 * @example
 * import { BaseError } from '@veridict/sdk'
 *
 * try {
 *   await requestInference(veridict, { modelId, values })
 * } catch (error) {
 *   if (error instanceof BaseError) console.error(error.shortMessage, error.details)
 * }
 */
export class BaseError extends Error {
  override name = 'VeridictError'
  readonly shortMessage: string
  readonly details: string | undefined
  readonly metaMessages: string[] | undefined
  readonly docsPath: string | undefined
  /** `@veridict/sdk@<version>`, for bug reports. */
  readonly version = `@veridict/sdk@${version}`

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const lines = [shortMessage]
    if (parameters.metaMessages) lines.push('', ...parameters.metaMessages)
    if (parameters.details) lines.push('', `Details: ${parameters.details}`)
    super(lines.join('\n'), parameters.cause === undefined ? undefined : { cause: parameters.cause })
    this.shortMessage = shortMessage
    this.details = parameters.details
    this.metaMessages = parameters.metaMessages
    this.docsPath = parameters.docsPath
  }

  /**
   * Walks the cause chain from this error: the first error (this one included) for which `fn`
   * returns true, or null; without `fn`, the deepest cause. As viem's `BaseError.walk`.
   *
   * @example
   * const revert = error.walk((e) => e instanceof ContractFunctionRevertedError)
   */
  walk(fn?: (error: unknown) => boolean): unknown {
    let current: unknown = this
    for (let depth = 0; depth < 100; depth++) {
      if (fn?.(current)) return current
      const next = (current as { cause?: unknown } | null)?.cause
      if (next === undefined || next === null || next === current) return fn ? null : current
      current = next
    }
    return fn ? null : current
  }
}
