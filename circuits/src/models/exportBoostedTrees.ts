import { buildModel } from '../onnx/buildModel.js'
import type { BoostedTrees, TreeNode } from './boostedTrees.js'

export type ExportBoostedTreesParameters = {
  /** Graph name. */
  name: string
  featureCount: number
  docString?: string | undefined
}

export const TREES_INPUT_NAME = 'input'
export const TREES_LABEL_NAME = 'label'
export const TREES_PROBABILITIES_NAME = 'probabilities'

/**
 * ONNX as onnxmltools converts a binary XGBoost classifier (`binary:logistic`): one ai.onnx.ml
 * TreeEnsembleClassifier with every leaf's value as a weight for class 0 only, class labels
 * [0, 1], the base score as its one base value and post_transform LOGISTIC; each tree's nodes
 * numbered breadth-first from 0, splits `BRANCH_LT` (a value below the threshold takes the true
 * branch, XGBoost's "yes") with missing values sent the same way. Outputs: `label` (int64 `[1]`)
 * and `probabilities` (`[1, 2]`: P(class 0), P(class 1)); no ZipMap. Input `[1, features]`.
 */
export function exportBoostedTrees(model: BoostedTrees, { name, featureCount, docString }: ExportBoostedTreesParameters): Uint8Array {
  const nodes = { treeids: [] as number[], nodeids: [] as number[], featureids: [] as number[], values: [] as number[], modes: [] as string[], truenodeids: [] as number[], falsenodeids: [] as number[], missingTrue: [] as number[] }
  const classes = { treeids: [] as number[], nodeids: [] as number[], ids: [] as number[], weights: [] as number[] }
  model.trees.forEach((tree, treeId) => {
    const queue: TreeNode[] = [tree]
    let nextId = 1
    for (let id = 0; id < queue.length; id++) {
      const node = queue[id]!
      nodes.treeids.push(treeId)
      nodes.nodeids.push(id)
      if (node.kind === 'split') {
        nodes.featureids.push(node.feature)
        nodes.values.push(node.threshold)
        nodes.modes.push('BRANCH_LT')
        nodes.truenodeids.push(nextId++)
        nodes.falsenodeids.push(nextId++)
        nodes.missingTrue.push(1)
        queue.push(node.left, node.right)
      } else {
        nodes.featureids.push(0)
        nodes.values.push(0)
        nodes.modes.push('LEAF')
        nodes.truenodeids.push(0)
        nodes.falsenodeids.push(0)
        nodes.missingTrue.push(0)
        classes.treeids.push(treeId)
        classes.nodeids.push(id)
        classes.ids.push(0)
        classes.weights.push(node.value)
      }
    }
  })
  return buildModel({
    name,
    docString,
    inputs: [{ name: TREES_INPUT_NAME, shape: [1, featureCount] }],
    outputs: [
      { name: TREES_LABEL_NAME, shape: [1], type: 'int64' },
      { name: TREES_PROBABILITIES_NAME, shape: [1, 2] },
    ],
    nodes: [
      {
        op: 'TreeEnsembleClassifier',
        domain: 'ai.onnx.ml',
        name: 'TreeEnsembleClassifier',
        inputs: [TREES_INPUT_NAME],
        outputs: [TREES_LABEL_NAME, TREES_PROBABILITIES_NAME],
        attributes: {
          nodes_treeids: { ints: nodes.treeids },
          nodes_nodeids: { ints: nodes.nodeids },
          nodes_featureids: { ints: nodes.featureids },
          nodes_values: { floats: nodes.values },
          nodes_modes: nodes.modes,
          nodes_truenodeids: { ints: nodes.truenodeids },
          nodes_falsenodeids: { ints: nodes.falsenodeids },
          nodes_missing_value_tracks_true: { ints: nodes.missingTrue },
          class_treeids: { ints: classes.treeids },
          class_nodeids: { ints: classes.nodeids },
          class_ids: { ints: classes.ids },
          class_weights: { floats: classes.weights },
          classlabels_int64s: { ints: [0, 1] },
          base_values: { floats: [model.baseScore] },
          post_transform: 'LOGISTIC',
        },
      },
    ],
  })
}

/** Splits and leaves over all trees. */
export function treeSizes(model: BoostedTrees): { splits: number; leaves: number; maxDepth: number } {
  let splits = 0
  let leaves = 0
  let maxDepth = 0
  const walk = (node: TreeNode, depth: number) => {
    maxDepth = Math.max(maxDepth, depth)
    if (node.kind === 'leaf') leaves++
    else {
      splits++
      walk(node.left, depth + 1)
      walk(node.right, depth + 1)
    }
  }
  for (const tree of model.trees) walk(tree, 0)
  return { splits, leaves, maxDepth }
}
