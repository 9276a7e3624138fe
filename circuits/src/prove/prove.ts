import { join } from 'node:path'
import type { Groth16Proof, PlonkProof, PublicSignals } from 'snarkjs'
import type { Address } from 'viem'
import { packValues, unpackValues } from '@veridict/sdk'
import { BENEFICIARY_SIGNAL, circuitInput, parseBeneficiary, privateCircuitInput, publicSignals } from '../circuit/publicSignals.js'
import { weightCircuitInput } from '../circuit/weightCommitment.js'
import { ModelNotSetUpError, ModelWithoutBeneficiaryError, ProofError, SaltMismatchError } from '../errors/artifacts.js'
import { readWeightSalt } from '../manifest/weightSalt.js'
import { quantizeInput, runReference } from '../reference/runReference.js'
import { loadCompiledModel } from './loadCompiledModel.js'
import { manifestCircuitSize, recordCost } from '../estimate/machineProfile.js'
import { ProverPool, type ProofProgress } from './proverPool.js'

export type ProveParameters = {
  /** Folder of a compiled and set-up model. */
  dir: string
  /** Real-valued input (quantized at the model's input scale), or already-quantized integers, or packed input words. */
  input: { values: ArrayLike<number> } | { quantized: readonly bigint[] } | { words: readonly bigint[] }
  /**
   * The address the proof credits (its last public signal): the oracle pays the fulfilment or
   * dispute reward to it, and the proof does not verify for any other, so a copied proof is
   * worthless to whoever copies it.
   */
  beneficiary: Address
  /** Runs the proof in this pool; without one, a single worker thread is started and stopped for this proof. */
  pool?: ProverPool | undefined
  /**
   * A private-input model's salt (the SDK's randomSalt()): the proof shows the commitment of the
   * input words with it (commitInput) instead of the words. Required for such a model, refused for others.
   */
  salt?: bigint | undefined
  /** The step the proof is on (the witness, then snarkjs's steps) and the seconds since it started. */
  onProgress?: ((progress: ProofProgress) => void) | undefined
}

export type ProveReturnType = {
  /** A Groth16 or PLONK proof, as the model was set up (its `protocol` says which). */
  proof: Groth16Proof | PlonkProof
  /** Input words (a private-input model: their commitment), output words, then the beneficiary (as a decimal field element). */
  publicSignals: PublicSignals
  /** A private-input model's input commitment: what the request carries and the proof shows. */
  commitment?: bigint | undefined
  inputWords: bigint[]
  outputWords: bigint[]
  /** The address the proof is bound to, checksummed. */
  beneficiary: Address
  /** The canonical (quantized) output values. */
  output: bigint[]
  seconds: number
  /** Of which the witness. */
  witnessSeconds: number
  /** The prover process's resident memory after this proof, and its peak so far (KiB). */
  rssKb: number
  maxRssKb: number
}

/**
 * Computes the canonical output with the reference executor and proves it, bound to `beneficiary`,
 * in a prover process. A private-weights model's weights and salt are read from its folder
 * (quantized.json, weightSalt.json: only whoever holds them can prove) and fed as private signals.
 */
export async function prove({ dir, input, beneficiary, pool, salt, onProgress }: ProveParameters): Promise<ProveReturnType> {
  const address = parseBeneficiary(beneficiary)
  const { dir: abs, manifest, model } = await loadCompiledModel(dir)
  if (manifest.publicSignals.layout.at(-1) !== BENEFICIARY_SIGNAL)
    throw new ModelWithoutBeneficiaryError({ dir: abs, compiler: manifest.compiler.version, layout: manifest.publicSignals.layout })
  if (!manifest.artifacts.zkey || !manifest.artifacts.wasm || !manifest.setup) throw new ModelNotSetUpError({ dir: abs })
  const privateInput = manifest.input.private === true
  if (privateInput !== (salt !== undefined)) throw new SaltMismatchError({ dir: abs, privateInput })
  const quantized =
    'values' in input
      ? quantizeInput(model, input.values)
      : 'quantized' in input
        ? [...input.quantized]
        : unpackValues(input.words, manifest.input.count, manifest.input.bits)
  const output = runReference(model, quantized)
  const inputWords = packValues(quantized, model.inputBits)
  const outputWords = packValues(output, model.outputBits)
  const signals = { inputWords, outputWords, beneficiary: address }
  const committed = salt === undefined ? undefined : await privateCircuitInput({ ...signals, salt })
  const weights = manifest.weights?.private ? weightCircuitInput({ model, salt: await readWeightSalt({ dir: abs, manifest, model }) }) : {}
  const job = {
    protocol: manifest.setup.protocol,
    input: { ...(committed?.input ?? circuitInput(signals)), ...weights },
    wasm: join(abs, manifest.artifacts.wasm),
    zkey: join(abs, manifest.artifacts.zkey),
  }
  const owned = pool ? undefined : new ProverPool({ concurrency: 1 })
  try {
    const result = await (pool ?? owned!).prove(job, { onProgress })
    // A one-shot proof (no pool: the CLI) teaches the machine profile its cost (compile --estimate
    // scales by it); a node's pool proves on its hot path and writes nothing.
    const size = owned && manifest.setup.protocol === 'groth16' ? manifestCircuitSize(manifest) : undefined
    if (size) await recordCost({ step: 'prove', ...size, seconds: result.seconds, memoryMiB: result.maxRssKb / 1024 })
    const expected = (committed?.publicSignals ?? publicSignals(signals)).map(String)
    if (result.publicSignals.join() !== expected.join())
      throw new ProofError({ reason: `the proof's public signals [${result.publicSignals.join(', ')}] differ from the ${committed ? 'input commitment' : 'packed words'}, output words and beneficiary [${expected.join(', ')}]` })
    return { ...result, inputWords, outputWords, beneficiary: address, output, commitment: committed?.commitment }
  } finally {
    await owned?.close()
  }
}
