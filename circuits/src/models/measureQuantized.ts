import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { compileModel } from '../compile/compileModel.js'
import { loadCompiledModel } from '../prove/loadCompiledModel.js'
import type { QuantizedModel } from '../quantize/model.js'
import { createCanonicalExecutor } from '../reference/canonicalExecutor.js'
import { quantizeInput, runReference } from '../reference/runReference.js'
import type { BundledTestset } from './bundledModels.js'
import { argMax } from './mlp.js'

export type QuantizedAccuracy = {
  /** The calibrated settings the compiler chose from the test set's calibration samples. */
  scale: number
  inputScale: number
  inputBits: number
  /** Share of held-out samples whose float class (onnxruntime on the ONNX file) is the label. */
  floatAccuracy: number
  /** The same for the canonical integer output (what the circuit proves). */
  quantizedAccuracy: number
  /** Share of held-out samples on which the float and the quantized class are the same. */
  agreement: number
  samples: number
}

export type MeasureQuantizedParameters = {
  onnx: Uint8Array
  testset: Pick<BundledTestset, 'inputs' | 'labels' | 'inputShape' | 'calibration'>
  /** Also run the bigint reference executor on the first this-many samples and require the fast canonical output to equal it. Default 4. */
  referenceSamples?: number | undefined
}

export type MeasureQuantizedReturnType = QuantizedAccuracy & { model: QuantizedModel }

/**
 * Compiles `onnx` without a circuit (quantization as `veridict compile` chooses it from the
 * calibration samples) and compares its canonical integer output with onnxruntime's float output
 * on every held-out sample. The integer outputs come from the onnxruntime integer graph; on the
 * first `referenceSamples` samples they are checked against the bigint reference executor, which
 * defines the circuit's output, so a wrong fast path cannot inflate the figures.
 */
export async function measureQuantized({ onnx, testset, referenceSamples = 4 }: MeasureQuantizedParameters): Promise<MeasureQuantizedReturnType> {
  const dir = await mkdtemp(join(tmpdir(), 'veridict-zoo-'))
  try {
    await compileModel({ onnx, outDir: dir, calibration: testset.calibration.inputs, circuit: false })
    const { model, manifest } = await loadCompiledModel(dir)
    const canonical = await createCanonicalExecutor({ model, input: 'values' })
    const session = await ort.InferenceSession.create(onnx)
    const classOf = (output: readonly bigint[]) => (manifest.output.kind === 'class-index' ? Number(output[0]) : argMax(output.map(Number)))
    let floatCorrect = 0
    let quantizedCorrect = 0
    let agree = 0
    try {
      for (let sample = 0; sample < testset.inputs.length; sample++) {
        const values = testset.inputs[sample]!
        const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(values), testset.inputShape) })
        const floatClass = argMax(result[session.outputNames[0]!]!.data as Float32Array)
        const quantizedInput = quantizeInput(model, values)
        const output = await canonical.run(quantizedInput)
        if (sample < referenceSamples) {
          const reference = runReference(model, quantizedInput)
          if (reference.join() !== output.join())
            throw new Error(`The canonical executor (${canonical.engine}) differs from the reference executor on held-out sample ${sample}: [${output.join(', ')}] vs [${reference.join(', ')}].`)
        }
        const quantizedClass = classOf(output)
        if (floatClass === testset.labels[sample]) floatCorrect++
        if (quantizedClass === testset.labels[sample]) quantizedCorrect++
        if (floatClass === quantizedClass) agree++
      }
    } finally {
      await session.release()
    }
    const samples = testset.inputs.length
    return {
      scale: manifest.quantization.scale,
      inputScale: manifest.input.scale,
      inputBits: manifest.input.bits,
      floatAccuracy: floatCorrect / samples,
      quantizedAccuracy: quantizedCorrect / samples,
      agreement: agree / samples,
      samples,
      model,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
