// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

import {TraceMerkle} from "../../src/dispute/TraceMerkle.sol";
import {PlainMerkle} from "./utils/PlainMerkle.sol";
import {TraceMerkleHarness} from "./utils/TraceMerkleHarness.sol";

/// @dev disputes.md's Merkle trees: roots worked out by hand, proofs of every leaf, and tampering.
contract TraceMerkleTest is Test {
    TraceMerkleHarness internal merkle = new TraceMerkleHarness();

    function _h(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(a, b));
    }

    function _leaves(uint256 count, uint256 seed) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            leaves[i] = keccak256(abi.encode(seed, i));
        }
    }

    function test_HashPairIsKeccakOfTheConcatenation() public view {
        assertEq(
            merkle.hashPair(bytes32(uint256(1)), bytes32(uint256(2))), _h(bytes32(uint256(1)), bytes32(uint256(2)))
        );
    }

    function test_DepthIsCeilLog2OfTheLeafCount() public view {
        assertEq(merkle.depth(0), 0);
        assertEq(merkle.depth(1), 0);
        assertEq(merkle.depth(2), 1);
        assertEq(merkle.depth(3), 2);
        assertEq(merkle.depth(4), 2);
        assertEq(merkle.depth(5), 3);
        assertEq(merkle.depth(1024), 10);
        assertEq(merkle.depth(1025), 11);
        assertEq(merkle.depth(type(uint256).max), 256);
    }

    function test_RootsByHand() public view {
        bytes32[] memory leaves = _leaves(5, 1);
        (bytes32 a, bytes32 b, bytes32 c, bytes32 d, bytes32 e) =
            (leaves[0], leaves[1], leaves[2], leaves[3], leaves[4]);
        bytes32 zero;
        bytes32[] memory one = new bytes32[](1);
        one[0] = a;
        assertEq(merkle.root(one), a, "one leaf is its own root");
        bytes32[] memory two = new bytes32[](2);
        (two[0], two[1]) = (a, b);
        assertEq(merkle.root(two), _h(a, b));
        bytes32[] memory three = new bytes32[](3);
        (three[0], three[1], three[2]) = (a, b, c);
        assertEq(merkle.root(three), _h(_h(a, b), _h(c, zero)), "padded with one zero leaf");
        assertEq(merkle.root(leaves), _h(_h(_h(a, b), _h(c, d)), _h(_h(e, zero), _h(zero, zero))), "padded to eight");
    }

    function test_RootDoesNotModifyTheLeaves() public pure {
        bytes32[] memory leaves = _leaves(5, 2);
        bytes32[] memory copy = _leaves(5, 2);
        TraceMerkle.root(leaves);
        assertEq(leaves, copy);
    }

    function test_RevertWhen_RootOfNoLeaves() public {
        vm.expectRevert(TraceMerkle.EmptyTree.selector);
        merkle.root(new bytes32[](0));
    }

    function test_EveryLeafVerifies() public view {
        for (uint256 count = 1; count <= 9; ++count) {
            bytes32[] memory leaves = _leaves(count, count);
            bytes32 root = merkle.root(leaves);
            bytes32[][] memory tree = PlainMerkle.levels(leaves);
            for (uint256 i; i < count; ++i) {
                bytes32[] memory proof = PlainMerkle.proofAt(tree, i);
                assertEq(proof.length, merkle.depth(count));
                assertTrue(merkle.verify(root, leaves[i], i, count, proof));
                assertEq(merkle.rootFromProof(leaves[i], i, proof), root);
            }
        }
    }

    function test_TamperedProofsFail() public view {
        bytes32[] memory leaves = _leaves(6, 3);
        bytes32 root = merkle.root(leaves);
        bytes32[] memory proof = PlainMerkle.proof(leaves, 4);
        assertTrue(merkle.verify(root, leaves[4], 4, 6, proof));

        assertFalse(merkle.verify(root, leaves[5], 4, 6, proof), "another leaf");
        assertFalse(merkle.verify(root, leaves[4], 5, 6, proof), "another index");
        assertFalse(merkle.verify(root, leaves[4], 4 + 8, 6, proof), "an index beyond the tree");
        assertFalse(merkle.verify(bytes32(uint256(root) ^ 1), leaves[4], 4, 6, proof), "another root");
        for (uint256 d; d < proof.length; ++d) {
            bytes32 sibling = proof[d];
            proof[d] = bytes32(uint256(sibling) ^ 1);
            assertFalse(merkle.verify(root, leaves[4], 4, 6, proof), "a changed sibling");
            proof[d] = sibling;
        }
    }

    function test_ProofsOfTheWrongLengthFail() public view {
        bytes32[] memory leaves = _leaves(4, 4);
        bytes32 root = merkle.root(leaves);
        bytes32[] memory proof = PlainMerkle.proof(leaves, 1);
        // An inner node passed off as a leaf: H(l0, l1) at index 0 of a tree one level shorter.
        bytes32[] memory short = new bytes32[](1);
        short[0] = proof[1];
        assertEq(merkle.rootFromProof(_h(leaves[0], leaves[1]), 0, short), root);
        assertFalse(merkle.verify(root, _h(leaves[0], leaves[1]), 0, 4, short), "an inner node is not a leaf");
        // The same leaves claimed as a tree of a different size.
        assertFalse(merkle.verify(root, leaves[1], 1, 8, proof), "a tree of eight leaves is deeper");
        assertFalse(merkle.verify(root, leaves[1], 1, 2, proof), "a tree of two leaves is shallower");
        bytes32[] memory long = new bytes32[](3);
        (long[0], long[1], long[2]) = (proof[0], proof[1], bytes32(0));
        assertFalse(merkle.verify(root, leaves[1], 1, 4, long), "one sibling too many");
    }

    function test_PaddingLeavesCannotBeOpened() public view {
        bytes32[] memory leaves = _leaves(5, 5);
        bytes32 root = merkle.root(leaves);
        bytes32[] memory padded = new bytes32[](8);
        for (uint256 i; i < 5; ++i) {
            padded[i] = leaves[i];
        }
        bytes32[] memory proof = PlainMerkle.proof(padded, 6);
        assertEq(merkle.rootFromProof(bytes32(0), 6, proof), root, "the padding leaf is in the tree");
        assertFalse(merkle.verify(root, bytes32(0), 6, 5, proof), "but index 6 is not below the leaf count");
    }

    function test_OneLeafNeedsNoProof() public view {
        bytes32 leaf = keccak256("leaf");
        assertTrue(merkle.verify(leaf, leaf, 0, 1, new bytes32[](0)));
        assertFalse(merkle.verify(leaf, leaf, 1, 1, new bytes32[](0)));
        assertFalse(merkle.verify(leaf, leaf, 0, 0, new bytes32[](0)), "a tree of no leaves holds nothing");
    }

    function testFuzz_RootMatchesThePaddedTree(uint256 seed, uint256 count, uint256 index) public view {
        count = bound(count, 1, 70);
        index = bound(index, 0, count - 1);
        bytes32[] memory leaves = _leaves(count, seed);
        bytes32 root = merkle.root(leaves);
        assertEq(root, PlainMerkle.root(leaves));
        bytes32[] memory proof = PlainMerkle.proof(leaves, index);
        assertTrue(merkle.verify(root, leaves[index], index, count, proof));
        assertFalse(merkle.verify(root, bytes32(uint256(leaves[index]) ^ 1), index, count, proof));
    }
}
