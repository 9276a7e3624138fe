import type { Hex } from 'viem'
import { EmptyMerkleTreeError, InvalidMerkleNodeError, MerkleIndexError, MerkleNodeError, PackedLeavesLengthError } from '../errors/trace.js'
import { fromHex, hashPair, keccak, toHex } from './keccak.js'

/** A 32-byte node: bytes, or 0x-prefixed hex. */
export type Bytes32 = Uint8Array | Hex

/** bytes32(0) and the roots of all-zero subtrees: ZERO_NODES[l] = H(ZERO_NODES[l-1], ZERO_NODES[l-1]). */
const ZERO_NODES: Uint8Array[] = [new Uint8Array(32)]
function zeroNode(level: number): Uint8Array {
  while (ZERO_NODES.length <= level) ZERO_NODES.push(hashPair(ZERO_NODES.at(-1)!, ZERO_NODES.at(-1)!))
  return ZERO_NODES[level]!
}

/** The depth of a tree of `leafCount` leaves: ceil(log2(leafCount)), 0 for one leaf. */
export function merkleDepth(leafCount: number): number {
  let depth = 0
  while (2 ** depth < leafCount) depth++
  return depth
}

function nodeBytes(node: Bytes32, what: string, index: number): Uint8Array {
  const bytes = typeof node === 'string' ? fromHex(node) : node
  if (bytes.length !== 32) throw new InvalidMerkleNodeError({ what, index, length: bytes.length })
  return bytes
}

/**
 * The Merkle tree of docs/disputes.md ("Notation"): leaves padded with bytes32(0) to a power of
 * two, node = keccak256(left ++ right), the root of one leaf that leaf. Built once, so the proofs of
 * a large tensor or weight matrix cost no further hashing. Only nodes above at least one real leaf
 * are stored: the padding's subtrees are all-zero trees, whose roots are shared constants.
 */
export class MerkleTree {
  readonly leafCount: number
  readonly depth: number
  /** levels[l]: the ceil(leafCount / 2^l) nodes at height l that cover a real leaf, 32 bytes each. */
  private readonly levels: Uint8Array[]

  /**
   * Leaves as 32-byte arrays or hex, or as one buffer of leafCount · 32 bytes (the fast path for
   * packed words and row hashes). `what` names the tree in errors.
   */
  constructor(leaves: readonly Bytes32[] | Uint8Array, what = 'The Merkle tree') {
    let level: Uint8Array
    if (leaves instanceof Uint8Array) {
      if (leaves.length % 32 !== 0) throw new PackedLeavesLengthError({ what, length: leaves.length })
      level = leaves
    } else {
      level = new Uint8Array(leaves.length * 32)
      leaves.forEach((leaf, i) => level.set(nodeBytes(leaf, `${what}: leaf`, i), 32 * i))
    }
    this.leafCount = level.length / 32
    if (this.leafCount === 0) throw new EmptyMerkleTreeError({ what })
    this.depth = merkleDepth(this.leafCount)
    this.levels = [level]
    for (let l = 0; l < this.depth; l++) {
      const count = level.length / 32
      const next = new Uint8Array(Math.ceil(count / 2) * 32)
      for (let i = 0; 2 * i < count; i++)
        next.set(2 * i + 1 < count ? keccak(level.subarray(64 * i, 64 * i + 64)) : hashPair(level.subarray(64 * i, 64 * i + 32), zeroNode(l)), 32 * i)
      this.levels.push(next)
      level = next
    }
  }

  /** The leaves, leafCount · 32 bytes (a tensor's packed words: what a node keeps of a trace). */
  get leafBytes(): Uint8Array {
    return this.levels[0]!
  }

  get rootBytes(): Uint8Array {
    return this.levels[this.depth]!.subarray(0, 32)
  }

  get root(): Hex {
    return toHex(this.rootBytes)
  }

  leaf(index: number): Hex {
    this.checkIndex(index)
    return toHex(this.levels[0]!.subarray(32 * index, 32 * index + 32))
  }

  /**
   * The 2^levels nodes `levels` levels below the node at `index` of depth `level` (0: the root), left
   * to right, padding included: what a side reveals in a round of a trace game (TraceDisputes.reveal).
   */
  nodesBelow(level: number, index: number, levels: number): Hex[] {
    const below = level + levels
    if (!Number.isInteger(level) || !Number.isInteger(levels) || level < 0 || levels < 0 || below > this.depth || !Number.isInteger(index) || index < 0 || index >= 2 ** level)
      throw new MerkleNodeError({ level, index, levels, depth: this.depth })
    const height = this.depth - below
    const stored = this.levels[height]!
    const nodes: Hex[] = []
    for (let j = index * 2 ** levels; j < (index + 1) * 2 ** levels; j++) nodes.push(toHex(32 * j < stored.length ? stored.subarray(32 * j, 32 * j + 32) : zeroNode(height)))
    return nodes
  }

  /** The siblings of leaf `index`'s path, from the leaf level up (depth of them). */
  proof(index: number): Hex[] {
    this.checkIndex(index)
    const siblings: Hex[] = []
    for (let l = 0, i = index; l < this.depth; l++, i >>= 1) {
      const sibling = i ^ 1
      const level = this.levels[l]!
      siblings.push(toHex(32 * sibling < level.length ? level.subarray(32 * sibling, 32 * sibling + 32) : zeroNode(l)))
    }
    return siblings
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.leafCount) throw new MerkleIndexError({ index, leafCount: this.leafCount })
  }
}

/** The Merkle root of the leaves (docs/disputes.md, "Notation"). */
export function merkleRoot(leaves: readonly Bytes32[] | Uint8Array): Hex {
  return new MerkleTree(leaves).root
}

/** The proof of leaf `index`: its path's siblings from the leaf level up. Use MerkleTree for many proofs of one tree. */
export function merkleProof(leaves: readonly Bytes32[] | Uint8Array, index: number): Hex[] {
  return new MerkleTree(leaves).proof(index)
}

/**
 * Whether `proof` opens `leaf` at `index` of a tree of `leafCount` leaves with root `root`, as the
 * contract checks it: the proof has exactly the tree's depth (fixed by leafCount), so an inner
 * node cannot pass for a leaf, and the index is below leafCount.
 */
export function verifyMerkleProof(leaf: Bytes32, index: number, proof: readonly Bytes32[], root: Bytes32, leafCount: number): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= leafCount || proof.length !== merkleDepth(leafCount)) return false
  let node = nodeBytes(leaf, 'The leaf', 0)
  proof.forEach((sibling, l) => {
    const bytes = nodeBytes(sibling, 'Proof node', l)
    node = (index >> l) & 1 ? hashPair(bytes, node) : hashPair(node, bytes)
  })
  return toHex(node) === toHex(nodeBytes(root, 'The root', 0))
}
