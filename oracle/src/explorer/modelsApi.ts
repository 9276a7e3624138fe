import { Hono } from 'hono'
import { getVerificationKey } from '@veridict/sdk'
import { z } from 'zod'
import type { Hex } from 'viem'
import type { Explorer } from './createExplorer.js'
import { jsonResponse, parseParams } from './jsonResponse.js'
import { modelView } from './modelView.js'

export const modelIdParam = z.object({ id: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a model id is 0x and 64 hex digits').transform((id) => id as Hex) })

/** GET /api/models, /api/models/:id and /api/models/:id/verification-key (the key's on-chain bytes, from the registry). */
export const modelsApi = (explorer: Explorer) =>
  new Hono()
    .get('/', async (c) => {
      await explorer.index.refresh()
      const entries = await explorer.models.list()
      return jsonResponse(c, { models: entries.map((entry) => ({ ...modelView(entry, explorer.models), requests: countRequests(explorer, entry.model.modelId) })) })
    })
    .get('/:id', async (c) => {
      const { id } = parseParams(c.req.param(), modelIdParam)
      await explorer.index.refresh()
      return jsonResponse(c, { ...modelView(await explorer.models.get(id), explorer.models), requests: countRequests(explorer, id) })
    })
    .get('/:id/verification-key', async (c) => {
      const { id } = parseParams(c.req.param(), modelIdParam)
      const { proofSystem, bytes, hash } = await getVerificationKey(explorer.connection.client, { modelId: id })
      return jsonResponse(c, { modelId: id, proofSystem, bytes, hash, registry: explorer.connection.deployment.registry })
    })

function countRequests(explorer: Explorer, modelId: Hex): number {
  let count = 0
  for (const request of explorer.index.requests.values()) if (request.modelId.toLowerCase() === modelId.toLowerCase()) count++
  return count
}
