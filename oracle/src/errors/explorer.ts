import { BaseError } from './base.js'

/** The explorer could not reach the chain, or the chain has no Veridict oracle where it was told. */
export class ExplorerConnectionError extends BaseError {
  override name = 'ExplorerConnectionError'
}

/** The explorer was started with missing or malformed options (a deployment file, an address, a port). */
export class ExplorerOptionsError extends BaseError {
  override name = 'ExplorerOptionsError'
}

/** A page or API path named something that does not exist (a route, or a model the registry does not hold). */
export class ExplorerNotFoundError extends BaseError {
  override name = 'ExplorerNotFoundError'
}

/** The explorer's HTTP server could not listen on the address and port it was given. */
export class ExplorerListenError extends BaseError {
  override name = 'ExplorerListenError'
}
