import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { REPO_ROOT } from '../circuit/paths.js'

/** The environment variable naming this test run's folder, which testDir creates its folders in. */
export const TEST_RUN_DIR_ENV = 'VERIDICT_TEST_RUN_DIR'

/**
 * vitest's global setup: one folder under .cache for the whole run (inside the repository, where
 * circom's sandboxed file system can reach it), removed when the run ends, so compiled test
 * models do not pile up run after run. VERIDICT_KEEP_TEST_DIRS=1 keeps it for a look afterwards.
 */
export default async function setup(): Promise<() => Promise<void>> {
  await mkdir(join(REPO_ROOT, '.cache'), { recursive: true })
  const dir = await mkdtemp(join(REPO_ROOT, '.cache', 'test-run-'))
  process.env[TEST_RUN_DIR_ENV] = dir
  return async () => {
    if (process.env.VERIDICT_KEEP_TEST_DIRS === '1') console.log(`test folders kept in ${dir}`)
    else await rm(dir, { recursive: true, force: true })
  }
}
