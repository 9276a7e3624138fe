/**
 * Trains the model zoo from scratch (circuits/src/models/zooModels.ts: CNNs on MNIST, a logistic
 * regression and gradient-boosted trees on the synthetic credit data) and writes
 * circuits/models/<name>.onnx, <name>.json and <name>.testset.json, as trainModels.ts does for the
 * bundled MLPs; then compiles each (no circuit) and records in <name>.json how the quantized model
 * agrees with float on the held-out split. Deterministic: a rerun writes byte-identical files.
 *
 *   npm run models:zoo [-- lenet5 ...] [--measure-only] [--epochs N] [--samples N]
 *
 * --measure-only: keep the committed .onnx / testset, only measure the quantized model again (after
 * a compiler change). --epochs (trees, for boosting) / --samples: trial runs; they write nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { type BundledTestset, formatJson } from '../src/models/bundledModels.js'
import { measureQuantized } from '../src/models/measureQuantized.js'
import { trainZooModel, type ZooModelMetadata, ZOO_MODELS } from '../src/models/zooModels.js'
import { COMPILER_VERSION } from '../src/version.js'

const { values, positionals: requested } = parseArgs({
  allowPositionals: true,
  options: { epochs: { type: 'string' }, samples: { type: 'string' }, 'measure-only': { type: 'boolean', default: false } },
})
const modelsDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', 'models')
const unknown = requested.filter((name) => !ZOO_MODELS.some((spec) => spec.name === name))
if (unknown.length > 0) {
  console.error(`Unknown zoo model(s): ${unknown.join(', ')}. Known: ${ZOO_MODELS.map((spec) => spec.name).join(', ')}.`)
  process.exit(1)
}
const specs = requested.length === 0 ? ZOO_MODELS : ZOO_MODELS.filter((spec) => requested.includes(spec.name))
const overrides = { epochs: values.epochs === undefined ? undefined : Number(values.epochs), trainSamples: values.samples === undefined ? undefined : Number(values.samples) }
const trial = overrides.epochs !== undefined || overrides.trainSamples !== undefined

const percent = (value: number) => `${(value * 100).toFixed(2)}%`
for (const spec of specs) {
  let onnx: Uint8Array
  let metadata: ZooModelMetadata
  let testset: BundledTestset
  if (values['measure-only']) {
    onnx = new Uint8Array(readFileSync(join(modelsDirectory, `${spec.name}.onnx`)))
    metadata = JSON.parse(readFileSync(join(modelsDirectory, `${spec.name}.json`), 'utf8')) as ZooModelMetadata
    testset = JSON.parse(readFileSync(join(modelsDirectory, metadata.testset), 'utf8')) as BundledTestset
  } else {
    const trained = await trainZooModel(spec, {
      ...overrides,
      onEpoch: (epoch, loss, accuracy) => {
        // The tabular models take a fraction of a second: only the CNNs report every epoch.
        if (accuracy !== undefined) console.log(`${spec.name} epoch ${epoch + 1}: loss ${loss.toFixed(4)}, running train accuracy ${percent(accuracy)}`)
      },
    })
    ;({ onnx, metadata, testset } = trained)
    console.log(
      `${spec.name.padEnd(13)} ${metadata.parameterCount} parameters  train ${percent(metadata.accuracy.train)} (${metadata.dataset.trainSize}, trained on ${metadata.dataset.trainedOn})` +
        `  test ${percent(metadata.accuracy.test)} (${metadata.dataset.testSize})  loss ${metadata.training.finalLoss.toFixed(4)}  ${onnx.length} bytes  training ${trained.trainingSeconds.toFixed(1)} s`,
    )
  }
  const started = performance.now()
  const { model: _model, samples, ...quantized } = await measureQuantized({ onnx, testset, output: metadata.output.name })
  metadata = { ...metadata, quantized: { ...quantized, measuredWith: `veridict compiler ${COMPILER_VERSION}, calibrated on the test set's calibration samples; canonical integer output vs onnxruntime float on all ${samples} held-out samples` } }
  console.log(
    `${spec.name.padEnd(13)} quantized at 2^${quantized.scale} (input ${quantized.inputBits} bits at 2^${quantized.inputScale}): float ${percent(quantized.floatAccuracy)}, quantized ${percent(quantized.quantizedAccuracy)}, agreement ${percent(quantized.agreement)}  (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  )
  if (trial) {
    console.log('(trial run: nothing written)')
    continue
  }
  if (!values['measure-only']) {
    writeFileSync(join(modelsDirectory, metadata.file), onnx)
    writeFileSync(join(modelsDirectory, metadata.testset), formatJson(testset))
  }
  writeFileSync(join(modelsDirectory, `${spec.name}.json`), formatJson(metadata))
}
process.exit(0)
