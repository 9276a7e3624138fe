import { concat, keccak256, numberToHex, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { createRandom } from '../models/random.js'
import { hashPair, keccak, toHex } from './keccak.js'
import { MerkleNodeError } from '../errors/trace.js'
import { MerkleTree, merkleDepth, merkleProof, merkleRoot, verifyMerkleProof } from './merkle.js'

const random = createRandom(5)
const leafAt = (i: number): Hex => keccak256(numberToHex(i, { size: 32 }))
const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafAt(i))
const H = (a: Hex, b: Hex) => keccak256(concat([a, b]))
const ZERO: Hex = `0x${'00'.repeat(32)}`

/** The root by the spec's words alone: pad to a power of two with bytes32(0), hash pairs level by level. */
function specRoot(nodes: Hex[]): Hex {
  let level = [...nodes]
  while (level.length & (level.length - 1)) level.push(ZERO)
  while (level.length > 1) level = Array.from({ length: level.length / 2 }, (_, i) => H(level[2 * i]!, level[2 * i + 1]!))
  return level[0]!
}

describe('keccak', () => {
  test('equals viem keccak256 on inputs around the rate (136 bytes) and a pair of nodes', () => {
    for (const length of [0, 1, 32, 64, 135, 136, 137, 272, 1000, 70_000]) {
      const bytes = Uint8Array.from({ length }, () => random.nextInt(256))
      expect(toHex(keccak(bytes))).toBe(keccak256(bytes))
    }
    expect(toHex(hashPair(Uint8Array.from(Buffer.from(leafAt(1).slice(2), 'hex')), Uint8Array.from(Buffer.from(leafAt(2).slice(2), 'hex'))))).toBe(H(leafAt(1), leafAt(2)))
  })
})

describe('Merkle trees', () => {
  test('roots: one leaf is the leaf, then padding with bytes32(0) to a power of two', () => {
    expect(merkleRoot([leafAt(7)])).toBe(leafAt(7))
    expect(merkleRoot(leaves(2))).toBe(H(leafAt(0), leafAt(1)))
    expect(merkleRoot(leaves(3))).toBe(H(H(leafAt(0), leafAt(1)), H(leafAt(2), ZERO)))
    for (const n of [4, 5, 7, 8, 9, 16, 17, 33]) expect(merkleRoot(leaves(n)), `${n} leaves`).toBe(specRoot(leaves(n)))
    expect([1, 2, 3, 4, 5, 8, 9].map(merkleDepth)).toEqual([0, 1, 2, 2, 3, 3, 4])
  })

  test('hex leaves, byte leaves and one packed buffer give the same tree', () => {
    const hex = leaves(11)
    const bytes = hex.map((h) => Uint8Array.from(Buffer.from(h.slice(2), 'hex')))
    const packed = new Uint8Array(32 * 11)
    bytes.forEach((b, i) => packed.set(b, 32 * i))
    expect(new MerkleTree(bytes).root).toBe(merkleRoot(hex))
    expect(new MerkleTree(packed).root).toBe(merkleRoot(hex))
    expect(new MerkleTree(packed).proof(6)).toEqual(merkleProof(hex, 6))
  })

  test('every proof verifies, from the leaf level up, with the depth leafCount fixes', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 17]) {
      const tree = new MerkleTree(leaves(n))
      for (let i = 0; i < n; i++) {
        const proof = tree.proof(i)
        expect(proof.length).toBe(merkleDepth(n))
        expect(verifyMerkleProof(leafAt(i), i, proof, tree.root, n), `${n} leaves, leaf ${i}`).toBe(true)
        if (n > 1) expect(proof[0]).toBe((i ^ 1) < n ? leafAt(i ^ 1) : ZERO)
      }
    }
  })

  test('a tampered leaf, sibling, index, root or leaf count fails', () => {
    const n = 13
    const tree = new MerkleTree(leaves(n))
    const proof = tree.proof(9)
    expect(verifyMerkleProof(leafAt(9), 9, proof, tree.root, n)).toBe(true)
    expect(verifyMerkleProof(leafAt(8), 9, proof, tree.root, n)).toBe(false)
    expect(verifyMerkleProof(leafAt(9), 8, proof, tree.root, n)).toBe(false)
    expect(verifyMerkleProof(leafAt(9), 9 + 16, proof, tree.root, n)).toBe(false)
    expect(verifyMerkleProof(leafAt(9), 9, proof, leafAt(0), n)).toBe(false)
    proof.forEach((_, l) => expect(verifyMerkleProof(leafAt(9), 9, proof.map((node, k) => (k === l ? leafAt(100) : node)), tree.root, n), `sibling ${l}`).toBe(false))
    // The depth follows from the leaf count: a shorter or longer proof (an inner node passed off as a leaf) fails.
    expect(verifyMerkleProof(leafAt(9), 9, proof, tree.root, 8)).toBe(false)
    expect(verifyMerkleProof(leafAt(9), 9, proof, tree.root, 17)).toBe(false)
    const inner = H(leafAt(8), leafAt(9))
    expect(verifyMerkleProof(inner, 4, proof.slice(1), tree.root, n)).toBe(false)
    expect(verifyMerkleProof(inner, 4, proof.slice(1), tree.root, 7)).toBe(true) // the same path, in a tree of 7 "leaves": why leafCount must be fixed
  })

  test('errors name the bad value', () => {
    expect(() => new MerkleTree([])).toThrow('The Merkle tree has no leaves')
    expect(() => new MerkleTree([leafAt(0), '0x1234'])).toThrow('The Merkle tree: leaf 1 is 2 bytes long; a Merkle node is 32 bytes.')
    expect(() => new MerkleTree(new Uint8Array(40), 'Tensor 3')).toThrow("Tensor 3's packed leaves are 40 bytes, not a multiple of 32.")
    expect(() => new MerkleTree(leaves(3)).proof(3)).toThrow('Leaf index 3 is outside a Merkle tree of 3 leaves (0 to 2).')
  })
})

describe('nodesBelow (what a side reveals in a trace-game round)', () => {
  test('the nodes levels below a node hash back up to it, padding included, for every node and span', () => {
    for (const n of [1, 3, 9, 70, 130]) {
      const tree = new MerkleTree(leaves(n))
      for (let level = 0; level <= tree.depth; level++)
        for (let levels = 0; level + levels <= tree.depth; levels++)
          for (const index of [0, 2 ** level - 1, Math.floor((2 ** level - 1) / 2)]) {
            const nodes = tree.nodesBelow(level, index, levels)
            expect(nodes).toHaveLength(2 ** levels)
            // The node itself, by the same call with no levels below it.
            const [node] = tree.nodesBelow(level, index, 0)
            expect(specRoot(nodes)).toBe(node)
            if (level + levels === tree.depth && index === 0) expect(nodes.slice(0, Math.min(n, nodes.length))).toEqual(leaves(n).slice(0, nodes.length))
          }
      expect(tree.nodesBelow(0, 0, 0)).toEqual([tree.root])
    }
  })

  test('refuses a node outside the tree or a span past the leaves', () => {
    const tree = new MerkleTree(leaves(9))
    expect(() => tree.nodesBelow(0, 0, 5)).toThrow(MerkleNodeError)
    expect(() => tree.nodesBelow(2, 4, 1)).toThrow('no nodes 1 levels below node 4 of depth 2')
    expect(() => tree.nodesBelow(-1, 0, 1)).toThrow(MerkleNodeError)
  })
})
