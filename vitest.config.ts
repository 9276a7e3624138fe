import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { relative } from 'node:path'
import { defaultClientConditions, defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

// The workspace's packages import each other by name and resolve to their TypeScript sources
// through this condition (package.json exports); what users install resolves to dist/.
const SOURCE_CONDITION = '@veridict/source'

/**
 * Slowest files first (longest-first scheduling: the run ends soon after its longest file, not a
 * long file after everything else). Vitest orders by its cached durations when it has them; a fresh
 * clone has none, so files it has no cache for are ordered by test/durations.json (the last full
 * run's, scripts/testDurations.mjs), the slowest first, then the rest as vitest orders them.
 */
class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const path = new URL('test/durations.json', import.meta.url)
    if (!existsSync(path)) return sorted
    const durations = JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>
    const seconds = (file: TestSpecification) => durations[relative(this.ctx.config.root, file.moduleId)] ?? 0
    return sorted.map((file, index) => ({ file, index })).sort((a, b) => seconds(b.file) - seconds(a.file) || a.index - b.index).map(({ file }) => file)
  }
}

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
  test: {
    include: ['sdk/src/**/*.test.ts', 'circuits/src/**/*.test.ts', 'oracle/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Files share their worker process and its modules (no test file mocks a module or changes the
    // environment): a worker evaluates the workspace's sources, snarkjs and viem once instead of once
    // per file, about 1 s of CPU saved per file (25 small files: 90 -> 65 s of CPU).
    isolate: false,
    // Vitest's default is one worker fewer than the cores: one on a 2-core CI machine. Most end-to-end
    // files spend their time waiting for anvil's blocks, challenge windows and deadlines (the chaos run,
    // the trace games, an expiring watch), so more files run than there are cores: 1 -> 2 workers took
    // the suite from 766 s to 410 s of vitest on 2 cores, and a third keeps the cores busy while two wait.
    maxWorkers: Math.max(3, availableParallelism() + 1),
    sequence: { sequencer: SlowestFirst },
    globalSetup: ['circuits/src/testing/testRunDir.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.cache/vitest-report.json' },
  },
})
