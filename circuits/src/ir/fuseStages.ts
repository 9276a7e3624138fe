import { linearStage, type LinearRows } from './ops/context.js'
import type { Stage } from './stages.js'

/** Drops stages whose output nothing reads (a Split part never used, a dead branch), renumbering tensors. */
export function pruneUnused(stages: Stage[]): Stage[] {
  const live = new Array<boolean>(stages.length + 1).fill(false)
  live[stages.length] = true
  for (let s = stages.length - 1; s >= 0; s--) if (live[s + 1]) for (const t of stages[s]!.inputs!) live[t] = true
  return renumber(stages, (s) => live[s + 1]!)
}

/** Keeps the stages `keep` accepts, renumbering the tensors the others read (a dropped stage's output must be unread). */
function renumber(stages: Stage[], keep: (s: number) => boolean): Stage[] {
  const id = new Array<number>(stages.length + 1).fill(-1)
  id[0] = 0
  const kept: Stage[] = []
  stages.forEach((stage, s) => {
    if (!keep(s)) return
    kept.push({ ...stage, inputs: stage.inputs!.map((t) => id[t]!) })
    id[s + 1] = kept.length
  })
  return kept
}

/**
 * Composes a linear or gather stage whose output only one stage reads, that one reading nothing
 * else, into its reader where that is exact and free (linear then linear, gather then linear,
 * gather then gather); then drops `inputs` where a stage reads just the previous tensor, so a
 * chain model's IR is what it always was.
 */
export function fuseStages(input: Stage[]): Stage[] {
  const stages = [...input]
  const readers = new Array<number>(stages.length + 1).fill(0)
  for (const stage of stages) for (const t of stage.inputs!) readers[t]!++
  const removed = new Set<number>()
  stages.forEach((stage, s) => {
    const [t] = stage.inputs!
    if (stage.inputs!.length !== 1 || t === 0 || readers[t!] !== 1) return
    const p = t! - 1
    const prev = stages[p]!
    let fused: Stage | undefined
    if (prev.kind === 'linear' && stage.kind === 'linear') fused = composeLinear(prev, stage)
    else if (prev.kind === 'gather' && stage.kind === 'linear') fused = { ...stage, sources: [...prev.sources, ...stage.sources], rows: { offsets: stage.rows.offsets, indices: stage.rows.indices.map((i) => prev.index[i]!) } }
    else if (prev.kind === 'gather' && stage.kind === 'gather') fused = { ...stage, sources: [...prev.sources, ...stage.sources], index: stage.index.map((i) => prev.index[i]!) }
    else if (prev.kind === 'linear' && stage.kind === 'gather') fused = pickRows(prev, stage)
    else if (prev.kind === 'gather' && stage.kind === 'bilinear') fused = { ...stage, sources: [...prev.sources, ...stage.sources], left: stage.left.map((i) => prev.index[i]!), right: stage.right.map((i) => prev.index[i]!) }
    if (!fused) return
    stages[s] = { ...fused, inputs: prev.inputs }
    removed.add(p)
  })
  return renumber(stages, (s) => !removed.has(s)).map((stage, s) => {
    if (stage.inputs!.length === 1 && stage.inputs![0] === s) {
      const { inputs: _inputs, ...chain } = stage
      return chain as Stage
    }
    return stage
  })
}

/** A gather of a linear stage's outputs: the same linear map with the picked rows (a row may be picked twice). */
function pickRows(linear: Extract<Stage, { kind: 'linear' }>, gather: Extract<Stage, { kind: 'gather' }>): Stage {
  const { offsets, indices } = linear.rows
  const rows: LinearRows = { indices: [], weights: [], bias: new Float64Array(gather.index.length) }
  gather.index.forEach((r, k) => {
    rows.indices.push(Array.from(indices.subarray(offsets[r]!, offsets[r + 1]!)))
    rows.weights.push(Array.from(linear.weights.subarray(offsets[r]!, offsets[r + 1]!)))
    rows.bias[k] = linear.bias[r]!
  })
  return { ...linearStage('', gather.shape, rows), sources: [...linear.sources, ...gather.sources] }
}

/** second(first(x)) as one linear map: weights multiply, biases carry through. */
function composeLinear(first: Extract<Stage, { kind: 'linear' }>, second: Extract<Stage, { kind: 'linear' }>): Stage {
  const inSize = first.rows.indices.reduce((m, i) => Math.max(m, i + 1), 0)
  const dense = new Float64Array(inSize)
  const touched = new Uint8Array(inSize)
  const rows: LinearRows = { indices: [], weights: [], bias: new Float64Array(second.bias.length) }
  for (let r = 0; r < second.bias.length; r++) {
    const used: number[] = []
    let bias = second.bias[r]!
    for (let t = second.rows.offsets[r]!; t < second.rows.offsets[r + 1]!; t++) {
      const k = second.rows.indices[t]!
      const w = second.weights[t]!
      bias += w * first.bias[k]!
      for (let u = first.rows.offsets[k]!; u < first.rows.offsets[k + 1]!; u++) {
        const i = first.rows.indices[u]!
        if (!touched[i]) {
          touched[i] = 1
          used.push(i)
        }
        dense[i] = dense[i]! + w * first.weights[u]!
      }
    }
    used.sort((a, b) => a - b)
    rows.indices.push(used)
    rows.weights.push(used.map((i) => dense[i]!))
    for (const i of used) {
      dense[i] = 0
      touched[i] = 0
    }
    rows.bias[r] = bias
  }
  const composed = linearStage('', second.shape, rows)
  return { ...composed, sources: [...first.sources, ...second.sources] }
}
