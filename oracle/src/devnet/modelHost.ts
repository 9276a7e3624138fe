import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { extname, join, normalize } from 'node:path'

export type ModelHost = { url: string; stop: () => Promise<void> }

/**
 * Serves the model folders over HTTP, as a model owner hosts a manifest and its keys: the
 * registry's metadata URI points at `<url>/<model>/manifest.json`, and the SDK finds the
 * verification key next to it.
 */
export async function startModelHost(modelsDir: string, { host = '127.0.0.1', port = 0, publicUrl }: { host?: string; port?: number; publicUrl?: string | undefined } = {}): Promise<ModelHost> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://host').pathname)).replace(/^(\.\.[/\\])+/, '')
    readFile(join(modelsDir, path)).then(
      (body) => {
        response.writeHead(200, { 'content-type': extname(path) === '.json' ? 'application/json' : 'application/octet-stream' })
        response.end(body)
      },
      () => {
        response.writeHead(404)
        response.end()
      },
    )
  })
  await new Promise<void>((resolve) => server.listen(port, host, resolve))
  const address = server.address()
  // publicUrl: how others reach it when it listens on all interfaces (a container's service name).
  const url = publicUrl ?? `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
