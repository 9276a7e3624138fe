import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import type { Address } from 'viem'
import { packValues, unpackValues, wordCount } from '@veridict/sdk'
import { circuitInput, privateCircuitInput } from '../circuit/publicSignals.js'
import { readR1cs } from '../circuit/r1cs.js'
import { weightCircuitInput } from '../circuit/weightCommitment.js'
import { CircuitSelfCheckError, type SelfCheckFailure } from '../errors/compile.js'
import { createRandom } from '../models/random.js'
import type { QuantizedModel } from '../quantize/model.js'
import { quantizeInput, runReference } from '../reference/runReference.js'

/** Calibration samples checked at most: with the extreme inputs, a few seconds for mnist784. */
export const SELF_CHECK_CALIBRATION_LIMIT = 32
/** Any address: the check compares output words only, and the beneficiary takes no part in them. */
export const SELF_CHECK_BENEFICIARY: Address = '0x0000000000000000000000000000000000000001'
/** The salt of a private-input circuit's self-check witnesses (any field element will do). */
const SELF_CHECK_SALT = 1n
/** Seeded mixes of minimum, maximum and zero among the extreme inputs. */
const RANDOM_MIXES = 4
const MIX_SEED = 0x5e1f

export type SelfCheckParameters = {
  /** The integer model the circuit was generated from: the reference executor runs it. */
  model: QuantizedModel
  /** circom's witness calculator (`model_js/model.wasm`) and constraint system for the model's circuit. */
  wasm: string
  r1cs: string
  /** Float inputs as given for calibration; the first {@link SELF_CHECK_CALIBRATION_LIMIT} that fit the input range are checked. */
  calibration?: readonly ArrayLike<number>[] | undefined
  calibrationLimit?: number | undefined
  /** The circuit takes a private input (generateCircuit's privateInput): witnesses get a commitment and a salt. */
  privateInput?: boolean | undefined
  /** The circuit takes the model's weights as private signals (generateCircuit's privateWeights): witnesses get them and this salt. */
  weightSalt?: bigint | undefined
}

export type SelfCheckReturnType = {
  /** Inputs run through the circuit: calibration samples, then extreme inputs. */
  inputs: number
  calibration: { checked: number; given: number; outOfRange: number }
  extremes: number
  seconds: number
}

type Sample = { label: string; input: bigint[] }

/** circom's witness_calculator.js; the instance's exports read one witness wire after another. */
type WitnessCalculator = {
  instance: { exports: { getWitness(i: number): void; readSharedRWMemory(j: number): number } }
  n32: number
  calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]>
}

/**
 * Runs calibration samples and extreme inputs through the compiled circuit's witness calculator
 * with the reference executor's output words as the public outputs. The circuit pins its output
 * words (Pack), so the witness exists exactly when the circuit's output is the reference's; any
 * failure is a compiler bug (CircuitSelfCheckError) naming the input and, when the circuit
 * computed a different output, the first differing value on both sides.
 */
export async function selfCheck({ model, wasm, r1cs, calibration = [], calibrationLimit = SELF_CHECK_CALIBRATION_LIMIT, privateInput = false, weightSalt }: SelfCheckParameters): Promise<SelfCheckReturnType> {
  const started = performance.now()
  const lo = -(1n << BigInt(model.inputBits - 1))
  const hi = (1n << BigInt(model.inputBits - 1)) - 1n
  const samples: Sample[] = []
  let outOfRange = 0
  for (let index = 0; index < calibration.length && samples.length < calibrationLimit; index++) {
    const input = quantizeInput(model, calibration[index]!)
    if (input.some((q) => q < lo || q > hi)) outOfRange++
    else samples.push({ label: `calibration sample ${index}`, input })
  }
  const checkedCalibration = samples.length
  samples.push(...extremeInputs(model, lo, hi))

  const calculator = await loadWitnessCalculator(wasm)
  const weights = weightSalt === undefined ? {} : weightCircuitInput({ model, salt: weightSalt })
  for (const sample of samples) {
    const reference = runReference(model, sample.input)
    try {
      const signals = { inputWords: packValues(sample.input, model.inputBits), outputWords: packValues(reference, model.outputBits), beneficiary: SELF_CHECK_BENEFICIARY }
      await calculator.calculateWitness({ ...(privateInput ? (await privateCircuitInput({ ...signals, salt: SELF_CHECK_SALT })).input : circuitInput(signals)), ...weights }, true)
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause)
      const failure = /template Pack_\d+/.test(message)
        ? await firstDifference(calculator, model, reference, privateInput ? 1 : wordCount(sample.input.length, model.inputBits), r1cs)
        : { reason: `the witness calculator failed: ${message.split('\n').filter(Boolean).join('; ')}` }
      throw new CircuitSelfCheckError({ sample: sample.label, failure, cause })
    }
  }
  return {
    inputs: samples.length,
    calibration: { checked: checkedCalibration, given: calibration.length, outOfRange },
    extremes: samples.length - checkedCalibration,
    seconds: (performance.now() - started) / 1000,
  }
}

/** One line for the compile log: what was checked and how long it took. */
export function selfCheckSummary({ inputs, calibration, extremes, seconds }: SelfCheckReturnType): string {
  const skipped = calibration.outOfRange > 0 ? `, ${calibration.outOfRange} outside the input range skipped` : ''
  const samples = calibration.checked + calibration.outOfRange < calibration.given ? `the first ${calibration.checked} of ${calibration.given}` : `${calibration.checked}`
  return `circuit output = reference output on ${inputs} inputs (${samples} calibration samples${skipped}, ${extremes} extreme inputs) in ${seconds.toFixed(2)} s`
}

/** Every input at the minimum, at the maximum, alternating both ways, and seeded mixes of both with zero. */
function extremeInputs(model: QuantizedModel, lo: bigint, hi: bigint): Sample[] {
  const size = model.inputShape.reduce((a, b) => a * b, 1)
  const random = createRandom(MIX_SEED)
  const fill = (value: (i: number) => bigint) => Array.from({ length: size }, (_, i) => value(i))
  return [
    { label: `extreme input "every value ${lo}"`, input: fill(() => lo) },
    { label: `extreme input "every value ${hi}"`, input: fill(() => hi) },
    { label: `extreme input "alternating ${lo}, ${hi}"`, input: fill((i) => (i % 2 === 0 ? lo : hi)) },
    { label: `extreme input "alternating ${hi}, ${lo}"`, input: fill((i) => (i % 2 === 0 ? hi : lo)) },
    ...Array.from({ length: RANDOM_MIXES }, (_, k) => ({
      label: `extreme input "mix ${k + 1} of ${lo}, ${hi} and 0 (seed ${MIX_SEED})"`,
      input: fill(() => [lo, hi, 0n][random.nextInt(3)]!),
    })),
  ]
}

async function loadWitnessCalculator(wasm: string): Promise<WitnessCalculator> {
  const require = createRequire(import.meta.url)
  const builder = require(resolve(dirname(wasm), 'witness_calculator.js')) as (code: Buffer) => Promise<WitnessCalculator>
  return builder(await readFile(wasm))
}

/**
 * The circuit's own output after its Pack check failed: every stage ran before Pack, so the wires
 * in the witness calculator's memory hold the circuit's values. Each output word is solved from a
 * linear constraint that holds it (Pack's, or one it was substituted into), then unpacked.
 */
/** `inputSignals`: the public signals before the output words (the input words, or a private input's one commitment). */
async function firstDifference(calculator: WitnessCalculator, model: QuantizedModel, reference: readonly bigint[], inputSignals: number, r1csPath: string): Promise<SelfCheckFailure> {
  const system = await readR1cs(r1csPath)
  const p = system.prime
  const { exports } = calculator.instance
  const wire = (i: number) => {
    exports.getWitness(i)
    let v = 0n
    for (let j = calculator.n32 - 1; j >= 0; j--) v = (v << 32n) | BigInt(exports.readSharedRWMemory(j) >>> 0)
    return v
  }
  const firstOutWire = 1 + system.nPublicOutputs + inputSignals
  const words: bigint[] = []
  for (let j = 0; j < wordCount(reference.length, model.outputBits); j++) {
    const target = firstOutWire + j
    const linear = system.constraints.find(([a, b, c]) => (a.size === 0 || b.size === 0) && c.has(target))
    if (!linear) return { reason: `its output word ${j} is not pinned by a linear constraint the check can solve` }
    const c = linear[2]
    let rest = 0n
    for (const [w, k] of c) if (w !== target) rest += k * wire(w)
    words.push((((p - (rest % p)) * modInverse(c.get(target)!, p)) % p + p) % p)
  }
  let values: bigint[]
  try {
    values = unpackValues(words, reference.length, model.outputBits)
  } catch {
    return { reason: `its output words [${words.join(', ')}] do not unpack to ${model.outputBits}-bit values` }
  }
  const index = values.findIndex((v, i) => v !== reference[i])
  return index < 0 ? { reason: 'its output check failed although its outputs equal the reference' } : { index, circuit: values[index]!, reference: reference[index]! }
}

function modInverse(a: bigint, p: bigint): bigint {
  let [r0, r1] = [((a % p) + p) % p, p]
  let [s0, s1] = [1n, 0n]
  while (r1 !== 0n) {
    const q = r0 / r1
    ;[r0, r1] = [r1, r0 - q * r1]
    ;[s0, s1] = [s1, s0 - q * s1]
  }
  return ((s0 % p) + p) % p
}
