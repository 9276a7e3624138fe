import { availableParallelism } from 'node:os'
import { defaultClientConditions, defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

// The workspace's packages import each other by name and resolve to their TypeScript sources
// through this condition (package.json exports); what users install resolves to dist/.
const SOURCE_CONDITION = '@veridict/source'

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
  test: {
    include: ['sdk/src/**/*.test.ts', 'circuits/src/**/*.test.ts', 'oracle/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one on a 2-core CI machine. Most end-to-end
    // files spend their time waiting for anvil's blocks, challenge windows and deadlines (the chaos run,
    // the trace games, an expiring watch), so more files run than there are cores: 1 -> 2 workers took
    // the suite from 766 s to 410 s of vitest on 2 cores, and a third keeps the cores busy while two wait.
    maxWorkers: Math.max(3, availableParallelism() + 1),
    globalSetup: ['circuits/src/testing/testRunDir.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.cache/vitest-report.json' },
  },
})
