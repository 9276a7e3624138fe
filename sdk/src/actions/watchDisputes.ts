import { watchContractEvent } from 'viem/actions'
import { traceDisputesAbi } from '../abi/traceDisputesAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { getDispute, traceDisputesAddress, type VeridictDispute } from './getDispute.js'

export type WatchDisputesParameters = {
  /** Called with the game's state as of each event that moves it (started, advanced, resolved), in order. */
  onDispute: (dispute: VeridictDispute) => void
  onError?: ((error: Error) => void) | undefined
  /** Only games over these requests. */
  requestIds?: readonly bigint[] | undefined
  pollingInterval?: number | undefined
}

/** Stops watching. */
export type WatchDisputesReturnType = () => void

/**
 * Watches the trace games of the client's oracle and calls `onDispute` with a game's state each
 * time it starts, moves on (a round of reveals, a tensor located) or ends: what a dApp needs to
 * show a dispute's progress. Returns a function that stops watching.
 *
 * @example
 * import { watchDisputes } from '@veridict/sdk'
 *
 * const unwatch = await watchDisputes(veridict, {
 *   requestIds: [requestId],
 *   onDispute: (d) => console.log(`game ${d.gameId}: ${d.phase}, level ${d.level} of ${d.depth}`),
 * })
 */
export async function watchDisputes(client: VeridictClient, parameters: WatchDisputesParameters): Promise<WatchDisputesReturnType> {
  const { onDispute, onError, requestIds } = parameters
  const wanted = requestIds ? new Set(requestIds) : undefined
  const address = await traceDisputesAddress(client)
  let queue = Promise.resolve()
  return watchContractEvent(client.publicClient, {
    address,
    abi: traceDisputesAbi,
    pollingInterval: parameters.pollingInterval ?? client.pollingInterval,
    onError: (error) => onError?.(error),
    onLogs: (logs) => {
      for (const log of logs) {
        if (log.eventName !== 'GameStarted' && log.eventName !== 'GameAdvanced' && log.eventName !== 'GameResolved') continue
        const gameId = log.args.gameId!
        const { blockNumber } = log
        queue = queue.then(async () => {
          try {
            // As of the event's block: a watcher that falls behind still reports every state in turn.
            const dispute = await getDispute(client, { gameId, blockNumber: blockNumber ?? undefined })
            if (wanted && !wanted.has(dispute.requestId)) return
            onDispute(dispute)
          } catch (error) {
            onError?.(error as Error)
          }
        })
      }
    },
  })
}
