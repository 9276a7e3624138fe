import { Hono } from 'hono'
import { describe, expect, test } from 'vitest'
import { rateLimit, requireApiKey } from './access.js'

const app = (...middleware: Parameters<Hono['use']>[1][]) => {
  const hono = new Hono()
  hono.use('/v1/inference', ...middleware)
  return hono.post('/v1/inference', (c) => c.json({ ok: true })).get('/v1/models', (c) => c.json({ ok: true }))
}
const call = (hono: Hono, headers: Record<string, string> = {}) => hono.request('/v1/inference', { method: 'POST', headers })

describe('API keys', () => {
  const keys = ['k'.repeat(32), 'second-key-0123456789']

  test('with keys set, an inference needs one of them (Bearer or X-API-Key); reads stay open', async () => {
    const hono = app(requireApiKey(keys))
    const refused = await call(hono)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toBe('Bearer')
    expect(await refused.json()).toEqual({ error: { code: 'unauthorized', message: 'POST /v1/inference needs an API key on this node: send Authorization: Bearer <key> (ask the operator for one).' } })
    expect((await call(hono, { authorization: 'Bearer wrong-key-of-some-length' })).status).toBe(401)
    expect((await call(hono, { authorization: `Bearer ${keys[0]}` })).status).toBe(200)
    expect((await call(hono, { 'x-api-key': keys[1]! })).status).toBe(200)
    expect((await hono.request('/v1/models')).status).toBe(200)
  })

  test('without keys, anyone may ask', async () => {
    expect((await call(app(requireApiKey([])))).status).toBe(200)
  })
})

describe('rate limit', () => {
  test('allows a burst of the per-minute limit per client, then 429 with Retry-After; each issued key has its own bucket', async () => {
    const hono = app(rateLimit(3, { byKey: true }))
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await call(hono, { 'x-api-key': 'client-a' })).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    const limited = await call(hono, { 'x-api-key': 'client-a' })
    expect(limited.headers.get('retry-after')).toBe('20')
    expect(await limited.json()).toEqual({ error: { code: 'rate_limited', message: 'Too many calls: this node allows 3 POST /v1/inference a minute per client; try again in 20 s.' } })
    expect((await call(hono, { 'x-api-key': 'client-b' })).status).toBe(200)
  })

  test('on a node without keys, a made-up key buys no fresh bucket: the client is its address', async () => {
    const hono = app(rateLimit(2))
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await call(hono, { 'x-api-key': `made-up-${i}` })).status)
    expect(statuses).toEqual([200, 200, 429, 429])
  })

  test('0 turns it off', async () => {
    const hono = app(rateLimit(0))
    for (let i = 0; i < 10; i++) expect((await call(hono)).status).toBe(200)
  })
})
