import { open, readFile, rm, stat } from 'node:fs/promises'
import { isAlive } from '../process/interrupt.js'

/**
 * A cross-process lock for building one cached artifact (a model folder, a dev ptau): test files,
 * nodes and the demo that need the same artifact at once build it once.
 */

const LOCK_POLL_MS = 250

/**
 * Takes `path` (a file holding the builder's pid) or waits: resolves to a release function once this
 * process holds it, or to undefined as soon as `done()` says another process finished the work. A
 * lock whose process is gone (killed mid-build) is taken over.
 */
export async function acquireBuildLock(path: string, done: () => Promise<boolean>): Promise<(() => Promise<void>) | undefined> {
  for (;;) {
    try {
      const handle = await open(path, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      // The holder may have finished between our check and taking the lock.
      if (await done()) {
        await rm(path, { force: true })
        return undefined
      }
      return () => rm(path, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (await done()) return undefined
    const holder = Number(await readFile(path, 'utf8').catch(() => ''))
    // A lock without a pid a while after it was made: its maker died between creating and writing it.
    const orphaned = holder === 0 && Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now()) > 10_000
    if (orphaned || (holder > 0 && !isAlive(holder))) {
      // Its builder died: remove the lock only if it is still that builder's.
      if (Number(await readFile(path, 'utf8').catch(() => '')) === holder) await rm(path, { force: true })
      continue
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS))
  }
}
