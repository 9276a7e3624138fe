export { BaseError, type BaseErrorParameters } from '@veridict/sdk/errors'
