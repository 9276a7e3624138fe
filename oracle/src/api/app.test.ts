import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { recoverAttestationSigner } from '../attest/attestation.js'
import { loadConfig } from '../config/loadConfig.js'
import { createLogger } from '../logger.js'
import { OracleNode } from '../node/oracleNode.js'
import { nodeConfig, startTestChain, waitFor, type TestChain } from '../testing/harness.js'
import { privateKeyToAccount } from 'viem/accounts'
import { signPeerRequest } from '../attest/peerAuth.js'
import { anvilPrivateKeys } from '../devnet/anvil.js'
import { createApp, createPeerApp } from './app.js'

const key = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'

describe('HTTP API', () => {
  let chain: TestChain
  let node: OracleNode
  let app: Hono
  let peerApp: Hono
  let input: number[]

  beforeAll(async () => {
    chain = await startTestChain()
    // The node serves attested mode too: its key (anvil account 1) must be a staked operator to start.
    await chain.registerOperator(1)
    input = chain.testInputs[0]!
    const { config, operatorKey } = loadConfig({
      env: { VERIDICT_OPERATOR_KEY: key },
      flags: { ...nodeConfig(chain, { httpPort: 0 }), dataDir: mkdtempSync(join(tmpdir(), 'veridict-api-')), maxBodyBytes: 4096 },
    })
    node = await OracleNode.create({ config, operatorKey, logger: createLogger('silent') })
    app = createApp(node)
    peerApp = createPeerApp(node)
    await node.start()
    await waitFor(() => node.health().ok, { what: 'the node to read the registrations' })
  })

  afterAll(async () => {
    await node?.stop()
    await chain?.stop()
  })

  const post = (path: string, body: unknown, raw = false) => app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body) })
  /** A POST to the peer API signed by anvil account `caller` (account 1, the node's own operator, is active), at `now`. */
  const peerPost = async (body: unknown, { caller = 1, now = Date.now(), signedBody }: { caller?: number; now?: number; signedBody?: string } = {}) => {
    const text = JSON.stringify(body)
    const headers = await signPeerRequest({ account: privateKeyToAccount(anvilPrivateKeys[caller]!), domain: node.domain, body: signedBody ?? text, now })
    return peerApp.request('/v1/attestations', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text })
  }
  const error = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error

  test('serves an off-chain inference with an attestation signed for requestId 0', async () => {
    const response = await post('/v1/inference', { model: 'iris', input })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { modelId: string; output: { values: number[]; float: number[] }; attestation: { modelId: `0x${string}`; inputHash: `0x${string}`; outputHash: `0x${string}`; traceRoot: `0x${string}`; signature: `0x${string}`; signer: string } }
    expect(body.modelId).toBe(chain.modelId)
    body.output.values.forEach((v, i) => expect(Math.abs(v - body.output.float[i]!)).toBeLessThan(0.25))
    const { attestation } = body
    expect(await recoverAttestationSigner(node.domain, { requestId: 0n, ...attestation }, attestation.signature)).toBe(attestation.signer)
  })

  test('returns a proof on request', async () => {
    const response = await post('/v1/inference', { model: chain.modelId, input, prove: true })
    expect(response.status).toBe(200)
    expect(((await response.json()) as { proof: { proof: string } }).proof.proof).toMatch(/^0x[0-9a-f]{512}$/)
  })

  test('rejects bad input with a 4xx and a clear message, changing nothing', async () => {
    const before = JSON.stringify(node.store.countByState())
    const cases: [Response, number, string, RegExp][] = [
      [await post('/v1/inference', { model: 'iris', input: [1, 2, 3] }), 400, 'invalid_input', /takes 4 values .*got 3/],
      [await post('/v1/inference', { model: 'iris', input: ['a', 'b', 'c', 'd'] }), 400, 'invalid_request', /input/],
      [await post('/v1/inference', { model: 'iris', input: [1e9, 0, 0, 0] }), 400, 'invalid_input', /outside the model's input range/],
      [await post('/v1/inference', { model: 'resnet', input }), 404, 'unknown_model', /Unknown model "resnet"/],
      [await post('/v1/inference', { model: 'iris', input, extra: 1 }), 400, 'invalid_request', /Unrecognized key/],
      [await post('/v1/inference', '{"model": ', true), 400, 'invalid_request', /not valid JSON/],
      [await post('/v1/inference', { model: 'iris', input: new Array(5000).fill(1) }), 413, 'body_too_large', /larger than 4096 bytes/],
      [await peerPost({ requestId: '1', signer: 'me' }), 400, 'invalid_request', /modelId/],
      [await peerPost({ requestId: '0', modelId: `0x${'1'.repeat(64)}`, inputHash: `0x${'2'.repeat(64)}`, outputHash: `0x${'3'.repeat(64)}`, traceRoot: `0x${'6'.repeat(64)}`, outputWords: ['1'], signer: `0x${'4'.repeat(40)}`, signature: `0x${'5'.repeat(130)}` }), 400, 'invalid_attestation', /requestId 0/],
      [await app.request('/v1/requests/abc'), 400, 'invalid_request', /decimal integer/],
      [await app.request('/v1/requests/7'), 404, 'request_not_found', /Request 7 is unknown/],
      [await app.request('/v2/nothing'), 404, 'not_found', /openapi/],
    ]
    for (const [response, status, code, message] of cases) {
      expect(response.status).toBe(status)
      const e = await error(response)
      expect(e.code).toBe(code)
      expect(e.message).toMatch(message)
    }
    expect(JSON.stringify(node.store.countByState())).toBe(before)
    expect(node.store.signatures(1n)).toEqual([])
  })

  test('keeps the peer API off the public listener, and takes only calls an active operator signed, before reading them', async () => {
    const attestation = { requestId: '1', modelId: `0x${'1'.repeat(64)}`, inputHash: `0x${'2'.repeat(64)}`, outputHash: `0x${'3'.repeat(64)}`, traceRoot: `0x${'6'.repeat(64)}`, outputWords: ['1'], signer: `0x${'4'.repeat(40)}`, signature: `0x${'5'.repeat(130)}` }
    // Before: the public listener took anyone's attestations (and recovered each signature).
    expect((await post('/v1/attestations', attestation)).status).toBe(404)
    const unsigned = await peerApp.request('/v1/attestations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(attestation) })
    const cases: [Response, number, string, RegExp][] = [
      [unsigned, 401, 'peer_auth_required', /x-veridict-operator, x-veridict-signed-at, x-veridict-signature/],
      [await peerPost(attestation, { caller: 4 }), 403, 'not_an_operator', /is not an active operator/],
      [await peerPost(attestation, { signedBody: JSON.stringify({ ...attestation, outputWords: ['2'] }) }), 401, 'peer_auth_invalid', /not 0x[0-9a-fA-F]{40}'s over this body/],
      [await peerPost(attestation, { now: Date.now() - 10 * 60_000 }), 401, 'peer_auth_invalid', /signed 6\d\d s from this node's clock/],
    ]
    for (const [response, status, code, message] of cases) {
      expect(response.status).toBe(status)
      const e = await error(response)
      expect(e.code).toBe(code)
      expect(e.message).toMatch(message)
    }
    expect(node.store.signatures(1n)).toEqual([])
  })

  test('describes itself: models, OpenAPI document and metrics', async () => {
    const models = (await (await app.request('/v1/models')).json()) as { models: { name: string; provable: boolean }[] }
    expect(models.models).toEqual([expect.objectContaining({ name: 'iris', provable: true, modelIds: [chain.modelId], proofSystem: 'groth16', insecureSetup: true })])
    const openapi = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> }
    expect(openapi.openapi).toBe('3.1.0')
    expect(Object.keys(openapi.paths)).toEqual(['/health', '/metrics', '/v1/models', '/v1/inference', '/v1/requests/{id}', '/v1/private-inputs', '/v1/attestations'])
    const metrics = await (await app.request('/metrics')).text()
    expect(metrics).toContain('veridict_jobs{state="pending"} 0')
    expect(metrics).toMatch(/veridict_inference_seconds_count\{model="iris"\} \d+/)
    const health = await app.request('/health')
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', models: [{ name: 'iris', modelIds: [chain.modelId] }], refusedRegistrations: [] })
  })
})
