import { toHex, type PublicClient } from 'viem'

/**
 * The calldata of every transaction from `fromBlock` to the latest block, and the topics and data
 * of their logs, as one lower-case hex text: what anyone reading the chain sees of a flow.
 */
export async function chainTrafficSince(client: PublicClient, fromBlock: bigint): Promise<string> {
  const latest = await client.getBlockNumber()
  const parts: string[] = []
  for (let n = fromBlock; n <= latest; n++) {
    const block = await client.getBlock({ blockNumber: n, includeTransactions: true })
    for (const tx of block.transactions) {
      const receipt = await client.getTransactionReceipt({ hash: tx.hash })
      parts.push(tx.input, ...receipt.logs.flatMap((log) => [log.data, ...log.topics]))
    }
  }
  return parts.join('').toLowerCase()
}

/** Whether `traffic` (chainTrafficSince) carries `value` as a 32-byte word anywhere. */
export const carriesWord = (traffic: string, value: bigint): boolean => traffic.includes(toHex(value, { size: 32 }).slice(2))
