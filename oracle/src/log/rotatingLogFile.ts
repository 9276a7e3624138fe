import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { LogFileError } from '../errors/config.js'

export type RotatingLogFileParameters = {
  /** The file written; the rotated ones are `<path>.1` (the newest) to `<path>.<files>`. */
  path: string
  /** A line that would take the file past this many bytes (at least 1) goes to a new file (a longer line gets a file of its own). */
  maxBytes: number
  /** Rotated files kept (0 or more); the oldest beyond them is deleted (0: the full file is deleted). */
  files: number
}

/**
 * A pino destination that appends each line to `path` with one synchronous write and rotates the
 * file by size, so a node's logs take at most about (files + 1) x maxBytes on disk.
 *
 * Synchronous, so a line is in the file (the kernel's cache) when `write` returns: a crash or a
 * `process.exit` loses nothing already logged, and there is nothing to flush. Rotation happens
 * between two lines, in this thread: a line is never split across files or interleaved. The size
 * is read once when the file is opened (a restart appends and keeps counting from there), then
 * counted, never stat'ed per line. One writer per file: two processes on one path would each count
 * their own bytes.
 *
 * A line that cannot be written (a full disk, a rotation refused by the file system) goes to
 * stderr instead, after one line saying why; the file is tried again with the next line.
 */
export class RotatingLogFile {
  readonly path: string
  readonly maxBytes: number
  readonly files: number
  private fd: number | undefined
  private size = 0
  private failing = false

  /** Opens (creating its folder) or reopens `path` for appending; throws LogFileError when it cannot. */
  constructor({ path, maxBytes, files }: RotatingLogFileParameters) {
    this.path = path
    this.maxBytes = maxBytes
    this.files = files
    try {
      this.open()
    } catch (cause) {
      throw new LogFileError({ path, cause })
    }
  }

  /** Bytes in the current file: its size when opened plus what was written since. */
  get bytes(): number {
    return this.size
  }

  /** pino's destination interface: one call per log line (with its newline). */
  write(line: string): boolean {
    const length = Buffer.byteLength(line)
    try {
      if (this.fd === undefined) this.open()
      if (this.size > 0 && this.size + length > this.maxBytes) this.rotate()
      const written = this.append(line, length)
      if (written < length) this.fallBack(line, `it took ${written} of the line's ${length} bytes, then none`)
      else this.failing = false
    } catch (error) {
      this.fallBack(line, (error as Error).message)
    }
    return true
  }

  /** Closes the file; a later `write` opens it again. */
  close(): void {
    if (this.fd === undefined) return
    const fd = this.fd
    this.fd = undefined
    closeSync(fd)
  }

  private open(): void {
    mkdirSync(dirname(this.path), { recursive: true })
    const fd = openSync(this.path, 'a')
    try {
      this.size = fstatSync(fd).size
    } catch (error) {
      closeSync(fd)
      throw error
    }
    this.fd = fd
  }

  /** Writes the line; returns how many of its bytes the file took (fewer than `length` only if a write took none). */
  private append(line: string, length: number): number {
    const fd = this.fd!
    let written = writeSync(fd, line)
    this.size += written
    if (written === length) return written
    // A short write (a nearly full disk): write the rest of the line's bytes.
    const bytes = Buffer.from(line)
    while (written < length) {
      const n = writeSync(fd, bytes, written)
      if (n === 0) break
      written += n
      this.size += n
    }
    return written
  }

  /** `path` -> `.1` -> ... -> `.<files>`, the one past it deleted, then a new, empty `path`. */
  private rotate(): void {
    this.close()
    // Files past `files`, left by a larger setting before a restart (the oldest kept one is replaced by the rename below).
    for (let n = this.files + 1; existsSync(`${this.path}.${n}`); n++) rmSync(`${this.path}.${n}`)
    for (let n = this.files - 1; n >= 1; n--) renameIfPresent(`${this.path}.${n}`, `${this.path}.${n + 1}`)
    if (this.files === 0) rmSync(this.path, { force: true })
    else renameSync(this.path, `${this.path}.1`)
    this.open()
  }

  private fallBack(line: string, reason: string): void {
    if (!this.failing) {
      this.failing = true
      process.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), msg: `cannot write the log file ${this.path} (${reason}): its lines go to stderr until it can be written again` })}\n`)
    }
    process.stderr.write(line)
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}
