import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { WitnessError } from '../errors/circuit.js'

/** A linear combination: wire id -> coefficient. */
export type LinearCombination = Map<number, bigint>
export type R1cs = {
  prime: bigint
  nWires: number
  nPublicOutputs: number
  nPublicInputs: number
  nPrivateInputs: number
  constraints: [LinearCombination, LinearCombination, LinearCombination][]
}

/** Parses a circom .r1cs file (iden3 binary format, version 1). */
export async function readR1cs(path: string): Promise<R1cs> {
  const buf = await readFile(path)
  if (buf.toString('latin1', 0, 4) !== 'r1cs') throw new WitnessError({ reason: `${path} is not an r1cs file` })
  const nSections = buf.readUInt32LE(8)
  let pos = 12
  const sections = new Map<number, { start: number; size: number }>()
  for (let s = 0; s < nSections; s++) {
    const type = buf.readUInt32LE(pos)
    const size = Number(buf.readBigUInt64LE(pos + 4))
    sections.set(type, { start: pos + 12, size })
    pos += 12 + size
  }
  const header = sections.get(1)!
  let h = header.start
  const n8 = buf.readUInt32LE(h)
  const readScalar = (at: number) => {
    let v = 0n
    for (let i = n8 - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[at + i]!)
    return v
  }
  const prime = readScalar(h + 4)
  h += 4 + n8
  const [nWires, nPublicOutputs, nPublicInputs, nPrivateInputs] = [0, 1, 2, 3].map((i) => buf.readUInt32LE(h + 4 * i)) as [number, number, number, number]
  const nConstraints = buf.readUInt32LE(h + 24)
  const constraints: R1cs['constraints'] = []
  let c = sections.get(2)!.start
  for (let k = 0; k < nConstraints; k++) {
    const lcs: LinearCombination[] = []
    for (let part = 0; part < 3; part++) {
      const nTerms = buf.readUInt32LE(c)
      c += 4
      const lc: LinearCombination = new Map()
      for (let t = 0; t < nTerms; t++) {
        lc.set(buf.readUInt32LE(c), readScalar(c + 4))
        c += 4 + n8
      }
      lcs.push(lc)
    }
    constraints.push(lcs as [LinearCombination, LinearCombination, LinearCombination])
  }
  return { prime, nWires, nPublicOutputs, nPublicInputs, nPrivateInputs, constraints }
}

/** Indices of the constraints A·w × B·w = C·w that the witness violates (empty when it satisfies all). */
export function failingConstraints(r1cs: R1cs, witness: readonly bigint[]): number[] {
  const p = r1cs.prime
  const evalLc = (lc: LinearCombination) => {
    let acc = 0n
    for (const [wire, coef] of lc) acc += coef * (witness[wire] ?? 0n)
    return ((acc % p) + p) % p
  }
  const failing: number[] = []
  r1cs.constraints.forEach(([a, b, cc], i) => {
    if ((evalLc(a) * evalLc(b) - evalLc(cc)) % p !== 0n) failing.push(i)
  })
  return failing
}

/** Signal name (as in the .sym file, e.g. "main.relu.out[3]") -> wire id; eliminated signals are absent. */
export async function readSymbols(symPath: string): Promise<Map<string, number>> {
  const map = new Map<string, number>()
  for (const line of (await readFile(symPath, 'utf8')).split('\n')) {
    if (!line) continue
    const [, wire, , name] = line.split(',')
    if (name !== undefined && wire !== undefined && Number(wire) >= 0) map.set(name, Number(wire))
  }
  return map
}

type WitnessCalculator = { calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]> }

/** Runs circom's generated witness calculator: every wire's value for the given inputs. */
export async function calculateWitness(wasmPath: string, input: Record<string, unknown>): Promise<bigint[]> {
  const require = createRequire(import.meta.url)
  const builder = require(resolve(dirname(wasmPath), 'witness_calculator.js')) as (code: Buffer) => Promise<WitnessCalculator>
  const calculator = await builder(await readFile(wasmPath))
  try {
    return await calculator.calculateWitness(input, true)
  } catch (cause) {
    throw new WitnessError({ reason: (cause as Error).message.split('\n')[0] ?? 'unknown', cause })
  }
}
