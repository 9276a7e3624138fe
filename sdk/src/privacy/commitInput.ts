import type { Poseidon } from 'circomlibjs'
import { InvalidSaltError, PrivacyDependencyError } from '../errors/privacy.js'

/** The BN254 scalar field's order: Poseidon's inputs and outputs, and every circuit signal, live below it. */
export const SCALAR_FIELD_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/** Input words per link of the commitment's Poseidon chain (each link hashes 16 field elements). */
export const COMMITMENT_WORDS_PER_LINK = 15

export type CommitInputParameters = {
  /** The request's input words (packed as for a public request: encodeInput's `words`). */
  inputWords: readonly bigint[]
  /** A secret field element, fresh for each request (randomSalt()): without it a small input space could be searched. */
  salt: bigint
}

let poseidon: Promise<Poseidon> | undefined

/** circomlibjs's Poseidon, built once (its constants take a moment). */
function loadPoseidon(): Promise<Poseidon> {
  poseidon ??= import('circomlibjs').then(
    (m) => m.buildPoseidon(),
    (cause: unknown) => {
      poseidon = undefined
      throw new PrivacyDependencyError({ cause })
    },
  )
  return poseidon
}

/**
 * The commitment a private request carries instead of its input words, and that a private-input
 * proof shows as its first public signal: a Poseidon chain over the salt and the words, 15 words a
 * link (Poseidon of 16 field elements: the previous link, or the salt for the first, then 15 words,
 * the last link padded with zeros), exactly as the circuits' InputCommitment template computes it.
 *
 * @example
 * const salt = randomSalt()
 * const commitment = await commitInput({ inputWords: words, salt })
 */
export async function commitInput({ inputWords, salt }: CommitInputParameters): Promise<bigint> {
  if (salt <= 0n || salt >= SCALAR_FIELD_ORDER) throw new InvalidSaltError({ salt })
  const hash = await loadPoseidon()
  let link = salt
  const links = Math.max(1, Math.ceil(inputWords.length / COMMITMENT_WORDS_PER_LINK))
  for (let l = 0; l < links; l++) {
    const words = Array.from({ length: COMMITMENT_WORDS_PER_LINK }, (_, j) => inputWords[l * COMMITMENT_WORDS_PER_LINK + j] ?? 0n)
    link = hash.F.toObject(hash([link, ...words]))
  }
  return link
}

/** A uniformly random salt: 31 random bytes (below the field order), never 0. */
export function randomSalt(): bigint {
  for (;;) {
    const bytes = globalThis.crypto.getRandomValues(new Uint8Array(31))
    const salt = bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n)
    if (salt !== 0n) return salt
  }
}
