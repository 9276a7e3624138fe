import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { operatorStakingAbi } from '../abi/operatorStakingAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { EncryptionKeyNotFoundError } from '../errors/privacy.js'
import { toVeridictError } from '../utils/contractError.js'
import type { EncryptionPublicKey } from './encryptInput.js'

export type GetEncryptionKeyParameters = { operator: Address }

/**
 * The Baby Jubjub public key `operator` published in OperatorStaking (setEncryptionKey), which
 * private inputs are encrypted to. Throws EncryptionKeyNotFoundError when it published none.
 *
 * @example
 * const key = await getEncryptionKey(veridict, { operator })
 */
export async function getEncryptionKey(client: VeridictClient, { operator }: GetEncryptionKeyParameters): Promise<EncryptionPublicKey> {
  let point: readonly [bigint, bigint]
  try {
    point = await readContract(client.publicClient, { address: client.deployment.staking, abi: operatorStakingAbi, functionName: 'encryptionKeyOf', args: [operator] })
  } catch (error) {
    throw toVeridictError(error, 'getEncryptionKey')
  }
  const [x, y] = point
  if (x === 0n && y === 0n) throw new EncryptionKeyNotFoundError({ operator })
  return { x, y }
}
