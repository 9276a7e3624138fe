import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A folder with a hard size limit: a tmpfs of `sizeMiB` mounted on it, so a node whose data folder
 * it is meets a full disk (ENOSPC, SQLITE_FULL) when `fill` takes the free space. Mounting needs
 * root (CAP_SYS_ADMIN); `mount` reports why it could not.
 */
export class DiskQuota {
  private mounted = false
  private readonly filler: string

  constructor(
    readonly dir: string,
    readonly sizeMiB = 64,
  ) {
    this.filler = join(dir, 'soak-disk-filler')
  }

  /** Mounts the tmpfs; returns why it could not, or undefined. */
  mount(): string | undefined {
    mkdirSync(this.dir, { recursive: true })
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${this.sizeMiB}m`, 'tmpfs', this.dir], { stdio: 'pipe' })
      this.mounted = true
      return undefined
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim()
      return stderr || (error as Error).message
    }
  }

  get isMounted(): boolean {
    return this.mounted
  }

  /** Writes zeros until the folder is full; returns the bytes written. */
  fill(): number {
    const fd = openSync(this.filler, 'w')
    const chunk = Buffer.alloc(1 << 20)
    let written = 0
    try {
      for (;;) written += writeSync(fd, chunk)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
      // Smaller and smaller chunks take what is left.
      for (let size = chunk.length >> 1; size >= 4096; size >>= 1) {
        try {
          for (;;) written += writeSync(fd, chunk, 0, size)
        } catch {
          // full at this size: try a smaller one
        }
      }
    } finally {
      closeSync(fd)
    }
    return written
  }

  /** Frees what `fill` took. */
  free(): void {
    rmSync(this.filler, { force: true })
  }

  unmount(): void {
    if (!this.mounted) return
    this.free()
    execFileSync('umount', ['-l', this.dir], { stdio: 'pipe' })
    this.mounted = false
  }
}
