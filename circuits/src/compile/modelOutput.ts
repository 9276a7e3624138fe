import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { OutputFolderInUseError } from '../errors/compile.js'
import { isAlive, removeOnInterrupt } from '../process/interrupt.js'

/** What compile and setup write into a model folder: a folder holding only these is a model compile may replace. */
const MODEL_ENTRIES = [/^model\.(onnx|circom|r1cs|sym|zkey)$/, /^model_js$/, /^(quantized|manifest|vkey|weightSalt)\.json$/, /^ceremony$/, /^[A-Za-z0-9_]+Verifier\.sol$/, /\.\d+\.tmp$/]

export type ModelOutput = {
  /** Creates the folder to write into, beside the target (on the same file system), and returns it. */
  begin: () => Promise<string>
  /** Puts `work` in the target's place: a previous model there is replaced in two renames, never mixed with the new one. */
  commit: () => Promise<void>
  /** Removes `work` unless committed (a failed or refused compile leaves nothing). */
  abandon: () => Promise<void>
}

/**
 * A model folder written atomically (nothing is created before `begin`): the work happens in `.<name>.partial-<pid>-<random>` beside
 * `dir`, removed if the process is stopped by a signal (interrupt.ts) and on any failure, and
 * renamed to `dir` at the end. `dir` must be absent, empty, or a model folder (only the files a
 * compile and setup write): anything else is refused before any work, so compile never deletes a
 * user's files. Leftovers of a process killed outright (SIGKILL) are removed on the next compile
 * into the same place.
 */
export async function modelOutput(dir: string): Promise<ModelOutput> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    if (error.code === 'ENOTDIR') throw new OutputFolderInUseError({ dir, reason: 'it is a file' })
    throw error
  })
  const foreign = (entries ?? []).filter((entry) => !MODEL_ENTRIES.some((pattern) => pattern.test(entry)))
  if (foreign.length > 0) throw new OutputFolderInUseError({ dir, reason: `it holds files a compile did not write (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''})` })

  const parent = dirname(dir)
  const work = join(parent, `.${basename(dir)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`)
  let forget = () => {}
  let committed = false
  return {
    begin: async () => {
      await mkdir(parent, { recursive: true })
      await removeAbandoned(parent, basename(dir))
      forget = removeOnInterrupt(work)
      await mkdir(work)
      return work
    },
    commit: async () => {
      try {
        await rename(work, dir)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error
        // A previous model: moved aside, the new one renamed in, the old one removed.
        const previous = join(parent, `.${basename(dir)}.previous-${process.pid}-${randomBytes(4).toString('hex')}`)
        const forgetPrevious = removeOnInterrupt(previous)
        await rename(dir, previous)
        await rename(work, dir)
        await rm(previous, { recursive: true, force: true })
        forgetPrevious()
      }
      committed = true
      forget()
    },
    abandon: async () => {
      if (committed) return
      await rm(work, { recursive: true, force: true })
      forget()
    },
  }
}

/** Removes `.<name>.partial-<pid>-*` and `.previous-` folders of processes that no longer run. */
async function removeAbandoned(parent: string, name: string): Promise<void> {
  const pattern = new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(partial|previous)-(\\d+)-[0-9a-f]{8}$`)
  for (const entry of await readdir(parent).catch(() => [] as string[])) {
    const match = pattern.exec(entry)
    if (!match || isAlive(Number(match[2]))) continue
    if ((await stat(join(parent, entry)).catch(() => undefined))?.isDirectory()) await rm(join(parent, entry), { recursive: true, force: true })
  }
}
