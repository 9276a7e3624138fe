// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title WordPacking
/// @notice design.md's packing of quantized tensors into uint256 words: a value q of b bits is
///         stored as u = q + 2^(b-1), and k = floor(248 / b) values fill a word little-endian.
library WordPacking {
    uint256 internal constant WORD_PAYLOAD_BITS = 248;

    /// @notice k = floor(248 / bits) values per word.
    function valuesPerWord(uint256 bits) internal pure returns (uint256) {
        return WORD_PAYLOAD_BITS / bits;
    }

    /// @notice Number of words `values` values of `bits` bits pack into.
    function wordCount(uint256 values, uint256 bits) internal pure returns (uint256) {
        uint256 perWord = WORD_PAYLOAD_BITS / bits;
        return (values + perWord - 1) / perWord;
    }

    /// @notice Payload bits of word `index` of a tensor: k * bits for full words, fewer for the last.
    function payloadBits(uint256 index, uint256 values, uint256 bits) internal pure returns (uint256) {
        uint256 perWord = WORD_PAYLOAD_BITS / bits;
        uint256 remaining = values - index * perWord;
        return (remaining < perWord ? remaining : perWord) * bits;
    }

    /// @notice The index of the first word with bits set above its payload, or words.length if none.
    ///         Assumes words.length == wordCount(values, bits).
    function firstWordOutOfRange(uint256[] calldata words, uint256 values, uint256 bits)
        internal
        pure
        returns (uint256)
    {
        uint256 last = words.length - 1;
        uint256 fullBits = (WORD_PAYLOAD_BITS / bits) * bits;
        for (uint256 i; i < last; ++i) {
            if (words[i] >> fullBits != 0) return i;
        }
        if (words[last] >> payloadBits(last, values, bits) != 0) return last;
        return words.length;
    }

    /// @notice The signed value at position `index` of a tensor packed into `words`.
    function valueAt(uint256[] memory words, uint256 index, uint256 bits) internal pure returns (int256) {
        uint256 perWord = WORD_PAYLOAD_BITS / bits;
        uint256 offsetValue = words[index / perWord] >> ((index % perWord) * bits);
        uint256 mask = (uint256(1) << bits) - 1;
        return int256(offsetValue & mask) - int256(uint256(1) << (bits - 1));
    }
}
