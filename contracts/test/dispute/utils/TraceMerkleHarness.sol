// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TraceMerkle} from "../../../src/dispute/TraceMerkle.sol";

/// @dev Exposes the TraceMerkle library for tests (proofs as calldata, as the one step reads them).
contract TraceMerkleHarness {
    function hashPair(bytes32 a, bytes32 b) external pure returns (bytes32) {
        return TraceMerkle.hashPair(a, b);
    }

    function depth(uint256 leafCount) external pure returns (uint256) {
        return TraceMerkle.depth(leafCount);
    }

    function root(bytes32[] memory leaves) external pure returns (bytes32) {
        return TraceMerkle.root(leaves);
    }

    function rootFromProof(bytes32 leaf, uint256 index, bytes32[] calldata proof) external pure returns (bytes32) {
        return TraceMerkle.rootFromProof(leaf, index, proof);
    }

    function verify(bytes32 treeRoot, bytes32 leaf, uint256 index, uint256 leafCount, bytes32[] calldata proof)
        external
        pure
        returns (bool)
    {
        return TraceMerkle.verify(treeRoot, leaf, index, leafCount, proof);
    }
}
