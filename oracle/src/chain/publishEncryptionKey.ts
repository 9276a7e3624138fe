import type { Address, Hex, PublicClient } from 'viem'
import { operatorStakingAbi } from '@veridict/sdk'
import type { EncryptionPublicKey } from '@veridict/sdk/private'
import type { SendReturnType, TxManager } from './txManager.js'

export type PublishEncryptionKeyParameters = {
  publicClient: PublicClient
  txs: TxManager
  staking: Address
  operator: Address
  /** The node's encryption public key (Base8 times its secret key). */
  publicKey: EncryptionPublicKey
}

export type PublishEncryptionKeyReturnType =
  /** OperatorStaking already holds this key for the operator: nothing was sent. */
  | { status: 'unchanged' }
  /** setEncryptionKey was sent and mined. */
  | { status: 'published'; txHash: Hex }
  /** The operator is not registered (or slashed): OperatorStaking takes no key from it; `registered` is what it holds now. */
  | { status: 'unregistered'; registered: EncryptionPublicKey }

/**
 * Makes OperatorStaking's `encryptionKeyOf(operator)` the node's public key, where users look it
 * up to encrypt a private input for this operator: reads it, and sends setEncryptionKey only when
 * it differs (a restart with the same key sends nothing). Only a registered, unslashed operator
 * can set a key.
 */
export async function publishEncryptionKey({ publicClient, txs, staking, operator, publicKey }: PublishEncryptionKeyParameters): Promise<PublishEncryptionKeyReturnType> {
  const [[x, y], record] = await Promise.all([
    publicClient.readContract({ address: staking, abi: operatorStakingAbi, functionName: 'encryptionKeyOf', args: [operator] }),
    publicClient.readContract({ address: staking, abi: operatorStakingAbi, functionName: 'getOperator', args: [operator] }),
  ])
  if (x === publicKey.x && y === publicKey.y) return { status: 'unchanged' }
  if (record.account.toLowerCase() !== operator.toLowerCase() || record.slashed) return { status: 'unregistered', registered: { x, y } }
  // No revert counts as done already (alreadyDone is empty): a send that returns was mined.
  const result = (await txs.send({ kind: 'encryptionKey', address: staking, abi: operatorStakingAbi, functionName: 'setEncryptionKey', args: [publicKey.x, publicKey.y] })) as Extract<SendReturnType, { status: 'mined' }>
  return { status: 'published', txHash: result.receipt.transactionHash }
}
