import { Hono } from 'hono'
import type { OracleNode } from '../node/oracleNode.js'
import { requestIdParam } from './schemas.js'
import { params } from './validate.js'

export const requestsApp = (node: OracleNode) =>
  new Hono().get('/:id', async (c) => {
    const { id } = params(c.req.param(), requestIdParam)
    const { job, floatOutput, history, signatures } = await node.getRequest(BigInt(id))
    return c.json({
      requestId: id,
      modelId: job.modelId,
      mode: job.mode,
      quorum: job.quorum,
      state: job.state,
      action: job.action,
      fee: String(job.fee),
      deadline: job.deadline,
      block: { number: Number(job.blockNumber), hash: job.blockHash },
      inputWords: job.inputWords.map(String),
      output: job.outputWords ? { words: job.outputWords.map(String), hash: job.outputHash, float: floatOutput } : null,
      attestedOutputHash: job.attestedOutputHash ?? null,
      challengeEnd: job.challengeEnd ?? null,
      txHash: job.txHash ?? null,
      error: job.error ?? null,
      signatures: signatures.map((s) => ({ signer: s.signer, outputHash: s.outputHash })),
      history,
    })
  })
