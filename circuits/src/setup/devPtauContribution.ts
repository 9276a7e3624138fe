import { createHash } from 'node:crypto'

import { ChaCha, type Curve, type WasmCurveGroup } from 'ffjavascript'

import type { DevPtauSecrets } from './devPtauScalars.js'

/** Name recorded in the file's one contribution, where `snarkjs powersoftau verify` prints it. */
export const DEV_PTAU_CONTRIBUTION_NAME = 'INSECURE single-party veridict dev ptau (tau known)'

function blake2b512(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('blake2b512')
  for (const part of parts) hash.update(part)
  return new Uint8Array(hash.digest())
}

/**
 * snarkjs's "first challenge hash" of a fresh accumulator of this power: blake2b of the empty
 * response hash followed by every point of an all-generator file, uncompressed.
 */
export function firstChallengeHash(curve: Curve, power: number): Uint8Array {
  const hash = createHash('blake2b512')
  hash.update(blake2b512())
  const g1 = curve.G1.toUncompressed(curve.G1.g)
  const g2 = curve.G2.toUncompressed(curve.G2.g)
  const repeat = (point: Uint8Array, count: number) => {
    const block = 4096
    const chunk = new Uint8Array(point.byteLength * block)
    for (let i = 0; i < block; i++) chunk.set(point, i * point.byteLength)
    for (let done = 0; done < count; done += block) {
      const n = Math.min(block, count - done)
      hash.update(chunk.subarray(0, n * point.byteLength))
    }
  }
  repeat(g1, 2 ** (power + 1) - 1)
  repeat(g2, 2 ** power)
  repeat(g1, 2 ** power)
  repeat(g1, 2 ** power)
  hash.update(g2)
  return new Uint8Array(hash.digest())
}

type PublicKeyPart = { g1s: Uint8Array; g1sx: Uint8Array; g2spx: Uint8Array }

/** snarkjs keypair.getG2sp: the G2 point a contribution's proof of knowledge is checked against. */
function hashToG2(curve: Curve, personalization: number, challenge: Uint8Array, g1s: Uint8Array, g1sx: Uint8Array): Uint8Array {
  const digest = blake2b512(
    new Uint8Array([personalization]),
    challenge,
    curve.G1.toUncompressed(g1s),
    curve.G1.toUncompressed(g1sx),
  )
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength)
  const seed = Array.from({ length: 8 }, (_, i) => view.getUint32(i * 4))
  return curve.G2.fromRng(new ChaCha(seed))
}

function publicKeyPart(curve: Curve, personalization: number, challenge: Uint8Array, secret: bigint, keyScalar: bigint): PublicKeyPart {
  const g1s = curve.G1.toAffine(curve.G1.timesScalar(curve.G1.g, keyScalar))
  const g1sx = curve.G1.toAffine(curve.G1.timesScalar(g1s, secret))
  const g2sp = hashToG2(curve, personalization, challenge, g1s, g1sx)
  const g2spx = curve.G2.toAffine(curve.G2.timesScalar(g2sp, secret))
  return { g1s, g1sx, g2spx }
}

/**
 * The noble-hashes blake2b-512 state snarkjs stores as `partialHash` (216 bytes: the 128-byte
 * block buffer, the eight 64-bit chain words as 32-bit halves, then unprocessed length and
 * position) for a hasher that has absorbed exactly `absorbed` (at most 128 bytes, so nothing is
 * compressed yet and the chain words are still the initial ones).
 */
export function partialHashAfter(absorbed: Uint8Array): Uint8Array {
  const state = new Uint8Array(216)
  state.set(absorbed, 0)
  const words = new DataView(state.buffer, 128)
  const iv = [
    0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
    0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
  ]
  // Parameter block word 0 for an unkeyed 64-byte digest: digest length 64, fanout 1, depth 1.
  iv[0] = iv[0]! ^ 0x01010040n
  iv.forEach((word, i) => {
    words.setUint32(i * 8, Number(word & 0xffffffffn), true)
    words.setUint32(i * 8 + 4, Number(word >> 32n), true)
  })
  words.setUint32(64, 0, true) // length − pos
  words.setUint32(72, absorbed.byteLength, true) // pos
  return state
}

export type DevPtauContributionParameters = {
  curve: Curve
  power: number
  secrets: DevPtauSecrets
}

export type DevPtauContribution = {
  /** Feed sections 2–6 uncompressed, in file order: what `powersoftau verify` hashes into the next challenge. */
  hashPoints(uncompressed: Uint8Array): void
  /** The bytes of section 7, once every point has been hashed. */
  section(): Uint8Array
}

/**
 * Section 7 of the file: one contribution whose public key proves knowledge of tau, alpha and
 * beta against the first challenge of a fresh accumulator, so `snarkjs powersoftau verify`
 * accepts the file. The response hash covers the challenge and the public key (no response file
 * ever exists for a dev ptau); the next-challenge hash covers every point, as snarkjs checks.
 */
export function createDevPtauContribution({ curve, power, secrets }: DevPtauContributionParameters): DevPtauContribution {
  const challenge = firstChallengeHash(curve, power)
  const [keyTau, keyAlpha, keyBeta] = secrets.keyScalars
  const key = {
    tau: publicKeyPart(curve, 0, challenge, secrets.tau, keyTau),
    alpha: publicKeyPart(curve, 1, challenge, secrets.alpha, keyAlpha),
    beta: publicKeyPart(curve, 2, challenge, secrets.beta, keyBeta),
  }
  const keyG1 = [key.tau.g1s, key.tau.g1sx, key.alpha.g1s, key.alpha.g1sx, key.beta.g1s, key.beta.g1sx]
  const keyG2 = [key.tau.g2spx, key.alpha.g2spx, key.beta.g2spx]

  const keyUncompressed = [...keyG1.map((p) => curve.G1.toUncompressed(p)), ...keyG2.map((p) => curve.G2.toUncompressed(p))]
  const responseHash = blake2b512(challenge, ...keyUncompressed)
  const nextChallengeHash = createHash('blake2b512').update(responseHash)
  return {
    hashPoints: (uncompressed) => void nextChallengeHash.update(uncompressed),
    section: () => sectionBytes(new Uint8Array(nextChallengeHash.digest())),
  }

  function sectionBytes(nextChallenge: Uint8Array): Uint8Array {
    const parts: Uint8Array[] = []
    const u32 = (value: number) => {
      const bytes = new Uint8Array(4)
      new DataView(bytes.buffer).setUint32(0, value, true)
      parts.push(bytes)
    }
    const lem = (group: WasmCurveGroup, point: Uint8Array) => {
      const bytes = new Uint8Array(group.F.n8 * 2)
      group.toRprLEM(bytes, 0, group.toAffine(point))
      parts.push(bytes)
    }
    u32(1) // one contribution
    lem(curve.G1, curve.G1.timesScalar(curve.G1.g, secrets.tau))
    lem(curve.G2, curve.G2.timesScalar(curve.G2.g, secrets.tau))
    lem(curve.G1, curve.G1.timesScalar(curve.G1.g, secrets.alpha))
    lem(curve.G1, curve.G1.timesScalar(curve.G1.g, secrets.beta))
    lem(curve.G2, curve.G2.timesScalar(curve.G2.g, secrets.beta))
    for (const p of keyG1) lem(curve.G1, p)
    for (const p of keyG2) lem(curve.G2, p)
    parts.push(partialHashAfter(challenge))
    parts.push(nextChallenge)
    u32(0) // type: ordinary contribution, not a beacon
    const name = new TextEncoder().encode(DEV_PTAU_CONTRIBUTION_NAME).subarray(0, 64)
    u32(2 + name.byteLength)
    parts.push(new Uint8Array([1, name.byteLength]), name)

    const out = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0))
    let offset = 0
    for (const p of parts) {
      out.set(p, offset)
      offset += p.byteLength
    }
    return out
  }
}
