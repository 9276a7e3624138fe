import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

import { FixedBaseWorkerError } from '../errors/setup.js'

/** Which bn128 group a batch of scalars multiplies: the G1 or the G2 generator. */
export type CurveGroup = 'G1' | 'G2'

/** Bytes of one bn128 scalar as the multiplier reads it: 32, little-endian, not Montgomery. */
export const SCALAR_BYTES = 32

/** Bytes of one affine point in Montgomery little-endian form (ptau's "LEM"), per group. */
export const AFFINE_BYTES: Record<CurveGroup, number> = { G1: 64, G2: 128 }

export type FixedBaseMultiplierParameters = {
  /** The bn128 wasm module of ffjavascript (`curve.tm.code` of a single-threaded curve). */
  wasmCode: Uint8Array
  /** The generators in ffjavascript's internal form (Jacobian, Montgomery): `curve.G1.g`, `curve.G2.g`. */
  generators: Record<CurveGroup, Uint8Array>
  /** How many points of each group will be asked for, to size the precomputed tables. */
  expectedPoints: Record<CurveGroup, number>
  /** Worker threads; defaults to the machine's available parallelism. */
  threads?: number | undefined
}

export type FixedBaseProduct = {
  /** `scalar_i · generator` for each scalar, affine, Montgomery little-endian (ptau's point form). */
  lem: Uint8Array
  /** The same points uncompressed (big-endian x ‖ y, as snarkjs hashes them); only when asked for. */
  uncompressed: Uint8Array | undefined
}

export type FixedBaseMultiplier = {
  /** Multiplies the group's generator by each 32-byte little-endian scalar in `scalars`. */
  multiply(group: CurveGroup, scalars: Uint8Array, options?: { uncompressed?: boolean }): Promise<FixedBaseProduct>
  terminate(): Promise<void>
}

const SCALAR_BITS = 254

/**
 * Picks the window width c of a fixed-base comb: each worker builds ceil(254/c)·(2^c − 1) table
 * points once and then spends ceil(254/c) mixed additions per scalar.
 */
export function chooseWindowBits(pointsPerThread: number, maxBits: number): number {
  let best = 1
  let bestCost = Number.POSITIVE_INFINITY
  for (let c = 1; c <= maxBits; c++) {
    const windows = Math.ceil(SCALAR_BITS / c)
    const cost = windows * (2 ** c + pointsPerThread)
    if (cost < bestCost) {
      best = c
      bestCost = cost
    }
  }
  return best
}

/**
 * Pool of worker threads that multiply the bn128 generators by many known scalars.
 *
 * Each worker instantiates ffjavascript's own bn128 wasm and drives its point additions directly:
 * a fixed-base comb table (d·2^(c·j)·G for every window j and digit d) turns one scalar
 * multiplication into about 254/c mixed additions, roughly 20 instead of ~380 for double-and-add.
 */
export async function createFixedBaseMultiplier(parameters: FixedBaseMultiplierParameters): Promise<FixedBaseMultiplier> {
  const threads = Math.max(1, parameters.threads ?? availableParallelism())
  const windowBits = {
    G1: chooseWindowBits(Math.ceil(parameters.expectedPoints.G1 / threads), 13),
    G2: chooseWindowBits(Math.ceil(parameters.expectedPoints.G2 / threads), 12),
  }
  const workerData = {
    wasmCode: parameters.wasmCode,
    groups: {
      G1: { prefix: 'g1m', n8: 32, generator: parameters.generators.G1, windowBits: windowBits.G1, needed: parameters.expectedPoints.G1 > 0 },
      G2: { prefix: 'g2m', n8: 64, generator: parameters.generators.G2, windowBits: windowBits.G2, needed: parameters.expectedPoints.G2 > 0 },
    },
  }

  type Pending = { resolve: (product: FixedBaseProduct) => void; reject: (error: unknown) => void }
  const pending = new Map<number, Pending>()
  let nextId = 0
  let nextWorker = 0
  let failure: unknown

  const failAll = (error: unknown) => {
    failure ??= error
    for (const job of pending.values()) job.reject(failure)
    pending.clear()
  }

  const workers = Array.from({ length: threads }, () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData })
    worker.on('message', (message: { id: number; lem: Uint8Array; uncompressed?: Uint8Array; error?: string }) => {
      const job = pending.get(message.id)
      if (!job) return
      pending.delete(message.id)
      if (message.error !== undefined) job.reject(new FixedBaseWorkerError({ reason: message.error }))
      else job.resolve({ lem: message.lem, uncompressed: message.uncompressed })
    })
    worker.on('error', (error) => failAll(new FixedBaseWorkerError({ reason: error.message, cause: error })))
    worker.on('exit', (code) => {
      if (code !== 0) failAll(new FixedBaseWorkerError({ reason: `worker exited with code ${code}` }))
    })
    return worker
  })

  return {
    multiply(group, scalars, options = {}) {
      if (failure !== undefined) return Promise.reject(failure)
      const id = nextId++
      const worker = workers[nextWorker++ % workers.length]!
      return new Promise<FixedBaseProduct>((resolve, reject) => {
        pending.set(id, { resolve, reject })
        // Jobs are posted straight away so that each worker's queue stays full while the main
        // thread computes the next scalars; equal-sized chunks keep round-robin balanced.
        const copy = scalars.slice()
        worker.postMessage({ id, group, scalars: copy, uncompressed: options.uncompressed === true }, [copy.buffer])
      })
    },
    async terminate() {
      await Promise.all(workers.map((worker) => worker.terminate()))
    },
  }
}

// Plain JavaScript run by each worker (eval: no loader needed under tsx, vitest or compiled code).
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads')

const memory = new WebAssembly.Memory({ initial: 256 })
const instance = new WebAssembly.Instance(new WebAssembly.Module(workerData.wasmCode), { env: { memory } })
const wasm = instance.exports

// wasmcurves keeps its free-memory pointer at address 0; functions that need scratch space
// (batchToAffine) take it from there, so every allocation here moves it on.
function alloc(bytes) {
  const u32 = new Uint32Array(memory.buffer, 0, 1)
  const pointer = (u32[0] + 7) & ~7
  u32[0] = pointer + bytes
  const needed = u32[0] + 65536
  if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536))
  return pointer
}
// Grows memory so that \`bytes\` past the free pointer exist: batchToAffine puts its scratch there.
function reserve(bytes) {
  const needed = mark() + bytes + 65536
  if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536))
}
function mark() { return new Uint32Array(memory.buffer, 0, 1)[0] }
function release(pointer) { new Uint32Array(memory.buffer, 0, 1)[0] = pointer }

const SCALAR_BITS = 254

function buildTable(spec) {
  const { prefix, n8, generator, windowBits } = spec
  const jac = n8 * 3
  const aff = n8 * 2
  const perWindow = 2 ** windowBits - 1
  const windows = Math.ceil(SCALAR_BITS / windowBits)
  const table = alloc(windows * perWindow * aff)
  const base = alloc(jac)
  const next = alloc(jac)
  const scratch = mark()
  const windowJac = alloc(perWindow * jac)
  new Uint8Array(memory.buffer).set(generator, base)
  const add = wasm[prefix + '_add']
  const copy = wasm[prefix + '_copy']
  for (let w = 0; w < windows; w++) {
    copy(base, windowJac)
    for (let d = 1; d < perWindow; d++) add(windowJac + (d - 1) * jac, base, windowJac + d * jac)
    add(windowJac + (perWindow - 1) * jac, base, next)
    copy(next, base)
    reserve(perWindow * jac)
    wasm[prefix + '_batchToAffine'](windowJac, perWindow, table + w * perWindow * aff)
  }
  release(scratch)
  return { prefix, jac, aff, perWindow, windows, windowBits, table }
}

const tables = {}
for (const group of ['G1', 'G2']) {
  if (workerData.groups[group].needed) tables[group] = buildTable(workerData.groups[group])
}

function multiply(group, scalarBytes, wantUncompressed) {
  const t = tables[group] || (tables[group] = buildTable(workerData.groups[group]))
  const n = scalarBytes.byteLength / 32
  const words = new Uint32Array(scalarBytes.buffer, scalarBytes.byteOffset, n * 8)
  const start = mark()
  const outJac = alloc(n * t.jac)
  const outAff = alloc(n * t.aff)
  const addMixed = wasm[t.prefix + '_addMixed']
  const zero = wasm[t.prefix + '_zero']
  const mask = 2 ** t.windowBits - 1
  for (let k = 0; k < n; k++) {
    const acc = outJac + k * t.jac
    zero(acc)
    const w0 = k * 8
    for (let j = 0; j < t.windows; j++) {
      const bit = j * t.windowBits
      const word = bit >>> 5
      const shift = bit & 31
      let digit = words[w0 + word] >>> shift
      if (shift + t.windowBits > 32 && word < 7) digit |= words[w0 + word + 1] << (32 - shift)
      digit &= mask
      if (digit !== 0) addMixed(acc, t.table + (j * t.perWindow + digit - 1) * t.aff, acc)
    }
  }
  reserve(n * t.jac)
  wasm[t.prefix + '_batchToAffine'](outJac, n, outAff)
  const lem = new Uint8Array(memory.buffer, outAff, n * t.aff).slice()
  let uncompressed
  if (wantUncompressed) {
    wasm[t.prefix + '_batchLEMtoU'](outAff, n, outJac)
    uncompressed = new Uint8Array(memory.buffer, outJac, n * t.aff).slice()
  }
  release(start)
  return { lem, uncompressed }
}

parentPort.on('message', (job) => {
  try {
    const { lem, uncompressed } = multiply(job.group, job.scalars, job.uncompressed)
    const transfer = uncompressed ? [lem.buffer, uncompressed.buffer] : [lem.buffer]
    parentPort.postMessage({ id: job.id, lem, uncompressed }, transfer)
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String(error && error.stack || error) })
  }
})
`
