import type { Logger } from 'pino'
import {
  createPublicClient,
  defineChain,
  getAddress,
  keccak256,
  concat,
  encodeAbiParameters,
  encodePacked,
  type Address,
  type Chain,
  type Hex,
  type PrivateKeyAccount,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { continueTrace, ProverPool, prove, tensorBits, traceCommitment, type TraceCommitment } from '@veridict/circuits'
import { encodeProof, packValues, inferenceOracleAbi, operatorStakingAbi, committeeRoundAt, committeeSeed, holdsSeat, NO_ATTESTATION, DecryptionError, InvalidEncryptionKeyError, type AttestationRecord } from '@veridict/sdk'
import { commitInput, decryptInput, encryptionPublicKeyOf, randomSalt, type EncryptedInput, type EncryptionPublicKey } from '@veridict/sdk/private'
import { attestationStructHash, recoverBatchHashesSigner, recoverBatchSigner, signAttestation, signBatchHashes, type Attestation, type AttestationDomain } from '../attest/attestation.js'
import { PeerClient, type PeerAttestation } from '../attest/peerClient.js'
import { signPeerRequest } from '../attest/peerAuth.js'
import { ChainFollower, modelRegisteredEvent } from '../chain/chainFollower.js'
import { readOperatorState, type OperatorState } from '../chain/operatorState.js'
import { publishEncryptionKey } from '../chain/publishEncryptionKey.js'
import { redactRpcUrl, rpcTransport } from '../chain/rpcTransport.js'
import { RequestStatus } from '../chain/requestStatus.js'
import { TxManager, type SendReturnType } from '../chain/txManager.js'
import type { NodeFaults } from './faults.js'
import type { ResolvedConfig } from '../config/loadConfig.js'
import { deriveEncryptionKey } from '../config/encryptionKey.js'
import { maxFeePerGasOf } from '../config/schema.js'
import {
  AttestationNotReadyError,
  CommitmentMismatchError,
  NodeNotReadyError,
  NotForThisOperatorError,
  NotPrivateInputError,
  PreflightError,
  InvalidAttestationError,
  InvalidInputError,
  ModelNotRegisteredError,
  NotProvableError,
  RequestClosedError,
  RequestNotFoundError,
  TransactionError,
  UnknownModelError,
} from '../errors/node.js'
import { RequestValidationError } from '../errors/http.js'
import { hashWords, loadServedModels, type ServedModel } from '../inference/servedModel.js'
import { NodeMetrics } from '../metrics/metrics.js'
import { GamePlayer } from '../dispute/gamePlayer.js'
import { finalStates, JobStore, type Job, type JobState, type PruneFinalReturnType } from '../store/jobStore.js'
import { isStorageFull } from '../store/storageFull.js'
import { TraceFiles } from '../store/traceFiles.js'
import { applyLogs } from './applyLogs.js'
import { ModelListings, type ModelRegisteredArgs } from './modelListings.js'
import { preflight } from './preflight.js'

export type OracleNodeParameters = {
  config: ResolvedConfig
  operatorKey: Hex
  /** The Baby Jubjub secret key private inputs are encrypted to; default: derived from the operator key (deriveEncryptionKey). */
  encryptionKey?: bigint | undefined
  logger: Logger
  faults?: NodeFaults | undefined
}

export type OffchainInferenceParameters = {
  model: string
  input: { values: number[] } | { quantized: bigint[] }
  prove?: boolean | undefined
  /** Who the proof pays (its last public signal); default: this node's operator. */
  beneficiary?: Address | undefined
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** How often the operator's balance, stake and earnings are read again (for /health and /metrics). */
const OPERATOR_REFRESH_MS = 10_000
/** How long the peer API trusts an answer to "is this caller an active operator?". */
const ACTIVE_OPERATOR_CACHE_MS = 30_000

/** A dishonest node's run (NodeFaults): tensor 1's first value off by one, the later stages computed from it (the output's first value off too if it came out unchanged). */
function lieAbout(model: ServedModel, tensors: readonly (readonly bigint[])[]): bigint[][] {
  const bits = tensorBits(model.quantized)
  const nudge = (v: bigint, b: number) => (v > -(1n << BigInt(b - 1)) ? v - 1n : v + 1n)
  const lied = tensors.slice(0, 2).map((t) => [...t])
  lied[1]![0] = nudge(lied[1]![0]!, bits[1]!)
  const run = continueTrace(model.quantized, lied, 1)
  const output = run.at(-1)!
  if (output.every((v, i) => v === tensors.at(-1)![i])) output[0] = nudge(output[0]!, bits.at(-1)!)
  return run
}
/** One signer's signature over an attestation as part of a batch (IInferenceOracle.SignedAttestation, plus who signed). */
type SignedAttestation = { signer: Address; attestation: Attestation; batch: Hex[]; index: bigint; signature: Hex }
const SIGNED_ATTESTATION_TUPLE = {
  type: 'tuple',
  components: [
    {
      name: 'attestation',
      type: 'tuple',
      components: [
        { name: 'requestId', type: 'uint256' },
        { name: 'modelId', type: 'bytes32' },
        { name: 'inputHash', type: 'bytes32' },
        { name: 'outputHash', type: 'bytes32' },
        { name: 'traceRoot', type: 'bytes32' },
      ],
    },
    { name: 'batch', type: 'bytes32[]' },
    { name: 'index', type: 'uint256' },
    { name: 'signature', type: 'bytes' },
  ],
} as const
/** How long an operator's staking record is trusted when checking committee seats: about a block. */
const ENTITLEMENT_TTL_MS = 1_000
/** How old a record may be and still be answered with while a fresh one is read. */
const ENTITLEMENT_MAX_STALE_MS = 10_000
type OperatorRecord = { stake: bigint; raisedAt: number; slashed: boolean; locked: bigint }
/** A cached staking record: the read (maybe in flight), its value once settled, when it was read. */
type OperatorRecordEntry = { record: Promise<OperatorRecord>; value?: OperatorRecord; at: number; refreshing?: boolean }
const signatureKey = (requestId: bigint, signer: Address, signature: Hex) => `${requestId}:${signer.toLowerCase()}:${signature.toLowerCase()}`
/** How long past the backup submitters' turns a request of a batch waits for the batch before it is attested alone. */
const BATCH_WAIT_MS = 3_000
/** The longest a batch member waits for its lead's batch before going alone (a lead that never lands). */
const BATCH_MEMBER_MAX_WAIT_MS = 60_000
/**
 * The most requests in one batch: a block's requests are cut into chunks of this many. 128 results
 * are about 100 kB of calldata (under the 128 kB a geth node's pool takes) and 3.4M gas.
 */
const MAX_BATCH = 128
/** How long a finalization waits for company before its transaction leaves. */
const FINALIZE_COALESCE_MS = 100
/** Seconds a node that did not submit an attestation waits after its window before finalizing it. */
const FINALIZE_GRACE_SECONDS = 5
/** How long a pass over the jobs waits to coalesce the wake-ups of many finishing steps. */
const PUMP_COALESCE_MS = 2
/** How often jobs told to wait are checked, and how often the table is rescanned for missed wake-ups. */
const SWEEP_MS = 50
/** Gas for a submission's fixed part (transaction, batch digest, signature recovery) when the limit is not estimated. */
const ATTEST_GAS_BASE = 150_000n
/** How long urgent steps may hold other jobs back (see onTheClock). */
const ON_THE_CLOCK_MS = 1_000
/** How often a node whose data folder is full tries a write again. */
const STORAGE_PROBE_MS = 2_000
const RESYNC_MS = 10_000
/**
 * How often a private job still without its encrypted input looks at its deadline. The input's
 * arrival (POST /v1/private-inputs) wakes the job at once; this only notices a deadline passing.
 */
const PRIVATE_INPUT_RECHECK_MS = 60_000
/** The oracle's ABI with the staking contract's errors, which its calls bubble up (InsufficientFreeStake, SignerNotActive). */
const ORACLE_CALL_ABI = [...inferenceOracleAbi, ...operatorStakingAbi.filter((item) => item.type === 'error')]
/** States in which a job has a step to run. */
const ACTIONABLE: readonly Job['state'][] = ['pending', 'inferred', 'proved', 'attested']
/** How often final jobs past jobRetentionHours are pruned (and once at start). */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000
/** Final jobs pruned per transaction (tens of milliseconds); the event loop is free between two. */
const PRUNE_BATCH = 500
/** Bound on the in-memory caches (wait times, checked signatures); past it they start over (costing only re-checks). */
const MAX_TRACKED = 200_000

/**
 * The oracle node: follows the chain, turns requests into jobs, computes, proves or attests, and
 * delivers each result once. Every step reads the job from SQLite and writes its next state there,
 * so a node that crashes resumes where it stopped.
 */
export class OracleNode {
  readonly config: ResolvedConfig
  private readonly faults: NodeFaults
  readonly logger: Logger
  readonly store: JobStore
  readonly metrics: NodeMetrics
  readonly account: PrivateKeyAccount
  readonly publicClient: PublicClient
  readonly chain: Chain
  readonly domain: AttestationDomain
  readonly models: ServedModel[]
  readonly txs: TxManager
  readonly follower: ChainFollower
  readonly pool: ProverPool
  readonly registry: Address
  /** Which registered model ids name a local model (by definition hash). */
  readonly listings: ModelListings
  /**
   * The key users encrypt private inputs to, when the node serves a private-input model: the secret
   * stays in memory, the public key is published in OperatorStaking and shown in /health.
   */
  private readonly encryption: { secretKey: bigint; publicKey: EncryptionPublicKey } | undefined
  staking: Address | undefined
  /** The registrations were read and the follower runs: requests can be matched to models. */
  private listingsReady = false
  /** Settles once connected with the startup checks passed; rejects with a PreflightError (the node then serves nothing). */
  readonly startup: Promise<void>
  private settleStartup!: (error?: PreflightError) => void
  /** Why the node refused to serve (startup checks), if it did. */
  private fatal: PreflightError | undefined
  /** The operator as the chain saw it last (refreshed every OPERATOR_REFRESH_MS), and the startup checks' warnings. */
  private operatorState: OperatorState | undefined
  private operatorStateAt = 0
  private readonly activeOperators = new Map<string, { active: boolean; at: number }>()
  private warnings: string[] = []
  private readonly peers: PeerClient
  private readonly busy = new Map<bigint, Promise<void>>()
  /** Jobs to step on the next pass (the scheduler: nothing scans the whole table per pass). */
  private readonly ready = new Set<bigint>()
  /** Jobs to step before the ready ones: those a new block was waited for. */
  private readonly urgent = new Set<bigint>()
  /**
   * Urgent jobs stepping now, with their start time: until each has sent its transaction (or
   * finished its step, or ON_THE_CLOCK_MS passed) no other job starts a step, so that a new block's
   * requests, which cannot be attested before the next block anyway, do not delay an attestation
   * that must reach it.
   */
  private readonly onTheClock = new Map<bigint, number>()
  /** When the follower last saw a new head (the on-clock metric's start). */
  private headSeenAt: number | undefined
  /** Jobs told to wait (later()), with the time they become ready. */
  private readonly waiting = new Map<bigint, number>()
  private lastSweep = 0
  /** Set while the data folder cannot take a write (a full disk): jobs wait, and a probe write every STORAGE_PROBE_MS finds when it has room. */
  private storageFault: { message: string; since: number; lastProbe: number } | undefined
  private lastCapacityWarning = 0
  /** Attestations ready to finalize, sent together by flushFinalizations. */
  private readonly finalizeQueue: { job: Job; challengeEnd: number; resolve: (result: SendReturnType | undefined) => void; reject: (error: unknown) => void }[] = []
  private finalizeTimer: NodeJS.Timeout | undefined
  /** The first output each peer was seen signing for each request (noteSigned). */
  private readonly signedOutputs = new Map<string, SignedAttestation>()
  /** Each batch member's lead (itself for the lead) while the lead carries the batch. */
  private readonly memberOf = new Map<bigint, bigint>()
  /** The batches peers signed, by each request in them: another batch than ours over a request means they batched differently. */
  private readonly peerBatches = new Map<bigint, Set<Hex>>()
  /** Operators this node reported (or is reporting) for equivocation. */
  private readonly reported = new Set<Address>()
  /** Jobs whose next step waits for a new block (a committee to be drawn, a seat next round). */
  private readonly awaitingBlock = new Set<bigint>()
  private lastResync = 0
  /** EIP-712 struct hashes of (request, output) attestations, computed once each. */
  private readonly structHashes = new Map<string, Hex>()
  /** Operators' staking records (stake, raisedAt, slashed), trusted for ENTITLEMENT_TTL_MS. */
  private readonly operatorRecords = new Map<string, OperatorRecordEntry>()
  /** Seed block hashes of committee rounds, by block number. */
  private readonly blockHashes = new Map<bigint, Promise<Hex>>()
  /** ROUND_BLOCKS and MIN_STAKE, read once. */
  private committeeParameters: { roundBlocks: bigint; minStake: bigint } | undefined
  /** Signatures already checked against their job's attestation (`requestId:signer:signature`), so each is recovered once. */
  private readonly verified = new Set<string>()
  /**
   * The most gas per request an attestation used, by model and quorum (from receipts). An urgent
   * submission sends ATTEST_GAS_BASE + 1.25 x that per request as its gas limit, skipping the
   * estimate: the limit only caps what is used, and a batch's fixed part is amortised over its items.
   */
  private readonly attestGas = new Map<string, bigint>()
  /** Jobs whose transaction was sent before a restart: look it up before sending another. */
  private readonly unconfirmed = new Set<bigint>()
  private timer: NodeJS.Timeout | undefined
  /** Kept traces (until their results are final) and the trace games played with them. */
  private readonly traces: TraceFiles
  private player: GamePlayer | undefined
  private readonly traceWrites = new Set<Promise<void>>()
  private gameTimer: NodeJS.Timeout | undefined
  private lastTraceRelease = 0
  private pruneTimer: NodeJS.Timeout | undefined
  private pruning = false
  private scheduled = false
  private stopping = false

  private constructor(p: OracleNodeParameters & { models: ServedModel[]; registry: Address; encryption: { secretKey: bigint; publicKey: EncryptionPublicKey } | undefined }) {
    this.config = p.config
    this.encryption = p.encryption
    this.faults = p.faults ?? {}
    this.startup = new Promise<void>((resolve, reject) => (this.settleStartup = (error) => (error ? reject(error) : resolve())))
    // Whoever starts the node decides what a failed start means (the CLI exits); never an unhandled rejection.
    this.startup.catch(() => {})
    this.logger = p.logger
    this.models = p.models
    this.registry = p.registry
    this.listings = new ModelListings(p.models, p.logger)
    this.store = new JobStore({ dataDir: p.config.dataDir })
    this.traces = new TraceFiles(p.config.dataDir)
    this.metrics = new NodeMetrics(() => this.store.countByState(), () => this.operatorState, () => (this.store.db.open ? this.store.fileBytes() : undefined))
    this.account = privateKeyToAccount(p.operatorKey)
    this.chain = defineChain({ id: p.config.chainId, name: `chain ${p.config.chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [p.config.rpcUrl] } } })
    const endpoints = [p.config.rpcUrl, ...p.config.rpcFallbackUrls]
    const transport = rpcTransport({ urls: endpoints, onResponse: ({ endpoint, ok }) => this.metrics.rpcCalls.inc({ endpoint: redactRpcUrl(endpoints[endpoint] ?? ''), result: ok ? 'ok' : 'error' }) })
    this.publicClient = createPublicClient({ chain: this.chain, transport, pollingInterval: 100 })
    this.domain = { chainId: p.config.chainId, oracle: p.config.oracle }
    this.txs = new TxManager({ publicClient: this.publicClient, account: this.account, chain: this.chain, headroomPercent: p.config.gasHeadroomPercent, stuckAfterMs: p.config.txStuckAfterMs, maxFeePerGas: maxFeePerGasOf(p.config.maxGasPriceGwei), feeBumpPercent: p.config.feeBumpPercent, pollIntervalMs: p.config.pollIntervalMs, logger: p.logger, metrics: this.metrics })
    this.pool = new ProverPool({ concurrency: p.config.proverConcurrency, maxRssMiB: p.config.proverMaxRssMiB })
    this.peers = new PeerClient(p.config.peers, p.logger, (body) => signPeerRequest({ account: this.account, domain: this.domain, body }))
    this.follower = new ChainFollower({
      client: this.publicClient,
      oracle: p.config.oracle,
      registry: p.registry,
      store: this.store,
      confirmations: p.config.confirmations,
      pollIntervalMs: p.config.pollIntervalMs,
      batchBlocks: p.config.logBatchBlocks,
      startBlock: p.config.startBlock,
      onLogs: (logs) => {
        applyLogs(logs, { store: this.store, config: this.config, listings: this.listings, operator: this.account.address, logger: this.logger })
        for (const log of logs) if (typeof log.args.requestId === 'bigint') this.schedule(log.args.requestId)
      },
      onReorgedOut: (requestId) => this.store.transition(requestId, 'cancelled', { note: 'request reorged out' }),
      onStorageFull: (error) => this.noteStorageFull(error),
      onHead: (head, hash) => {
        this.headSeenAt = Date.now()
        if (Date.now() - this.operatorStateAt > OPERATOR_REFRESH_MS)
          this.refreshOperatorState().catch((error: unknown) => this.logger.debug({ err: (error as Error).message.split('\n')[0] }, 'reading the operator state failed'))
        // The new head is the seed block of committees drawn for the next block.
        if (!this.blockHashes.has(head)) this.blockHashes.set(head, Promise.resolve(hash))
        // Jobs waiting for this block step first: an attestation must reach the next block.
        for (const requestId of this.awaitingBlock) {
          this.waiting.delete(requestId)
          this.urgent.add(requestId)
        }
        this.awaitingBlock.clear()
        this.wake()
      },
      logger: p.logger,
      metrics: this.metrics,
    })
  }

  /**
   * Loads the models and opens the database; nothing runs until start(). The registry address
   * comes from the deployment file, else from the oracle (which needs the RPC now).
   */
  static async create(p: OracleNodeParameters): Promise<OracleNode> {
    const models = await loadServedModels(p.config.modelsDir, p.config.executionProvider, p.logger, p.config.gpuDevice)
    let registry = p.config.registry
    if (!registry) {
      const client = createPublicClient({ transport: rpcTransport({ urls: [p.config.rpcUrl, ...p.config.rpcFallbackUrls], retryCount: 3 }) })
      try {
        registry = await client.readContract({ address: p.config.oracle, abi: inferenceOracleAbi, functionName: 'REGISTRY' })
      } catch (cause) {
        throw new TransactionError({ action: 'reading the registry address', reason: `the oracle ${p.config.oracle} did not answer REGISTRY() at ${p.config.rpcUrl}: start with a reachable RPC, or give \`deployment\` (its file names the registry)`, cause })
      }
    }
    // Only a node serving a private-input model takes encrypted inputs (and loads Baby Jubjub).
    let encryption: { secretKey: bigint; publicKey: EncryptionPublicKey } | undefined
    if (models.some((m) => m.manifest.input.private)) {
      const secretKey = p.encryptionKey ?? deriveEncryptionKey(p.operatorKey)
      encryption = { secretKey, publicKey: await encryptionPublicKeyOf(secretKey) }
      p.logger.info({ publicKey: { x: String(encryption.publicKey.x), y: String(encryption.publicKey.y) }, derived: p.encryptionKey === undefined }, 'private inputs: users encrypt them to this public key')
    }
    return new OracleNode({ ...p, models, registry, encryption })
  }

  get address(): Address {
    return this.account.address
  }

  /**
   * Whether `operator` may attest now (OperatorStaking.isActive), for the peer API's callers; an
   * answer is kept for ACTIVE_OPERATOR_CACHE_MS, so a flood of calls costs one RPC read per caller.
   */
  async isActiveOperator(operator: Address): Promise<boolean> {
    if (!this.staking) throw new NodeNotReadyError()
    const key = operator.toLowerCase()
    const cached = this.activeOperators.get(key)
    if (cached && Date.now() - cached.at < ACTIVE_OPERATOR_CACHE_MS) return cached.active
    const active = await this.publicClient.readContract({ address: this.staking, abi: operatorStakingAbi, functionName: 'isActive', args: [operator] })
    if (this.activeOperators.size > 10_000) this.activeOperators.clear()
    this.activeOperators.set(key, { active, at: Date.now() })
    return active
  }

  /** Recovers interrupted jobs, then (once the RPC answers) reads the registrations and starts following the chain. */
  async start(): Promise<void> {
    this.recover()
    void this.pruneJobs()
    this.pruneTimer = setInterval(() => void this.pruneJobs(), PRUNE_INTERVAL_MS)
    // Segments whose traces are all released (or a crash's leftovers) go.
    const removed = await this.traces.removeUnused(this.store.traceFiles())
    if (removed) this.logger.info({ removed }, 'removed trace segments no kept trace lies in')
    void this.connect()
    this.timer = setInterval(this.guarded('the job sweep', () => this.wake()), SWEEP_MS)
    this.logger.info({ operator: this.address, oracle: this.config.oracle, modes: this.config.modes, models: this.models.map((m) => m.name), watchtower: this.config.watchtower }, 'node started')
    this.wake()
  }

  /**
   * Once the RPC answers (retrying in the background): checks the chain id and the registry, reads
   * the staking address and every registration of a local model, then starts the follower, which
   * keeps the registrations current. Requests are matched to models only after that.
   */
  private async connect(): Promise<void> {
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        const chainId = await this.publicClient.getChainId()
        if (chainId !== this.config.chainId) return this.refuse([`the RPC serves chain ${chainId}, but chainId is ${this.config.chainId}: check rpcUrl and chainId`])
        const [staking, registry, games] = await Promise.all([
          this.publicClient.readContract({ address: this.config.oracle, abi: inferenceOracleAbi, functionName: 'STAKING' }),
          this.publicClient.readContract({ address: this.config.oracle, abi: inferenceOracleAbi, functionName: 'REGISTRY' }),
          this.publicClient.readContract({ address: this.config.oracle, abi: inferenceOracleAbi, functionName: 'TRACE_DISPUTES' }),
        ])
        if (getAddress(registry) !== getAddress(this.registry)) return this.refuse([`the deployment names the registry ${this.registry}, but the oracle ${this.config.oracle} uses ${registry}: check the deployment file`])
        this.staking = staking
        await this.readListings()
        const checks = preflight({
          state: await this.refreshOperatorState(),
          modes: this.config.modes,
          maxFeePerGas: this.txs.maxFeePerGas,
          models: this.models.map((m) => ({ name: m.name, registered: this.listings.idsOf(m).length > 0 })),
        })
        if (checks.problems.length) return this.refuse(checks.problems)
        this.warnings = checks.warnings
        for (const warning of checks.warnings) this.logger.warn(warning)
        this.listingsReady = true
        this.follower.traceDisputes = games
        this.player = new GamePlayer({
          publicClient: this.publicClient,
          txs: this.txs,
          store: this.store,
          traces: this.traces,
          games,
          operator: this.address,
          modelOf: (modelId) => this.listings.get(modelId),
          head: () => (this.follower.head !== undefined && this.follower.headTimestamp !== undefined ? { number: this.follower.head, timestamp: this.follower.headTimestamp } : undefined),
          backupDelayMs: this.config.quorumBackupDelayMs,
          logger: this.logger,
          metrics: this.metrics,
        })
        this.gameTimer = setInterval(this.guarded('the trace games tick', () => this.tickGames()), this.config.pollIntervalMs)
        this.follower.start()
        this.settleStartup()
        if (this.servesPrivateInputs) void this.publishEncryptionKey()
        this.wake()
        return
      } catch (error) {
        this.logger.debug({ err: (error as Error).message.split('\n')[0] }, 'RPC not ready, retrying')
        await sleep(Math.min(5_000, 200 * 2 ** attempt))
      }
    }
  }

  /** Startup checks failed: say why, serve nothing (the follower never starts), and let `startup` reject. */
  private refuse(problems: string[]): void {
    this.fatal = new PreflightError({ operator: this.address, problems })
    this.logger.fatal({ problems }, 'the node cannot serve: see the problems')
    this.settleStartup(this.fatal)
  }

  /** The node takes encrypted inputs: it has a private-input model it can prove, and serves ZK mode (private requests are ZK-only). */
  private get servesPrivateInputs(): boolean {
    return this.encryption !== undefined && this.config.modes.includes('zk') && this.models.some((m) => m.manifest.input.private && m.provable)
  }

  /**
   * Publishes the node's encryption key in OperatorStaking (once: a key already there is not sent
   * again), retrying while the RPC or the transaction fails. An unregistered operator cannot
   * publish one: users delegating a private request could not find its key, which /health says.
   */
  private async publishEncryptionKey(): Promise<void> {
    const { publicKey } = this.encryption!
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        const result = await publishEncryptionKey({ publicClient: this.publicClient, txs: this.txs, staking: this.staking!, operator: this.address, publicKey })
        if (result.status === 'unregistered') {
          const warning = 'delegated private requests need a registered operator: users look up the key to encrypt their input to in OperatorStaking (encryptionKeyOf), which takes a key from registered operators only; register (veridict operator register --stake <eth>) and restart the node to publish it'
          this.warnings = [...this.warnings, warning]
          this.logger.warn(warning)
        } else this.logger.info({ result: result.status, ...(result.status === 'published' ? { txHash: result.txHash } : {}) }, 'encryption key published in OperatorStaking')
        return
      } catch (error) {
        this.logger.warn({ err: (error as Error).message.split('\n')[0], attempt }, 'publishing the encryption key failed, will retry')
        await sleep(Math.min(60_000, 1_000 * 2 ** attempt))
      }
    }
  }

  /** Reads the operator's balance, stake, locks and earnings (for the startup checks, /health and /metrics). */
  private async refreshOperatorState(): Promise<OperatorState> {
    this.operatorStateAt = Date.now()
    const state = await readOperatorState(this.publicClient, { oracle: this.config.oracle, staking: this.staking, operator: this.address })
    this.operatorState = state
    return state
  }

  /** Every registration so far (from the start block): which ids name local models, and which are refused. */
  private async readListings(): Promise<void> {
    const head = await this.publicClient.getBlockNumber({ cacheTime: 0 })
    const batch = BigInt(this.config.logBatchBlocks)
    for (let from = this.config.startBlock; from <= head; from += batch) {
      const to = from + batch - 1n < head ? from + batch - 1n : head
      const logs = await this.publicClient.getLogs({ address: this.registry, event: modelRegisteredEvent, fromBlock: from, toBlock: to, strict: true })
      for (const log of logs) this.listings.apply(log.args as unknown as ModelRegisteredArgs)
    }
    for (const model of this.models) {
      const ids = this.listings.idsOf(model)
      if (ids.length) this.logger.info({ model: model.name, modelIds: ids }, 'registrations found')
      else this.logger.warn({ model: model.name, definitionHash: model.definitionHash }, 'the model is not registered on this chain yet: no request can name it (veridict model register)')
    }
  }

  /** After a crash: proofs in flight are lost and sent transactions are re-checked on-chain before anything is resent. */
  private recover(): void {
    for (const job of this.store.listJobs(['proving', 'submitted'], 100_000)) {
      const to = job.state === 'submitted' && job.proof ? 'proved' : 'inferred'
      if (this.store.transition(job.requestId, to, { from: [job.state], note: 'recovered after restart' }) && job.state === 'submitted' && job.txHash) this.unconfirmed.add(job.requestId)
    }
  }

  /** Stops following, lets running steps end (proofs are checkpointed: they restart from 'inferred'), closes everything. */
  async stop({ timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    clearInterval(this.timer)
    clearInterval(this.gameTimer)
    clearInterval(this.pruneTimer)
    clearTimeout(this.finalizeTimer)
    // Finalizations not sent yet are left for after a restart (the jobs stay attested).
    for (const item of this.finalizeQueue.splice(0)) item.resolve(undefined)
    this.peers.close()
    this.txs.close()
    await this.follower.stop()
    await this.pool.close()
    await Promise.race([Promise.allSettled([...this.busy.values(), this.player?.idle(), ...this.traceWrites]), sleep(timeoutMs)])
    await this.traces.close().catch(() => undefined)
    this.recover()
    this.store.close()
    this.logger.info('node stopped')
  }

  /**
   * Plays the open trace games (one move in flight per game), and every RESYNC_MS removes the
   * traces whose results are final (no game can be opened on them any more).
   */
  private tickGames(): void {
    if (this.stopping || !this.store.db.open || !this.player) return
    this.player.tick()
    const now = Date.now()
    if (now - this.lastTraceRelease < RESYNC_MS) return
    this.lastTraceRelease = now
    const released = this.store.releaseTraces()
    this.metrics.tracesKept.set(this.store.tracesBytes())
    if (released) this.traces.removeUnused(this.store.traceFiles()).catch((error: unknown) => this.logger.warn({ err: (error as Error).message }, 'removing released trace segments failed'))
  }

  /**
   * Deletes the final jobs whose last change is more than jobRetentionHours old, and what only they
   * use (JobStore.pruneFinal), PRUNE_BATCH jobs per transaction with the event loop free between
   * two, then the trace segments left without a trace. Says what went. Nothing with 0 hours.
   */
  private async pruneJobs(): Promise<void> {
    const hours = this.config.jobRetentionHours
    if (!hours || this.pruning) return
    this.pruning = true
    const total: PruneFinalReturnType = { jobs: 0, events: 0, signatures: 0, batchSignatures: 0, traces: 0, games: 0 }
    try {
      const olderThan = Date.now() - hours * 3_600_000
      for (;;) {
        if (this.stopping || !this.store.db.open) break
        const pruned = this.store.pruneFinal({ olderThan, limit: PRUNE_BATCH })
        for (const key of Object.keys(total) as (keyof PruneFinalReturnType)[]) total[key] += pruned[key]
        if (pruned.jobs) this.metrics.jobsPruned.inc({}, pruned.jobs)
        if (pruned.jobs < PRUNE_BATCH) break
        await new Promise((resolve) => setImmediate(resolve))
      }
      if (total.traces && this.store.db.open) {
        this.metrics.tracesKept.set(this.store.tracesBytes())
        await this.traces.removeUnused(this.store.traceFiles())
      }
      if (Object.values(total).some(Boolean)) this.logger.info({ ...total, retentionHours: hours, prunedThroughBlock: this.store.prunedThroughBlock }, 'pruned final jobs past their retention')
    } catch (error) {
      this.logger.warn({ err: (error as Error).message, pruned: total }, 'pruning final jobs failed; will try again in an hour')
    } finally {
      this.pruning = false
    }
  }

  /** Schedules a pass over the actionable jobs. */
  wake(): void {
    if (this.scheduled || this.stopping) return
    this.scheduled = true
    setTimeout(
      this.guarded('starting job steps', () => {
        this.scheduled = false
        this.pump()
      }),
      PUMP_COALESCE_MS,
    )
  }

  /** Makes a job ready for a step now (a new request, an event about it, a signature for it). */
  private schedule(requestId: bigint): void {
    this.waiting.delete(requestId)
    this.ready.add(requestId)
    this.wake()
  }

  /**
   * Starts a step for every ready job that is not running. Jobs come from the scheduler (schedule,
   * later), not from a scan of the table, so a pass costs what is ready, however many jobs wait
   * for their challenge windows; every RESYNC_MS the table's actionable jobs are added back in
   * case a wake-up was missed.
   */
  private pump(): void {
    // Until the registrations are read, no job can be matched to its model (after a restart too).
    if (this.stopping || !this.store.db.open || !this.listingsReady) return
    const now = Date.now()
    // A full data folder: no step could store its outcome, so none starts until a write goes through again.
    if (this.storageFault && !this.storageHasRoom(now)) return
    if (now - this.lastResync >= RESYNC_MS) {
      this.lastResync = now
      for (const requestId of this.store.listJobIds(ACTIONABLE, 1_000_000)) if (!this.waiting.has(requestId)) this.ready.add(requestId)
      for (const tracked of [this.memberOf, this.peerBatches])
        for (const requestId of tracked.keys()) {
          const state = this.store.getJob(requestId)?.state
          if (state !== 'pending' && state !== 'inferred' && state !== 'submitted') tracked.delete(requestId)
        }
    }
    if (now - this.lastSweep >= SWEEP_MS) {
      this.lastSweep = now
      for (const [requestId, at] of this.waiting)
        if (at <= now) {
          this.waiting.delete(requestId)
          this.ready.add(requestId)
        }
    }
    for (const [requestId, at] of this.onTheClock) if (now - at > ON_THE_CLOCK_MS) this.onTheClock.delete(requestId)
    for (const requestId of [...this.urgent, ...this.ready]) {
      if (this.busy.has(requestId)) continue
      const urgent = this.urgent.delete(requestId)
      if (!urgent && this.onTheClock.size) break
      this.ready.delete(requestId)
      const job = this.store.getJob(requestId)
      if (!job || !ACTIONABLE.includes(job.state)) continue
      if (urgent) this.onTheClock.set(requestId, now)
      const run = this.step(job)
        .catch((error: unknown) => this.stepFailed(job, error))
        .finally(() => {
          this.busy.delete(job.requestId)
          this.onTheClock.delete(job.requestId)
          // A step that has to wait says so with later(); otherwise the job's next step follows at once.
          if (!this.waiting.has(job.requestId)) this.ready.add(job.requestId)
          this.wake()
        })
      this.busy.set(job.requestId, run)
    }
  }

  private stepFailed(job: Job, error: unknown): void {
    if (this.stopping || !this.store.db.open) return
    try {
      this.retryLater(job, error)
    } catch (secondary) {
      // Recording the failure failed too: the job keeps its stored state and is tried again.
      if (!isStorageFull(secondary)) this.logger.error({ requestId: job.requestId, err: (secondary as Error).message }, 'recording a failed job step failed')
      else this.noteStorageFull(secondary)
      this.later(job.requestId, STORAGE_PROBE_MS)
    }
  }

  /**
   * The data folder refused a write (SQLite rolled the transaction back: the store still holds the
   * state before it). Jobs wait, /health says so, and the first write that goes through again ends it.
   */
  noteStorageFull(error: unknown): void {
    this.metrics.storageFullEvents.inc()
    if (this.storageFault) return
    const message = (error as Error).message.split('\n')[0]!
    this.storageFault = { message, since: Date.now(), lastProbe: Date.now() }
    this.metrics.storageFull.set(1)
    this.logger.error({ dataDir: this.config.dataDir, err: message }, 'the data folder cannot take a write (full?): jobs wait until it has room; nothing stored is lost')
  }

  /**
   * A timer's callback that never throws out of the node: a full data folder is noted (jobs wait
   * for room), any other error logged with `what`; the next tick tries again.
   */
  private guarded(what: string, run: () => void | Promise<void>): () => void {
    const failed = (error: unknown) => {
      if (isStorageFull(error)) this.noteStorageFull(error)
      else this.logger.error({ err: (error as Error).message.split('\n')[0] }, `${what} failed; trying again at the next tick`)
    }
    return () => {
      try {
        const result = run()
        if (result) result.catch(failed)
      } catch (error) {
        failed(error)
      }
    }
  }

  /** Tries a small write at most every STORAGE_PROBE_MS while the data folder is full; true once one goes through. */
  private storageHasRoom(now: number): boolean {
    const fault = this.storageFault
    if (!fault) return true
    if (now - fault.lastProbe < STORAGE_PROBE_MS) return false
    fault.lastProbe = now
    try {
      this.store.setValue('storage-probe', String(now))
    } catch (error) {
      if (isStorageFull(error)) return false
      throw error
    }
    this.storageFault = undefined
    this.metrics.storageFull.set(0)
    this.logger.info({ dataDir: this.config.dataDir, fullForMs: now - fault.since }, 'the data folder takes writes again: jobs go on')
    return true
  }

  private retryLater(job: Job, error: unknown): void {
    if (isStorageFull(error)) {
      // Not the job's fault: no attempt is counted, and nothing can be written now anyway.
      this.noteStorageFull(error)
      this.later(job.requestId, STORAGE_PROBE_MS)
      return
    }
    const attempts = job.attempts + 1
    const message = (error as Error).message.split('\n')[0]!
    if (attempts >= 12) {
      this.store.transition(job.requestId, 'failed', { patch: { attempts, error: message }, note: message })
      this.logger.error({ requestId: job.requestId, err: message }, 'job failed for good')
      return
    }
    const current = this.store.getJob(job.requestId)
    if (current?.state === 'proving') this.store.transition(job.requestId, 'inferred', { from: ['proving'], patch: { attempts, error: message } })
    // A sent transaction that failed (reverted, or lost its nonce): back to the state that sends it again.
    else if (current?.state === 'submitted') this.store.transition(job.requestId, current.proof ? 'proved' : 'inferred', { from: ['submitted'], patch: { attempts, error: message } })
    else if (current) this.store.transition(job.requestId, current.state, { from: [current.state], patch: { attempts, error: message } })
    this.later(job.requestId, Math.min(30_000, 500 * 2 ** attempts))
    this.logger.warn({ requestId: job.requestId, state: job.state, attempts, err: message }, 'job step failed, will retry')
  }

  /** The job's next step waits `ms` (or until something schedules it). */
  private later(requestId: bigint, ms: number): void {
    this.ready.delete(requestId)
    this.urgent.delete(requestId)
    this.waiting.set(requestId, Date.now() + ms)
  }

  private model(job: Job): ServedModel {
    const model = this.listings.get(job.modelId)
    if (!model) throw new UnknownModelError({ model: job.modelId, known: this.models.map((m) => m.name) })
    return model
  }

  /** One step of a job's life; each ends in a stored state. */
  private async step(job: Job): Promise<void> {
    const model = this.model(job)
    switch (job.state) {
      case 'pending':
        if (model.manifest.input.private) return this.inferPrivate(job, model)
        // A request found expired (a backfill of old blocks) is not run for nothing.
        if (job.mode === 'attested' && (await this.cancelExpired(job))) return
        return this.infer(job, model)
      case 'inferred':
        if (job.action === 'fulfill' || job.action === 'dispute') return this.proveJob(job, model)
        if (job.action === 'attest') return this.tryQuorum(job, model)
        // Watch only (or our attestation voided): nothing to do until an attestation is on-chain (the
        // follower wakes the job), or until its deadline passed without one.
        if (await this.cancelExpired(job)) return
        return this.later(job.requestId, this.expiryRecheckMs(job))
      case 'proved':
        return this.submitProof(job)
      case 'attested':
        this.memberOf.delete(job.requestId)
        return this.watch(job, model)
    }
  }

  /**
   * The job's canonical output; for attested requests (attest or watch) from a run that keeps every
   * tensor, whose trace root an attestation signs and whose trace the node keeps on disk until the
   * result is final (a trace game is played with it).
   */
  private async computeOutput(job: Job, model: ServedModel) {
    const traced = job.action === 'attest' || job.action === 'watch'
    const result = await model.inferWords(job.inputWords, { trace: traced })
    this.metrics.inferenceSeconds.observe(result.seconds.inference, { model: model.name })
    if (!traced) return { outputWords: result.outputWords, outputHash: result.outputHash, traceRoot: undefined }
    let { outputWords, outputHash } = result
    let trace = result.trace!
    if (this.faults.dishonest) {
      // Test-only fault injection: a run off by one in the first value of the first stage's output,
      // carried through the later stages (and the output's first value off too if that left it
      // unchanged): a lie a trace game can only catch at that value, and a proof at the output.
      const tensors = lieAbout(model, result.tensors!)
      trace = traceCommitment(model.quantized, tensors)
      outputWords = packValues(tensors.at(-1)!, model.manifest.output.bits)
      outputHash = hashWords(outputWords)
    }
    this.keepTrace(job.requestId, outputHash, trace)
    return { outputWords, outputHash, traceRoot: trace.traceRoot }
  }

  /**
   * Appends a run's trace to the current segment and records it, off the request's path: a trace missing when a
   * game needs it (not written yet, or lost) is made again by running the model (GamePlayer).
   */
  private keepTrace(requestId: bigint, outputHash: Hex, trace: TraceCommitment): void {
    const write = this.traces
      .append(trace)
      .then((location) => {
        if (this.store.db.open) this.store.addTrace({ requestId, traceRoot: trace.traceRoot, outputHash, ...location })
      })
      .catch((error: unknown) => this.logger[this.stopping ? 'debug' : 'error']({ requestId, err: (error as Error).message }, 'keeping the trace failed: a game on it would run the model again'))
      .finally(() => this.traceWrites.delete(write))
    this.traceWrites.add(write)
  }

  private async infer(job: Job, model: ServedModel): Promise<void> {
    const { outputWords, outputHash, traceRoot } = await this.computeOutput(job, model)
    const next = this.store.transition(job.requestId, 'inferred', { from: ['pending'], patch: { outputWords, outputHash, traceRoot } })
    // Signed at once unless batching (tryQuorum then signs its batch, or it alone).
    if (next?.action === 'attest' && !this.config.batchAttestations) await this.signAndShare(next)
  }

  /**
   * A private request (its input words are one commitment): waits for its user's encrypted input
   * (POST /v1/private-inputs wakes it; without one it only checks its deadline, every
   * PRIVATE_INPUT_RECHECK_MS, and is cancelled past it), then runs the model on the decrypted words.
   */
  private async inferPrivate(job: Job, model: ServedModel): Promise<void> {
    if (!job.encryptedInput) {
      if (this.chainNow() > job.deadline) {
        this.store.transition(job.requestId, 'cancelled', { from: ['pending'], note: 'deadline passed without its encrypted input (POST /v1/private-inputs)' })
        return
      }
      return this.later(job.requestId, PRIVATE_INPUT_RECHECK_MS)
    }
    const input = await this.openPrivateInput(job, job.encryptedInput)
    if (!input) return
    const result = await model.inferWords(input.inputWords)
    this.metrics.inferenceSeconds.observe(result.seconds.inference, { model: model.name })
    this.store.transition(job.requestId, 'inferred', { from: ['pending'], patch: { outputWords: result.outputWords, outputHash: result.outputHash } })
  }

  /**
   * A private job's input words and salt, decrypted in memory only: never stored, logged or sent.
   * A stored input that no longer decrypts (the node's key changed since it came) is dropped and the
   * job waits for its user to send it again, to the new key (undefined).
   */
  private async openPrivateInput(job: Job, encrypted: EncryptedInput): Promise<{ inputWords: bigint[]; salt: bigint } | undefined> {
    try {
      return await decryptInput({ secretKey: this.encryption!.secretKey, encrypted })
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error
      this.store.transition(job.requestId, 'pending', { from: ['pending', 'inferred'], patch: { encryptedInput: undefined }, note: "the stored encrypted input does not decrypt with this node's key (the key changed): waiting for it again" })
      this.logger.warn({ requestId: job.requestId }, "a stored private input does not decrypt with this node's key (was the key changed?): waiting for its user to send it again")
      this.later(job.requestId, PRIVATE_INPUT_RECHECK_MS)
      return undefined
    }
  }

  /**
   * Cancels an attested request's job that no attestation can reach any more: the oracle takes
   * neither an attestation nor a fulfilment past the deadline, so once the follower has applied a
   * block past it (it lags the head by `confirmations`: an attestation mined just before the
   * deadline may not be read yet when the head passes it), every attestation there is has moved its
   * job to attested, and a job still short of one is cancelled if the chain shows the request
   * Requested (refundable) or Refunded. The status is read at the latest block, which needs no
   * archive node: past the deadline the only change left to a Requested request is its refund.
   * True when the step is over (the job cancelled, or moved on meanwhile); false while the follower
   * is not past the deadline, or the chain says anything else (the follower brings that event). An
   * attested job, in its challenge window or waiting for its result to be final, never comes here.
   */
  private async cancelExpired(job: Job, reason = 'without an attestation'): Promise<boolean> {
    const processed = this.follower.processedTimestamp
    if (processed === undefined || processed <= BigInt(job.deadline)) return false
    const status = await this.requestStatus(job.requestId)
    if (status !== RequestStatus.Requested && status !== RequestStatus.Refunded) {
      this.logger.debug({ requestId: job.requestId, state: job.state, status }, 'past its deadline, the request is not open on-chain: waiting for the follower')
      return false
    }
    const note = `deadline ${new Date(job.deadline * 1000).toISOString()} passed ${reason} (on-chain status ${status === RequestStatus.Requested ? 'Requested' : 'Refunded'})`
    // Not in its state any more: the follower moved it meanwhile, and its next step follows at once.
    if (this.store.transition(job.requestId, 'cancelled', { from: [job.state], note })) this.logger.info({ requestId: job.requestId, action: job.action }, 'request expired without an attestation: job cancelled')
    return true
  }

  /**
   * When a job waiting for an attestation looks at its deadline again: when the follower should have
   * applied a block past it (block timestamps keep pace with the clock), at least a second and at
   * most a minute away; a minute once it has (the chain showed something else than an open request).
   */
  private expiryRecheckMs(job: Job): number {
    const processed = this.follower.processedTimestamp
    if (processed === undefined) return 1_000
    if (processed > BigInt(job.deadline)) return 60_000
    return Math.min(60_000, Math.max(1_000, (job.deadline + 1 - Number(processed)) * 1000))
  }

  /** Unix seconds as the chain sees them (the head block's timestamp), else this machine's clock. */
  private chainNow(): number {
    return this.follower.headTimestamp !== undefined ? Number(this.follower.headTimestamp) : Date.now() / 1000
  }

  /**
   * The attestation of the job's request with `outputHash` and `traceRoot` (ours by default); the
   * input hash is the one the request committed to.
   */
  private attestationOf(job: Job, outputHash: Hex = job.outputHash!, traceRoot: Hex = job.traceRoot!): Attestation {
    return { requestId: job.requestId, modelId: job.modelId, inputHash: job.commitment.inputHash, outputHash, traceRoot }
  }

  /** The EIP-712 struct hash of an attestation, computed once per request, output and trace. */
  private structHashOf(attestation: Attestation): Hex {
    const key = `${attestation.requestId}:${attestation.outputHash}:${attestation.traceRoot}`
    let hash = this.structHashes.get(key)
    if (!hash) {
      if (this.structHashes.size > MAX_TRACKED) this.structHashes.clear()
      hash = attestationStructHash(attestation)
      this.structHashes.set(key, hash)
    }
    return hash
  }

  private async signAndShare(job: Job): Promise<void> {
    const attestation = this.attestationOf(job)
    // On-chain submissions check signatures over a batch; this node submits each request alone.
    const signature = await signBatchHashes(this.account, this.domain, [this.structHashOf(attestation)])
    this.store.addSignature({ requestId: job.requestId, signer: this.address, outputHash: attestation.outputHash, traceRoot: attestation.traceRoot, outputWords: job.outputWords!, signature })
    this.verified.add(signatureKey(job.requestId, this.address, signature))
    this.peers.broadcast(
      { requestId: String(job.requestId), modelId: job.modelId, inputHash: attestation.inputHash, outputHash: attestation.outputHash, traceRoot: attestation.traceRoot, outputWords: job.outputWords!.map(String), signer: this.address, signature },
      () => this.store.db.open && this.store.getJob(job.requestId)?.state === 'inferred',
    )
  }

  private async requestStatus(requestId: bigint): Promise<number> {
    const [status] = await this.publicClient.readContract({ address: this.config.oracle, abi: inferenceOracleAbi, functionName: 'getRequestState', args: [requestId] })
    return status
  }

  /** Whether each signer is an active operator: registered, unslashed, at least MIN_STAKE (from the cached staking records). */
  private async isActive(signers: Address[]): Promise<boolean[]> {
    const { minStake } = this.committeeParameters ?? (await this.readCommitteeParameters())
    return Promise.all(
      signers.map(async (signer) => {
        const record = await this.operatorRecord(signer)
        return !record.slashed && record.stake >= minStake
      }),
    )
  }

  /**
   * Whether each signer's signature would count for the job's request in the next block: active,
   * and a seat on the request's committee this round or an open round. Computed here with the
   * oracle's rules (committeeRoundAt, holdsSeat) from the round's seed block hash and the
   * signers' stake records, each read once and cached, instead of a call per signer and request.
   * False for everyone before the committee is drawn (two blocks after the request).
   */
  private async entitled(job: Job, signers: Address[]): Promise<boolean[]> {
    const { roundBlocks } = this.committeeParameters ?? (await this.readCommitteeParameters())
    const head = this.follower.head ?? (await this.publicClient.getBlockNumber({ cacheTime: 0 }))
    const round = committeeRoundAt(job.commitment, head + 1n, roundBlocks)
    if (!round.drawn) return signers.map(() => false)
    const seed = round.open ? undefined : committeeSeed(await this.blockHash(round.seedBlock), job.requestId)
    const active = await this.isActive(signers)
    return Promise.all(
      signers.map(async (signer, i) => {
        if (!active[i]) return false
        const record = await this.operatorRecord(signer)
        return round.open || holdsSeat(job.commitment, seed!, { account: signer, stake: record.stake, raisedAt: BigInt(record.raisedAt) })
      }),
    )
  }

  private async readCommitteeParameters(): Promise<{ roundBlocks: bigint; minStake: bigint }> {
    const staking = this.staking
    if (!staking) throw new TransactionError({ action: 'checking committees', reason: 'the node has not reached the chain yet' })
    const [roundBlocks, minStake] = await Promise.all([
      this.publicClient.readContract({ address: this.config.oracle, abi: inferenceOracleAbi, functionName: 'ROUND_BLOCKS' }),
      this.publicClient.readContract({ address: staking, abi: operatorStakingAbi, functionName: 'MIN_STAKE' }),
    ])
    this.committeeParameters = { roundBlocks, minStake }
    return this.committeeParameters
  }

  /** A block's hash by number (cached: a round's seed block is final once the round starts). */
  private blockHash(blockNumber: bigint): Promise<Hex> {
    let hash = this.blockHashes.get(blockNumber)
    if (!hash) {
      if (this.blockHashes.size > 10_000) this.blockHashes.clear()
      hash = this.publicClient.getBlock({ blockNumber }).then((block) => block.hash)
      this.blockHashes.set(blockNumber, hash)
      hash.catch(() => this.blockHashes.get(blockNumber) === hash && this.blockHashes.delete(blockNumber))
    }
    return hash
  }

  /** An operator's staking record, read at most once per ENTITLEMENT_TTL_MS (concurrent reads share one call). */
  private operatorRecord(account: Address): Promise<{ stake: bigint; raisedAt: number; slashed: boolean; locked: bigint }> {
    const staking = this.staking
    if (!staking) throw new TransactionError({ action: 'checking operators', reason: 'the node has not reached the chain yet' })
    const key = account.toLowerCase()
    const now = Date.now()
    const cached = this.operatorRecords.get(key)
    if (cached && cached.at >= now - ENTITLEMENT_TTL_MS) return cached.record
    // Stale but recent, with a value: answer with it and refresh behind (an attestation on the clock
    // must not wait for a round trip; the contract checks the records it relies on anyway).
    const settled = cached?.value
    if (cached && settled && cached.at >= now - ENTITLEMENT_MAX_STALE_MS) {
      if (!cached.refreshing) {
        cached.refreshing = true
        this.publicClient.readContract({ address: staking, abi: operatorStakingAbi, functionName: 'getOperator', args: [account] }).then(
          (record) => this.operatorRecords.set(key, { record: Promise.resolve(record), value: record, at: Date.now() }),
          () => (cached.refreshing = false),
        )
      }
      return Promise.resolve(settled)
    }
    if (this.operatorRecords.size > MAX_TRACKED) this.operatorRecords.clear()
    const entry: OperatorRecordEntry = { record: this.publicClient.readContract({ address: staking, abi: operatorStakingAbi, functionName: 'getOperator', args: [account] }), at: now }
    this.operatorRecords.set(key, entry)
    entry.record.then(
      (record) => (entry.value = record),
      () => this.operatorRecords.get(key) === entry && this.operatorRecords.delete(key),
    )
    return entry.record
  }

  /** Whether a stored signature is `signer`'s over this job's attestation; each signature is recovered at most once. */
  private async signedBy(attestation: Attestation, signer: Address, signature: Hex): Promise<boolean> {
    const key = signatureKey(attestation.requestId, signer, signature)
    if (this.verified.has(key)) return true
    if (this.verified.size > MAX_TRACKED) this.verified.clear()
    const recovered = await recoverBatchHashesSigner(this.domain, [this.structHashOf(attestation)], signature).catch(() => undefined)
    if (!recovered || getAddress(recovered) !== getAddress(signer)) return false
    this.verified.add(key)
    return true
  }

  /**
   * Submits the attestation once we hold `quorum` valid signatures of our output from operators
   * entitled to sign the request now (seats on its committee this round, or anyone active once a
   * provable request's exclusive round is over). Signers are ranked by keccak256(requestId,
   * signer): the first submits at once, the one ranked r only if the attestation is still not
   * on-chain after r x quorumBackupDelayMs.
   */
  private async tryQuorum(job: Job, model: ServedModel): Promise<void> {
    // Past the deadline at the head, no submission can land; the job ends once the follower has read
    // past it too (a peer's attestation mined in time still moves it to attested, to be watched).
    if (this.chainNow() > job.deadline) {
      if (await this.cancelExpired(job, 'without a quorum')) return
      return this.later(job.requestId, this.expiryRecheckMs(job))
    }
    const attestation = this.attestationOf(job)
    const call = { address: this.config.oracle, abi: ORACLE_CALL_ABI, functionName: 'submitAttestations', alreadyDone: ['RequestNotPending'] } as const
    const results = [{ request: job.commitment, outputWords: job.outputWords!, traceRoot: job.traceRoot! }]
    if (this.unconfirmed.delete(job.requestId) && job.txHash) {
      const resumed = await this.txs.resume(job.txHash, { kind: 'attest', ...call, args: [results, []] })
      if (resumed) return this.attestationSent(job, resumed, [])
    }
    if (await this.tryBatch(job, model)) return
    const ours = (s: { outputHash: Hex; traceRoot: Hex }) => s.outputHash === job.outputHash && s.traceRoot === job.traceRoot
    let candidates = this.store.signatures(job.requestId).filter(ours)
    if (!candidates.some((s) => s.signer === this.address)) {
      await this.signAndShare(job)
      candidates = this.store.signatures(job.requestId).filter(ours)
    }
    // One signature of our output per signer, ours first.
    const held: { signer: Address; signature: Hex }[] = []
    for (const s of [...candidates].sort((a, b) => (a.signer === this.address ? -1 : b.signer === this.address ? 1 : 0)))
      if (!held.some((h) => h.signer === getAddress(s.signer))) held.push({ signer: getAddress(s.signer), signature: s.signature })
    if (held.length < job.quorum) return this.later(job.requestId, 5_000)
    const entitled = await this.entitled(job, held.map((v) => v.signer))
    await this.submitQuorum({
      lead: job,
      jobs: [job],
      usable: held.filter((_, i) => entitled[i]),
      rankOf: (signer) => keccak256(encodePacked(['uint256', 'address'], [job.requestId, signer])),
      verify: (signer, signature) => this.signedBy(attestation, signer, signature),
      drop: (signer) => this.store.deleteSignature({ requestId: job.requestId, signer, outputHash: job.outputHash!, traceRoot: job.traceRoot! }),
      model,
    })
  }

  /**
   * The requests this node would batch with `job`: those of the same block for the same model and
   * quorum that it attests and that have not moved on (attested, or given up), by ascending id, cut
   * into chunks of MAX_BATCH.
   * Every honest node that serves them computes the same batch, so their signatures over it add up
   * to a quorum. One light query: no row is decoded beyond its state.
   */
  private batchMembers(job: Job) {
    const members = this.store.batchCandidates(job.blockNumber, job.modelId).filter((c) => c.quorum === job.quorum && c.action === 'attest' && (c.state === 'pending' || c.state === 'inferred'))
    const chunk = Math.floor(members.findIndex((m) => m.requestId === job.requestId) / MAX_BATCH)
    return chunk < 0 ? [] : members.slice(chunk * MAX_BATCH, (chunk + 1) * MAX_BATCH)
  }

  /**
   * Attests `job` together with the other requests of its block (batchMembers) when there are
   * several. The batch's first request leads it: once every member is inferred it signs their
   * AttestationBatch once (from the cached struct hashes), shares it, and submits once `quorum`
   * signers entitled to every request of it signed the same batch (ranked by
   * keccak256(batchId, signer), as single attestations are). The other members sleep until the
   * batch is on-chain (the follower wakes them) or given up. Returns false, and the job goes on
   * alone, when it has no company, or BATCH_WAIT_MS past the backup turns without a batch quorum
   * (peers that batched differently, seats that differ).
   */
  private async tryBatch(job: Job, model: ServedModel): Promise<boolean> {
    if (!this.config.batchAttestations) return false
    const giveUpAt = job.updatedAt + BATCH_WAIT_MS + this.config.quorumBackupDelayMs
    const now = Date.now()
    // A member of a batch its lead is still carrying waits for it, however slow the chain: going alone
    // then would only add transactions to a chain that is already behind.
    const leadId = this.memberOf.get(job.requestId)
    if (leadId !== undefined && leadId !== job.requestId) {
      const lead = this.store.getJob(leadId)
      if (lead && (lead.state === 'inferred' || lead.state === 'submitted') && now < job.updatedAt + BATCH_MEMBER_MAX_WAIT_MS) {
        this.later(job.requestId, Math.max(giveUpAt - now + 1, BATCH_WAIT_MS))
        return true
      }
      this.memberOf.delete(job.requestId)
      return false
    }
    if (now > giveUpAt && leadId === undefined) return false
    // Only a chunk's first request (its lead) loads the batch; the others wait for it.
    const { before, total } = this.store.batchPosition(job)
    if (total < 2 || (before === total - 1 && before % MAX_BATCH === 0)) return false
    if (before % MAX_BATCH !== 0) {
      if (now > giveUpAt) return false
      this.later(job.requestId, giveUpAt - now + 1)
      return true
    }
    const members = this.batchMembers(job)
    if (members[0]?.requestId !== job.requestId) return false
    if (members.some((m) => m.state === 'pending' || !m.outputHash || !m.traceRoot)) {
      this.later(job.requestId, 20)
      return true
    }
    for (const m of members) this.memberOf.set(m.requestId, job.requestId)
    // The lead gives its batch up (and its members go alone) only past giveUpAt without a quorum of
    // seated signers on it: peers that batched differently, or committees that differ across it.
    const giveUp = () => {
      for (const m of members) if (this.memberOf.get(m.requestId) === job.requestId) this.memberOf.delete(m.requestId)
      return false
    }
    const requestIds = members.map((m) => m.requestId)
    const outputHashes = members.map((m) => m.outputHash!)
    const traceRoots = members.map((m) => m.traceRoot!)
    const structHashes = members.map((m) => this.structHashOf({ requestId: m.requestId, modelId: job.modelId, inputHash: m.inputHash, outputHash: m.outputHash!, traceRoot: m.traceRoot! }))
    const batchId = keccak256(concat(structHashes))
    let stored = this.store.batchSignatures(batchId)
    if (!stored.some((s) => getAddress(s.signer) === this.address)) {
      const signature = await signBatchHashes(this.account, this.domain, structHashes)
      this.logger.debug({ requestId: job.requestId, batch: members.length }, 'batch signed')
      this.store.addBatchSignature({ batchId, signer: this.address, requestIds, outputHashes, traceRoots, signature })
      this.verified.add(signatureKey(0n, this.address, signature))
      this.peers.broadcast(
        {
          requestId: String(job.requestId),
          modelId: job.modelId,
          inputHash: job.commitment.inputHash,
          outputHash: outputHashes[0]!,
          traceRoot: traceRoots[0]!,
          outputWords: job.outputWords!.map(String),
          signer: this.address,
          signature,
          batch: { requestIds: requestIds.map(String), outputHashes, traceRoots },
        },
        () => this.store.db.open && this.store.getJob(job.requestId)?.state === 'inferred',
      )
      stored = this.store.batchSignatures(batchId)
    }
    const held = [...stored]
      .sort((a, b) => (getAddress(a.signer) === this.address ? -1 : getAddress(b.signer) === this.address ? 1 : 0))
      .map((s) => ({ signer: getAddress(s.signer), signature: s.signature }))
    // Too few yet: a peer's signature wakes this job (receiveBatchAttestation); the timer is a fallback.
    // Silence is no reason to go alone (slow or absent peers would not sign single requests faster);
    // a peer that signed another batch led by this request, or this request alone, is.
    if (held.length < job.quorum) {
      const elsewhere = requestIds.some((id) => [...(this.peerBatches.get(id) ?? [])].some((other) => other !== batchId)) || this.store.signatures(job.requestId).length > 0
      if ((elsewhere && Date.now() > giveUpAt) || Date.now() > job.updatedAt + BATCH_MEMBER_MAX_WAIT_MS) return giveUp()
      this.later(job.requestId, 250)
      return true
    }
    const group = members.map((m) => (m.requestId === job.requestId ? job : this.store.getJob(m.requestId))).filter((j): j is Job => j !== undefined)
    if (group.length !== members.length) return giveUp()
    const seats = await Promise.all(group.map((j) => this.entitled(j, held.map((h) => h.signer))))
    const usable = held.filter((_, i) => seats.every((row) => row[i]))
    this.logger.debug({ requestId: job.requestId, batch: group.length, held: held.length, seated: usable.length }, 'batch quorum check')
    // Drawn, but too few signers hold a seat on every request of the batch: alone, each may find its quorum.
    if (usable.length < job.quorum && Date.now() > giveUpAt && seats.some((row) => row.some(Boolean))) return giveUp()
    await this.submitQuorum({
      lead: job,
      jobs: group,
      usable,
      rankOf: (signer) => keccak256(encodePacked(['bytes32', 'address'], [batchId, signer])),
      verify: async (signer, signature) => {
        const key = signatureKey(0n, signer, signature)
        if (this.verified.has(key)) return true
        const recovered = await recoverBatchHashesSigner(this.domain, structHashes, signature).catch(() => undefined)
        if (!recovered || getAddress(recovered) !== signer) return false
        this.verified.add(key)
        return true
      },
      drop: (signer) => this.store.deleteBatchSignature(batchId, signer),
      model,
    })
    return true
  }

  /**
   * Submits `jobs` (one request, or a batch in ascending id order) with `quorum` of the usable
   * signatures once it is this node's turn: signers are ranked by `rankOf`; the first submits at
   * once, rank r after r x quorumBackupDelayMs. Only the signatures about to be sent are recovered
   * (ours first); a bad one is dropped and the next tried.
   */
  private async submitQuorum(p: {
    lead: Job
    jobs: Job[]
    usable: { signer: Address; signature: Hex }[]
    rankOf: (signer: Address) => Hex
    verify: (signer: Address, signature: Hex) => Promise<boolean>
    drop: (signer: Address) => void
    model: ServedModel
  }): Promise<void> {
    const { lead, jobs } = p
    // Not drawn yet, or too few seats this round: look again when the next block is seen.
    if (p.usable.length < lead.quorum) {
      this.awaitingBlock.add(lead.requestId)
      return this.later(lead.requestId, 1_000)
    }
    // Each signer locks the value at risk of every request in the submission: only signers whose free
    // stake covers it can sign now (others' locks are released as results become final).
    const valueAtRisk = jobs.reduce((sum, j) => sum + j.commitment.valueAtRisk, 0n)
    const records = await Promise.all(p.usable.map((v) => this.operatorRecord(v.signer)))
    const usable = p.usable.filter((_, i) => records[i]!.stake - records[i]!.locked >= valueAtRisk)
    if (usable.length < lead.quorum) {
      this.capacityWarning({ requestId: lead.requestId, requests: jobs.length, valueAtRisk, free: Object.fromEntries(p.usable.map((v, i) => [v.signer, String(records[i]!.stake - records[i]!.locked)])) })
      return this.later(lead.requestId, 1_000)
    }
    const rank = usable
      .map((v) => p.rankOf(v.signer))
      .sort()
      .indexOf(p.rankOf(this.address))
    const staggerMs = Math.max(0, rank) * this.config.quorumBackupDelayMs
    const waitedMs = Date.now() - lead.updatedAt
    this.logger.debug({ requestId: lead.requestId, jobs: jobs.length, rank, staggerMs, waitedMs }, 'quorum rank')
    if (waitedMs < staggerMs) return this.later(lead.requestId, staggerMs - waitedMs)
    const chosen: { signer: Address; signature: Hex }[] = []
    for (const v of usable) {
      if (chosen.length === lead.quorum) break
      if (await p.verify(v.signer, v.signature)) chosen.push(v)
      else {
        this.logger.warn({ requestId: lead.requestId, signer: v.signer }, 'dropping a peer signature that does not verify')
        p.drop(v.signer)
      }
    }
    if (chosen.length < lead.quorum) return this.later(lead.requestId, 1_000)
    chosen.sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1))
    // On the clock, with the gas of such a submission already seen: no estimate (see attestGasLimit).
    const gasKey = `${lead.modelId}:${lead.quorum}`
    const learned = this.attestGas.get(gasKey)
    const gas = this.onTheClock.has(lead.requestId) && learned !== undefined ? ATTEST_GAS_BASE + (learned * BigInt(jobs.length) * 5n) / 4n : undefined
    // No status read first: the simulation in txs.send reverts with RequestNotPending if someone was faster.
    const result = await this.txs.send({
      kind: 'attest',
      address: this.config.oracle,
      abi: ORACLE_CALL_ABI,
      functionName: 'submitAttestations',
      alreadyDone: ['RequestNotPending'],
      gas,
      args: [jobs.map((j) => ({ request: j.commitment, outputWords: j.outputWords!, traceRoot: j.traceRoot! })), chosen.map((c) => c.signature)],
      onSent: (hash) => {
        for (const j of jobs) this.store.transition(j.requestId, 'submitted', { from: ['inferred', 'submitted'], patch: { txHash: hash }, note: `submitAttestations ${hash}${jobs.length > 1 ? ` (batch of ${jobs.length})` : ''}` })
        const since = this.headSeenAt
        if (this.onTheClock.delete(lead.requestId)) {
          if (since !== undefined) this.metrics.attestOnClockSeconds.observe((Date.now() - since) / 1000, { model: p.model.name })
          this.wake()
        }
      },
    })
    if (result.status === 'mined') {
      const perItem = result.receipt.gasUsed / BigInt(jobs.length)
      if (perItem > (learned ?? 0n)) this.attestGas.set(gasKey, perItem)
    }
    this.attestationSent(lead, result, chosen.map((c) => c.signer), p.model, jobs.length)
  }

  /** Too little free stake among the signers: said at most every 10 s (a node at capacity would say it for every request). */
  private capacityWarning(details: Record<string, unknown>): void {
    const now = Date.now()
    if (now - this.lastCapacityWarning < 10_000) return
    this.lastCapacityWarning = now
    this.logger.warn(details, 'signers lack the free stake to back this attestation until earlier locks are released: waiting (stake more to serve more at once)')
  }

  private attestationSent(job: Job, result: SendReturnType, signers: Address[], model?: ServedModel, batch = 1): void {
    this.logger.info({ requestId: job.requestId, result: result.status, signers, model: model?.name, batch }, 'attestation submitted')
    // The AttestationSubmitted event moves the job on; until the follower sees it, wait.
    this.later(job.requestId, 2_000)
  }

  private async proveJob(job: Job, model: ServedModel): Promise<void> {
    if (!model.provable) throw new NotProvableError({ model: model.name })
    const status = await this.requestStatus(job.requestId)
    const expected = job.action === 'dispute' ? RequestStatus.Attested : RequestStatus.Requested
    if (status !== expected) {
      this.store.transition(job.requestId, 'done', { from: ['inferred'], note: `on-chain status ${status}: nothing left to do` })
      return
    }
    // A private request's proof takes the decrypted words and salt (private signals); its public
    // signals show the commitment the request carries (job.inputWords), which fulfilment passes.
    const opened = model.manifest.input.private ? await this.openPrivateInput(job, job.encryptedInput!) : undefined
    if (model.manifest.input.private && !opened) return
    if (!this.store.transition(job.requestId, 'proving', { from: ['inferred'] })) return
    // The proof binds this operator as its beneficiary: a copy of the transaction still pays it.
    const result = await prove({ dir: model.dir, input: { words: opened?.inputWords ?? job.inputWords }, salt: opened?.salt, beneficiary: this.address, pool: this.pool })
    this.noteProof(result, model)
    this.store.transition(job.requestId, 'proved', { from: ['proving'], patch: { proof: encodeProof(result.proof), outputWords: result.outputWords, outputHash: hashWords(result.outputWords) }, note: `proved in ${result.seconds.toFixed(2)} s` })
    this.logger.info({ requestId: job.requestId, model: model.name, seconds: result.seconds }, 'proof ready')
  }

  /** A proof's time, the prover's memory after it, and the prover processes replaced since the last one. */
  private noteProof(result: { seconds: number; rssKb: number }, model: ServedModel): void {
    this.metrics.proveSeconds.observe(result.seconds, { model: model.name })
    this.metrics.proverRss.set(result.rssKb * 1024)
    const recycled = this.pool.recycled - Number(this.metrics.proverRecycled.get())
    if (recycled > 0) this.metrics.proverRecycled.inc({}, recycled)
  }

  private async submitProof(job: Job): Promise<void> {
    const dispute = job.action === 'dispute'
    const call = {
      kind: dispute ? 'dispute' : 'fulfill',
      address: this.config.oracle,
      abi: inferenceOracleAbi,
      functionName: dispute ? 'disputeWithProof' : 'fulfillWithProof',
      args: [job.commitment, dispute ? this.attestedRecord(job) : NO_ATTESTATION, job.inputWords, job.outputWords!, this.address, job.proof!],
      alreadyDone: dispute ? ['RequestNotAttested', 'OutputNotDifferent'] : ['RequestNotPending'],
    } as const
    // Sent before a restart: wait for that transaction rather than sending a second one.
    const resumed = this.unconfirmed.delete(job.requestId) && job.txHash ? await this.txs.resume(job.txHash, call) : undefined
    const result =
      resumed ??
      (await this.txs.send({
        ...call,
        onSent: (hash) => this.store.transition(job.requestId, 'submitted', { from: ['proved', 'submitted'], patch: { txHash: hash }, note: `${call.functionName} ${hash}` }),
      }))
    if (dispute && result.status === 'mined') this.metrics.disputes.inc({ model: this.model(job).name })
    this.store.transition(job.requestId, 'done', { note: result.status === 'mined' ? `delivered in ${result.receipt.transactionHash}` : `already done (${result.errorName})` })
    this.logger.info({ requestId: job.requestId, result: result.status, dispute }, dispute ? 'dispute delivered' : 'proof delivered')
  }

  /**
   * An attestation is on-chain: check it against our own run. A wrong output of a model with a
   * circuit is disputed with a proof; any other difference (the output of a model without one, or
   * the trace) is challenged with a trace game. Once its window is over and no game is open on it,
   * it is finalized.
   */
  private async watch(job: Job, model: ServedModel): Promise<void> {
    let current = job
    if (!current.outputHash || !current.traceRoot) {
      // Kept by a node from before traces: run it again, keeping the trace this time.
      const { outputWords, outputHash, traceRoot } = await this.computeOutput({ ...job, action: 'watch' }, model)
      current = this.store.transition(job.requestId, 'attested', { from: ['attested'], patch: { outputWords, outputHash, traceRoot } }) ?? job
    }
    const now = Date.now() / 1000
    const chainNow = this.follower.headTimestamp !== undefined ? Number(this.follower.headTimestamp) : now
    const outputDiffers = current.attestedOutputHash !== current.outputHash
    if ((outputDiffers || current.attestedTraceRoot !== current.traceRoot) && this.config.watchtower && chainNow < (current.challengeEnd ?? 0)) {
      // A dishonest node (NodeFaults) never proves, but challenges with its lying trace: a false challenger.
      if (outputDiffers && model.provable && !this.faults.dishonest) {
        this.logger.warn({ requestId: job.requestId, attested: current.attestedOutputHash, ours: current.outputHash }, 'attested output differs from ours: proving and disputing')
        this.store.transition(job.requestId, 'inferred', { from: ['attested'], patch: { action: 'dispute' }, note: 'attested output differs: dispute' })
        return
      }
      if (!this.player) return this.later(job.requestId, 500)
      await this.player.challenge(current)
    }
    // A game open on the attestation holds its finalization (the oracle refuses it) until it ends.
    if (this.store.openGames(job.requestId).length) return this.later(job.requestId, 1_000)
    if (!this.config.finalize) return this.later(job.requestId, 60_000)
    const challengeEnd = current.challengeEnd ?? 0
    // The submitter sends finalize as soon as the head block is the last one inside the window (block
    // timestamps only grow, so the next block is past it); the others give it a grace period first.
    const grace = current.action === 'finalize' ? 0 : FINALIZE_GRACE_SECONDS
    const head = this.follower.headTimestamp
    const ready = head !== undefined ? Number(head) + 1 >= challengeEnd + grace : now >= challengeEnd + grace
    if (!ready) {
      const untilLastBlockMs = (challengeEnd + grace - 1 - now) * 1000
      return this.later(job.requestId, Math.min(60_000, Math.max(untilLastBlockMs, Math.min(this.config.pollIntervalMs, 250))))
    }
    const result = await this.finalizeSoon(current, challengeEnd)
    if (!result) return this.later(job.requestId, 500)
    this.store.transition(job.requestId, 'done', { note: result.status === 'mined' ? `finalized in ${result.receipt.transactionHash}` : 'already final' })
  }

  /**
   * Finalizes `job` together with the others that become ready within FINALIZE_COALESCE_MS: one
   * finalizeBatch transaction for up to MAX_BATCH of them (a result someone else finalized first is
   * skipped by the contract). If the batch fails for another reason than a window still open, each
   * is finalized alone, so one bad item delays only itself. Resolves undefined while the window is open.
   */
  private finalizeSoon(job: Job, challengeEnd: number): Promise<SendReturnType | undefined> {
    return new Promise((resolve, reject) => {
      this.finalizeQueue.push({ job, challengeEnd, resolve, reject })
      this.finalizeTimer ??= setTimeout(this.guarded('finalizing', () => this.flushFinalizations()), FINALIZE_COALESCE_MS)
    })
  }

  private async flushFinalizations(): Promise<void> {
    this.finalizeTimer = undefined
    const items = this.finalizeQueue.splice(0, MAX_BATCH)
    if (this.finalizeQueue.length) this.finalizeTimer = setTimeout(this.guarded('finalizing', () => this.flushFinalizations()), FINALIZE_COALESCE_MS)
    const windowOpen = (error: unknown) => /ChallengeWindowOpen/.test(String((error as Error).message))
    const alone = (item: (typeof items)[number]) =>
      this.txs
        .send({
          kind: 'finalize',
          address: this.config.oracle,
          abi: ORACLE_CALL_ABI,
          functionName: 'finalizeBatch',
          args: [[this.finalization(item.job)]],
          notBefore: BigInt(item.challengeEnd),
        })
        .then(item.resolve, (error: unknown) => (windowOpen(error) ? item.resolve(undefined) : item.reject(error)))
    if (items.length === 1) return alone(items[0]!)
    try {
      const result = await this.txs.send({
        kind: 'finalize',
        address: this.config.oracle,
        abi: ORACLE_CALL_ABI,
        functionName: 'finalizeBatch',
        args: [items.map(({ job }) => this.finalization(job))],
        notBefore: BigInt(Math.max(...items.map((item) => item.challengeEnd))),
      })
      this.logger.debug({ results: items.length, result: result.status }, 'attestations finalized in a batch')
      for (const item of items) item.resolve(result)
    } catch (error) {
      if (windowOpen(error)) {
        for (const item of items) item.resolve(undefined)
        return
      }
      this.logger.debug({ results: items.length, err: (error as Error).message.split('\n')[0] }, 'finalize batch failed; finalizing each alone')
      await Promise.all(items.map(alone))
    }
  }

  /** What finalizeBatch takes for a job's pending attestation. */
  private finalization(job: Job) {
    return { request: job.commitment, attested: this.attestedRecord(job), outputWords: job.attestedOutputWords ?? [] }
  }

  /** The pending attestation as the oracle keeps it (from AttestationSubmitted). */
  private attestedRecord(job: Job): AttestationRecord {
    if (!job.attestedOutputHash || !job.attestedTraceRoot || job.attestedPacked === undefined) throw new TransactionError({ action: `acting on the attestation of request ${job.requestId}`, reason: 'its AttestationSubmitted event has not been seen yet' })
    return { outputHash: job.attestedOutputHash, traceRoot: job.attestedTraceRoot, packed: job.attestedPacked }
  }

  // ---- API-facing ----

  /**
   * A served model by name or registered id, with the id its off-chain attestations name: the id
   * asked for, or the model's first registration. A model no registration names cannot attest.
   */
  findModel(nameOrId: string): { model: ServedModel; modelId: Hex } {
    const byId = /^0x[0-9a-fA-F]{64}$/.test(nameOrId) ? this.listings.get(nameOrId as Hex) : undefined
    if (byId) return { model: byId, modelId: nameOrId as Hex }
    const model = this.models.find((m) => m.name === nameOrId)
    if (!model) throw new UnknownModelError({ model: nameOrId, known: this.models.flatMap((m) => [m.name, ...this.listings.idsOf(m)]) })
    const [modelId] = this.listings.idsOf(model)
    if (!modelId) throw new ModelNotRegisteredError({ model: model.name, definitionHash: model.definitionHash, ready: this.listingsReady })
    return { model, modelId }
  }

  /** Off-chain inference: output, an EIP-712 attestation with requestId 0, and a proof on request. */
  async inferOffchain({ model: name, input, prove: wantProof, beneficiary = this.address }: OffchainInferenceParameters) {
    const { model, modelId } = this.findModel(name)
    const quantized = 'values' in input ? model.quantize(input.values) : input.quantized
    if (quantized.length !== model.manifest.input.count) throw new InvalidInputError({ reason: `model ${model.name} takes ${model.manifest.input.count} values, got ${quantized.length}` })
    const result = await model.infer(quantized, { trace: true })
    this.metrics.inferenceSeconds.observe(result.seconds.inference, { model: model.name })
    const attestation: Attestation = { requestId: 0n, modelId, inputHash: result.inputHash, outputHash: result.outputHash, traceRoot: result.traceRoot! }
    const signature = await signAttestation(this.account, this.domain, attestation)
    let proof: { proof: Hex; publicSignals: string[]; beneficiary: Address; seconds: number; salt?: string; commitment?: string } | undefined
    if (wantProof) {
      if (!model.provable) throw new NotProvableError({ model: model.name })
      // A private-input model's proof shows a commitment of the input with a fresh salt, both returned to the caller.
      const salt = model.manifest.input.private ? randomSalt() : undefined
      const proved = await prove({ dir: model.dir, input: { quantized }, beneficiary, pool: this.pool, salt })
      this.noteProof(proved, model)
      proof = { proof: encodeProof(proved.proof), publicSignals: proved.publicSignals, beneficiary: proved.beneficiary, seconds: proved.seconds }
      if (salt !== undefined) Object.assign(proof, { salt: String(salt), commitment: String(proved.commitment) })
    }
    return { model, modelId, result, attestation, signature, proof }
  }

  /**
   * A private request's input, encrypted to this node's key by its user (POST /v1/private-inputs).
   * It is decrypted here and checked against the request's on-chain commitment (the word count of
   * the model's input, then commitInput of the words and salt), and only then stored, as the
   * ciphertext it came as; the job is woken. A second one for the same request is accepted while
   * the job waits (it decrypts to the same input: the commitment binds it) and refused once the
   * job has moved on.
   */
  async receivePrivateInput(requestId: bigint, encrypted: EncryptedInput): Promise<{ requestId: bigint; state: JobState }> {
    const job = this.store.getJob(requestId)
    const model = job && this.listings.get(job.modelId)
    if (!job || !model) throw new RequestNotFoundError({ requestId })
    if (!model.manifest.input.private || !this.encryption) throw new NotPrivateInputError({ requestId, model: model.name })
    if (finalStates.includes(job.state)) throw new RequestClosedError({ requestId, reason: `it is ${job.state} on this node` })
    if (this.chainNow() > job.deadline) throw new RequestClosedError({ requestId, reason: `its deadline (${new Date(job.deadline * 1000).toISOString()}) has passed` })
    if (job.encryptedInput && job.state !== 'pending') throw new RequestClosedError({ requestId, reason: `this node already has its input and is serving it (state ${job.state})` })
    let opened: { inputWords: bigint[]; salt: bigint }
    try {
      opened = await decryptInput({ secretKey: this.encryption.secretKey, encrypted })
    } catch (error) {
      if (error instanceof DecryptionError) throw new NotForThisOperatorError({ requestId, cause: error })
      if (error instanceof InvalidEncryptionKeyError) throw new RequestValidationError({ problems: ['encrypted.ephemeralKey: not a point of Baby Jubjub'] })
      throw error
    }
    const { words } = model.manifest.input
    if (opened.inputWords.length !== words) throw new CommitmentMismatchError({ requestId, reason: `it has ${opened.inputWords.length} input words, model ${model.name} takes ${words}` })
    // Decrypted values are field elements; a zero salt is no salt (commitInput refuses it).
    if (opened.salt === 0n || (await commitInput(opened)) !== job.inputWords[0]) throw new CommitmentMismatchError({ requestId, reason: 'the Poseidon commitment of its words and salt is not the one the request carries' })
    if (job.encryptedInput) return { requestId, state: job.state }
    const stored = this.store.transition(requestId, 'pending', { from: ['pending'], patch: { encryptedInput: encrypted }, note: 'encrypted input received' })
    if (!stored) {
      // Moved on meanwhile: served with the same input another POST brought, or closed.
      const now = this.store.getJob(requestId)
      if (now?.encryptedInput && !finalStates.includes(now.state)) return { requestId, state: now.state }
      throw new RequestClosedError({ requestId, reason: `it is ${now?.state ?? 'gone'} on this node` })
    }
    this.logger.info({ requestId, model: model.name }, 'encrypted private input received')
    this.schedule(requestId)
    return { requestId, state: stored.state }
  }

  /**
   * A peer's signature over an attested request's output. Everything cheap is checked here (the
   * output hash, the request's model and input, an active signer); the ECDSA recovery (about 1.5 ms)
   * is left to the node that uses the signature in a quorum, so a cluster of n nodes recovers k - 1
   * signatures per request instead of n(n - 1). Only a signer's first signature for a request is
   * stored unchecked: any other (a second output, or different bytes for the same one) is recovered
   * before it is stored, so junk takes at most one row per request and active signer, and cannot
   * displace a valid signature.
   */
  async receiveAttestation(body: PeerAttestation): Promise<{ stored: boolean }> {
    if (body.batch) return this.receiveBatchAttestation(body, body.batch)
    const requestId = BigInt(body.requestId)
    if (requestId === 0n) throw new InvalidAttestationError({ reason: 'requestId 0 is for off-chain attestations, which are not exchanged' })
    const outputWords = body.outputWords.map(BigInt)
    if (hashWords(outputWords) !== body.outputHash) throw new InvalidAttestationError({ reason: `outputHash ${body.outputHash} is not keccak256 of the output words` })
    const signer = getAddress(body.signer)
    const job = this.store.getJob(requestId)
    if (job && (job.modelId.toLowerCase() !== body.modelId.toLowerCase() || job.commitment.inputHash !== body.inputHash))
      throw new InvalidAttestationError({ reason: `it names a different model or input than request ${requestId} on-chain` })
    const [active] = await this.isActive([signer])
    this.metrics.attestationsReceived.inc({ result: active ? 'accepted' : 'inactive' })
    if (!active) throw new InvalidAttestationError({ reason: `${signer} is not an active operator` })
    const earlier = this.store.signatures(requestId).filter((s) => s.signer.toLowerCase() === signer.toLowerCase())
    const same = (s: { outputHash: Hex; traceRoot: Hex }) => s.outputHash === body.outputHash && s.traceRoot === body.traceRoot
    if (earlier.some((s) => same(s) && s.signature.toLowerCase() === body.signature.toLowerCase())) return { stored: false }
    const attestation: Attestation = { requestId, modelId: body.modelId, inputHash: body.inputHash, outputHash: body.outputHash, traceRoot: body.traceRoot }
    if (earlier.length) {
      const recovered = await recoverBatchSigner(this.domain, [attestation], body.signature).catch(() => undefined)
      if (!recovered || getAddress(recovered) !== signer) throw new InvalidAttestationError({ reason: `the signature was not made by ${body.signer}` })
      if (job) this.verified.add(signatureKey(requestId, signer, body.signature))
      // A valid signature replaces an unchecked one for the same output and trace.
      this.store.deleteSignature({ requestId, signer, outputHash: body.outputHash, traceRoot: body.traceRoot })
      // Another output, or the same output from another trace: the run is deterministic, so one is false.
      for (const other of earlier.filter((s) => !same(s))) {
        const first: Attestation = { ...attestation, outputHash: other.outputHash, traceRoot: other.traceRoot }
        const firstSigner = await recoverBatchSigner(this.domain, [first], other.signature).catch(() => undefined)
        if (firstSigner && getAddress(firstSigner) === signer) {
          void this.reportEquivocation(this.signedAlone(signer, first, other.signature), this.signedAlone(signer, attestation, body.signature))
          break
        }
      }
    }
    this.noteSigned([this.signedAlone(signer, attestation, body.signature)])
    const stored = this.store.addSignature({ requestId, signer, outputHash: body.outputHash, traceRoot: body.traceRoot, outputWords, signature: body.signature })
    if (stored) this.schedule(requestId)
    return { stored }
  }

  /**
   * A peer's signature over a batch of requests. Cheap checks only (ascending ids, requests this
   * node knows for the same model, an active signer); the recovery waits until the batch's first
   * job puts it in a quorum. One stored signature per signer and batch.
   */
  private async receiveBatchAttestation(body: PeerAttestation, batch: NonNullable<PeerAttestation['batch']>): Promise<{ stored: boolean }> {
    const requestIds = batch.requestIds.map(BigInt)
    if (requestIds.length === 0 || requestIds.length > MAX_BATCH || batch.outputHashes.length !== requestIds.length || batch.traceRoots.length !== requestIds.length)
      throw new InvalidAttestationError({ reason: `a batch lists 1 to ${MAX_BATCH} request ids and one output hash and trace root for each (got ${requestIds.length} ids, ${batch.outputHashes.length} hashes, ${batch.traceRoots.length} trace roots)` })
    if (requestIds.some((id, i) => id === 0n || (i > 0 && id <= requestIds[i - 1]!))) throw new InvalidAttestationError({ reason: 'a batch lists nonzero request ids in strictly ascending order' })
    if (String(requestIds[0]) !== body.requestId || batch.outputHashes[0] !== body.outputHash || batch.traceRoots[0] !== body.traceRoot) throw new InvalidAttestationError({ reason: 'the fields outside `batch` must describe its first request' })
    if (hashWords(body.outputWords.map(BigInt)) !== body.outputHash) throw new InvalidAttestationError({ reason: `outputHash ${body.outputHash} is not keccak256 of the output words` })
    const structHashes: Hex[] = []
    const inputHashes: Hex[] = []
    for (const [i, requestId] of requestIds.entries()) {
      const job = this.store.getJob(requestId)
      // Not seen yet (this node may be a poll behind the sender): the sender tries again shortly.
      if (!job) throw new AttestationNotReadyError({ requestId })
      if (job.modelId.toLowerCase() !== body.modelId.toLowerCase()) throw new InvalidAttestationError({ reason: `request ${requestId} names a different model on-chain` })
      structHashes.push(this.structHashOf(this.attestationOf(job, batch.outputHashes[i]!, batch.traceRoots[i]!)))
      inputHashes.push(job.commitment.inputHash)
    }
    const signer = getAddress(body.signer)
    const [active] = await this.isActive([signer])
    this.metrics.attestationsReceived.inc({ result: active ? 'accepted' : 'inactive' })
    if (!active) throw new InvalidAttestationError({ reason: `${signer} is not an active operator` })
    this.noteSigned(requestIds.map((requestId, i) => ({ signer, attestation: { requestId, modelId: body.modelId, inputHash: inputHashes[i]!, outputHash: batch.outputHashes[i]!, traceRoot: batch.traceRoots[i]! }, batch: structHashes, index: BigInt(i), signature: body.signature })))
    const batchId = keccak256(concat(structHashes))
    for (const requestId of requestIds) this.peerBatches.set(requestId, (this.peerBatches.get(requestId) ?? new Set<Hex>()).add(batchId))
    const stored = this.store.addBatchSignature({ batchId, signer, requestIds, outputHashes: batch.outputHashes, traceRoots: batch.traceRoots, signature: body.signature })
    if (stored) this.schedule(requestIds[0]!)
    return { stored }
  }

  /**
   * Two valid signatures by one operator over the same request (model and input) with different
   * outputs, each over a batch (of one or more): report them on-chain, which slashes the operator's
   * whole stake and pays the reporter. Someone else reporting first (NothingToSlash) counts as done.
   */
  private async reportEquivocation(firstSigned: SignedAttestation, secondSigned: SignedAttestation): Promise<void> {
    const operator = getAddress(firstSigned.signer)
    if (this.reported.has(operator)) return
    this.reported.add(operator)
    const first = firstSigned.attestation
    const second = secondSigned.attestation
    this.logger.warn({ requestId: first.requestId, operator, outputs: [first.outputHash, second.outputHash] }, 'equivocation: one operator signed two outputs; reporting it')
    try {
      // The report is revealed only after this node committed to it in an earlier block, so a copy
      // of the reveal cannot take the bounty.
      const [a, b] = [firstSigned, secondSigned].map(({ attestation, batch, index, signature }) => ({ attestation, batch, index, signature }))
      const commitment = keccak256(encodeAbiParameters([{ type: 'address' }, SIGNED_ATTESTATION_TUPLE, SIGNED_ATTESTATION_TUPLE], [this.address, a!, b!]))
      await this.txs.send({ kind: 'equivocation', address: this.config.oracle, abi: inferenceOracleAbi, functionName: 'commitEquivocation', args: [commitment], alreadyDone: ['EquivocationAlreadyCommitted'] })
      const result = await this.txs.send({
        kind: 'equivocation',
        address: this.config.oracle,
        abi: inferenceOracleAbi,
        functionName: 'reportEquivocation',
        args: [a!, b!],
        alreadyDone: ['NothingToSlash'],
      })
      if (result.status === 'mined') this.metrics.equivocations.inc()
      this.logger.info({ requestId: first.requestId, result: result.status }, 'equivocation reported')
    } catch (error) {
      this.reported.delete(operator)
      this.logger.error({ requestId: first.requestId, err: error }, 'equivocation report failed')
    }
  }

  private signedAlone(signer: Address, attestation: Attestation, signature: Hex): SignedAttestation {
    return { signer, attestation, batch: [this.structHashOf(attestation)], index: 0n, signature }
  }

  /**
   * Remembers which output each signer signed for each request, from peers' signatures over single
   * requests and over batches, and reports a signer seen signing two outputs for one request (both
   * signatures recovered first, so junk sent in someone's name is not reported: it is replaced by
   * the valid signature). In memory, MAX_TRACKED entries: what equivocation costs a liar is that
   * some honest node sees both signatures while they matter.
   */
  private noteSigned(signed: SignedAttestation[]): void {
    let conflict: [SignedAttestation, SignedAttestation] | undefined
    for (const s of signed) {
      const key = `${s.attestation.requestId}:${s.signer.toLowerCase()}`
      const earlier = this.signedOutputs.get(key)
      if (!earlier) {
        if (this.signedOutputs.size > MAX_TRACKED) this.signedOutputs.clear()
        this.signedOutputs.set(key, s)
      } else if ((earlier.attestation.outputHash !== s.attestation.outputHash || earlier.attestation.traceRoot !== s.attestation.traceRoot) && !conflict) conflict = [earlier, s]
    }
    if (!conflict || this.reported.has(getAddress(conflict[1].signer))) return
    const [earlier, later] = conflict
    void (async () => {
      const signerOf = (s: SignedAttestation) => recoverBatchHashesSigner(this.domain, s.batch, s.signature).catch(() => undefined)
      const [first, second] = await Promise.all([signerOf(earlier), signerOf(later)])
      const signer = getAddress(later.signer)
      // An unverifiable first entry gives way to a valid one; two valid ones are an equivocation.
      if (second && getAddress(second) === signer && !(first && getAddress(first) === signer)) this.signedOutputs.set(`${later.attestation.requestId}:${signer.toLowerCase()}`, later)
      else if (first && second && getAddress(first) === signer && getAddress(second) === signer) await this.reportEquivocation(earlier, later)
    })()
  }

  /**
   * A request as this node holds it. `floatOutput`: onnxruntime's float output on its input,
   * computed now (it is derived from the input words, so jobs do not store it); undefined until
   * the job has an output or when this node no longer serves the model.
   */
  async getRequest(requestId: bigint) {
    const job = this.store.getJob(requestId)
    if (!job) throw new RequestNotFoundError({ requestId })
    const model = this.listings.get(job.modelId)
    // A private request's input words are its commitment: there is no input to run the float model on.
    const floatOutput = job.outputWords && model && !model.manifest.input.private ? await model.floatOutputOf(job.inputWords) : undefined
    return { job, floatOutput, history: this.store.history(requestId), signatures: this.store.signatures(requestId) }
  }

  health() {
    let database = !this.storageFault
    try {
      this.store.db.prepare('SELECT 1').get()
    } catch {
      database = false
    }
    const cursor = database ? this.store.getCursor() : undefined
    const chain = { connected: this.follower.connected, chainId: this.config.chainId, head: this.follower.head, lastProcessedBlock: cursor?.blockNumber }
    const state = this.operatorState
    const wei = (v: bigint | undefined) => (v === undefined ? undefined : v.toString())
    return {
      ok: database && chain.connected && this.listingsReady && this.models.length > 0 && !this.fatal,
      operator: this.address,
      /** The operator as the chain saw it at `block` (wei amounts as decimal strings). */
      account: state && {
        block: state.blockNumber,
        balanceWei: wei(state.balance),
        registered: state.registered,
        active: state.active,
        slashed: state.slashed,
        stakeWei: wei(state.stake),
        lockedStakeWei: wei(state.locked),
        unbondingWei: wei(state.unbonding),
        rewardsWei: wei(state.rewards),
        oracleBalanceWei: wei(state.oracleBalance),
        minStakeWei: wei(state.minStake),
      },
      /** The key users encrypt private inputs to (Baby Jubjub, decimal strings), when the node serves a private-input model. */
      encryptionKey: this.encryption && { x: String(this.encryption.publicKey.x), y: String(this.encryption.publicKey.y) },
      problems: this.fatal?.problems ?? [],
      warnings: this.warnings,
      chain,
      database: { ok: database, ...(this.storageFault && { full: true, error: this.storageFault.message, since: new Date(this.storageFault.since).toISOString() }) },
      models: this.models.map((m) => ({ name: m.name, definitionHash: m.definitionHash, modelIds: this.listings.idsOf(m), provable: m.provable, provider: m.provider })),
      refusedRegistrations: this.listings.refused,
    }
  }
}
