export { compileModel, estimateModel, type CompileModelParameters, type CompileModelReturnType, type CompileProgress, type EstimateModelParameters, type EstimateModelReturnType } from './compile/compileModel.js'
export { estimateCircuit, formatEstimate, type CircuitEstimate, type EstimateCircuitParameters } from './estimate/estimateCircuit.js'
export { estimateConstraints, type ConstraintEstimate, type ConstraintPart } from './estimate/estimateConstraints.js'
export { calibrationFor, circuitLimit, estimateResources, machineProfilePath, memoryAtHandMiB, readCostRecords, type CircuitLimit, type CircuitSize, type CostRecord, type ResourceEstimate } from './estimate/machineProfile.js'
export { ensureCompiledModel, type EnsureCompiledModelParameters, type EnsureCompiledModelReturnType } from './compile/ensureCompiledModel.js'
export { setupModel, requiredPtauPower, type SetupModelParameters, type SetupModelReturnType, type SetupProgress } from './setup/setupModel.js'
export {
  initCeremony,
  contributeCeremony,
  contributeZkey,
  exportCeremony,
  importContribution,
  beaconCeremony,
  verifyCeremony,
  finalizeCeremony,
  type InitCeremonyParameters,
  type InitCeremonyReturnType,
  type ContributeCeremonyParameters,
  type ContributeCeremonyReturnType,
  type ContributeZkeyParameters,
  type ContributeZkeyReturnType,
  type ExportCeremonyParameters,
  type ExportCeremonyReturnType,
  type ImportContributionParameters,
  type ImportContributionReturnType,
  type BeaconCeremonyParameters,
  type VerifyCeremonyParameters,
  type VerifyCeremonyReturnType,
  type FinalizeCeremonyParameters,
  type FinalizeCeremonyReturnType,
} from './setup/ceremony.js'
export { CEREMONY_FORMAT, type CeremonyStep, type CeremonyTranscript } from './setup/ceremonyTranscript.js'
export { identifyPtau, hashFile, type IdentifyPtauParameters, type IdentifyPtauReturnType, type KnownPtauFile, type PtauContribution, type PtauKind } from './setup/identifyPtau.js'
export { readZkey, type ReadZkeyReturnType, type ZkeyContribution } from './setup/readZkey.js'
export { ensureDevPtau, writeDevPtau, DEV_PTAU_WARNING } from './setup/devPtau.js'
export { prove, type ProveParameters, type ProveReturnType } from './prove/prove.js'
export { verify, type VerifyParameters } from './prove/verify.js'
export { ProverPool, type ProofJob, type ProofProgress, type ProofResult, type ProverPoolParameters } from './prove/proverPool.js'
export { WASM_TIERING_BUDGET } from './process/wasmTiering.js'
export { exitOnSignals, removeOnInterrupt, trackChild } from './process/interrupt.js'
export { loadCompiledModel, type CompiledModel } from './prove/loadCompiledModel.js'
export { runReference, quantizeInput, dequantizeOutput } from './reference/runReference.js'
export * from './trace/index.js'
export { createCanonicalExecutor, type CanonicalExecutor, type ExecutionProvider } from './reference/canonicalExecutor.js'
export { openModelSession, type ModelSession } from './onnx/session.js'
export { buildIntegerGraph, type IntegerGraph } from './reference/integerGraph.js'
export { readModelDefinition, type ReadModelDefinitionReturnType } from './manifest/readModelDefinition.js'
export { readManifest, definitionHashOf, modelDefinition, MANIFEST_FORMAT, type DefinitionParts, type ModelManifest, type PtauProvenance, type SetupProvenance, type TensorLayout } from './manifest/manifest.js'
export { loadModel } from './onnx/loadModel.js'
export { lowerGraph } from './ir/lower.js'
export { evaluateFloat } from './ir/evaluate.js'
export { quantizeIR } from './quantize/quantize.js'
export { chooseQuantization, measureAgreement, type AgreementReport, type QuantizeOptions } from './quantize/calibrate.js'
export type { QuantizedModel, QuantizationSettings } from './quantize/model.js'
export { BaseError } from './errors/base.js'
export * from './errors/compile.js'
export * from './errors/artifacts.js'
export * from './errors/circuit.js'
export * from './errors/reference.js'
export * from './errors/setup.js'
export * from './errors/trace.js'
