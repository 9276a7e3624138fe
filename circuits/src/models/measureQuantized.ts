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
import { classOfFloatOutput, classOfQuantizedOutput, inputTensor } from './readClass.js'

export type QuantizedAccuracy = {
  /** The calibrated settings the compiler chose from the test set's calibration samples. */
  scale: number
  inputScale: number
  inputBits: number
  /** Share of held-out samples whose float class (onnxruntime on the ONNX file, readClass.ts) is the label. */
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
  /** The graph output compiled and compared (default: the one loadModel picks, e.g. the float scores beside a label). */
  output?: string | undefined
  /** Also run the bigint reference executor on the first this-many samples and require the fast canonical output to equal it. Default 4. */
  referenceSamples?: number | undefined
}

export type MeasureQuantizedReturnType = QuantizedAccuracy & { model: QuantizedModel }

/**
 * Compiles `onnx` without a circuit (quantization as `veridict compile` chooses it from the
 * calibration samples) and compares its canonical integer output with onnxruntime's float output
 * on every held-out sample. The integer outputs come from the onnxruntime integer graph; on the
 * first `referenceSamples` samples they are checked against the bigint reference executor, which
 * defines the circuit's output, so a wrong fast path cannot inflate the figures. A class is read
 * from either output as readClass.ts says (scores, a single probability, or a label); an integer
 * input (manifest input.type) is fed to onnxruntime as that type.
 */
export async function measureQuantized({ onnx, testset, output, referenceSamples = 4 }: MeasureQuantizedParameters): Promise<MeasureQuantizedReturnType> {
  const dir = await mkdtemp(join(tmpdir(), 'veridict-zoo-'))
  try {
    await compileModel({ onnx, outDir: dir, calibration: testset.calibration.inputs, circuit: false, output })
    const { model, manifest } = await loadCompiledModel(dir)
    const canonical = await createCanonicalExecutor({ model, input: 'values' })
    const session = await ort.InferenceSession.create(onnx)
    const floatOutput = manifest.onnx.output ?? session.outputNames[0]!
    let floatCorrect = 0
    let quantizedCorrect = 0
    let agree = 0
    try {
      for (let sample = 0; sample < testset.inputs.length; sample++) {
        const values = testset.inputs[sample]!
        const result = await session.run({ [session.inputNames[0]!]: inputTensor(values, testset.inputShape, manifest.input.type) }, [floatOutput])
        const floatClass = classOfFloatOutput(result[floatOutput]!)
        const quantizedInput = quantizeInput(model, values)
        const integers = await canonical.run(quantizedInput)
        if (sample < referenceSamples) {
          const reference = runReference(model, quantizedInput)
          if (reference.join() !== integers.join())
            throw new Error(`The canonical executor (${canonical.engine}) differs from the reference executor on held-out sample ${sample}: [${integers.join(', ')}] vs [${reference.join(', ')}].`)
        }
        const quantizedClass = classOfQuantizedOutput(integers, manifest.output)
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
