import { createServer, connect, type Server, type Socket } from 'node:net'

/** A TCP proxy in front of a local port that can be cut (listener closed, connections dropped) and restored on the same port. */
export class TcpProxy {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()

  constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1')
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('close', () => this.sockets.delete(s))
        s.on('error', () => s.destroy())
      }
      client.pipe(upstream).pipe(client)
    })
    this.server = server
    return new Promise((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()))
  }

  /** Cuts the link: refuses new connections and drops open ones. */
  async cut(): Promise<void> {
    const server = this.server
    this.server = undefined
    for (const s of this.sockets) s.destroy()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
