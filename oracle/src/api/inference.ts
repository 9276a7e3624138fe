import { Hono } from 'hono'
import type { OracleNode } from '../node/oracleNode.js'
import { inferenceBody } from './schemas.js'
import { jsonBody } from './validate.js'

export const inferenceApp = (node: OracleNode) =>
  new Hono().post('/', async (c) => {
    const body = await jsonBody(c, inferenceBody)
    const input = Array.isArray(body.input) ? { values: body.input } : { quantized: body.input.quantized.map((v) => BigInt(v)) }
    const { model, modelId, result, attestation, signature, proof } = await node.inferOffchain({ model: body.model, input, prove: body.prove, beneficiary: body.beneficiary as `0x${string}` | undefined })
    return c.json({
      model: model.name,
      modelId,
      output: {
        values: model.dequantize(result.output),
        quantized: result.output.map(String),
        words: result.outputWords.map(String),
        float: await result.floatOutput,
      },
      inputWords: result.inputWords.map(String),
      attestation: {
        requestId: '0',
        modelId: attestation.modelId,
        inputHash: attestation.inputHash,
        outputHash: attestation.outputHash,
        traceRoot: attestation.traceRoot,
        signer: node.address,
        signature,
        domain: { name: 'Veridict', version: '1', chainId: node.config.chainId, verifyingContract: node.config.oracle },
      },
      ...(proof ? { proof } : {}),
    })
  })
