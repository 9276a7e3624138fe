import { z } from 'zod'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address')
const bigintLike = z.union([z.string().regex(/^\d+$/, 'must be a whole number of wei'), z.number().int().nonnegative(), z.bigint()]).transform((v) => BigInt(v))

export const modes = ['zk', 'attested'] as const
export type Mode = (typeof modes)[number]

/** Everything the node reads, after merging the file, the environment and the flags. */
export const nodeConfigSchema = z
  .object({
    rpcUrl: z.url({ message: 'must be an http(s) or ws(s) URL of an Ethereum JSON-RPC endpoint' }),
    /** The chain the node expects; checked against the RPC at start. */
    chainId: z.coerce.number().int().positive(),
    /** Path of the JSON written by oracle/src/deploy/deploy.ts; or give `oracle` directly. */
    deployment: z.string().optional(),
    /** The InferenceOracle address (registry and staking are read from it). */
    oracle: address.optional(),
    /** Block to start from when the data folder is empty (defaults to the deployment block, else 0). */
    startBlock: z.coerce.number().int().nonnegative().optional(),
    keystore: z.object({ path: z.string(), passwordEnv: z.string().default('VERIDICT_KEYSTORE_PASSWORD') }).optional(),
    /** Folder of compiled model folders (each with a manifest.json). */
    modelsDir: z.string(),
    modes: z.array(z.enum(modes)).min(1).default(['zk', 'attested']),
    /** Requests paying less than this (wei) are ignored. */
    minFee: bigintLike.default(0n),
    proverConcurrency: z.coerce.number().int().min(1).max(64).default(1),
    confirmations: z.coerce.number().int().min(0).max(1000).default(1),
    pollIntervalMs: z.coerce.number().int().min(10).default(1000),
    /** Blocks per eth_getLogs call. */
    logBatchBlocks: z.coerce.number().int().min(1).default(2000),
    dataDir: z.string(),
    httpHost: z.string().default('127.0.0.1'),
    httpPort: z.coerce.number().int().min(0).max(65535).default(8545 + 1000),
    /** Largest HTTP request body accepted, in bytes. */
    maxBodyBytes: z.coerce.number().int().min(1024).default(256 * 1024),
    executionProvider: z.enum(['auto', 'cuda', 'cpu']).default('auto'),
    /** Base URLs of the other operators' nodes, for exchanging attestation signatures. */
    peers: z.array(z.url()).default([]),
    /** Recompute every attested result; dispute a wrong one with a proof (model with a circuit) or a trace game (any other difference). */
    watchtower: z.boolean().default(true),
    /** Call finalize on attested results once their challenge window is over. */
    finalize: z.boolean().default(true),
    /**
     * The signer ranked first for a request (by keccak256(requestId, signer)) submits the quorum at
     * once; the signer ranked r takes over only after r times this long (if the attestation is not
     * on-chain by then).
     */
    quorumBackupDelayMs: z.coerce.number().int().min(0).default(5_000),
    /**
     * Attest the requests of one block (same model and quorum, in chunks of up to 128) together:
     * one signature per node and one submitAttestations for all of them (about 26k gas a request
     * instead of 75k). The nodes agree on a batch without talking (every node cuts a block's
     * requests the same way); when they do not (a peer with another minimum fee or set of models),
     * each request falls back to a single attestation after about 3 s.
     */
    batchAttestations: z.boolean().default(true),
    /** A transaction not mined after this long is sent again with a higher fee. */
    txStuckAfterMs: z.coerce.number().int().min(100).default(30_000),
    /** Multiplier (percent) applied to gas estimates. */
    gasHeadroomPercent: z.coerce.number().int().min(100).max(500).default(125),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Test only: attested runs are wrong from the first stage on (signed, challenged with and defended), to exercise disputes. */
    dishonest: z.boolean().default(false),
  })
  .strict()
  .refine((c) => c.oracle !== undefined || c.deployment !== undefined, { message: 'set either `oracle` (address) or `deployment` (path to the deploy JSON)', path: ['oracle'] })

export type NodeConfigInput = z.input<typeof nodeConfigSchema>
export type NodeConfig = z.output<typeof nodeConfigSchema>
