import type { Hex } from 'viem'
import { ManifestMismatchError } from '../errors/model.js'
import type { TensorLayout, VeridictManifest } from '../types.js'

type Registered = {
  modelId: Hex
  definitionHash: Hex
  input: { values: number; bits: number }
  output: { values: number; bits: number }
}

/** Checks that `value` is a Veridict manifest describing the registered model, and returns it typed. */
export function checkManifest(model: Registered, value: unknown): VeridictManifest {
  const fail = (reason: string) => new ManifestMismatchError({ modelId: model.modelId, reason })
  if (typeof value !== 'object' || value === null) throw fail('it is not a JSON object')
  const manifest = value as Partial<VeridictManifest>
  if (typeof manifest.format !== 'string' || !manifest.format.startsWith('veridict-manifest/'))
    throw fail(`its format is ${JSON.stringify(manifest.format)}, not veridict-manifest/*`)
  if (manifest.definitionHash?.toLowerCase() !== model.definitionHash.toLowerCase())
    throw fail(`it defines the model ${manifest.definitionHash ?? '(not set up)'}, the registry's definition hash is ${model.definitionHash}`)
  checkLayout(fail, 'input', manifest.input, model.input)
  checkLayout(fail, 'output', manifest.output, model.output)
  if (manifest.output!.kind !== 'values' && manifest.output!.kind !== 'class-index') throw fail(`its output kind ${JSON.stringify(manifest.output!.kind)} is unknown`)
  return manifest as VeridictManifest
}

function checkLayout(
  fail: (reason: string) => Error,
  name: 'input' | 'output',
  layout: TensorLayout | undefined,
  registered: { values: number; bits: number },
): void {
  if (!layout || !Array.isArray(layout.shape)) throw fail(`it has no ${name} layout`)
  const count = layout.shape.reduce((a, b) => a * b, 1)
  if (count !== layout.count || layout.count !== registered.values || layout.bits !== registered.bits || !Number.isInteger(layout.scale))
    throw fail(`its ${name} is ${layout.count} values of ${layout.bits} bits (shape [${layout.shape.join(', ')}]), the registry has ${registered.values} values of ${registered.bits} bits`)
}
