import { decodeAbiParameters, parseAbiParameters, type Hex } from 'viem'
import { OneStepError } from '../errors/trace.js'
import { fromHex, hashPair, keccak } from './keccak.js'
import { verifyMerkleProof } from './merkle.js'
import type { StepInput } from './stepInput.js'

/*
 * docs/disputes.md's table, from the header's and the row's bytes, written from the spec alone
 * (no stage module): what OneStep.sol computes, and the tests' independent check that the stage
 * modules' commitments and reference executors agree with the spec.
 */

export const HEADER_ABI = parseAbiParameters('uint8 kind, uint32 outCount, uint8 bits, uint32[] inputs, uint32[] inputCounts, uint8[] inputBits, int256[] scalars')
export const ROW_ABI = parseAbiParameters('uint32[] positions, int256[] params')

/** floor(a / b) for b > 0 (BigInt division truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && a < 0n ? q - 1n : q
}

/** round_s(a) = floor((a + 2^(s-1)) / 2^s) for s > 0, a for s = 0. */
export function roundShift(a: bigint, s: bigint): bigint {
  if (s < 0n) throw new OneStepError({ reason: `a shift of ${s}` })
  return s === 0n ? a : floorDiv(a + 2n ** (s - 1n), 2n ** s)
}

/** floor(sqrt(n)) for n >= 0, by bisection. */
function floorSqrt(n: bigint): bigint {
  let [lo, hi] = [0n, 1n]
  while (hi * hi <= n) hi *= 2n
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n
    if (mid * mid <= n) lo = mid
    else hi = mid
  }
  return lo
}

/** The output value docs/disputes.md's table gives for a kind code, its header scalars, its row and the input values at the row's positions ([x_r] for an elementwise kind). */
export function oneStepValue(kind: number, scalars: readonly bigint[], params: readonly bigint[], xs: readonly bigint[]): bigint {
  const need = (count: number) => {
    if (xs.length !== count) throw new OneStepError({ reason: `kind ${kind} reads ${count} input values, ${xs.length} given` })
  }
  const shift = () => scalars[0]!
  switch (kind) {
    case 1: {
      need(params.length - 1)
      return roundShift(xs.reduce((acc, x, i) => acc + params[i + 1]! * x, params[0]!), shift())
    }
    case 2:
      need(1)
      return xs[0]! > 0n ? xs[0]! : 0n
    case 3: {
      need(1)
      const [alpha, s] = scalars as [bigint, bigint]
      return xs[0]! >= 0n ? xs[0]! : roundShift(alpha * xs[0]!, s)
    }
    case 4:
      if (xs.length === 0) throw new OneStepError({ reason: 'a maxPool window is empty' })
      return xs.reduce((m, x) => (x > m ? x : m))
    case 5: {
      if (xs.length === 0) throw new OneStepError({ reason: 'an argMax group is empty' })
      let best = 0
      xs.forEach((x, i) => {
        if (x > xs[best]!) best = i
      })
      return BigInt(best)
    }
    case 6:
      need(1)
      return xs[0]!
    case 7: {
      if (xs.length % 2 !== 0) throw new OneStepError({ reason: `a bilinear row has ${xs.length} positions, not pairs` })
      let acc = 0n
      for (let i = 0; i < xs.length; i += 2) acc += xs[i]! * xs[i + 1]!
      return roundShift(acc, shift())
    }
    case 8: {
      need(1)
      const [, lo, segmentBits, segments, s] = scalars as [bigint, bigint, bigint, bigint, bigint]
      const n = Number(segments)
      if (scalars.length !== 5 + 3 * n) throw new OneStepError({ reason: `a piecewise header of ${n} segments has ${scalars.length} scalars, not ${5 + 3 * n}` })
      const size = 2n ** segmentBits
      const hi = lo + segments * size - 1n
      const x = xs[0]!
      const u = (x < lo ? lo : x > hi ? hi : x) - lo
      const j = Number(u / size)
      const t = u - BigInt(j) * size
      return roundShift(scalars[5 + j]! + scalars[5 + n + j]! * t + scalars[5 + 2 * n + j]! * t * t, s)
    }
    case 9: {
      need(2)
      const [a, b] = xs as [bigint, bigint]
      const d = b > 1n ? b : 1n
      return floorDiv(a * 2n ** shift() + d / 2n, d)
    }
    case 10:
      need(1)
      return floorSqrt((xs[0]! > 0n ? xs[0]! : 0n) * 2n ** shift())
    default:
      throw new OneStepError({ reason: `unknown kind code ${kind}` })
  }
}

/** oneStepValue from the encoded header and row ('0x' for an elementwise kind). */
export function oneStepFromBytes(header: Hex, row: Hex, xs: readonly bigint[]): bigint {
  const [kind, , , , , , scalars] = decodeAbiParameters(HEADER_ABI, header)
  const params = row === '0x' ? [] : decodeAbiParameters(ROW_ABI, row)[1]
  return oneStepValue(kind, scalars, params, xs)
}

/** The kinds whose row r reads position r and has no params: relu, leakyRelu, piecewise, sqrt. */
export const ELEMENTWISE_CODES: ReadonlySet<number> = new Set([2, 3, 8, 10])

export type OneStepClaim = {
  parametersRoot: Hex
  stageCount: number
  traceRoot: Hex
  stage: number
  r: number
  step: StepInput
}

/**
 * What the contract's one-step does with a StepInput, written from docs/disputes.md alone: opens
 * the header and row against parametersRoot, each input tensor's root against traceRoot and each
 * word against its tensor's root, reads the values at the row's positions from the words, and
 * computes output value r. Returns that value; throws OneStepError naming the first check that fails.
 */
export function verifyOneStep({ parametersRoot, stageCount, traceRoot, stage, r, step }: OneStepClaim): bigint {
  const fail = (reason: string) => {
    throw new OneStepError({ reason })
  }
  const [kind, outCount, , inputs, inputCounts, inputBits, scalars] = decodeAbiParameters(HEADER_ABI, step.header)
  const stageLeaf = hashPair(keccak(fromHex(step.header)), fromHex(step.rowsRoot))
  if (!verifyMerkleProof(stageLeaf, stage, step.stageProof, parametersRoot, stageCount)) fail(`stage ${stage}'s header and rowsRoot do not open against parametersRoot`)
  if (r >= outCount) fail(`output ${r} of a stage of ${outCount}`)
  let positions: readonly number[] = [r]
  let params: readonly bigint[] = []
  if (ELEMENTWISE_CODES.has(kind)) {
    if (step.row !== '0x' || step.rowProof.length > 0 || BigInt(step.rowsRoot) !== 0n) fail(`kind ${kind} is elementwise, yet a row is given`)
  } else {
    if (!verifyMerkleProof(keccak(fromHex(step.row)), r, step.rowProof, step.rowsRoot, outCount)) fail(`row ${r} does not open against rowsRoot`)
    ;[positions, params] = decodeAbiParameters(ROW_ABI, step.row)
  }
  const roots = new Map<number, Hex>()
  for (const { tensor, root, proof } of step.tensors) {
    if (!verifyMerkleProof(root, tensor, proof, traceRoot, stageCount)) fail(`tensor ${tensor}'s root does not open against traceRoot`)
    roots.set(tensor, root)
  }
  const words = new Map<string, bigint>()
  for (const { tensor, index, word, proof } of step.words) {
    const slot = inputs.indexOf(tensor)
    const root = roots.get(tensor)
    if (slot < 0 || root === undefined) fail(`a word of tensor ${tensor}, which the stage does not read or whose root is not opened`)
    const leafCount = Math.ceil(inputCounts[slot]! / Math.floor(248 / inputBits[slot]!))
    if (!verifyMerkleProof(`0x${word.toString(16).padStart(64, '0')}`, index, proof, root!, leafCount)) fail(`word ${index} of tensor ${tensor} does not open against its root`)
    words.set(`${tensor}:${index}`, word)
  }
  const xs = positions.map((p) => {
    let start = 0
    for (const [slot, tensor] of inputs.entries()) {
      const [count, bits] = [inputCounts[slot]!, inputBits[slot]!]
      if (p < start + count) {
        const i = p - start
        const k = Math.floor(248 / bits)
        const word = words.get(`${tensor}:${Math.floor(i / k)}`)
        if (word === undefined) return fail(`no word holds position ${p} (value ${i} of tensor ${tensor})`)
        const u = (word >> BigInt(bits * (i % k))) & ((1n << BigInt(bits)) - 1n)
        return u - (1n << BigInt(bits - 1))
      }
      start += count
    }
    return fail(`position ${p} is past the stage's ${start} input values`)
  })
  return oneStepValue(kind, scalars, params, xs)
}
