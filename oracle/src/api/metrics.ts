import { Hono } from 'hono'
import type { OracleNode } from '../node/oracleNode.js'

export const metricsApp = (node: OracleNode) =>
  new Hono().get('/metrics', (c) => c.text(node.metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }))
