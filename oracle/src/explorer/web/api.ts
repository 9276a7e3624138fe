import type { RequestDetail } from '../getRequestDetail.js'
import type { RequestSummary } from '../eventIndex.js'
import type { ModelView } from '../modelView.js'
import type { OperatorDirectory } from '../operatorDirectory.js'

/** A value as the JSON API sends it: bigints as decimal strings, the rest as is. */
export type Json<T> = T extends bigint
  ? string
  : T extends readonly (infer U)[]
    ? Json<U>[]
    : T extends Uint8Array
      ? never
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T

export type RequestRow = Json<Omit<RequestSummary, 'events'> & { finality: string; latencySeconds: number | undefined }>
export type RequestList = { head: { number: string; timestamp: number }; total: number; requests: RequestRow[] }
export type RequestPage = Json<RequestDetail>
export type ModelRow = Json<ModelView & { requests: number }>
export type OperatorList = Json<Awaited<ReturnType<OperatorDirectory['list']>>> & { nodeUrls: string[] }
export type NetworkInfo = {
  chainId: number
  /** The RPC's origin (no path: a provider URL often carries an API key). */
  rpc: string
  contracts: { oracle: string; registry: string; staking: string; traceDisputes: string }
  head: { number: string; timestamp: number }
  requests: number
  challengeWindow: string
  roundBlocks: string
}
export type VerificationKeyBytes = { modelId: string; proofSystem: 'groth16' | 'plonk'; bytes: `0x${string}`; hash: string; registry: string }

/** An error the API answered with: its code and message. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** GETs a path of the explorer's JSON API. */
export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { accept: 'application/json' } })
  const body = (await response.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined
  if (!response.ok) throw new ApiError(response.status, body?.error?.code ?? 'http_error', body?.error?.message ?? `${path} answered ${response.status}`)
  return body as T
}
