import type { Address, Hex } from 'viem'
import type { OracleLog } from '../chain/chainFollower.js'
import type { ResolvedConfig } from '../config/loadConfig.js'
import type { RequestCommitment } from '../../../sdk/src/utils/requestState.js'
import type { JobAction, JobStore } from '../store/jobStore.js'
import type { ModelListings, ModelRegisteredArgs } from './modelListings.js'
import type { Logger } from 'pino'

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
        let action: JobAction | undefined
        if (mode === 'zk') action = serves ? 'fulfill' : undefined
        else action = serves ? 'attest' : config.watchtower ? 'watch' : undefined
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
      case 'EquivocationReported':
        logger.warn({ operator: a.operator, reporter: a.reporter, requestId }, 'equivocation reported on-chain')
        break
    }
  }
}
