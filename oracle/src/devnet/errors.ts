import { BaseError } from '../errors/base.js'

/** The devnet could not start, or a step of the demo did not do what it should. */
export class DevnetError extends BaseError {
  override name = 'DevnetError'
}
