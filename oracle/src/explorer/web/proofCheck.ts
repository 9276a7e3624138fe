import type { Hex } from 'viem'
import { decodeGroth16Proof, decodePlonkProof, decodeVerificationKey } from '@veridict/sdk'

/** What a proof is checked against: the key's on-chain bytes and the words it binds. */
export type ProofCheckInput = {
  proofSystem: 'groth16' | 'plonk'
  /** The verification key as the registry stores it (ModelRegistry.getVerificationKey). */
  verificationKey: Hex
  proof: Hex
  inputWords: readonly string[]
  outputWords: readonly string[]
  /** Who the proof pays: the fulfiller or disputer. */
  beneficiary: string
}

/** The part of snarkjs the check uses (its browser bundle defines it as window.snarkjs). */
export type Snarkjs = {
  groth16: { verify(vkey: unknown, signals: string[], proof: unknown, logger?: unknown): Promise<boolean> }
  plonk: { verify(vkey: unknown, signals: string[], proof: unknown, logger?: unknown): Promise<boolean> }
}

export type ProofCheckResult = { valid: boolean; reason: string | undefined; publicSignals: string[] }

/**
 * Checks a result's proof as the SDK's verifyResultOffchain does: the key decoded from its on-chain
 * bytes, the public signals the input words, the output words and the beneficiary (as a number),
 * in that order, and snarkjs's verify.
 */
export async function checkProof(snarkjs: Snarkjs, input: ProofCheckInput): Promise<ProofCheckResult> {
  const vkey = decodeVerificationKey(input.proofSystem, input.verificationKey) as { nPublic: number }
  const publicSignals = [...input.inputWords, ...input.outputWords, BigInt(input.beneficiary).toString()].map((s) => BigInt(s).toString())
  if (publicSignals.length !== vkey.nPublic) return { valid: false, reason: `the key takes ${vkey.nPublic} public signals, the result has ${publicSignals.length}`, publicSignals }
  let valid: boolean
  try {
    valid =
      input.proofSystem === 'plonk'
        ? await snarkjs.plonk.verify(vkey, publicSignals, decodePlonkProof(input.proof), silentLogger)
        : await snarkjs.groth16.verify(vkey, publicSignals, decodeGroth16Proof(input.proof), silentLogger)
  } catch (error) {
    return { valid: false, reason: `the proof bytes are not a ${input.proofSystem} proof: ${(error as Error).message.split('\n')[0]}`, publicSignals }
  }
  return { valid, reason: valid ? undefined : 'the proof does not verify against the verification key with these public signals', publicSignals }
}

const silentLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
