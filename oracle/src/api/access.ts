import { createHash, timingSafeEqual } from 'node:crypto'
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context, MiddlewareHandler } from 'hono'
import type { OracleNode } from '../node/oracleNode.js'
import { verifyPeerRequest } from '../attest/peerAuth.js'

const digest = (key: string) => createHash('sha256').update(key).digest()

/** The key a client presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
function presentedKey(c: Context): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1]
  return bearer ?? c.req.header('x-api-key') ?? undefined
}

/** The client's IP address, when the request came over a socket (not in an in-process test). */
function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/**
 * Requires one of `keys` (compared in constant time) when there are any. A wrong or missing key is
 * a 401 that says how to send one; the key itself is never logged or echoed.
 */
export function requireApiKey(keys: readonly string[]): MiddlewareHandler {
  const digests = keys.map(digest)
  return async (c, next) => {
    if (digests.length === 0) return next()
    const key = presentedKey(c)
    const presented = key === undefined ? undefined : digest(key)
    if (!presented || !digests.some((d) => timingSafeEqual(d, presented)))
      return c.json({ error: { code: 'unauthorized', message: `${c.req.method} ${c.req.path} needs an API key on this node: send Authorization: Bearer <key> (ask the operator for one).` } }, 401, { 'www-authenticate': 'Bearer' })
    return next()
  }
}

/**
 * At most `perMinute` calls a minute per client, as a token bucket: a burst of up to `perMinute`,
 * refilled evenly. Over the limit: 429 with Retry-After. A client is its API key when the node has
 * keys (`byKey`: requireApiKey has checked it), else its IP address: a key the node never issued
 * must not buy a fresh bucket. Idle clients' buckets are dropped, so memory stays bounded by the
 * clients of the last minute.
 */
export function rateLimit(perMinute: number, { byKey = false }: { byKey?: boolean } = {}): MiddlewareHandler {
  const buckets = new Map<string, { tokens: number; at: number }>()
  const perMs = perMinute / 60_000
  let sweptAt = Date.now()
  return async (c, next) => {
    if (perMinute === 0) return next()
    const now = Date.now()
    if (now - sweptAt > 60_000) {
      for (const [client, bucket] of buckets) if (bucket.tokens + (now - bucket.at) * perMs >= perMinute) buckets.delete(client)
      sweptAt = now
    }
    const key = byKey ? presentedKey(c) : undefined
    const client = key ? `key:${digest(key).toString('hex')}` : `ip:${clientAddress(c)}`
    const bucket = buckets.get(client) ?? { tokens: perMinute, at: now }
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * perMs)
    bucket.at = now
    buckets.set(client, bucket)
    if (bucket.tokens < 1) {
      const retryAfter = Math.ceil((1 - bucket.tokens) / perMs / 1000)
      return c.json({ error: { code: 'rate_limited', message: `Too many calls: this node allows ${perMinute} ${c.req.method} ${c.req.path} a minute per client; try again in ${retryAfter} s.` } }, 429, { 'retry-after': String(retryAfter) })
    }
    bucket.tokens -= 1
    return next()
  }
}

/** Refuses peer API calls that an active operator did not sign (attest/peerAuth.ts), before the body is parsed. */
export function requireOperatorSignature(node: OracleNode): MiddlewareHandler {
  return async (c, next) => {
    const verdict = await verifyPeerRequest({ domain: node.domain, headers: (name) => c.req.header(name), body: await c.req.text(), isActiveOperator: (operator) => node.isActiveOperator(operator) })
    if ('status' in verdict) return c.json({ error: { code: verdict.code, message: verdict.message } }, verdict.status)
    return next()
  }
}
