import { formatLog, numberToHex, pad, parseEventLogs, type RpcLog } from 'viem'
import { inferenceOracleAbi } from '../abi/inferenceOracleAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'

/** Every oracle event about `requestId` (all of them index it first), oldest first. */
export async function requestLogs(client: VeridictClient, requestId: bigint, fromBlock?: bigint) {
  const rpcLogs = (await client.publicClient.request({
    method: 'eth_getLogs',
    params: [
      {
        address: client.deployment.oracle,
        topics: [null, pad(numberToHex(requestId))],
        fromBlock: numberToHex(fromBlock ?? client.deployment.fromBlock ?? 0n),
        toBlock: 'latest',
      },
    ],
  })) as RpcLog[]
  return parseEventLogs({ abi: inferenceOracleAbi, logs: rpcLogs.map((log) => formatLog(log)), strict: true }).filter(
    (log) => 'requestId' in log.args && log.args.requestId === requestId,
  )
}

export type RequestLog = Awaited<ReturnType<typeof requestLogs>>[number]
