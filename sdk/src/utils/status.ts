import type { InferenceMode, RequestStatus } from '../types.js'

const STATUSES = ['none', 'requested', 'attested', 'fulfilled', 'finalized', 'refunded'] as const

/** The oracle's Status enum value as a name ('none' for an unknown request). */
export function statusName(status: number): RequestStatus | 'none' {
  return STATUSES[status] ?? 'none'
}

/** The oracle's Mode enum value as a name. */
export function modeName(mode: number): InferenceMode {
  return mode === 0 ? 'zk' : 'attested'
}

/** The oracle's Mode enum value of a mode name. */
export function modeValue(mode: InferenceMode): 0 | 1 {
  return mode === 'zk' ? 0 : 1
}
