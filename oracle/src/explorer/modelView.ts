import type { CatalogEntry, ModelCatalog } from './modelCatalog.js'

/** A model as the explorer's API and pages show it: what its id binds, its terms, and its manifest's facts. */
export function modelView({ model, manifest, manifestError }: CatalogEntry, catalog: ModelCatalog) {
  const setup = model.setup
  return {
    modelId: model.modelId,
    name: manifest?.name,
    index: model.index,
    owner: model.owner,
    status: model.status,
    fee: model.fee,
    modes: model.modes,
    security: model.security,
    // What the id binds: keccak256(definitionHash, owner), the definition hashing all of these.
    binds: {
      definitionHash: model.definitionHash,
      onnxHash: model.onnxHash,
      quantizationHash: model.quantizationHash,
      proofSystem: model.proofSystem,
      verifier: model.verifier,
      verificationKey: model.verificationKey,
      input: model.input,
      output: model.output,
      setup: setup && {
        summary: setup.summary,
        insecure: setup.insecure,
        ptauHash: setup.ptauHash,
        contributions: setup.contributions,
        listedCeremony: setup.listedCeremony,
        ceremonyFile: setup.ceremonyFile,
      },
    },
    metadataURI: model.metadataURI,
    previousVersion: model.previousVersion,
    nextVersion: model.nextVersion,
    manifest: manifest
      ? {
          format: manifest.format,
          ops: manifest.onnx?.ops,
          onnxBytes: manifest.onnx?.bytes,
          opset: manifest.onnx?.opset,
          quantization: manifest.quantization && { scale: manifest.quantization.scale, inputScale: manifest.quantization.inputScale, inputBits: manifest.quantization.inputBits },
          input: { shape: manifest.input.shape, scale: manifest.input.scale, bits: manifest.input.bits },
          output: { shape: manifest.output.shape, scale: manifest.output.scale, bits: manifest.output.bits, kind: manifest.output.kind },
          classLabels: manifest.classLabels,
          constraints: manifest.circuit?.constraints,
          publicSignals: manifest.publicSignals?.layout,
          ceremony: manifest.setup?.ptau.ceremony,
          ptauPower: manifest.setup?.ptau.power,
          contributors: manifest.setup?.phase2?.contributions.map((c) => c.name),
          compileSeconds: manifest.compiler?.seconds?.compile,
          setupSeconds: manifest.compiler?.seconds?.setup,
          proveSeconds: manifest.compiler?.seconds?.prove,
        }
      : undefined,
    manifestError,
    observedProveSeconds: catalog.observedProveSeconds(model.modelId),
  }
}

export type ModelView = ReturnType<typeof modelView>
