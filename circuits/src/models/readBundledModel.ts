import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CIRCUITS_ROOT } from '../circuit/paths.js'
import type { BundledModelMetadata, BundledTestset } from './bundledModels.js'

/** circuits/models, where `npm run models:train` writes the bundled models. */
export const BUNDLED_MODELS_DIRECTORY = join(CIRCUITS_ROOT, 'models')

export type BundledModelName = 'iris' | 'digits' | 'mnist784'

export type ReadBundledModelReturnType = {
  onnx: Uint8Array
  metadata: BundledModelMetadata
  testset: BundledTestset
  /** Absolute path of the .onnx file. */
  path: string
}

/** The committed ONNX bytes, metadata and held-out test set of a bundled model, without retraining. */
export function readBundledModel(name: BundledModelName): ReadBundledModelReturnType {
  const path = join(BUNDLED_MODELS_DIRECTORY, `${name}.onnx`)
  const metadata = JSON.parse(readFileSync(join(BUNDLED_MODELS_DIRECTORY, `${name}.json`), 'utf8')) as BundledModelMetadata
  const testset = JSON.parse(readFileSync(join(BUNDLED_MODELS_DIRECTORY, metadata.testset), 'utf8')) as BundledTestset
  return { onnx: new Uint8Array(readFileSync(path)), metadata, testset, path }
}
