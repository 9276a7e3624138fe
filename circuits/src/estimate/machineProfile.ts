import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { availableParallelism, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { cacheRoot } from '../circuit/paths.js'
import type { ModelManifest } from '../manifest/manifest.js'
import { requiredPtauPower } from './estimateConstraints.js'

/**
 * What a circuit will cost on this machine: circom's compile, the Groth16 setup and one proof, in
 * seconds and peak resident memory. A model of snarkjs and circom fitted to runs on the reference
 * machine (2 cores, docs/compiler-limits.md), then scaled by what this machine's own runs measured:
 * every compile, setup and one-shot proof (no pool: `veridict prove`) records its size, time and memory in the cache
 * (`machine-profile.json`), and each estimate is multiplied by the median of measured / predicted
 * over this machine's runs of that step on circuits within a factor of 4 of its size.
 */

/** A step whose cost is modelled. */
export type CostStep = 'circom' | 'setup' | 'prove'

/**
 * What a step's cost depends on: the constraints, the Groth16 domain, the weights compiled in as
 * constants, and whether the circuit holds a Poseidon commitment (a private input or private weights).
 */
export type CircuitSize = { constraints: number; domainPower: number; weights: number; poseidon?: boolean | undefined }
/** A record always says whether the circuit held a Poseidon commitment (records before it was kept are ignored). */

export type StepCost = { seconds: number; memoryMiB: number }
export type ResourceEstimate = Record<CostStep, StepCost> & {
  /** 'reference machine' until this machine has run the step; else how many of its runs scaled it. */
  calibration: Record<CostStep, { runs: number; timeFactor: number; memoryFactor: number }>
  cores: number
}

/** One measured run (machine-profile.json). */
export type CostRecord = CircuitSize & { poseidon: boolean; step: CostStep; seconds: number; memoryMiB: number; cores: number; at: string }

export const MACHINE_PROFILE_FORMAT = 'veridict-machine-profile/1'
/** Records kept per step (the newest). */
const RECORDS_PER_STEP = 20
/** Cores of the reference machine the constants below were fitted on. */
const REFERENCE_CORES = 2
/** circom2 is a WebAssembly (wasm32) build: its memory cannot pass 4 GiB, whatever the machine has. */
export const CIRCOM_MEMORY_LIMIT_MIB = 4096

/**
 * The reference machine's costs (2 cores), fitted to the measurements in circuits/models/README.md
 * and docs/trust-setup.md, and to circom's runs on the committed models:
 * - prove: FFTs and multi-exponentiations over the domain D = 2^domainPower, t = 0.3 s + 2.5 µs·D·log2 D
 *   (LeNet-5, D = 2^18: 13.6 s measured idle; the transformer, 2^20: 42.7 s); memory 150 MiB + 2.5 KiB
 *   per domain element (the proving key and FFT buffers) + 3 KiB per weight (the witness program holds
 *   every weight as code).
 * - setup (ceremony init, one contribution, verify, export): about 1.5 ms per constraint (credit-gbt's
 *   63,066: 139 s; lenet5-avg's 56,614: 79 s); memory 200 MiB + 4 KiB per domain element.
 * - circom --O1 (circuits/models/constraints.json's models, 536 to 186,956 constraints): 0.15 ms per
 *   constraint and 0.35 ms per weight (LeNet-5: 162 s), memory 80 MiB + 0.45 KiB per constraint + 5 KiB
 *   per weight (LeNet-5: 1.9 GiB; a weight is a template parameter circom keeps in every form), and
 *   for a Poseidon commitment (private input or weights) 18 s and 380 MiB more, its round constants
 *   (digits: 3.3 s and 137 MiB public, 21.6 s and 513 MiB with a private input).
 */
const REFERENCE: Record<CostStep, (size: CircuitSize) => StepCost> = {
  prove: ({ domainPower, weights }) => {
    const domain = 2 ** domainPower
    return { seconds: 0.3 + 2.5e-6 * domain * domainPower, memoryMiB: 150 + (2.5 * domain + 3 * weights) / 1024 }
  },
  setup: ({ constraints, domainPower }) => ({ seconds: 2 + 1.5e-3 * constraints, memoryMiB: 200 + (4 * 2 ** domainPower) / 1024 }),
  circom: ({ constraints, weights, poseidon }) => ({
    seconds: 1 + 1.5e-4 * constraints + 3.5e-4 * weights + (poseidon ? 18 : 0),
    memoryMiB: 80 + (0.45 * constraints + 5 * weights) / 1024 + (poseidon ? 380 : 0),
  }),
}

/** Steps whose time divides over the cores (snarkjs's multi-exponentiations and FFTs run on every core). */
const PARALLEL: Record<CostStep, boolean> = { prove: true, setup: true, circom: false }

export function machineProfilePath(): string {
  return join(cacheRoot(), 'machine-profile.json')
}

/** This machine's measured runs (none when the file is missing or unreadable). */
export async function readCostRecords(path = machineProfilePath()): Promise<CostRecord[]> {
  try {
    const raw = JSON.parse(await readFile(path, 'utf8')) as { format?: string; records?: CostRecord[] }
    return raw.format === MACHINE_PROFILE_FORMAT && Array.isArray(raw.records) ? raw.records.filter(validRecord) : []
  } catch {
    return []
  }
}

/**
 * Adds a measured run to this machine's profile (the newest RECORDS_PER_STEP per step are kept).
 * Best effort: a read-only cache or a concurrent writer loses the record, never the caller's work.
 */
export async function recordCost(record: Omit<CostRecord, 'at' | 'cores'>, path = machineProfilePath()): Promise<void> {
  if (!(record.constraints > 0 && record.seconds > 0 && record.memoryMiB > 0)) return
  try {
    const records = [...(await readCostRecords(path)), { ...record, cores: availableParallelism(), at: new Date().toISOString() }]
    const kept = (['circom', 'setup', 'prove'] as const).flatMap((step) => records.filter((r) => r.step === step).slice(-RECORDS_PER_STEP))
    await mkdir(dirname(path), { recursive: true })
    const tmp = `${path}.${process.pid}.tmp`
    await writeFile(tmp, `${JSON.stringify({ format: MACHINE_PROFILE_FORMAT, records: kept }, null, 2)}\n`)
    await rename(tmp, path)
  } catch {
    // The profile only sharpens estimates.
  }
}

/** The reference machine's cost of a step, scaled to this machine's cores. */
export function referenceCost(step: CostStep, size: CircuitSize, cores = availableParallelism()): StepCost {
  const cost = REFERENCE[step](size)
  return { ...cost, seconds: PARALLEL[step] ? (cost.seconds * REFERENCE_CORES) / Math.max(1, cores) : cost.seconds }
}

/** Runs this many times smaller or larger (in constraints) than the circuit estimated do not scale it: fixed costs dominate small runs. */
const COMPARABLE_RATIO = 4

export type Calibration = ResourceEstimate['calibration']

/** No runs: the reference machine's costs as they are. */
export const REFERENCE_CALIBRATION: Calibration = {
  circom: { runs: 0, timeFactor: 1, memoryFactor: 1 },
  setup: { runs: 0, timeFactor: 1, memoryFactor: 1 },
  prove: { runs: 0, timeFactor: 1, memoryFactor: 1 },
}

/**
 * How this machine compares with the reference for circuits of this size: per step, the median of
 * measured / predicted over its runs of circuits within a factor of 4 in constraints (none: 1).
 */
export function calibrationFor(size: CircuitSize, records: readonly CostRecord[] = []): Calibration {
  const comparable = (r: CostRecord) => Math.abs(Math.log2(Math.max(1, r.constraints) / Math.max(1, size.constraints))) <= Math.log2(COMPARABLE_RATIO)
  const calibration = {} as Calibration
  for (const step of ['circom', 'setup', 'prove'] as const) {
    const runs = records.filter((r) => r.step === step && comparable(r))
    calibration[step] = {
      runs: runs.length,
      timeFactor: median(runs.map((r) => r.seconds / referenceCost(step, r, r.cores).seconds)),
      memoryFactor: median(runs.map((r) => r.memoryMiB / referenceCost(step, r, r.cores).memoryMiB)),
    }
  }
  return calibration
}

/** The reference costs of a circuit of this size on `cores` cores, scaled by `calibration` (this machine's runs). */
export function estimateResources(size: CircuitSize, calibration: Calibration = REFERENCE_CALIBRATION, cores = availableParallelism()): ResourceEstimate {
  const costs = {} as Record<CostStep, StepCost>
  for (const step of ['circom', 'setup', 'prove'] as const) {
    const reference = referenceCost(step, size, cores)
    costs[step] = { seconds: reference.seconds * calibration[step].timeFactor, memoryMiB: reference.memoryMiB * calibration[step].memoryFactor }
  }
  return { ...costs, calibration, cores }
}

/** Memory this process may use: the machine's, or its cgroup's limit when lower (a container). */
export function memoryAtHandMiB(): number {
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0
  const total = totalmem()
  return Math.floor((constrained && constrained > 0 && constrained < total ? constrained : total) / 2 ** 20)
}

export type CircuitLimit = {
  /** The most constraints compile accepts. */
  maxConstraints: number
  /** 'option' (--max-constraints) or what bounds the default: the proving time or the memory. */
  source: 'option' | 'prove time' | 'memory'
  /** The proving time the default allows (seconds). */
  proveSeconds: number
  memoryMiB: number
}

/** The default limit allows circuits that prove in about this long. */
export const DEFAULT_PROVE_SECONDS = 600

/**
 * The largest circuit worth compiling here: one that proves in about DEFAULT_PROVE_SECONDS on this
 * machine and whose circom compile, setup and proof each fit the memory at hand (circom also under
 * its 4 GiB), for a model with `weights` constant weights, with one calibration for every size (so
 * the limit and the model's own estimate agree). `maxConstraints` (the --max-constraints option)
 * replaces it.
 */
export function circuitLimit({ weights, poseidon, calibration = REFERENCE_CALIBRATION, maxConstraints, memoryMiB = memoryAtHandMiB(), cores = availableParallelism() }: { weights: number; poseidon?: boolean | undefined; calibration?: Calibration; maxConstraints?: number | undefined; memoryMiB?: number; cores?: number }): CircuitLimit {
  if (maxConstraints !== undefined) return { maxConstraints, source: 'option', proveSeconds: DEFAULT_PROVE_SECONDS, memoryMiB }
  const fits = (constraints: number, check: 'time' | 'memory'): boolean => {
    const cost = estimateResources({ ...sizeOf(constraints, weights), poseidon }, calibration, cores)
    if (check === 'time') return cost.prove.seconds <= DEFAULT_PROVE_SECONDS
    return cost.circom.memoryMiB <= Math.min(memoryMiB, CIRCOM_MEMORY_LIMIT_MIB) && cost.setup.memoryMiB <= memoryMiB && cost.prove.memoryMiB <= memoryMiB
  }
  const byTime = largest((n) => fits(n, 'time'))
  const byMemory = largest((n) => fits(n, 'memory'))
  return byMemory < byTime
    ? { maxConstraints: byMemory, source: 'memory', proveSeconds: DEFAULT_PROVE_SECONDS, memoryMiB }
    : { maxConstraints: byTime, source: 'prove time', proveSeconds: DEFAULT_PROVE_SECONDS, memoryMiB }
}

/** A compiled model's circuit size, from its manifest. */
export function manifestCircuitSize(manifest: ModelManifest): (CircuitSize & { poseidon: boolean }) | undefined {
  if (!manifest.circuit) return undefined
  const { constraints, publicInputs } = manifest.circuit
  const poseidon = manifest.input.private === true || manifest.weights?.private === true
  return { constraints, domainPower: requiredPtauPower(constraints, publicInputs), weights: manifest.stages.reduce((n, s) => n + (s.weights ?? 0), 0), poseidon }
}

/** A circuit of `constraints` constraints (public signals aside) and `weights` constant weights. */
export function sizeOf(constraints: number, weights: number): CircuitSize {
  return { constraints, weights, domainPower: Math.ceil(Math.log2(constraints + 1)) }
}

/** The largest n in [0, 2^31) with ok(n), ok monotone (true up to some n). */
function largest(ok: (n: number) => boolean): number {
  let [lo, hi] = [0, 2 ** 31]
  if (!ok(1)) return 0
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (ok(mid)) lo = mid
    else hi = mid
  }
  return lo
}

function median(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v) && v > 0).sort((a, b) => a - b)
  if (finite.length === 0) return 1
  const mid = finite.length >> 1
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2
}

function validRecord(r: CostRecord): boolean {
  return (
    (r.step === 'circom' || r.step === 'setup' || r.step === 'prove') &&
    [r.constraints, r.domainPower, r.weights, r.seconds, r.memoryMiB, r.cores].every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0) &&
    typeof r.poseidon === 'boolean'
  )
}
