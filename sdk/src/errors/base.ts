export type BaseErrorParameters = {
  details?: string | undefined
  cause?: unknown
  metaMessages?: string[] | undefined
}

/**
 * Root of every error thrown by `@veridict/sdk`: a short message, optional details and a cause.
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

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const lines = [shortMessage]
    if (parameters.metaMessages) lines.push('', ...parameters.metaMessages)
    if (parameters.details) lines.push('', `Details: ${parameters.details}`)
    super(lines.join('\n'), parameters.cause === undefined ? undefined : { cause: parameters.cause })
    this.shortMessage = shortMessage
    this.details = parameters.details
    this.metaMessages = parameters.metaMessages
  }
}
