import { createHash } from 'node:crypto'
import { resolve } from 'node:path'
import { buildBn128, type Curve } from 'ffjavascript'
import { bytesToHex, type Hex } from 'viem'
import { ZkeyFileError } from '../errors/setup.js'
import { BinFileFormatError, BN128_Q, ByteReader, openBinFile, readContributionParameters, readLittleEndian, type BinFile } from './binFile.js'

/** One phase-2 contribution of a zkey, as `snarkjs zkey verify` prints it. */
export type ZkeyContribution = {
  name: string | undefined
  /** blake2b-512 of the contribution's public key and transcript: the "contribution hash" snarkjs prints. */
  hash: Hex
  /** Present on a random-beacon contribution. */
  beacon: { hash: Hex; iterationsExp: number } | undefined
}

export type ReadZkeyReturnType = {
  path: string
  /** blake2b-512 that snarkjs derives from the circuit and the ptau at groth16 setup: the same for every key of one ceremony. */
  circuitHash: Hex
  nPublic: number
  domainSize: number
  contributions: ZkeyContribution[]
}

const PROTOCOL_GROTH16 = 1
const G1_BYTES = 64
const G2_BYTES = 128

let curve: Promise<Curve> | undefined
/** A single-threaded curve (no worker threads that would keep the process alive) for point encodings. */
const bn128 = () => (curve ??= buildBn128(true))

/**
 * Reads what identifies a Groth16 proving key and its phase-2 history: the circuit hash and each
 * contribution's name, hash and beacon (sections 1, 2 and 10). A `ZkeyFileError` for anything
 * that is not a bn128 Groth16 zkey. Checks nothing cryptographic: `snarkjs zkey verify` does.
 */
export async function readZkey(path: string): Promise<ReadZkeyReturnType> {
  const abs = resolve(path)
  let file: BinFile
  try {
    file = await openBinFile(abs, 'zkey')
  } catch (cause) {
    throw new ZkeyFileError({ path: abs, reason: cause instanceof BinFileFormatError ? cause.message : `it cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, cause })
  }
  try {
    const protocol = new ByteReader(await file.section(1)).u32()
    if (protocol !== PROTOCOL_GROTH16) throw new BinFileFormatError(`its protocol id is ${protocol}, not Groth16 (1)`)
    const header = new ByteReader(await file.section(2))
    const n8q = header.u32()
    if (n8q !== 32 || readLittleEndian(header.take(n8q)) !== BN128_Q) throw new BinFileFormatError('it is not over the bn128 curve')
    header.take(header.u32())
    header.u32()
    const nPublic = header.u32()
    const domainSize = header.u32()

    const { G1, G2 } = await bn128()
    const mpc = new ByteReader(await file.section(10))
    const circuitHash = bytesToHex(mpc.take(64))
    const count = mpc.u32()
    const contributions: ZkeyContribution[] = []
    for (let i = 0; i < count; i++) {
      // Hashed as snarkjs hashPubKey does: deltaAfter, g1_s, g1_sx (G1), g2_spx (G2) uncompressed, then the transcript.
      const hash = createHash('blake2b512')
      for (let p = 0; p < 3; p++) hash.update(G1.toUncompressed(G1.fromRprLEM(mpc.take(G1_BYTES), 0)))
      hash.update(G2.toUncompressed(G2.fromRprLEM(mpc.take(G2_BYTES), 0)))
      hash.update(mpc.take(64))
      const type = mpc.u32()
      const params = readContributionParameters(mpc)
      contributions.push({
        name: params.name,
        hash: `0x${hash.digest('hex')}`,
        beacon: type === 1 ? { hash: bytesToHex(params.beaconHash ?? new Uint8Array(0)), iterationsExp: params.iterationsExp ?? 0 } : undefined,
      })
    }
    if (!mpc.done) throw new BinFileFormatError('its contributions section has bytes after the last contribution')
    return { path: abs, circuitHash, nPublic, domainSize, contributions }
  } catch (cause) {
    throw cause instanceof BinFileFormatError ? new ZkeyFileError({ path: abs, reason: cause.message, cause }) : cause
  } finally {
    await file.close()
  }
}
