import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { BaseError } from '../errors/base.js'
import type { OracleNode } from '../node/oracleNode.js'
import { rateLimit, requireApiKey, requireOperatorSignature } from './access.js'
import { attestationsApp } from './attestations.js'
import { healthApp } from './health.js'
import { inferenceApp } from './inference.js'
import { metricsApp } from './metrics.js'
import { modelsApp } from './models.js'
import { openapiApp } from './openapi.js'
import { privateInputsApp } from './privateInputs.js'
import { requestsApp } from './requests.js'
import { isStorageFull } from '../store/storageFull.js'

const statusOf: Record<string, [ContentfulStatusCode, string]> = {
  RequestValidationError: [400, 'invalid_request'],
  InvalidInputError: [400, 'invalid_input'],
  InvalidAttestationError: [400, 'invalid_attestation'],
  UnknownModelError: [404, 'unknown_model'],
  RequestNotFoundError: [404, 'request_not_found'],
  NotProvableError: [422, 'not_provable'],
  ModelNotRegisteredError: [409, 'model_not_registered'],
  NotPrivateInputError: [409, 'not_private'],
  RequestClosedError: [409, 'request_closed'],
  NotForThisOperatorError: [422, 'not_for_this_operator'],
  CommitmentMismatchError: [422, 'commitment_mismatch'],
  NodeNotReadyError: [503, 'not_ready'],
}

/** A body size limit, then the routes `mount` adds, with errors as { error: { code, message } }. */
function withErrors(node: OracleNode, mount: (app: Hono) => void): Hono {
  const app = new Hono()
  app.use(
    '*',
    bodyLimit({
      maxSize: node.config.maxBodyBytes,
      onError: () => {
        throw new HTTPException(413, { message: `The request body is larger than ${node.config.maxBodyBytes} bytes.` })
      },
    }),
  )
  mount(app)
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}. See GET /openapi.json.` } }, 404))
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const code = error.status === 413 ? 'body_too_large' : 'http_error'
      return c.json({ error: { code, message: error.message } }, error.status)
    }
    const mapped = error instanceof BaseError ? statusOf[error.name] : undefined
    if (mapped) return c.json({ error: { code: mapped[1], message: (error as BaseError).shortMessage + ((error as BaseError).details ? ` ${(error as BaseError).details}` : '') } }, mapped[0])
    if (isStorageFull(error)) {
      node.noteStorageFull(error)
      return c.json({ error: { code: 'storage_full', message: "The node's data folder is full: nothing was stored. Try again later." } }, 503)
    }
    node.logger.error({ err: error.message, path: c.req.path }, 'internal error in the HTTP API')
    return c.json({ error: { code: 'internal', message: 'Internal error; see the node logs.' } }, 500)
  })
  return app
}

/**
 * The node's public API: one sub-app per feature. Asking for an inference (which can ask for a
 * proof) and sending a private input (which the node decrypts and checks) need an API key when the
 * node has any, and are rate limited per client; reads are open.
 */
export function createApp(node: OracleNode): Hono {
  return withErrors(node, (app) => {
    for (const path of ['/v1/inference', '/v1/private-inputs']) app.use(path, requireApiKey(node.config.apiKeys), rateLimit(node.config.rateLimitPerMinute, { byKey: node.config.apiKeys.length > 0 }))
    app.route('/', healthApp(node))
    app.route('/', metricsApp(node))
    app.route('/', openapiApp())
    app.route('/v1/models', modelsApp(node))
    app.route('/v1/inference', inferenceApp(node))
    app.route('/v1/requests', requestsApp(node))
    app.route('/v1/private-inputs', privateInputsApp(node))
  })
}

/**
 * The peer API, on a listener of its own: the other operators' attestation signatures. Every call
 * is signed by an active operator (attest/peerAuth.ts), checked before the body is read.
 */
export function createPeerApp(node: OracleNode): Hono {
  return withErrors(node, (app) => {
    app.use('/v1/attestations', requireOperatorSignature(node))
    app.route('/v1/attestations', attestationsApp(node))
  })
}
