/**
 * Whether `error` says the data folder cannot take a write: a full disk or quota (SQLITE_FULL,
 * ENOSPC) or a failing device (SQLITE_IOERR_*). The write's transaction rolled back, so the store
 * holds what it held before: the write can be tried again once there is room.
 */
export function isStorageFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || (typeof code === 'string' && code.startsWith('SQLITE_IOERR'))
}
