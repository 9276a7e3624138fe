// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @dev disputes.md's Merkle tree written out plainly, for tests: the leaves padded with
///      bytes32(0) to a power of two, every level of the padded tree built. Independent of
///      TraceMerkle's (which hashes only the nodes that hold a real leaf).
library PlainMerkle {
    /// @dev Every level of the padded tree, leaves first, root last.
    function levels(bytes32[] memory leaves) internal pure returns (bytes32[][] memory tree) {
        uint256 size = 1;
        uint256 depth;
        while (size < leaves.length) {
            size *= 2;
            ++depth;
        }
        tree = new bytes32[][](depth + 1);
        tree[0] = new bytes32[](size);
        for (uint256 i; i < leaves.length; ++i) {
            tree[0][i] = leaves[i];
        }
        for (uint256 d = 1; d <= depth; ++d) {
            bytes32[] memory below = tree[d - 1];
            bytes32[] memory level = new bytes32[](below.length / 2);
            for (uint256 i; i < level.length; ++i) {
                level[i] = keccak256(abi.encodePacked(below[2 * i], below[2 * i + 1]));
            }
            tree[d] = level;
        }
    }

    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        bytes32[][] memory tree = levels(leaves);
        return tree[tree.length - 1][0];
    }

    /// @dev The siblings of leaf `index`, from the leaf level up.
    function proofAt(bytes32[][] memory tree, uint256 index) internal pure returns (bytes32[] memory siblings) {
        siblings = new bytes32[](tree.length - 1);
        for (uint256 d; d < siblings.length; ++d) {
            siblings[d] = tree[d][index ^ 1];
            index >>= 1;
        }
    }

    function proof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory) {
        return proofAt(levels(leaves), index);
    }
}
