// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TraceMerkle
/// @notice disputes.md's Merkle trees: the leaves L_0 .. L_{n-1} (n >= 1) padded with bytes32(0) to
///         the next power of two, then pairs hashed level by level with H(a, b) = keccak256(a ++ b).
///         The root of one leaf is that leaf. A tree's depth follows from n, which the verifier
///         knows, so a proof of any other length fails and an inner node cannot pass as a leaf.
library TraceMerkle {
    /// @notice A tree needs at least one leaf.
    error EmptyTree();

    /// @notice H(a, b) = keccak256(abi.encodePacked(a, b)).
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            h := keccak256(0x00, 0x40)
        }
    }

    /// @notice The depth of a tree of `leafCount` leaves: ceil(log2(leafCount)), 0 for one leaf (or none).
    function depth(uint256 leafCount) internal pure returns (uint256 d) {
        if (leafCount < 2) return 0;
        for (uint256 n = leafCount - 1; n != 0; n >>= 1) {
            ++d;
        }
    }

    /// @notice The root of `leaves` (not modified).
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 n = leaves.length;
        if (n == 0) revert EmptyTree();
        bytes32[] memory level = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            level[i] = leaves[i];
        }
        // `padding` is the node of an all-padding subtree at the current level: bytes32(0) at the
        // leaves, then H(padding, padding) one level up.
        bytes32 padding;
        while (n > 1) {
            uint256 half = (n + 1) / 2;
            for (uint256 i; i < half; ++i) {
                uint256 right = 2 * i + 1;
                level[i] = hashPair(level[2 * i], right < n ? level[right] : padding);
            }
            padding = hashPair(padding, padding);
            n = half;
        }
        return level[0];
    }

    /// @notice The root that `leaf` at `index` and its siblings `proof` (from the leaf level up) hash
    ///         to: bit i of `index` set means the level-i node is a right child, H(sibling, node).
    function rootFromProof(bytes32 leaf, uint256 index, bytes32[] calldata proof) internal pure returns (bytes32 node) {
        assembly ("memory-safe") {
            node := leaf
            let end := add(proof.offset, shl(5, proof.length))
            for { let at := proof.offset } lt(at, end) { at := add(at, 0x20) } {
                let sibling := calldataload(at)
                switch and(index, 1)
                case 0 {
                    mstore(0x00, node)
                    mstore(0x20, sibling)
                }
                default {
                    mstore(0x00, sibling)
                    mstore(0x20, node)
                }
                node := keccak256(0x00, 0x40)
                index := shr(1, index)
            }
        }
    }

    /// @notice Whether `leaf` is leaf `index` of the tree of `leafCount` leaves with root `treeRoot`:
    ///         false when index >= leafCount or the proof's length is not the tree's depth.
    function verify(bytes32 treeRoot, bytes32 leaf, uint256 index, uint256 leafCount, bytes32[] calldata proof)
        internal
        pure
        returns (bool)
    {
        if (index >= leafCount || proof.length != depth(leafCount)) return false;
        return rootFromProof(leaf, index, proof) == treeRoot;
    }
}
