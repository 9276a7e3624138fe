import { Hono } from 'hono'
import { z } from 'zod'
import { attestationBody, inferenceBody, privateInputBody } from './schemas.js'
import { batchBody } from './attestations.js'

const error = { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } } }
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } })
const json = (schema: object, description = 'OK') => ({ description, content: { 'application/json': { schema } } })

/** The OpenAPI 3.1 description of the node's API; request bodies come from the same zod schemas that validate them. */
export const openapiDocument = () => ({
  openapi: '3.1.0',
  info: {
    title: 'Veridict oracle node',
    version: '0.1.0',
    description:
      'Off-chain inference with attestations and proofs, job status, health and metrics on the public listener (httpPort); peer attestation exchange on the peer listener (peerHttpPort, calls signed by an active operator: x-veridict-operator, x-veridict-signed-at, x-veridict-signature).',
  },
  components: {
    schemas: {
      Error: error,
      InferenceRequest: z.toJSONSchema(inferenceBody, { io: 'input' }),
      PrivateInput: z.toJSONSchema(privateInputBody, { io: 'input' }),
      PeerAttestation: z.toJSONSchema(attestationBody, { io: 'input' }),
      PeerAttestationBatch: z.toJSONSchema(batchBody, { io: 'input' }),
    },
  },
  paths: {
    '/health': { get: { summary: 'Chain, database and models status', responses: { 200: json({ type: 'object' }), 503: json({ type: 'object' }, 'Degraded') } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text/plain exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    '/v1/models': { get: { summary: 'Models this node serves', responses: { 200: json({ type: 'object' }) } } },
    '/v1/inference': {
      post: {
        summary: 'Off-chain inference: canonical and float output, an EIP-712 attestation with requestId 0, a proof on request',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/InferenceRequest' } } } },
        responses: {
          200: json({ type: 'object' }),
          400: errorResponse('Invalid body or input'),
          401: errorResponse('The node requires an API key (Authorization: Bearer <key>)'),
          404: errorResponse('Unknown model'),
          413: errorResponse('Body too large'),
          422: errorResponse('Model not provable'),
          429: errorResponse('Rate limited (Retry-After says when to try again)'),
        },
      },
    },
    '/v1/requests/{id}': {
      get: {
        summary: "An on-chain request's job: state, output, signatures and history",
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d+$' } }],
        responses: { 200: json({ type: 'object' }), 400: errorResponse('Invalid id'), 404: errorResponse('Unknown request') },
      },
    },
    '/v1/private-inputs': {
      post: {
        summary:
          "A private request's input words and salt, encrypted to this node's key (GET /health: encryptionKey; OperatorStaking.encryptionKeyOf). The node decrypts them, checks them against the request's on-chain commitment, stores only the ciphertext and serves the request. Sent again while the request waits: accepted again.",
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PrivateInput' } } } },
        responses: {
          202: json({ type: 'object', properties: { requestId: { type: 'string' }, state: { type: 'string' } }, required: ['requestId', 'state'] }, 'Accepted: the request is served'),
          400: errorResponse('Invalid body'),
          401: errorResponse('The node requires an API key (Authorization: Bearer <key>)'),
          404: errorResponse('Request not seen yet (try again in a few seconds) or not for a model this node serves'),
          409: errorResponse('The request is not for a private-input model (not_private), or it is closed or already served (request_closed)'),
          413: errorResponse('Body too large'),
          422: errorResponse("Not encrypted to this node's key (not_for_this_operator), or not the input the request committed to (commitment_mismatch)"),
          429: errorResponse('Rate limited (Retry-After says when to try again)'),
        },
      },
    },
    '/v1/attestations': {
      post: {
        summary:
          "Peer listener only. A peer operator's signature over an attested request's output, or a batch of them ({ attestations: [...] }, answered 200 with one result each); two valid signatures by one operator for different outputs are reported on-chain as equivocation. The call itself is signed by an active operator (EIP-712 PeerRequest over the body's keccak256).",
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/PeerAttestation' }, { $ref: '#/components/schemas/PeerAttestationBatch' }] } } },
        },
        responses: {
          200: json({ type: 'object' }, 'Already held, or the results of a batch'),
          201: json({ type: 'object' }, 'Stored'),
          400: errorResponse('Invalid or foreign signature'),
          401: errorResponse('The call is not signed, or not by the operator it names'),
          403: errorResponse('The signer is not an active operator'),
        },
      },
    },
  },
})

export const openapiApp = () => new Hono().get('/openapi.json', (c) => c.json(openapiDocument()))
