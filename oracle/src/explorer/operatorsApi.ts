import { Hono } from 'hono'
import type { Explorer } from './createExplorer.js'
import { jsonResponse } from './jsonResponse.js'

/** GET /api/operators: stake, locks, activity and node health of every registered operator. */
export const operatorsApi = (explorer: Explorer) =>
  new Hono().get('/', async (c) => {
    await explorer.index.refresh()
    return jsonResponse(c, { nodeUrls: explorer.operators.nodes.map((n) => n.url), ...(await explorer.operators.list()) })
  })
