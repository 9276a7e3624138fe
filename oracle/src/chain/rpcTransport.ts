import { fallback, http, webSocket, type Transport } from 'viem'

export type RpcTransportParameters = {
  /** The primary RPC URL first, then the fallbacks, in order of preference; http(s):// or ws(s)://. */
  urls: readonly string[]
  /** Milliseconds a call may take on one endpoint before it counts as failed (default 10 s). */
  timeoutMs?: number | undefined
  /** Retries on one endpoint before the next one is tried (default 1). */
  retryCount?: number | undefined
  /** Called after each call with the index of the endpoint that answered it, or failed it. */
  onResponse?: ((response: { endpoint: number; ok: boolean }) => void) | undefined
}

/**
 * The transport for one or more Ethereum JSON-RPC endpoints: a WebSocket for a ws(s):// URL, HTTP
 * for an http(s):// one. With more than one URL, viem's `fallback` sends each call to the first
 * endpoint and moves on to the next when it fails or times out; a call that fails for a reason of
 * its own (a revert) fails at once, without trying the others. Endpoints are not re-ranked by
 * latency: the operator's order is kept (the first URL is usually their own node, the fallbacks
 * paid providers).
 */
export function rpcTransport({ urls, timeoutMs = 10_000, retryCount = 1, onResponse }: RpcTransportParameters): Transport {
  if (urls.length === 0) throw new TypeError('rpcTransport needs at least one RPC URL')
  const transports: Transport[] = urls.map((url) => (isWebSocketUrl(url) ? webSocket(url, { timeout: timeoutMs, retryCount, keepAlive: true, reconnect: true }) : http(url, { timeout: timeoutMs, retryCount })))
  if (transports.length === 1 && !onResponse) return transports[0]!
  return (parameters) => {
    const transport = fallback(transports, { retryCount: 0 })(parameters)
    if (onResponse) {
      const endpoints: unknown[] = transport.value!.transports
      transport.value!.onResponse(({ transport: answered, status }) => onResponse({ endpoint: endpoints.indexOf(answered), ok: status === 'success' }))
    }
    return transport
  }
}

export const isWebSocketUrl = (url: string): boolean => /^wss?:\/\//i.test(url)

/**
 * An RPC URL as logs and metrics may show it: scheme and host only. Providers put API keys in the
 * path or query (`https://mainnet.infura.io/v3/<key>`), which must not reach a log file.
 */
export function redactRpcUrl(url: string): string {
  try {
    const parsed = new URL(url)
    const hidden = parsed.pathname.length > 1 || parsed.search !== '' || parsed.username !== '' || parsed.password !== ''
    return `${parsed.protocol}//${parsed.host}${hidden ? '/…' : ''}`
  } catch {
    return '(not a URL)'
  }
}
