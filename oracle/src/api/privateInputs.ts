import { Hono } from 'hono'
import type { OracleNode } from '../node/oracleNode.js'
import { privateInputBody } from './schemas.js'
import { jsonBody } from './validate.js'

/**
 * A private request's input, encrypted to this node's key by its user (docs/node.md, Private
 * inputs): checked against the request's on-chain commitment, stored as ciphertext, served.
 */
export const privateInputsApp = (node: OracleNode) =>
  new Hono().post('/', async (c) => {
    const { requestId, encrypted } = await jsonBody(c, privateInputBody)
    const accepted = await node.receivePrivateInput(BigInt(requestId), {
      ephemeralKey: { x: BigInt(encrypted.ephemeralKey.x), y: BigInt(encrypted.ephemeralKey.y) },
      nonce: BigInt(encrypted.nonce),
      ciphertext: encrypted.ciphertext.map(BigInt),
      length: encrypted.length,
    })
    return c.json({ requestId: String(accepted.requestId), state: accepted.state }, 202)
  })
