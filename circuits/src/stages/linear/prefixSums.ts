import { quantizeReal } from '../../quantize/bounds.js'

/**
 * Rewrites, in place, the quantized weights of a linear stage's terms that read 0/1 steps whose
 * ones are a prefix of their group (an embedding lookup's [id >= j]: PiecewiseStage.prefixGroups):
 * within each row and group, in step order, weight j becomes Q(P_j) - Q(P_(j-1)) with P_j the sum
 * of the real weights up to step j. The row's value for id is then Σ_(j <= id) = Q(P_id): the real
 * prefix sum (the table row, or its image under the linear ops composed after the lookup) rounded
 * once, where rounding each difference on its own could drift by up to half a unit per table row.
 * `place[i]`: where element i of the stage's (concatenated) input sits among its tensor's steps.
 */
export function roundPrefixSums(
  stage: { rows: { offsets: ArrayLike<number>; indices: ArrayLike<number> }; weights: ArrayLike<number> },
  weights: bigint[],
  termScale: readonly number[],
  place: readonly ({ group: number; order: number } | undefined)[],
): void {
  const { offsets, indices } = stage.rows
  if (!place.some((p) => p !== undefined)) return
  for (let r = 0; r + 1 < offsets.length; r++) {
    const groups = new Map<number, number[]>()
    for (let k = offsets[r]!; k < offsets[r + 1]!; k++) {
      const at = place[indices[k]!]
      if (at) groups.set(at.group, [...(groups.get(at.group) ?? []), k])
    }
    for (const terms of groups.values()) {
      terms.sort((a, b) => place[indices[a]!]!.order - place[indices[b]!]!.order)
      let sum = 0
      let rounded = 0n
      for (const k of terms) {
        sum += stage.weights[k]!
        const next = quantizeReal(sum, termScale[indices[k]!]!)
        weights[k] = next - rounded
        rounded = next
      }
    }
  }
}
