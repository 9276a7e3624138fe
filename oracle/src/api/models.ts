import { Hono } from 'hono'
import type { OracleNode } from '../node/oracleNode.js'

export const modelsApp = (node: OracleNode) =>
  new Hono().get('/', (c) =>
    c.json({
      models: node.models.map((m) => ({
        name: m.name,
        modelId: m.modelId,
        provable: m.provable,
        modes: node.config.modes.filter((mode) => mode === 'attested' || m.provable),
        executionProvider: m.provider,
        input: m.manifest.input,
        output: m.manifest.output,
        insecureSetup: m.manifest.setup?.insecure ?? false,
      })),
    }),
  )
