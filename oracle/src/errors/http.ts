import { BaseError } from './base.js'

/** A request body or query did not pass validation. */
export class RequestValidationError extends BaseError {
  override name = 'RequestValidationError'
  constructor({ problems }: { problems: string[] }) {
    super(`Invalid request: ${problems.join('; ')}.`)
  }
}
