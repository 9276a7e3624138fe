import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { readManifest, type ModelManifest } from '../manifest/manifest.js'
import type { QuantizedModel } from '../quantize/model.js'
import { quantizedModelFromJson, type QuantizedModelJson } from '../quantize/serialize.js'

export type CompiledModel = { dir: string; manifest: ModelManifest; model: QuantizedModel }

const cache = new Map<string, Promise<CompiledModel>>()

/** Reads a compiled model folder (manifest + quantized model), once per folder and definition. */
export async function loadCompiledModel(dir: string): Promise<CompiledModel> {
  const abs = resolve(dir)
  const manifest = await readManifest(abs)
  const key = `${abs}:${manifest.definitionHash ?? 'unset'}:${manifest.quantization.keccak256}`
  let entry = cache.get(key)
  if (!entry) {
    entry = readFile(join(abs, manifest.artifacts.quantized), 'utf8').then((text) => ({
      dir: abs,
      manifest,
      model: quantizedModelFromJson(JSON.parse(text) as QuantizedModelJson),
    }))
    cache.set(key, entry)
  }
  return entry
}
