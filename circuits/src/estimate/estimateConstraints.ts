import { wordCount } from '@veridict/sdk'
import { poolBeforeRescale } from '../circuit/generateCircuit.js'
import { privateWeightValues } from '../circuit/weightCommitment.js'
import { stageInputs } from '../ir/stages.js'
import { signedBits } from '../quantize/bounds.js'
import type { QuantizedModel, QuantizedStage } from '../quantize/model.js'

/** Constraints of the InputCommitment chain per link (the salt or the previous link, then 15 elements: one Poseidon(16)). */
export const COMMITMENT_LINK_CONSTRAINTS = 2_092
/** Elements hashed per link of the commitment chain. */
export const COMMITMENT_LINK_ELEMENTS = 15
/** circom --O1's wires per constraint on the committed models: 0.965 (transformer) to 0.992 (credit-logreg). */
const WIRES_PER_CONSTRAINT = 0.97
/** Beneficiary: Num2Bits(160) and a square. */
export const BENEFICIARY_CONSTRAINTS = 162

/** One part of the circuit and its constraints: the input's Unpack, a stage (with the Sign checks it adds), Pack, the bindings. */
export type ConstraintPart = {
  part: 'unpack' | 'stage' | 'pack' | 'beneficiary' | 'input commitment' | 'weight commitment'
  /** The stage's index, for a stage. */
  stage?: number | undefined
  /** The stage's kind, or the part's name. */
  kind: string
  /** The ONNX nodes the stage came from. */
  sources?: string[] | undefined
  constraints: number
}

export type ConstraintEstimate = {
  /** All R1CS constraints after circom --O1, as the manifest's circuit.constraints counts them. */
  constraints: number
  /** Public signals: input words (or their commitment), output words, the beneficiary. */
  publicSignals: number
  /**
   * Wires (signals) circom keeps: nearly one per constraint, range-check bits being most of both.
   * Estimated as 97% of the constraints (circom --O1 on the committed models: 96.5% to 99.2%).
   */
  wires: number
  /** The domain Groth16 works over: the smallest power of two above constraints + public signals. */
  domainPower: number
  parts: ConstraintPart[]
}

export type EstimateConstraintsParameters = {
  model: QuantizedModel
  /** As compileModel's privateInput: the input words' commitment chain. */
  privateInput?: boolean | undefined
  /** As compileModel's privateWeights: one product per weight and the parameters' commitment chain. */
  privateWeights?: boolean | undefined
}

/**
 * The constraints `veridict compile` will produce for this integer model, from the model alone (no
 * circom, milliseconds for any size): each stage's count as docs/ops.md states it (circom --O1), the
 * Sign checks the generator adds where a Relu reads values without sign bits, the pooled-first
 * layout generateCircuit chooses (poolBeforeRescale), Unpack, Pack, the beneficiary, and the
 * commitment chains of private inputs and weights. `opsDoc.test.ts` holds each formula to the
 * count circom reports for one-op models, and `estimate.test.ts` the total to every bundled model.
 */
export function estimateConstraints({ model, privateInput = false, privateWeights = false }: EstimateConstraintsParameters): ConstraintEstimate {
  const inCount = product(model.inputShape)
  const outCount = product(model.outputShape)
  const inWords = wordCount(inCount, model.inputBits)
  const outWords = wordCount(outCount, model.outputBits)
  const parts: ConstraintPart[] = []

  // Unpack: Num2Bits over each word's n·b bits, one value and one sign bit per value (--O1 keeps the
  // value's sum as a constraint, not the sign bit's copy), and the word's own sum.
  parts.push({ part: 'unpack', kind: 'unpack', constraints: inCount * (model.inputBits + 1) + inWords })

  // Each tensor's width, and whether it carries sign bits: true, false, or 'all' (every value >= 0).
  const widths: number[] = [model.inputBits]
  const signs: (boolean | 'all')[] = [true]
  const sizes: number[] = [inCount]
  const pooledFirst = poolBeforeRescale(model)
  // Stage outputs held as unrounded accumulators (a pooled-first linear stage, and a relu after it).
  const pending = new Map<number, { shift: number; bits: number; relu: boolean }>()

  model.stages.forEach((stage, s) => {
    const inputs = stageInputs(stage, s)
    const size = product(stage.shape)
    const bits = Math.max(...inputs.map((t) => widths[t]!))
    const waiting = inputs.length === 1 ? pending.get(inputs[0]!) : undefined
    let constraints = 0
    let sign: boolean | 'all' = true
    if (waiting && stage.kind === 'relu') {
      pending.set(s + 1, { ...waiting, relu: true })
      sign = false
    } else if (waiting && stage.kind === 'maxPool') {
      // Comparisons on the accumulators (shift + 1 bits wider), then one Rescale (and Relu) per window.
      const comparisons = stage.windows.indices.length - size
      constraints = comparisons * (waiting.bits + waiting.shift + 1 + 4) + size * (waiting.shift + waiting.bits + 3 + (waiting.relu ? 1 : 0))
      sign = waiting.relu ? 'all' : true
    } else {
      // Sign checks (Sign(bits): Num2Bits and its sum) on each input a Relu or LeakyRelu reads without sign bits.
      if (stage.kind === 'relu' || stage.kind === 'leakyRelu')
        for (const t of new Set(inputs))
          if (signs[t] === false) {
            constraints += (widths[t]! + 2) * sizes[t]!
            signs[t] = true
          }
      ;({ constraints: constraints, sign } = stageConstraints(stage, { size, bits, inputs, signs, constraints, pooledFirst: pooledFirst.has(s) }))
      if (stage.kind === 'linear' && pooledFirst.has(s)) pending.set(s + 1, { shift: stage.shift, bits: stage.bits, relu: false })
    }
    widths.push(stage.bits)
    signs.push(sign)
    sizes.push(size)
    parts.push({ part: 'stage', stage: s, kind: stage.kind, sources: stage.sources, constraints })
  })

  parts.push({ part: 'pack', kind: 'pack', constraints: outWords })
  parts.push({ part: 'beneficiary', kind: 'beneficiary', constraints: BENEFICIARY_CONSTRAINTS })
  if (privateInput) parts.push({ part: 'input commitment', kind: 'input commitment', constraints: commitmentConstraints(inWords) })
  if (privateWeights) {
    const parameters = privateWeightValues(model).length
    // Each weight is a signal, so each product weight · input is a constraint; biases are added free.
    parts.push({ part: 'weight commitment', kind: 'weight commitment', constraints: commitmentConstraints(parameters) + constantWeights(model) })
  }

  const constraints = parts.reduce((n, p) => n + p.constraints, 0)
  const publicSignals = (privateInput ? 1 : inWords) + outWords + 1
  return { constraints, publicSignals, wires: Math.round(WIRES_PER_CONSTRAINT * constraints), domainPower: requiredPtauPower(constraints, publicSignals), parts }
}

/** Smallest ptau power that snarkjs's groth16 setup accepts for a circuit (see snarkjs zkey_new): its domain. */
export function requiredPtauPower(constraints: number, publicInputs: number): number {
  return Math.max(1, Math.ceil(Math.log2(constraints + publicInputs + 1)))
}

type StageCost = { constraints: number; sign: boolean | 'all' }

function stageConstraints(
  stage: QuantizedStage,
  { size, bits, inputs, signs, constraints, pooledFirst }: { size: number; bits: number; inputs: number[]; signs: (boolean | 'all')[]; constraints: number; pooledFirst: boolean },
): StageCost {
  const passed = (): boolean | 'all' => (inputs.every((t) => signs[t] === 'all') ? 'all' : inputs.every((t) => signs[t] !== false))
  switch (stage.kind) {
    case 'linear':
      // Pooled first: only the accumulators here (the maxPool rescales each window's maximum).
      if (pooledFirst) return { constraints: constraints + size, sign: false }
      return { constraints: constraints + size * (stage.shift + stage.bits + 4), sign: true }
    case 'bilinear': {
      const { offsets } = stage.rows
      for (let r = 0; r < size; r++) {
        const pairs = offsets[r + 1]! - offsets[r]!
        constraints += pairs + stage.shift + stage.bits + 4 - (pairs === 1 ? 1 : 0)
      }
      return { constraints, sign: true }
    }
    case 'relu':
      return { constraints: constraints + size, sign: 'all' }
    case 'leakyRelu':
      return { constraints: constraints + size * (stage.shift + stage.negBits + 6), sign: true }
    case 'gather':
      return { constraints, sign: passed() }
    case 'maxPool': {
      const comparisons = stage.windows.indices.length - size
      return { constraints: constraints + comparisons * (bits + 4), sign: inputs.every((t) => signs[t] === 'all') ? 'all' : false }
    }
    case 'argMax': {
      const { offsets } = stage.groups
      const width = Math.max(stage.inBits, bits)
      return { constraints: constraints + (offsets[size]! - offsets[0]!) * (width + 5) + 2 * size, sign: false }
    }
    case 'piecewise': {
      const hi = stage.lo + (BigInt(stage.segments) << BigInt(stage.segmentBits)) - 1n
      const [xMin, xMax] = [-(1n << BigInt(bits - 1)), (1n << BigInt(bits - 1)) - 1n]
      const cmpBits = Math.max(signedBits(xMin - stage.lo, xMax - stage.lo), signedBits(hi - xMax, hi - xMin))
      let kBits = Math.ceil(Math.log2(stage.segments))
      if (stage.segmentBits + kBits === 0) kBits = 1
      return { constraints: constraints + size * (2 * cmpBits + stage.segmentBits + kBits + stage.segments + stage.shift + stage.bits + 18), sign: true }
    }
    case 'divide':
      // Per quotient, and per distinct denominator (its clamp, shared by the numerators dividing by it).
      return { constraints: constraints + size * (2 * bits + stage.bits + 7) + new Set(stage.denominator).size * (bits + 5), sign: true }
    case 'sqrt': {
      const wBits = Math.max(bits - 1 + stage.shift, stage.bits) + 1
      return { constraints: constraints + size * (bits + stage.bits + 2 * wBits + 8), sign: 'all' }
    }
  }
}

/** The linear stages' non-zero weights: constants of the circuit's code (or, with private weights, one product each). */
export function constantWeights(model: QuantizedModel): number {
  return model.stages.reduce((n, stage) => n + (stage.kind === 'linear' ? stage.weights.length : 0), 0)
}

/** The InputCommitment chain over `elements` field elements: one Poseidon(16) link per 15. */
export function commitmentConstraints(elements: number): number {
  return Math.ceil(elements / COMMITMENT_LINK_ELEMENTS) * COMMITMENT_LINK_CONSTRAINTS
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1)
