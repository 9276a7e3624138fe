import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { bytesToHex, type Hex } from 'viem'
import { gameSide, MerkleTree, tensorBits, tensorLeaves, tensorSizes, type GameSide, type ParametersCommitment } from '../../../circuits/src/index.js'
import type { QuantizedModel } from '../../../circuits/src/quantize/model.js'
import { unpackValues, wordCount } from '../../../sdk/src/encoding/pack.js'
import { TraceFileError } from '../errors/node.js'

const MAGIC = new TextEncoder().encode('VDTRACE1')
const HEADER_BYTES = MAGIC.length + 64

/**
 * The traces the node keeps until their results are final (docs/disputes.md, "The node"): one file
 * per (request, trace root) under `<dataDir>/traces`, holding the trace root, the output's root and
 * every tensor's packed words (the leaves their commitments are built from). Written to a temporary name, synced and
 * renamed, so a file under its final name is always whole; read back, the tensors must commit to
 * the roots stored with them.
 */
export class TraceFiles {
  readonly dir: string

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'traces')
    mkdirSync(this.dir, { recursive: true })
  }

  /** The file name of a request's trace with `traceRoot`. */
  fileOf(requestId: bigint, traceRoot: Hex): string {
    return `${requestId}-${traceRoot.slice(2, 18)}.trace`
  }

  /** Writes a trace (atomically); returns its file name and size in bytes. */
  async write(requestId: bigint, traceRoot: Hex, model: QuantizedModel, tensors: readonly (readonly bigint[])[]): Promise<{ file: string; bytes: number }> {
    const bits = tensorBits(model)
    const leaves = tensors.map((tensor, t) => tensorLeaves(tensor, bits[t]!))
    const parts = [MAGIC, hexBytes(traceRoot), hexBytes(new MerkleTree(leaves.at(-1)!).root), ...leaves]
    const file = this.fileOf(requestId, traceRoot)
    const temporary = join(this.dir, `.${file}.${process.pid}.tmp`)
    const handle = await open(temporary, 'w')
    let bytes = 0
    try {
      for (const part of parts) bytes += (await handle.write(part)).bytesWritten
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temporary, join(this.dir, file))
    return { file, bytes }
  }

  /** Reads a trace back as one side of a game, checking it against the root it was stored with. */
  async read(file: string, model: QuantizedModel, parameters: ParametersCommitment): Promise<GameSide> {
    const path = join(this.dir, file)
    const data = await readFile(path).catch((cause: NodeJS.ErrnoException) => {
      throw new TraceFileError({ file: path, reason: cause.code === 'ENOENT' ? 'it does not exist' : cause.message })
    })
    if (data.length < HEADER_BYTES || !MAGIC.every((b, i) => data[i] === b)) throw new TraceFileError({ file: path, reason: 'it is not a Veridict trace file' })
    const stored = bytesToHex(data.subarray(MAGIC.length, MAGIC.length + 32))
    const storedOutput = bytesToHex(data.subarray(MAGIC.length + 32, HEADER_BYTES))
    const [sizes, bits] = [tensorSizes(model), tensorBits(model)]
    const expected = HEADER_BYTES + 32 * sizes.reduce((sum, count, t) => sum + wordCount(count, bits[t]!), 0)
    if (data.length !== expected) throw new TraceFileError({ file: path, reason: `it has ${data.length} bytes, a trace of its model has ${expected}` })
    let offset = HEADER_BYTES
    const tensors = sizes.map((count, t) => {
      const words: bigint[] = []
      for (let w = wordCount(count, bits[t]!); w > 0; w--, offset += 32) words.push(BigInt(bytesToHex(data.subarray(offset, offset + 32))))
      return unpackValues(words, count, bits[t]!)
    })
    const side = gameSide(model, tensors, parameters)
    if (side.trace.traceRoot !== stored) throw new TraceFileError({ file: path, reason: `its tensors commit to ${side.trace.traceRoot}, it was stored as ${stored}` })
    if (side.trace.outputRoot !== storedOutput) throw new TraceFileError({ file: path, reason: `its output commits to ${side.trace.outputRoot}, it was stored as ${storedOutput}` })
    return side
  }

  async remove(file: string): Promise<void> {
    await rm(join(this.dir, file), { force: true })
  }

  /** Removes files no stored trace names (a crash between writing a file and recording it), and temporaries. */
  removeUnlisted(listed: ReadonlySet<string>): number {
    let removed = 0
    for (const name of readdirSync(this.dir)) {
      if (listed.has(name)) continue
      rmSync(join(this.dir, name), { force: true })
      removed++
    }
    return removed
  }
}

function hexBytes(hex: Hex): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2), 'hex'))
}
