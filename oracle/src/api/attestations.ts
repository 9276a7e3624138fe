import { Hono } from 'hono'
import { z } from 'zod'
import type { Address, Hex } from 'viem'
import { MAX_BATCH, type PeerAttestation, type PeerBatchResult } from '../attest/peerClient.js'
import { BaseError } from '../errors/base.js'
import type { OracleNode } from '../node/oracleNode.js'
import { attestationBody } from './schemas.js'
import { jsonBody, params } from './validate.js'

export const batchBody = z.object({ attestations: z.array(attestationBody).min(1).max(MAX_BATCH) }).strict()

const toPeerAttestation = (body: z.output<typeof attestationBody>): PeerAttestation => ({
  ...body,
  modelId: body.modelId as Hex,
  inputHash: body.inputHash as Hex,
  outputHash: body.outputHash as Hex,
  traceRoot: body.traceRoot as Hex,
  signer: body.signer as Address,
  signature: body.signature as Hex,
  batch: body.batch ? { requestIds: body.batch.requestIds, outputHashes: body.batch.outputHashes as Hex[], traceRoots: body.batch.traceRoots as Hex[] } : undefined,
})

/**
 * POST /v1/attestations: a peer's signature, or `{ attestations: [...] }` (what nodes send each
 * other: one request per batch). A batch answers 200 with one result per attestation; a bad one
 * fails alone.
 */
export const attestationsApp = (node: OracleNode) =>
  new Hono().post('/', async (c) => {
    const body: unknown = await jsonBody(c, z.unknown())
    if (typeof body === 'object' && body !== null && 'attestations' in body) {
      const { attestations } = params(body, batchBody)
      const results: PeerBatchResult[] = []
      for (const attestation of attestations) {
        try {
          const { stored } = await node.receiveAttestation(toPeerAttestation(attestation))
          results.push({ accepted: true, duplicate: !stored })
        } catch (error) {
          if (error instanceof BaseError && error.name === 'AttestationNotReadyError') {
            results.push({ accepted: false, retry: true, error: { code: 'not_ready', message: error.shortMessage } })
            continue
          }
          if (!(error instanceof BaseError) || error.name !== 'InvalidAttestationError') throw error
          results.push({ accepted: false, error: { code: 'invalid_attestation', message: error.shortMessage } })
        }
      }
      return c.json({ results })
    }
    const { stored } = await node.receiveAttestation(toPeerAttestation(params(body, attestationBody)))
    return c.json({ accepted: true, duplicate: !stored }, stored ? 201 : 200)
  })
