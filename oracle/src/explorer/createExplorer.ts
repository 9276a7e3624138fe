import { connectExplorer, type ConnectExplorerParameters, type ExplorerConnection } from './connectExplorer.js'
import { EventIndex } from './eventIndex.js'
import { ModelCatalog } from './modelCatalog.js'
import { OperatorDirectory } from './operatorDirectory.js'

export type CreateExplorerParameters = ConnectExplorerParameters & {
  /** The operators' node URLs, whose /health the operators page shows. */
  nodeUrls?: readonly string[] | undefined
  /** How often the nodes' health is checked (default 5 s). */
  healthIntervalMs?: number | undefined
}

/** The explorer's state: a connection to the chain and what it caches in memory (events, manifests, node health). */
export type Explorer = {
  connection: ExplorerConnection
  index: EventIndex
  models: ModelCatalog
  operators: OperatorDirectory
  /** Stops the health checks. */
  close: () => void
}

/**
 * Connects to the chain, checks the contracts and reads the events so far: what `veridict explorer`
 * and the devnet serve pages from. Throws ExplorerConnectionError or ExplorerOptionsError naming
 * the URL, file or address at fault.
 */
export async function createExplorer(parameters: CreateExplorerParameters): Promise<Explorer> {
  const connection = await connectExplorer(parameters)
  const index = new EventIndex(connection)
  await index.refresh()
  const models = new ModelCatalog(connection, index)
  const operators = new OperatorDirectory(connection, index, { nodeUrls: parameters.nodeUrls, healthIntervalMs: parameters.healthIntervalMs })
  operators.start()
  return { connection, index, models, operators, close: () => operators.stop() }
}
