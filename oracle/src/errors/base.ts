export { BaseError } from '../../../sdk/src/errors/base.js'
export type { BaseErrorParameters } from '../../../sdk/src/errors/base.js'
