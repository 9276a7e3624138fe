// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WordPacking} from "../../src/libraries/WordPacking.sol";

/// @dev Exposes the WordPacking library and a reference packer for tests.
contract WordPackingHarness {
    function wordCount(uint256 values, uint256 bits) external pure returns (uint256) {
        return WordPacking.wordCount(values, bits);
    }

    function payloadBits(uint256 index, uint256 values, uint256 bits) external pure returns (uint256) {
        return WordPacking.payloadBits(index, values, bits);
    }

    function firstWordOutOfRange(uint256[] calldata words, uint256 values, uint256 bits)
        external
        pure
        returns (uint256)
    {
        return WordPacking.firstWordOutOfRange(words, values, bits);
    }

    function valueAt(uint256[] memory words, uint256 index, uint256 bits) external pure returns (int256) {
        return WordPacking.valueAt(words, index, bits);
    }

    /// @dev design.md's packing, written out plainly: u = q + 2^(b-1), little-endian in each word.
    function pack(int256[] memory values, uint256 bits) public pure returns (uint256[] memory words) {
        uint256 perWord = 248 / bits;
        words = new uint256[]((values.length + perWord - 1) / perWord);
        for (uint256 i; i < values.length; ++i) {
            uint256 offsetValue = uint256(values[i] + int256(uint256(1) << (bits - 1)));
            words[i / perWord] |= offsetValue << ((i % perWord) * bits);
        }
    }
}
