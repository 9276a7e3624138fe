import { z } from 'zod'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address')
const rpcUrl = z.url({ protocol: /^(https?|wss?)$/, message: 'must be an http(s) or ws(s) URL of an Ethereum JSON-RPC endpoint' })
const bigintLike = z.union([z.string().regex(/^\d+$/, 'must be a whole number of wei'), z.number().int().nonnegative(), z.bigint()]).transform((v) => BigInt(v))

/**
 * A whole number from `min` to `max`, given as a number or as its digits (the environment and the
 * flags give strings); its message shows the value given, which z.coerce would lose.
 */
const wholeNumber = (min: number, max: number, what: string) => {
  const message = (input: unknown) => `must be ${what} from ${min} to ${max} (got ${JSON.stringify(input, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))})`
  return z.union([z.number(), z.string()], { error: (issue) => message(issue.input) }).transform((input, context) => {
    const value = typeof input === 'string' && /^\s*\d+\s*$/.test(input) ? Number(input) : input
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value
    context.addIssue({ code: 'custom', message: message(input) })
    return z.NEVER
  })
}

export const modes = ['zk', 'attested'] as const
export type Mode = (typeof modes)[number]

/** Everything the node reads, after merging the file, the environment and the flags. */
export const nodeConfigSchema = z
  .object({
    rpcUrl: rpcUrl,
    /** More RPC endpoints, tried in order when the one before fails or times out (viem's fallback transport). */
    rpcFallbackUrls: z.array(rpcUrl).default([]),
    /** The chain the node expects; checked against the RPC at start. */
    chainId: z.coerce.number().int().positive(),
    /** Path of the JSON written by oracle/src/deploy/deploy.ts; or give `oracle` directly. */
    deployment: z.string().optional(),
    /** The InferenceOracle address (registry and staking are read from it). */
    oracle: address.optional(),
    /** Block to start from when the data folder is empty (defaults to the deployment block, else 0). */
    startBlock: z.coerce.number().int().nonnegative().optional(),
    keystore: z.object({ path: z.string(), passwordEnv: z.string().default('VERIDICT_KEYSTORE_PASSWORD') }).optional(),
    /**
     * The node's Baby Jubjub secret key for private inputs (decimal or 0x hex, 1 to the subgroup
     * order minus 1), published with setEncryptionKey. Default: derived from the operator key. Set
     * it with VERIDICT_ENCRYPTION_KEY rather than in a file; it is kept out of the resolved config.
     */
    encryptionKey: z.string({ message: 'must be a string: a decimal or 0x-hex whole number' }).optional(),
    /** Folder of compiled model folders (each with a manifest.json). */
    modelsDir: z.string(),
    modes: z.array(z.enum(modes)).min(1).default(['zk', 'attested']),
    /** Requests paying less than this (wei) are ignored. */
    minFee: bigintLike.default(0n),
    proverConcurrency: z.coerce.number().int().min(1).max(64).default(1),
    /** A prover process whose resident memory passes this many MiB after a proof is replaced by a fresh one. */
    proverMaxRssMiB: z.coerce.number().int().min(64).default(1024),
    confirmations: z.coerce.number().int().min(0).max(1000).default(1),
    pollIntervalMs: z.coerce.number().int().min(10).default(1000),
    /** Blocks per eth_getLogs call. */
    logBatchBlocks: z.coerce.number().int().min(1).default(2000),
    dataDir: z.string(),
    /**
     * Hours a final job (done, failed, cancelled) is kept after its last change, with its history,
     * signatures, traces and ended games; then the node deletes it (hourly, and at start), so the
     * database stops growing. 0 keeps every job forever. Unfinished jobs, and jobs with an open
     * trace game, are always kept.
     */
    jobRetentionHours: wholeNumber(0, 876_000, 'a whole number of hours (168 keeps final jobs a week, 0 keeps them forever)').default(168),
    /** The public API (inference, requests, models, health, metrics). */
    httpHost: z.string().default('127.0.0.1'),
    httpPort: z.coerce.number().int().min(0).max(65535).default(8545 + 1000),
    /**
     * The peer API (other operators' attestation signatures), on a listener of its own: every call
     * is signed by a staked operator. Default port: httpPort + 1.
     */
    peerHttpHost: z.string().default('127.0.0.1'),
    peerHttpPort: z.coerce.number().int().min(0).max(65535).optional(),
    /**
     * Keys a client must present (`Authorization: Bearer <key>`) to ask this node for an inference
     * (POST /v1/inference, which can ask for a proof). Empty: anyone may ask, within the rate limit.
     * Set them with VERIDICT_API_KEYS (comma-separated) rather than in a file.
     */
    apiKeys: z.array(z.string().min(16, 'an API key must have at least 16 characters')).default([]),
    /** POST /v1/inference calls per minute allowed to one client (its API key, else its IP address); 0: no limit. */
    rateLimitPerMinute: z.coerce.number().int().min(0).default(60),
    /** Largest HTTP request body accepted, in bytes. */
    maxBodyBytes: z.coerce.number().int().min(1024).default(256 * 1024),
    executionProvider: z.enum(['auto', 'cuda', 'cpu']).default('auto'),
    /** The CUDA device the models run on (when the provider is CUDA). */
    gpuDevice: z.coerce.number().int().min(0).default(0),
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
    /**
     * The most the node pays per gas (maxFeePerGas), in gwei. A transaction that would need more
     * waits (the job retries) instead of being sent; a stuck one is not bumped past it. Default: no cap.
     */
    maxGasPriceGwei: z.coerce.number().positive().optional(),
    /** How much a stuck transaction's fees rise when it is sent again (a replacement needs at least 10%). */
    feeBumpPercent: z.coerce.number().int().min(10).max(300).default(25),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** The file the node's JSON logs are appended to, rotated by size (logMaxMiB, logFiles). Default: stderr, for a supervisor (systemd, docker) to keep. */
    logFile: z.string({ error: 'must be a file path (a string), or unset to log to stderr' }).min(1, 'must be a file path, not empty, or unset to log to stderr').optional(),
    /** A log line that would take logFile past this many MiB starts a new file; the full one becomes `<logFile>.1`. */
    logMaxMiB: wholeNumber(1, 1_048_576, 'a whole number of MiB').default(64),
    /** Rotated log files kept (`<logFile>.1` to `.<logFiles>`); the oldest beyond them is deleted. At most (logFiles + 1) x logMaxMiB on disk. */
    logFiles: wholeNumber(0, 100, 'a whole number').default(5),
  })
  .strict()
  .refine((c) => c.oracle !== undefined || c.deployment !== undefined, { message: 'set either `oracle` (address) or `deployment` (path to the deploy JSON)', path: ['oracle'] })

/** maxGasPriceGwei as the wei per gas the node pays at most (undefined: no cap). */
export const maxFeePerGasOf = (maxGasPriceGwei: number | undefined): bigint | undefined => (maxGasPriceGwei === undefined ? undefined : BigInt(Math.round(maxGasPriceGwei * 1e9)))

export type NodeConfigInput = z.input<typeof nodeConfigSchema>
export type NodeConfig = z.output<typeof nodeConfigSchema>
