import { ManifestNotFoundError } from '@veridict/sdk'

/**
 * Fetches a model's hosted manifest (http(s) or data: URI; ipfs:// through `ipfsGateway`) within
 * `timeoutMs`: the explorer shows a model without its manifest rather than wait on a slow host.
 */
export async function loadManifestFromUri(uri: string, timeoutMs: number, ipfsGateway = 'https://ipfs.io/ipfs/'): Promise<unknown> {
  if (uri === '') throw new ManifestNotFoundError({ uri, reason: 'the model was registered without a metadata URI' })
  const url = uri.startsWith('ipfs://') ? `${ipfsGateway}${uri.slice('ipfs://'.length)}` : uri
  if (!/^(https?|data):/i.test(url)) throw new ManifestNotFoundError({ uri, reason: 'the explorer reads http(s), ipfs and data URIs only' })
  let response: Response
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
  } catch (cause) {
    const timedOut = (cause as Error).name === 'TimeoutError'
    throw new ManifestNotFoundError({ uri, reason: timedOut ? `the host did not answer within ${timeoutMs} ms` : 'the request failed', cause })
  }
  if (!response.ok) throw new ManifestNotFoundError({ uri, reason: `the server answered ${response.status} ${response.statusText}` })
  try {
    return await response.json()
  } catch (cause) {
    throw new ManifestNotFoundError({ uri, reason: 'it is not JSON', cause })
  }
}
