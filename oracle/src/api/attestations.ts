import { Hono } from 'hono'
import type { Address, Hex } from 'viem'
import type { OracleNode } from '../node/oracleNode.js'
import { attestationBody } from './schemas.js'
import { jsonBody } from './validate.js'

export const attestationsApp = (node: OracleNode) =>
  new Hono().post('/', async (c) => {
    const body = await jsonBody(c, attestationBody)
    const { stored } = await node.receiveAttestation({ ...body, modelId: body.modelId as Hex, inputHash: body.inputHash as Hex, outputHash: body.outputHash as Hex, signer: body.signer as Address, signature: body.signature as Hex })
    return c.json({ accepted: true, duplicate: !stored }, stored ? 201 : 200)
  })
