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

/** A field element of BN254 as a decimal string (Baby Jubjub coordinates, Poseidon ciphertext). */
const fieldElement = uint.refine((v) => BigInt(v) < 21888242871839275222246405745257275088548364400416034343698204186575808495617n, 'must be below the BN254 scalar field order')

/**
 * The most input words a private input may have: its plaintext is the salt and the words. 4,096
 * words hold 98,304 8-bit values; a larger private input would exceed the default body limit anyway.
 */
export const MAX_PRIVATE_INPUT_WORDS = 4096

export const privateInputBody = z
  .object({
    requestId: uint.describe('The on-chain request (InferenceRequested) whose input this is.'),
    encrypted: z
      .object({
        ephemeralKey: z.object({ x: fieldElement, y: fieldElement }).strict().describe("The sender's one-time Baby Jubjub public key."),
        nonce: uint.refine((v) => BigInt(v) < 2n ** 128n, 'must be below 2^128'),
        ciphertext: z.array(fieldElement).min(4).max(MAX_PRIVATE_INPUT_WORDS + 4).describe('Poseidon ciphertext of [salt, ...inputWords], authentication tag included.'),
        length: z
          .number()
          .int()
          .min(2)
          .max(MAX_PRIVATE_INPUT_WORDS + 1)
          .describe('Plaintext length: 1 + the number of input words.'),
      })
      .strict()
      .refine((e) => e.ciphertext.length === Math.ceil(e.length / 3) * 3 + 1, 'ciphertext must have 3 x ceil(length / 3) + 1 elements (Poseidon encryption of `length` elements)')
      .describe("encryptInputFor's result, bigints as decimal strings, encrypted to this node's key (GET /health: encryptionKey)."),
  })
  .strict()

export const requestIdParam = z.object({ id: z.string().regex(/^\d{1,78}$/, 'the request id must be a decimal integer') })
