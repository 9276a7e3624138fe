import { mkdirSync, readdirSync } from 'node:fs'
import { open, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { bytesToHex, type Hex } from 'viem'
import { gameSide, tensorBits, tensorSizes, type GameSide, type ParametersCommitment, type TraceCommitment, type QuantizedModel } from '@veridict/circuits'
import { unpackValues, wordCount } from '@veridict/sdk'
import { TraceFileError } from '../errors/node.js'

const MAGIC = new TextEncoder().encode('VDTRACE1')
const HEADER_BYTES = MAGIC.length + 64
const SEGMENT_SUFFIX = '.traces'

/** Where a kept trace lies: a segment file under `<dataDir>/traces`, its offset and length. */
export type TraceLocation = { file: string; offset: number; bytes: number }

/**
 * The traces the node keeps until their results are final (docs/disputes.md, "The node"), appended
 * to segment files under `<dataDir>/traces` (a new one past `segmentBytes`, and at every start). A
 * record holds the trace root, the output's root and every tensor's packed words (the leaves their
 * commitments are built from); SQLite's `traces` table says where each one lies. One append per
 * trace, no file per request: creating and removing a file per request cost the node more CPU than
 * the rest of an attestation. A segment goes once no kept trace lies in it. Read back, the tensors
 * must commit to the roots stored with them: a record cut short by a crash, or changed, is refused
 * (`TraceFileError`), and the node runs the model again.
 */
export class TraceFiles {
  readonly dir: string
  private readonly segmentBytes: number
  private current: { file: string; handle: Promise<FileHandle>; position: number } | undefined
  private appends: Promise<unknown> = Promise.resolve()
  private segments = 0
  private closed = false

  constructor(dataDir: string, { segmentBytes = 64 * 1024 * 1024 }: { segmentBytes?: number } = {}) {
    this.dir = join(dataDir, 'traces')
    this.segmentBytes = segmentBytes
    mkdirSync(this.dir, { recursive: true })
  }

  /** Appends a trace (its commitment's trees hold the packed words); resolves with where it lies once written. */
  append(trace: TraceCommitment): Promise<TraceLocation> {
    const data = Buffer.concat([MAGIC, hexBytes(trace.traceRoot), hexBytes(trace.outputRoot), ...trace.tensorTrees.map((tree) => tree.leafBytes)])
    const appended = this.appends.then(async () => {
      if (this.closed) throw new TraceFileError({ file: this.dir, reason: 'the trace store is closed (the node is stopping)' })
      if (!this.current || (this.current.position > 0 && this.current.position + data.length > this.segmentBytes)) await this.rotate()
      const segment = this.current!
      const offset = segment.position
      segment.position += data.length
      await (await segment.handle).write(data, 0, data.length, offset)
      return { file: segment.file, offset, bytes: data.length }
    })
    this.appends = appended.catch(() => undefined)
    return appended
  }

  /** The segment being appended to, if any (never removed while open). */
  get currentFile(): string | undefined {
    return this.current?.file
  }

  private async rotate(): Promise<void> {
    const previous = this.current
    const file = `${Date.now()}-${process.pid}-${this.segments++}${SEGMENT_SUFFIX}`
    this.current = { file, handle: open(join(this.dir, file), 'a'), position: 0 }
    if (previous) await (await previous.handle).close()
  }

  /** Reads a trace back as one side of a game, checking it against the roots stored with it. */
  async read(location: TraceLocation, model: QuantizedModel, parameters: ParametersCommitment): Promise<GameSide> {
    const path = join(this.dir, location.file)
    const data = Buffer.alloc(location.bytes)
    let read = 0
    const handle = await open(path, 'r').catch((cause: NodeJS.ErrnoException) => {
      throw new TraceFileError({ file: path, reason: cause.code === 'ENOENT' ? 'it does not exist' : cause.message })
    })
    try {
      read = (await handle.read(data, 0, location.bytes, location.offset)).bytesRead
    } finally {
      await handle.close()
    }
    const where = `${path} at ${location.offset}`
    if (read !== location.bytes) throw new TraceFileError({ file: where, reason: `it ends after ${read} of the trace's ${location.bytes} bytes` })
    if (data.length < HEADER_BYTES || !MAGIC.every((b, i) => data[i] === b)) throw new TraceFileError({ file: where, reason: 'no Veridict trace starts there' })
    const stored = bytesToHex(data.subarray(MAGIC.length, MAGIC.length + 32))
    const storedOutput = bytesToHex(data.subarray(MAGIC.length + 32, HEADER_BYTES))
    const [sizes, bits] = [tensorSizes(model), tensorBits(model)]
    const expected = HEADER_BYTES + 32 * sizes.reduce((sum, count, t) => sum + wordCount(count, bits[t]!), 0)
    if (data.length !== expected) throw new TraceFileError({ file: where, reason: `the trace has ${data.length} bytes, a trace of its model has ${expected}` })
    let offset = HEADER_BYTES
    const tensors = sizes.map((count, t) => {
      const words: bigint[] = []
      for (let w = wordCount(count, bits[t]!); w > 0; w--, offset += 32) words.push(BigInt(bytesToHex(data.subarray(offset, offset + 32))))
      return unpackValues(words, count, bits[t]!)
    })
    const side = gameSide(model, tensors, parameters)
    if (side.trace.traceRoot !== stored) throw new TraceFileError({ file: where, reason: `its tensors commit to ${side.trace.traceRoot}, it was stored as ${stored}` })
    if (side.trace.outputRoot !== storedOutput) throw new TraceFileError({ file: where, reason: `its output commits to ${side.trace.outputRoot}, it was stored as ${storedOutput}` })
    return side
  }

  /**
   * Removes the segments no kept trace lies in (`live` names those that hold one), except the one
   * being appended to; also anything else in the folder (a crash's leftovers). Returns how many.
   */
  async removeUnused(live: ReadonlySet<string>): Promise<number> {
    let removed = 0
    for (const name of readdirSync(this.dir)) {
      if (live.has(name) || name === this.current?.file) continue
      await rm(join(this.dir, name), { force: true, recursive: true })
      removed++
    }
    return removed
  }

  /** Waits for the appends in flight, then closes the segment; later appends are refused. */
  async close(): Promise<void> {
    this.closed = true
    await this.appends
    const current = this.current
    this.current = undefined
    if (current) await (await current.handle).close()
  }
}

function hexBytes(hex: Hex): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2), 'hex'))
}
