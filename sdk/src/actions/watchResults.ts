import type { Address, Hex } from 'viem'
import { watchContractEvent } from 'viem/actions'
import { inferenceOracleAbi } from '../abi/inferenceOracleAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { getResult, type VeridictResult } from './getResult.js'

export type WatchResultsParameters = {
  /** Called once per result that becomes final (or is attested, with `includePending`). */
  onResult: (result: VeridictResult) => void
  onError?: ((error: Error) => void) | undefined
  /** Only these requests. */
  requestIds?: readonly bigint[] | undefined
  /** Only requests for this model. */
  modelId?: Hex | undefined
  /** Only requests made by this address. */
  requester?: Address | undefined
  /** Also report attested results while their challenge window is open (finality 'pending'). */
  includePending?: boolean | undefined
  pollingInterval?: number | undefined
}

/** Stops watching. */
export type WatchResultsReturnType = () => void

/**
 * Watches the oracle for results (proofs, finalized attestations, disputes) and calls `onResult`
 * with each one, decoded when the client knows the model's manifest. Returns a function that
 * stops watching.
 *
 * @example
 * import { watchResults } from '@veridict/sdk'
 *
 * const unwatch = watchResults(veridict, {
 *   modelId,
 *   onResult: (result) => console.log(result.requestId, result.output?.class),
 * })
 */
export function watchResults(client: VeridictClient, parameters: WatchResultsParameters): WatchResultsReturnType {
  const { onResult, onError, requestIds, modelId, requester, includePending = false } = parameters
  const wanted = requestIds ? new Set(requestIds) : undefined
  const seen = new Set<string>()
  const events = new Set(['ResultFulfilled', 'ResultFinalized', 'AttestationDisputed', ...(includePending ? ['AttestationSubmitted'] : [])])
  let queue = Promise.resolve()
  return watchContractEvent(client.publicClient, {
    address: client.deployment.oracle,
    abi: inferenceOracleAbi,
    pollingInterval: parameters.pollingInterval ?? client.pollingInterval,
    onError: (error) => onError?.(error),
    onLogs: (logs) => {
      for (const log of logs) {
        if (!events.has(log.eventName) || !('requestId' in log.args)) continue
        const requestId = log.args.requestId as bigint
        if (wanted && !wanted.has(requestId)) continue
        const key = `${requestId}:${log.eventName === 'AttestationSubmitted' ? 'pending' : 'final'}:${log.transactionHash}`
        if (seen.has(key)) continue
        seen.add(key)
        queue = queue.then(async () => {
          try {
            const result = await getResult(client, { requestId, includePending })
            if (modelId && result.modelId.toLowerCase() !== modelId.toLowerCase()) return
            if (requester && result.request.requester.toLowerCase() !== requester.toLowerCase()) return
            onResult(result)
          } catch (error) {
            onError?.(error as Error)
          }
        })
      }
    },
  })
}
