import type { Address, Hex } from 'viem'
import type { OracleLog } from '../chain/chainFollower.js'
import type { ResolvedConfig } from '../config/loadConfig.js'
import { type RequestCommitment, hashWords } from '@veridict/sdk'
import type { JobAction, JobStore } from '../store/jobStore.js'
import type { ModelListings, ModelRegisteredArgs } from './modelListings.js'
import type { Logger } from 'pino'

/** What the node does for an attested request: attest it when it serves the mode at that fee, else watch it (watchtower), else nothing. */
function attestedAction(commitment: RequestCommitment, config: ApplyLogsContext['config']): JobAction | undefined {
  if (config.modes.includes('attested') && commitment.fee >= config.minFee) return 'attest'
  return config.watchtower ? 'watch' : undefined
}

export type ApplyLogsContext = {
  store: JobStore
  config: Pick<ResolvedConfig, 'modes' | 'minFee' | 'watchtower'>
  listings: ModelListings
  operator: Address
  logger: Logger
}

/**
 * Applies the oracle's events to the job store (synchronously, inside the follower's transaction):
 * registrations of local models add the ids this node serves; new requests become jobs when this
 * node serves their model and mode and the fee is enough; results seen on-chain end the matching
 * jobs, whoever delivered them.
 */
export function applyLogs(logs: readonly OracleLog[], { store, config, listings, operator, logger }: ApplyLogsContext): void {
  for (const log of logs) {
    const a = log.args
    const requestId = a.requestId as bigint | undefined
    switch (log.eventName) {
      case 'ModelRegistered':
        listings.apply(a as unknown as ModelRegisteredArgs)
        break
      case 'InferenceRequested': {
        const modelId = a.modelId as Hex
        const model = listings.get(modelId)
        if (!model) {
          logger.debug({ requestId, modelId }, 'request for a model this node does not serve')
          break
        }
        const commitment = a.request as RequestCommitment
        const mode = commitment.mode === 0 ? 'zk' : 'attested'
        const fee = commitment.fee
        const serves = config.modes.includes(mode) && fee >= config.minFee && (mode === 'attested' || model.provable)
        const action: JobAction | undefined = mode === 'zk' ? (serves ? 'fulfill' : undefined) : attestedAction(commitment, config)
        if (!action) {
          logger.info({ requestId, mode, fee }, 'request not served (mode, fee or model not provable)')
          break
        }
        const inserted = store.insertJob({
          requestId: requestId!,
          modelId,
          mode,
          quorum: commitment.quorum,
          requester: commitment.requester,
          fee,
          deadline: commitment.deadline,
          inputWords: [...(a.inputWords as readonly bigint[])],
          blockNumber: log.blockNumber,
          blockHash: log.blockHash,
          commitment: { ...commitment },
          action,
        })
        if (inserted) logger.info({ requestId, model: model.name, mode, block: log.blockNumber, watchOnly: !serves }, 'request accepted')
        break
      }
      case 'AttestationSubmitted': {
        const job = store.getJob(requestId!)
        if (!job) break
        const ours = (a.submitter as Address).toLowerCase() === operator.toLowerCase()
        const record = a.record as { outputHash: Hex; traceRoot: Hex; packed: bigint }
        store.transition(requestId!, 'attested', {
          from: ['pending', 'inferred', 'proving', 'proved', 'submitted'],
          patch: {
            attestedOutputHash: record.outputHash,
            attestedTraceRoot: record.traceRoot,
            attestedPacked: record.packed,
            attestedOutputWords: [...(a.outputWords as readonly bigint[])],
            challengeEnd: Number(a.challengeEnd),
            ...(ours ? { action: 'finalize' as const } : {}),
          },
          note: `attested by ${(a.signers as Address[]).join(',')} (submitted by ${a.submitter as string})`,
        })
        break
      }
      case 'ResultFulfilled':
      case 'ResultFinalized':
      case 'AttestationDisputed':
        if (store.transition(requestId!, 'done', { note: `${log.eventName} in block ${log.blockNumber}` })) logger.info({ requestId, event: log.eventName }, 'request final')
        break
      case 'AttestationVoided':
        store.transition(requestId!, 'inferred', { from: ['attested'], note: 'attestation voided: slashed signers left it short of its quorum' })
        break
      case 'RequestRefunded':
        store.transition(requestId!, 'cancelled', { note: 'refunded' })
        break
      case 'AttestationOverturnedByTrace': {
        // A trace game showed the attested trace wrong: the request is open again, with a later
        // deadline, and its new commitment is what every transaction about it must pass.
        const job = store.getJob(requestId!)
        const reopened = a.request as RequestCommitment
        const action = job && (job.action === 'dispute' || job.action === 'finalize' || job.action === 'attest' || job.action === 'watch') ? attestedAction(reopened, config) : undefined
        if (!job || !action) break
        const cleared = { attestedOutputHash: undefined, attestedTraceRoot: undefined, attestedPacked: undefined, attestedOutputWords: undefined, challengeEnd: undefined }
        const to = job.outputHash ? 'inferred' : 'pending'
        if (store.transition(requestId!, to, { from: ['pending', 'inferred', 'attested', 'submitted'], patch: { ...cleared, commitment: { ...reopened }, deadline: reopened.deadline, action }, note: `attestation overturned by a trace game (challenger ${a.challenger as string}); reopened until ${reopened.deadline}` }))
          logger.warn({ requestId, challenger: a.challenger, slashed: a.slashed, deadline: reopened.deadline, action }, 'attestation overturned by a trace game: request reopened')
        break
      }
      case 'GameStarted': {
        // Recorded with what it was opened on: the job's current attestation (a game can only be
        // opened on the request's current one, and events apply in order).
        const job = store.getJob(requestId!)
        if (!job) break
        if (!job.attestedOutputHash || !job.attestedTraceRoot || job.attestedPacked === undefined) {
          logger.warn({ requestId, gameId: a.gameId }, 'trace game on an attestation this node has not seen: not played')
          break
        }
        const started = store.addGame({
          gameId: a.gameId as bigint,
          requestId: requestId!,
          challenger: a.challenger as Address,
          challengerTrace: a.traceRoot as Hex,
          challengerOutputHash: hashWords(a.outputWords as readonly bigint[]),
          request: job.commitment,
          attested: { outputHash: job.attestedOutputHash, traceRoot: job.attestedTraceRoot, packed: job.attestedPacked },
          startedBlock: log.blockNumber,
        })
        if (started) logger.warn({ requestId, gameId: a.gameId, challenger: a.challenger, challengerTrace: a.traceRoot, attestedTrace: job.attestedTraceRoot }, 'trace game started')
        break
      }
      case 'GameResolved':
        if (store.endGame(a.gameId as bigint, a.attestersLost as boolean, a.reason as string)) logger.info({ requestId, gameId: a.gameId, attestersLost: a.attestersLost, reason: a.reason }, 'trace game over')
        break
      case 'EquivocationReported':
        logger.warn({ operator: a.operator, reporter: a.reporter, requestId }, 'equivocation reported on-chain')
        break
    }
  }
}
