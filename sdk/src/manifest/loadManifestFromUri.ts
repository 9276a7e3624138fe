import { ManifestNotFoundError } from '../errors/model.js'

/**
 * Fetches a JSON manifest from an http(s), ipfs:// (through `ipfsGateway`) or data: URI with the
 * platform's fetch, so it works in browsers and Node alike.
 */
export async function loadManifestFromUri(uri: string, { ipfsGateway }: { ipfsGateway: string }): Promise<unknown> {
  if (uri === '') throw new ManifestNotFoundError({ uri, reason: 'the model was registered without a metadata URI' })
  const url = uri.startsWith('ipfs://') ? `${ipfsGateway.replace(/\/?$/, '/')}${uri.slice('ipfs://'.length)}` : uri
  if (!/^(https?|data):/i.test(url)) throw new ManifestNotFoundError({ uri, reason: 'only http(s), ipfs and data URIs are read by default' })
  let response: Response
  try {
    response = await fetch(url)
  } catch (cause) {
    throw new ManifestNotFoundError({ uri, reason: 'the request failed', cause })
  }
  if (!response.ok) throw new ManifestNotFoundError({ uri, reason: `the server answered ${response.status} ${response.statusText}` })
  try {
    return await response.json()
  } catch (cause) {
    throw new ManifestNotFoundError({ uri, reason: 'it is not JSON', cause })
  }
}
