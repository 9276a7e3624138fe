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
  const transports = urls.map((url, endpoint) => {
    const transport: Transport = isWebSocketUrl(url) ? webSocket(url, { timeout: timeoutMs, retryCount, keepAlive: true, reconnect: true }) : http(url, { timeout: timeoutMs, retryCount })
    return onResponse ? counted(transport, (ok) => onResponse({ endpoint, ok })) : transport
  })
  return transports.length === 1 ? transports[0]! : fallback(transports, { retryCount: 0 })
}

/** `transport`, reporting whether each call it made succeeded. */
function counted(transport: Transport, report: (ok: boolean) => void): Transport {
  return (parameters) => {
    const instance = transport(parameters)
    const request = async (args: Parameters<typeof instance.request>[0], options?: Parameters<typeof instance.request>[1]) => {
      try {
        const result = await instance.request(args, options)
        report(true)
        return result
      } catch (error) {
        report(false)
        throw error
      }
    }
    return { ...instance, request: request as typeof instance.request }
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
