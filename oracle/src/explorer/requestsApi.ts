import { Hono } from 'hono'
import { z } from 'zod'
import type { Explorer } from './createExplorer.js'
import type { RequestSummary } from './eventIndex.js'
import { getRequestDetail } from './getRequestDetail.js'
import { jsonResponse, parseParams } from './jsonResponse.js'

const listQuery = z.object({
  status: z.enum(['requested', 'attested', 'fulfilled', 'finalized', 'refunded', 'final', 'pending', 'expired']).optional(),
  mode: z.enum(['zk', 'attested']).optional(),
  model: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, 'a model id is 0x and 64 hex digits')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
})

export const requestIdParam = z.object({ id: z.string().regex(/^\d{1,78}$/, 'a request id is a decimal number').transform(BigInt) })

/** Finality as people read it: a proof or a finalized attestation is final; an attestation in its window is pending. */
export function finalityOf(request: RequestSummary, expired: boolean): 'final' | 'pending' | 'open' | 'expired' | 'refunded' {
  if (request.status === 'fulfilled' || request.status === 'finalized') return 'final'
  if (request.status === 'attested') return 'pending'
  if (request.status === 'refunded') return 'refunded'
  return expired ? 'expired' : 'open'
}

/** GET /api/requests (the live list, filtered) and GET /api/requests/:id (one request, decoded). */
export const requestsApi = (explorer: Explorer) =>
  new Hono()
    .get('/', async (c) => {
      const query = parseParams(c.req.query(), listQuery)
      await explorer.index.refresh()
      const all = explorer.index.list().map((request) => {
        const { events: _events, ...summary } = request
        const finality = finalityOf(request, explorer.index.expired(request))
        return { ...summary, finality, latencySeconds: request.finalAt === undefined ? undefined : request.finalAt - request.requestedAt }
      })
      const matching = all.filter(
        (r) =>
          (!query.status || r.status === query.status || r.finality === query.status) &&
          (!query.mode || r.mode === query.mode) &&
          (!query.model || r.modelId.toLowerCase() === query.model.toLowerCase()),
      )
      return jsonResponse(c, { head: explorer.index.head, total: matching.length, requests: matching.slice(query.offset, query.offset + query.limit) })
    })
    .get('/:id', async (c) => {
      const { id } = parseParams(c.req.param(), requestIdParam)
      return jsonResponse(c, await getRequestDetail(explorer, { requestId: id }))
    })
