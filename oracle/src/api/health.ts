import { Hono } from 'hono'
import type { OracleNode } from '../node/oracleNode.js'

export const healthApp = (node: OracleNode) =>
  new Hono().get('/health', (c) => {
    const health = node.health()
    const body = JSON.parse(JSON.stringify(health, (_, v) => (typeof v === 'bigint' ? Number(v) : v))) as object
    return c.json({ status: health.ok ? 'ok' : 'degraded', ...body }, health.ok ? 200 : 503)
  })
