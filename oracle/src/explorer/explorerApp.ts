import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { HttpRequestError, TimeoutError } from 'viem'
import { getRequest } from '@veridict/sdk'
import { BaseError } from '../errors/base.js'
import { ExplorerNotFoundError } from '../errors/explorer.js'
import type { ExplorerAssets } from './explorerAssets.js'
import type { Explorer } from './createExplorer.js'
import { jsonResponse, parseParams } from './jsonResponse.js'
import { modelIdParam, modelsApi } from './modelsApi.js'
import { networkApi } from './networkApi.js'
import { operatorsApi } from './operatorsApi.js'
import { renderPage } from './renderPage.js'
import { requestIdParam, requestsApi } from './requestsApi.js'

/** Error name to HTTP status and the API's error code. */
const statusOf: Record<string, [ContentfulStatusCode, string]> = {
  RequestValidationError: [400, 'invalid_request'],
  RequestNotFoundError: [404, 'request_not_found'],
  ModelNotFoundError: [404, 'model_not_found'],
  VerificationKeyNotFoundError: [404, 'verification_key_not_found'],
  DisputeNotFoundError: [404, 'dispute_not_found'],
  ExplorerConnectionError: [502, 'rpc_unavailable'],
}

/**
 * The explorer's web app: the JSON API under /api (one sub-app per feature), the pages (one HTML
 * shell that the front end fills from the API) and the front end's assets. Every error becomes
 * `{ error: { code, message } }` with its status, or for a page the same message in HTML.
 */
export function createExplorerApp(explorer: Explorer, assets: ExplorerAssets): Hono {
  const app = new Hono()
  app.route('/api/network', networkApi(explorer))
  app.route('/api/requests', requestsApi(explorer))
  app.route('/api/models', modelsApi(explorer))
  app.route('/api/operators', operatorsApi(explorer))

  const asset = (body: string, type: string) => (c: Context) => c.body(body, 200, { 'content-type': type, 'cache-control': 'no-cache' })
  app.get('/assets/app.js', asset(assets.js, 'text/javascript; charset=utf-8'))
  app.get('/assets/app.css', asset(assets.css, 'text/css; charset=utf-8'))
  app.get('/assets/snarkjs.min.js', asset(assets.snarkjs, 'text/javascript; charset=utf-8'))

  app.get('/', (c) => c.html(renderPage({ page: 'requests' })))
  app.get('/models', (c) => c.html(renderPage({ page: 'models' })))
  app.get('/operators', (c) => c.html(renderPage({ page: 'operators' })))
  app.get('/requests/:id', async (c) => {
    const { id } = parseParams(c.req.param(), requestIdParam)
    await explorer.index.refresh()
    // The index holds every request up to the head it scanned; one newer than that is looked up on-chain.
    if (!explorer.index.requests.has(id)) await getRequest(explorer.connection.client, { requestId: id })
    return c.html(renderPage({ page: 'request', id: id.toString() }))
  })
  app.get('/models/:id', async (c) => {
    const { id } = parseParams(c.req.param(), modelIdParam)
    await explorer.models.get(id)
    return c.html(renderPage({ page: 'model', id }))
  })

  app.notFound(() => {
    throw new ExplorerNotFoundError('No such page or API route.')
  })
  app.onError((error, c) => {
    const { status, code, message } = describeError(error, explorer, c.req.path)
    if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/assets/')) return jsonResponse(c, { error: { code, message } }, status)
    return c.html(renderPage({ page: 'error', error: { code, message } }), status)
  })
  return app
}

function describeError(error: Error, explorer: Explorer, path: string): { status: ContentfulStatusCode; code: string; message: string } {
  if (error instanceof HTTPException) return { status: error.status, code: 'http_error', message: error.message }
  if (error instanceof ExplorerNotFoundError) return { status: 404, code: 'not_found', message: `${error.shortMessage} (${path})` }
  const rpc = error instanceof BaseError ? error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError) : error instanceof HttpRequestError || error instanceof TimeoutError ? error : null
  if (rpc) return { status: 502, code: 'rpc_unavailable', message: `The RPC at ${explorer.connection.rpcName} did not answer: ${(rpc as Error & { shortMessage?: string }).shortMessage ?? (rpc as Error).message}` }
  const mapped = error instanceof BaseError ? statusOf[error.name] : undefined
  if (mapped) return { status: mapped[0], code: mapped[1], message: (error as BaseError).shortMessage + ((error as BaseError).details ? ` ${(error as BaseError).details}` : '') }
  console.error(`explorer: internal error on ${path}:`, error)
  return { status: 500, code: 'internal', message: `Internal error on ${path}: ${error instanceof BaseError ? error.shortMessage : error.message}` }
}
