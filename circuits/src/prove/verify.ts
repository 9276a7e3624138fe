import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import type { Groth16Proof, PlonkProof, PublicSignals, VerificationKey } from 'snarkjs'
import { ModelNotSetUpError } from '../errors/artifacts.js'
import { readManifest } from '../manifest/manifest.js'

export type VerifyParameters = {
  /** A model folder (its vkey.json is used), or the verification key itself. */
  dir?: string | undefined
  vkey?: VerificationKey | undefined
  proof: Groth16Proof | PlonkProof
  publicSignals: PublicSignals | readonly bigint[]
}

/** Checks a Groth16 or PLONK proof off-chain (the key's protocol decides). Returns false for a wrong proof or signals; throws only for missing keys. */
export async function verify({ dir, vkey, proof, publicSignals }: VerifyParameters): Promise<boolean> {
  let key = vkey
  if (!key) {
    if (!dir) throw new ModelNotSetUpError({ dir: '(no folder or key given)' })
    const manifest = await readManifest(dir)
    if (!manifest.artifacts.vkey) throw new ModelNotSetUpError({ dir })
    key = JSON.parse(await readFile(join(dir, manifest.artifacts.vkey), 'utf8')) as VerificationKey
  }
  const signals = publicSignals.map(String)
  if (signals.length !== key.nPublic) return false
  const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
  if (key.protocol !== proof.protocol) return false
  return proof.protocol === 'plonk' ? snarkjs.plonk.verify(key, signals, proof, silent) : snarkjs.groth16.verify(key, signals, proof, silent)
}
