import type { QuantizedModel } from '../quantize/model.js'
import { constantWeights, estimateConstraints, type ConstraintEstimate } from './estimateConstraints.js'
import { calibrationFor, circuitLimit, estimateResources, type CircuitLimit, type CircuitSize, type CostRecord, type ResourceEstimate } from './machineProfile.js'

/** What a model's circuit will be and cost here, before any of it is generated (compile --estimate). */
export type CircuitEstimate = ConstraintEstimate & {
  /** Constant weights the circuit's code holds (linear stages' non-zero weights): they weigh on circom and the witness program. */
  weights: number
  resources: ResourceEstimate
  limit: CircuitLimit
  /** Whether the constraints are within the limit. */
  fits: boolean
}

export type EstimateCircuitParameters = {
  model: QuantizedModel
  privateInput?: boolean | undefined
  privateWeights?: boolean | undefined
  /** --max-constraints: replaces the default limit (what proves in about 10 minutes with the memory at hand). */
  maxConstraints?: number | undefined
  /** This machine's measured runs (readCostRecords: machine-profile.json); none: the reference machine's costs. */
  records?: readonly CostRecord[] | undefined
}

/** The circuit's constraints (estimateConstraints), its expected costs on this machine, and whether it is within the limit. */
export function estimateCircuit({ model, privateInput, privateWeights, maxConstraints, records: measured = [] }: EstimateCircuitParameters): CircuitEstimate {
  const constraints = estimateConstraints({ model, privateInput, privateWeights })
  const weights = constantWeights(model)
  const poseidon = privateInput === true || privateWeights === true
  const size: CircuitSize = { constraints: constraints.constraints, domainPower: constraints.domainPower, weights, poseidon }
  // One calibration, from this machine's runs near this circuit's size, for the estimate and the limit alike.
  const calibration = calibrationFor(size, measured)
  const limit = circuitLimit({ weights, poseidon, calibration, maxConstraints })
  return { ...constraints, weights, resources: estimateResources(size, calibration), limit, fits: constraints.constraints <= limit.maxConstraints }
}

/** The estimate as the CLI prints it: the total, the costliest parts, the costs and the limit. */
export function formatEstimate(estimate: CircuitEstimate): string[] {
  const { resources: r, limit } = estimate
  const total = estimate.constraints
  const parts = [...estimate.parts].sort((a, b) => b.constraints - a.constraints).filter((p) => p.constraints > 0)
  const shown = parts.slice(0, 6)
  const rest = parts.slice(shown.length).reduce((n, p) => n + p.constraints, 0)
  const calibrated = (['circom', 'setup', 'prove'] as const).map((s) => r.calibration[s].runs)
  const lines = [
    `circuit: about ${fmt(total)} constraints (Groth16 domain 2^${estimate.domainPower}, a ptau of power ${estimate.domainPower} or more), ${fmt(estimate.publicSignals)} public signals, about ${fmt(estimate.wires)} wires, ${fmt(estimate.weights)} constant weights`,
    ...shown.map((p) => `  ${share(p.constraints, total).padStart(6)}  ${fmt(p.constraints).padStart(12)}  ${describePart(p)}`),
    ...(rest > 0 ? [`  ${share(rest, total).padStart(6)}  ${fmt(rest).padStart(12)}  ${parts.length - shown.length} more parts`] : []),
    `expected here (${r.cores} cores; ${calibrated.some((n) => n > 0) ? `scaled by this machine's runs: circom ${calibrated[0]}, setup ${calibrated[1]}, prove ${calibrated[2]}` : 'reference machine, not yet scaled by runs on this one'}):`,
    `  circom compile ${duration(r.circom.seconds)}, ${memory(r.circom.memoryMiB)}; Groth16 setup ${duration(r.setup.seconds)}, ${memory(r.setup.memoryMiB)}; one proof ${duration(r.prove.seconds)}, ${memory(r.prove.memoryMiB)}`,
    `limit: ${fmt(limit.maxConstraints)} constraints (${describeLimit(limit)}): ${estimate.fits ? 'within it' : 'ABOVE it: compile refuses this circuit'}`,
  ]
  return lines
}

export function describeLimit(limit: CircuitLimit): string {
  if (limit.source === 'option') return '--max-constraints'
  if (limit.source === 'memory') return `what fits in this machine's ${memory(limit.memoryMiB)} of memory, circom in its 4 GiB`
  return `what proves in about ${duration(limit.proveSeconds)} here`
}

export function describePart(p: CircuitEstimate['parts'][number]): string {
  return p.part === 'stage' ? `stage ${p.stage} ${p.kind}${p.sources?.length ? ` (${p.sources.slice(0, 3).join(', ')}${p.sources.length > 3 ? ', ...' : ''})` : ''}` : p.kind
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const share = (n: number, total: number) => `${((100 * n) / Math.max(1, total)).toFixed(1)}%`

export function duration(seconds: number): string {
  if (seconds < 1) return `${seconds.toFixed(2)} s`
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`
  if (seconds < 7200) return `${(seconds / 60).toFixed(seconds < 600 ? 1 : 0)} min`
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`
  return `${(seconds / 86_400).toFixed(0)} days`
}

export function memory(mib: number): string {
  return mib < 1024 ? `${Math.round(mib)} MiB` : `${(mib / 1024).toFixed(1)} GiB`
}
