import { z } from 'zod'

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be 0x followed by 64 hex digits')
const uint = z.string().regex(/^\d{1,78}$/, 'must be a decimal integer string')

export const inferenceBody = z
  .object({
    model: z.string().min(1).max(100).describe('Model name or modelId (see GET /v1/models).'),
    input: z
      .union([
        z.array(z.number()).min(1).max(100_000),
        z.object({ quantized: z.array(z.union([z.string().regex(/^-?\d{1,40}$/), z.number().int()])).min(1).max(100_000) }).strict(),
      ])
      .describe('Real values (quantized at the model input scale), or { quantized: [...] } integers.'),
    prove: z.boolean().default(false).describe('Also return a proof of the output (Groth16 or PLONK, as the model was set up).'),
    beneficiary: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'must be an address')
      .optional()
      .describe('Who the proof pays when it is submitted (bound as its last public signal); default: this node\'s operator.'),
  })
  .strict()

export const attestationBody = z
  .object({
    requestId: uint,
    modelId: hex32,
    inputHash: hex32,
    outputHash: hex32,
    /** The trace root signed with the output (docs/disputes.md). */
    traceRoot: hex32,
    outputWords: z.array(uint).min(1).max(64),
    signer: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be an address'),
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'must be a 65-byte hex signature'),
    /**
     * A signature over a batch of requests (ascending ids, their output hashes and trace roots in the
     * same order); the fields above then describe its first request.
     */
    batch: z
      .object({ requestIds: z.array(uint).min(2).max(256), outputHashes: z.array(hex32).min(2).max(256), traceRoots: z.array(hex32).min(2).max(256) })
      .strict()
      .refine((b) => b.requestIds.length === b.outputHashes.length && b.requestIds.length === b.traceRoots.length, 'requestIds, outputHashes and traceRoots must have the same length')
      .optional(),
  })
  .strict()

export const requestIdParam = z.object({ id: z.string().regex(/^\d{1,78}$/, 'the request id must be a decimal integer') })
