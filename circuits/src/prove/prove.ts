import { join } from 'node:path'
import type { Groth16Proof, PlonkProof, PublicSignals } from 'snarkjs'
import { packValues, unpackValues } from '../../../sdk/src/encoding/pack.js'
import { ModelNotSetUpError, ProofError } from '../errors/artifacts.js'
import { quantizeInput, runReference } from '../reference/runReference.js'
import { loadCompiledModel } from './loadCompiledModel.js'
import { ProverPool } from './proverPool.js'

export type ProveParameters = {
  /** Folder of a compiled and set-up model. */
  dir: string
  /** Real-valued input (quantized at the model's input scale), or already-quantized integers, or packed input words. */
  input: { values: ArrayLike<number> } | { quantized: readonly bigint[] } | { words: readonly bigint[] }
  /** Runs the proof in this pool; without one, a single worker thread is started and stopped for this proof. */
  pool?: ProverPool | undefined
}

export type ProveReturnType = {
  /** A Groth16 or PLONK proof, as the model was set up (its `protocol` says which). */
  proof: Groth16Proof | PlonkProof
  publicSignals: PublicSignals
  inputWords: bigint[]
  outputWords: bigint[]
  /** The canonical (quantized) output values. */
  output: bigint[]
  seconds: number
}

/** Computes the canonical output with the reference executor and proves it in a worker thread. */
export async function prove({ dir, input, pool }: ProveParameters): Promise<ProveReturnType> {
  const { dir: abs, manifest, model } = await loadCompiledModel(dir)
  if (!manifest.artifacts.zkey || !manifest.artifacts.wasm || !manifest.setup) throw new ModelNotSetUpError({ dir: abs })
  const quantized =
    'values' in input
      ? quantizeInput(model, input.values)
      : 'quantized' in input
        ? [...input.quantized]
        : unpackValues(input.words, manifest.input.count, manifest.input.bits)
  const output = runReference(model, quantized)
  const inputWords = packValues(quantized, model.inputBits)
  const outputWords = packValues(output, model.outputBits)
  const job = {
    protocol: manifest.setup.protocol,
    input: { inWords: inputWords.map(String), outWords: outputWords.map(String) },
    wasm: join(abs, manifest.artifacts.wasm),
    zkey: join(abs, manifest.artifacts.zkey),
  }
  const owned = pool ? undefined : new ProverPool({ concurrency: 1 })
  try {
    const result = await (pool ?? owned!).prove(job)
    const expected = [...inputWords, ...outputWords].map(String)
    if (result.publicSignals.join() !== expected.join())
      throw new ProofError({ reason: `the proof's public signals [${result.publicSignals.join(', ')}] differ from the packed words [${expected.join(', ')}]` })
    return { ...result, inputWords, outputWords, output }
  } finally {
    await owned?.close()
  }
}
