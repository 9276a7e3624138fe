import { watchContractEvent } from 'viem/actions'
import { inferenceOracleAbi } from '../abi/inferenceOracleAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { ResultNotFinalError, WaitForResultTimeoutError } from '../errors/request.js'
import type { RequestStatus, VeridictManifest } from '../types.js'
import { getResult, type VeridictResult } from './getResult.js'

export type WaitForResultParameters = {
  requestId: bigint
  /** 'final' (default): a proved or finalized result. 'pending': an attested result is enough (its finality says 'pending'). */
  finality?: 'final' | 'pending' | undefined
  /** Give up after this many ms (default 300,000) with WaitForResultTimeoutError. */
  timeout?: number | undefined
  /** How often to poll besides watching events, in ms (default: the client's pollingInterval). */
  pollingInterval?: number | undefined
  manifest?: Pick<VeridictManifest, 'output'> | undefined
}

export type WaitForResultReturnType = VeridictResult

/**
 * Waits for a request's result: it watches the oracle's events and polls as a fallback (for RPCs
 * without filters, or a missed event), and returns the output, mode, finality and the proof or
 * the signers. Throws RequestExpiredError when the deadline passes with no result and
 * WaitForResultTimeoutError after `timeout`.
 *
 * @example
 * import { requestInference, waitForResult } from '@veridict/sdk'
 *
 * const { requestId } = await requestInference(veridict, { modelId, values })
 * const result = await waitForResult(veridict, { requestId, timeout: 60_000 })
 * console.log(result.output?.class, result.fulfilment.kind)
 */
export async function waitForResult(client: VeridictClient, parameters: WaitForResultParameters): Promise<WaitForResultReturnType> {
  const { requestId, finality = 'final', timeout = 300_000, manifest } = parameters
  const pollingInterval = parameters.pollingInterval ?? client.pollingInterval
  const deadline = Date.now() + timeout
  let wake: (() => void) | undefined
  const unwatch = watchContractEvent(client.publicClient, {
    address: client.deployment.oracle,
    abi: inferenceOracleAbi,
    pollingInterval,
    onLogs: (logs) => {
      if (logs.some((log) => 'requestId' in log.args && log.args.requestId === requestId)) wake?.()
    },
    // Polling below covers an RPC whose filters fail.
    onError: () => {},
  })
  let status: RequestStatus | undefined
  try {
    for (;;) {
      try {
        return await getResult(client, { requestId, includePending: finality === 'pending', manifest })
      } catch (error) {
        if (!(error instanceof ResultNotFinalError)) throw error
        status = error.status
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new WaitForResultTimeoutError({ requestId, timeout, status })
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(pollingInterval, left))
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      wake = undefined
    }
  } finally {
    unwatch()
  }
}
