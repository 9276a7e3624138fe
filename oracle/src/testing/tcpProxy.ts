import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy in front of a local port, for faults on the wire: it can be cut (listener closed,
 * connections dropped) and started again on the same port, paused (connections stay open and every
 * byte is held until `resume`) and slowed (every chunk held `delayMs` before it is passed on, in order).
 */
export class TcpProxy {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private readonly pumps = new Set<() => void>()
  private paused = false
  /** Milliseconds each chunk waits before it is passed on (either direction); 0: at once. */
  delayMs = 0

  constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get isPaused(): boolean {
    return this.paused
  }

  get isCut(): boolean {
    return this.server === undefined
  }

  start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1')
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('close', () => this.sockets.delete(s))
        s.on('error', () => s.destroy())
      }
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
      this.forward(client, upstream)
      this.forward(upstream, client)
    })
    this.server = server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
  }

  /** Cuts the link: refuses new connections and drops open ones (`start` opens it again). */
  async cut(): Promise<void> {
    const server = this.server
    this.server = undefined
    for (const s of this.sockets) s.destroy()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Holds every byte, both ways, on open and new connections, until `resume`: a peer that hangs. */
  pause(): void {
    this.paused = true
  }

  resume(): void {
    this.paused = false
    for (const pump of this.pumps) pump()
  }

  /** Passes `from`'s bytes to `to`, at once or held (paused, delayed) in order. */
  private forward(from: Socket, to: Socket): void {
    const queue: { at: number; chunk: Buffer }[] = []
    let ended = false
    let timer: NodeJS.Timeout | undefined
    const pump = () => {
      if (timer) clearTimeout(timer)
      timer = undefined
      if (this.paused || to.destroyed) return
      while (queue.length && queue[0]!.at <= Date.now()) to.write(queue.shift()!.chunk)
      if (queue.length) timer = setTimeout(pump, queue[0]!.at - Date.now())
      else if (ended) to.end()
    }
    this.pumps.add(pump)
    from.on('close', () => {
      this.pumps.delete(pump)
      if (timer) clearTimeout(timer)
    })
    from.on('data', (chunk: Buffer) => {
      if (!this.paused && this.delayMs === 0 && queue.length === 0) {
        to.write(chunk)
        return
      }
      queue.push({ at: Date.now() + this.delayMs, chunk })
      if (!timer) pump()
    })
    from.on('end', () => {
      ended = true
      if (queue.length === 0) to.end()
    })
  }
}
