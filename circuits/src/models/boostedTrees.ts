import { sigmoid } from './logisticRegression.js'
import type { Random } from './random.js'

/** A regression tree: a sample goes left when its feature is below the threshold (XGBoost's "yes" branch). */
export type TreeNode = { kind: 'split'; feature: number; threshold: number; left: TreeNode; right: TreeNode } | { kind: 'leaf'; value: number }

/** A binary classifier: p(class 1 | x) = sigmoid(baseScore + Σ tree(x)). Thresholds and leaf values are float32. */
export type BoostedTrees = { baseScore: number; trees: TreeNode[] }

export type TrainBoostedTreesParameters = {
  /** Samples concatenated, `featureCount` values each. */
  inputs: Float64Array
  labels: Uint8Array
  featureCount: number
  trees: number
  maxDepth: number
  /** Shrinkage of each tree's leaf values (XGBoost's eta). */
  learningRate: number
  /** L2 penalty on leaf values (XGBoost's lambda). */
  l2: number
  /** A child needs at least this sum of hessians p(1 - p) (XGBoost's min_child_weight). */
  minChildWeight: number
  /** Share of the samples each tree is grown on, drawn afresh per tree. */
  subsample: number
  /** Candidate thresholds per feature: midpoints between consecutive quantiles of its values. */
  bins: number
  /** Seeds the per-tree subsamples. */
  random: Random
  onTree?: ((tree: number, meanLoss: number) => void) | undefined
}

export type TrainBoostedTreesReturnType = { model: BoostedTrees; treeLosses: number[] }

/**
 * Gradient boosting with the logistic loss as XGBoost does it (exact greedy on histogram bins):
 * each tree is grown on the gradients g = p - y and hessians h = p(1 - p) of the current
 * ensemble; a split's gain is G_L²/(H_L + λ) + G_R²/(H_R + λ) - G²/(H + λ), and a leaf's value
 * -G/(H + λ) times the learning rate. The base score is the log-odds of the training labels.
 * Deterministic for a given `random`.
 */
export function trainBoostedTrees(parameters: TrainBoostedTreesParameters): TrainBoostedTreesReturnType {
  const { inputs, labels, featureCount, trees, learningRate, subsample, random, onTree } = parameters
  const samples = labels.length
  const thresholds = Array.from({ length: featureCount }, (_, feature) => candidateThresholds(inputs, featureCount, feature, parameters.bins))
  // bin[sample][feature]: how many of the feature's thresholds lie at or below the sample's value.
  const bin = new Uint16Array(samples * featureCount)
  for (let sample = 0; sample < samples; sample++)
    for (let feature = 0; feature < featureCount; feature++) {
      const value = Math.fround(inputs[sample * featureCount + feature]!)
      bin[sample * featureCount + feature] = thresholds[feature]!.filter((threshold) => threshold <= value).length
    }
  const positives = labels.reduce((count, label) => count + label, 0)
  const baseScore = Math.fround(Math.log(positives / (samples - positives)))
  const score = new Float64Array(samples).fill(baseScore)
  const gradient = new Float64Array(samples)
  const hessian = new Float64Array(samples)
  const ensemble: TreeNode[] = []
  const treeLosses: number[] = []
  for (let round = 0; round < trees; round++) {
    for (let sample = 0; sample < samples; sample++) {
      const p = sigmoid(score[sample]!)
      gradient[sample] = p - labels[sample]!
      hessian[sample] = Math.max(p * (1 - p), 1e-16)
    }
    const rows = Array.from({ length: samples }, (_, sample) => sample).filter(() => random.next() < subsample)
    const grow = (rows: number[], depth: number): TreeNode => {
      const G = rows.reduce((sum, row) => sum + gradient[row]!, 0)
      const H = rows.reduce((sum, row) => sum + hessian[row]!, 0)
      const leaf = (): TreeNode => ({ kind: 'leaf', value: Math.fround((-G / (H + parameters.l2)) * learningRate) })
      if (depth === parameters.maxDepth) return leaf()
      let best: { gain: number; feature: number; bin: number } | undefined
      for (let feature = 0; feature < featureCount; feature++) {
        const bins = thresholds[feature]!.length + 1
        const g = new Float64Array(bins)
        const h = new Float64Array(bins)
        for (const row of rows) {
          g[bin[row * featureCount + feature]!]! += gradient[row]!
          h[bin[row * featureCount + feature]!]! += hessian[row]!
        }
        let gLeft = 0
        let hLeft = 0
        // Split k sends bins < k left: values below threshold k - 1.
        for (let k = 1; k < bins; k++) {
          gLeft += g[k - 1]!
          hLeft += h[k - 1]!
          const hRight = H - hLeft
          if (hLeft < parameters.minChildWeight || hRight < parameters.minChildWeight) continue
          const gRight = G - gLeft
          const gain = gLeft ** 2 / (hLeft + parameters.l2) + gRight ** 2 / (hRight + parameters.l2) - G ** 2 / (H + parameters.l2)
          if (gain > 1e-9 && (!best || gain > best.gain)) best = { gain, feature, bin: k }
        }
      }
      if (!best) return leaf()
      const { feature, bin: k } = best
      const left = rows.filter((row) => bin[row * featureCount + feature]! < k)
      const right = rows.filter((row) => bin[row * featureCount + feature]! >= k)
      return { kind: 'split', feature, threshold: thresholds[feature]![k - 1]!, left: grow(left, depth + 1), right: grow(right, depth + 1) }
    }
    const tree = grow(rows, 0)
    ensemble.push(tree)
    let loss = 0
    for (let sample = 0; sample < samples; sample++) {
      score[sample]! += predictTree(tree, inputs.subarray(sample * featureCount, (sample + 1) * featureCount))
      const p = sigmoid(score[sample]!)
      loss -= labels[sample] === 1 ? Math.log(Math.max(p, 1e-12)) : Math.log(Math.max(1 - p, 1e-12))
    }
    treeLosses.push(loss / samples)
    onTree?.(round, loss / samples)
  }
  return { model: { baseScore, trees: ensemble }, treeLosses }
}

/** The leaf value a sample reaches, comparing its float32 features with float32 thresholds (as onnxruntime does). */
export function predictTree(tree: TreeNode, x: ArrayLike<number>): number {
  let node = tree
  while (node.kind === 'split') node = Math.fround(x[node.feature]!) < node.threshold ? node.left : node.right
  return node.value
}

/**
 * Ascending float32 thresholds for a feature: at up to `bins` - 1 of its quantiles, each the
 * midpoint between that value and the next smaller distinct value, so that no threshold equals a
 * value the data takes (a tie would rest on float rounding).
 */
function candidateThresholds(inputs: Float64Array, featureCount: number, feature: number, bins: number): number[] {
  const values = [...new Set(Array.from({ length: inputs.length / featureCount }, (_, sample) => Math.fround(inputs[sample * featureCount + feature]!)))].sort((a, b) => a - b)
  const positions = values.length <= bins ? values.map((_, index) => index).slice(1) : [...new Set(Array.from({ length: bins - 1 }, (_, k) => Math.round(((k + 1) * (values.length - 1)) / (bins - 1))))]
  return positions.map((index) => Math.fround((values[index - 1]! + values[index]!) / 2))
}
