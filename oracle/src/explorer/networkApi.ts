import { Hono } from 'hono'
import { inferenceOracleAbi } from '@veridict/sdk'
import type { Explorer } from './createExplorer.js'
import { jsonResponse } from './jsonResponse.js'

/** GET /api/network: the chain, the contracts and the protocol's parameters (read once), and the head. */
export const networkApi = (explorer: Explorer) => {
  const { publicClient, deployment, rpcName, chainId } = explorer.connection
  let parameters: Promise<{ challengeWindow: bigint; roundBlocks: bigint }> | undefined
  const readParameters = () =>
    (parameters ??= Promise.all([
      publicClient.readContract({ address: deployment.oracle, abi: inferenceOracleAbi, functionName: 'CHALLENGE_WINDOW' }),
      publicClient.readContract({ address: deployment.oracle, abi: inferenceOracleAbi, functionName: 'ROUND_BLOCKS' }),
    ]).then(
      ([challengeWindow, roundBlocks]) => ({ challengeWindow, roundBlocks }),
      (error: unknown) => {
        parameters = undefined
        throw error
      },
    ))
  return new Hono().get('/', async (c) => {
    await explorer.index.refresh()
    return jsonResponse(c, { chainId, rpc: rpcName, contracts: deployment, head: explorer.index.head, requests: explorer.index.requests.size, ...(await readParameters()) })
  })
}
