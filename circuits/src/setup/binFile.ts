import { open, type FileHandle } from 'node:fs/promises'
import { BaseError } from '../errors/base.js'

/** A section of a snarkjs binary file (`ptau`, `zkey`, `r1cs`): its id, where its bytes start and how many. */
export type BinSection = { id: number; offset: number; size: number }

/** An open snarkjs binary file: its section table and positioned reads. */
export type BinFile = {
  path: string
  bytes: number
  sections: BinSection[]
  /** The bytes of the one section with this id; throws a `BinFileFormatError` when it is missing or repeated. */
  section(id: number): Promise<Uint8Array>
  has(id: number): boolean
  close(): Promise<void>
}

/** The file is not a well-formed snarkjs binary file of the expected type; callers turn it into their domain's error (PtauFileError, ZkeyFileError). */
export class BinFileFormatError extends BaseError {
  override name = 'BinFileFormatError'
}

/**
 * Opens a snarkjs binary file and walks its section headers (12-byte file header: 4-byte type,
 * u32 version, u32 section count; then per section u32 id, u64 size, data). Reads no section data.
 */
export async function openBinFile(path: string, type: 'ptau' | 'zkey'): Promise<BinFile> {
  const handle = await open(path, 'r')
  try {
    const bytes = (await handle.stat()).size
    const head = await readAt(handle, 0, 12, bytes)
    const magic = new TextDecoder().decode(head.subarray(0, 4))
    if (magic !== type) throw new BinFileFormatError(`it starts with ${JSON.stringify(magic)}, not a ${type} file`)
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
    const count = view.getUint32(8, true)
    const sections: BinSection[] = []
    let offset = 12
    for (let i = 0; i < count; i++) {
      const header = await readAt(handle, offset, 12, bytes)
      const headerView = new DataView(header.buffer, header.byteOffset, header.byteLength)
      const size = Number(headerView.getBigUint64(4, true))
      if (offset + 12 + size > bytes) throw new BinFileFormatError(`section ${headerView.getUint32(0, true)} runs past the end of the file (${bytes} bytes): the file is truncated`)
      sections.push({ id: headerView.getUint32(0, true), offset: offset + 12, size })
      offset += 12 + size
    }
    if (offset !== bytes) throw new BinFileFormatError(`${bytes - offset} bytes follow its last section`)
    return {
      path,
      bytes,
      sections,
      has: (id) => sections.some((s) => s.id === id),
      async section(id) {
        const matching = sections.filter((s) => s.id === id)
        if (matching.length !== 1) throw new BinFileFormatError(matching.length === 0 ? `it has no section ${id}` : `it has ${matching.length} sections ${id}`)
        return readAt(handle, matching[0]!.offset, matching[0]!.size, bytes)
      },
      close: () => handle.close(),
    }
  } catch (error) {
    await handle.close()
    throw error
  }
}

async function readAt(handle: FileHandle, position: number, length: number, fileBytes: number): Promise<Uint8Array> {
  if (position + length > fileBytes) throw new BinFileFormatError(`it ends at byte ${fileBytes}, before byte ${position + length}: the file is truncated`)
  const buffer = new Uint8Array(length)
  const { bytesRead } = await handle.read(buffer, 0, length, position)
  if (bytesRead !== length) throw new BinFileFormatError(`only ${bytesRead} of ${length} bytes could be read at ${position}`)
  return buffer
}

/** A little-endian cursor over a section's bytes. */
export class ByteReader {
  private offset = 0
  private readonly view: DataView
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
  get done(): boolean {
    return this.offset === this.bytes.byteLength
  }
  u32(): number {
    this.need(4)
    const value = this.view.getUint32(this.offset, true)
    this.offset += 4
    return value
  }
  u8(): number {
    this.need(1)
    return this.bytes[this.offset++]!
  }
  take(length: number): Uint8Array {
    this.need(length)
    const slice = this.bytes.subarray(this.offset, this.offset + length)
    this.offset += length
    return slice
  }
  private need(length: number): void {
    if (this.offset + length > this.bytes.byteLength) throw new BinFileFormatError(`a section ends after ${this.bytes.byteLength} bytes, before the ${length} bytes expected at ${this.offset}`)
  }
}

/**
 * The name / beacon parameters snarkjs writes after each contribution (ptau and zkey alike): a
 * u32 length, then sorted (type, value) pairs: 1 name, 2 beacon iteration exponent, 3 beacon hash.
 */
export function readContributionParameters(reader: ByteReader): { name: string | undefined; iterationsExp: number | undefined; beaconHash: Uint8Array | undefined } {
  const length = reader.u32()
  const params = new ByteReader(reader.take(length))
  const result: ReturnType<typeof readContributionParameters> = { name: undefined, iterationsExp: undefined, beaconHash: undefined }
  let lastType = 0
  while (!params.done) {
    const type = params.u8()
    if (type <= lastType) throw new BinFileFormatError('the parameters of a contribution are not sorted')
    lastType = type
    if (type === 1) result.name = new TextDecoder().decode(params.take(params.u8()))
    else if (type === 2) result.iterationsExp = params.u8()
    else if (type === 3) result.beaconHash = params.take(params.u8())
    else throw new BinFileFormatError(`a contribution has the unknown parameter type ${type}`)
  }
  return result
}

/** The bn128 base field prime, as snarkjs files record it (little-endian, 32 bytes). */
export const BN128_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n

export function readLittleEndian(bytes: Uint8Array): bigint {
  let value = 0n
  for (let i = bytes.byteLength - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!)
  return value
}
