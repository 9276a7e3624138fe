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
    // files spend their time waiting for anvil's blocks and windows, so two files at a time on two
    // cores take the suite from about 13 minutes to 7 (measured: 766 s and 410 s of vitest).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    globalSetup: ['circuits/src/testing/testRunDir.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.cache/vitest-report.json' },
  },
})
