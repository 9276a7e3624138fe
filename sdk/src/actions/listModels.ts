import { readContract } from 'viem/actions'
import { modelRegistryAbi } from '../abi/modelRegistryAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import { toVeridictError } from '../utils/contractError.js'
import { getModel, type VeridictModel } from './getModel.js'

export type ListModelsParameters = {
  /** Only active models (the default), or every model including deprecated ones. */
  status?: 'active' | 'all' | undefined
  /** Skip the first `offset` registered models (registration order). */
  offset?: number | undefined
  /** At most this many models (default: all). */
  limit?: number | undefined
  /** Load and check each model's manifest too. */
  manifest?: boolean | undefined
}

export type ListModelsReturnType = VeridictModel[]

/**
 * Lists registered models in registration order.
 *
 * @example
 * import { listModels } from '@veridict/sdk'
 *
 * for (const model of await listModels(veridict)) console.log(model.modelId, model.fee, model.modes)
 */
export async function listModels(client: VeridictClient, parameters: ListModelsParameters = {}): Promise<ListModelsReturnType> {
  const { status = 'active', offset = 0, limit = Number.POSITIVE_INFINITY, manifest } = parameters
  let count: number
  try {
    count = await readContract(client.publicClient, { address: client.deployment.registry, abi: modelRegistryAbi, functionName: 'modelCount' })
  } catch (error) {
    throw toVeridictError(error, 'modelCount')
  }
  const indexes = Array.from({ length: Math.max(0, count - offset) }, (_, i) => offset + i + 1)
  const ids = await Promise.all(
    indexes.map(async (index) => {
      const [modelId] = await readContract(client.publicClient, {
        address: client.deployment.registry,
        abi: modelRegistryAbi,
        functionName: 'getModelAt',
        args: [index],
      }).catch((error: unknown) => {
        throw toVeridictError(error, 'getModelAt')
      })
      return modelId
    }),
  )
  const models = await Promise.all(ids.map((modelId) => getModel(client, { modelId })))
  const selected = models.filter((m) => status === 'all' || m.status === 'active').slice(0, limit)
  if (manifest) return Promise.all(selected.map((m) => getModel(client, { modelId: m.modelId, manifest: true })))
  return selected
}
