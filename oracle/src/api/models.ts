import { Hono } from 'hono'
import type { OracleNode } from '../node/oracleNode.js'

export const modelsApp = (node: OracleNode) =>
  new Hono().get('/', (c) =>
    c.json({
      models: node.models.map((m) => ({
        name: m.name,
        definitionHash: m.definitionHash,
        /** The registered ids whose definition is this folder's: requests naming them are served. */
        modelIds: node.listings.idsOf(m),
        proofSystem: m.definition.proofSystem,
        provable: m.provable,
        modes: node.config.modes.filter((mode) => mode === 'attested' || m.provable),
        executionProvider: m.provider,
        input: m.manifest.input,
        output: m.manifest.output,
        insecureSetup: m.definition.setup.insecure,
        setup: m.definition.setup,
      })),
    }),
  )
