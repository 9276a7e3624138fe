/**
 * Trains the bundled models from scratch and writes circuits/models/<name>.onnx, <name>.json
 * (metadata and onnxruntime accuracy) and <name>.testset.json (held-out test split and calibration
 * samples). Deterministic: a rerun writes byte-identical files.
 *
 *   npm run models:train [-- iris digits mnist784]
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BUNDLED_MODELS, formatJson, trainBundledModel } from '../src/models/bundledModels.js'

const modelsDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', 'models')
const requested = process.argv.slice(2)
const specs = requested.length === 0 ? BUNDLED_MODELS : BUNDLED_MODELS.filter((spec) => requested.includes(spec.name))
const unknown = requested.filter((name) => !BUNDLED_MODELS.some((spec) => spec.name === name))
if (unknown.length > 0) {
  console.error(`Unknown model(s): ${unknown.join(', ')}. Known: ${BUNDLED_MODELS.map((spec) => spec.name).join(', ')}.`)
  process.exit(1)
}

mkdirSync(modelsDirectory, { recursive: true })
const started = performance.now()
for (const spec of specs) {
  const modelStarted = performance.now()
  const { onnx, metadata, testset } = await trainBundledModel(spec)
  writeFileSync(join(modelsDirectory, metadata.file), onnx)
  writeFileSync(join(modelsDirectory, `${spec.name}.json`), formatJson(metadata))
  writeFileSync(join(modelsDirectory, metadata.testset), formatJson(testset))
  const seconds = ((performance.now() - modelStarted) / 1000).toFixed(1)
  const percent = (value: number) => `${(value * 100).toFixed(2)}%`
  console.log(
    `${spec.name.padEnd(9)} ${metadata.layers.join('-').padEnd(10)} train ${percent(metadata.accuracy.train)} (${metadata.dataset.trainSize})` +
      `  test ${percent(metadata.accuracy.test)} (${metadata.dataset.testSize})  loss ${metadata.training.finalLoss.toFixed(4)}  ${onnx.length} bytes  ${seconds} s`,
  )
}
console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`)
