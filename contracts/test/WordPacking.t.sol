// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

import {WordPackingHarness} from "./utils/WordPackingHarness.sol";

/// @dev design.md's packing test vectors, which every implementation must reproduce exactly.
contract WordPackingTest is Test {
    WordPackingHarness internal packing = new WordPackingHarness();

    function _values(int256 from, int256 to) internal pure returns (int256[] memory values) {
        values = new int256[](uint256(to - from + 1));
        for (uint256 i; i < values.length; ++i) {
            values[i] = from + int256(i);
        }
    }

    function test_Vector8Bit() public view {
        int256[] memory values = new int256[](5);
        (values[0], values[1], values[2], values[3], values[4]) = (-128, -1, 0, 1, 127);
        uint256[] memory words = packing.pack(values, 8);
        assertEq(words.length, 1);
        assertEq(words[0], 1097389342464);
        assertEq(words[0], 0xff81807f00);
        for (uint256 i; i < 5; ++i) {
            assertEq(packing.valueAt(words, i, 8), values[i]);
        }
        assertEq(packing.firstWordOutOfRange(words, 5, 8), 1);
    }

    function test_Vector16Bit() public view {
        int256[] memory values = new int256[](3);
        (values[0], values[1], values[2]) = (-32768, 32767, 5);
        uint256[] memory words = packing.pack(values, 16);
        assertEq(words[0], 140763258093568);
        assertEq(words[0], 0x8005ffff0000);
        assertEq(packing.valueAt(words, 0, 16), -32768);
        assertEq(packing.valueAt(words, 1, 16), 32767);
        assertEq(packing.valueAt(words, 2, 16), 5);
    }

    function test_VectorTwoWords() public view {
        uint256[] memory words = packing.pack(_values(-16, 16), 8);
        assertEq(words.length, 2);
        assertEq(words[0], 251869218521360902062432826087296980455777397801217030907867146010099872112);
        assertEq(words[0], 0x8e8d8c8b8a898887868584838281807f7e7d7c7b7a79787776757473727170);
        assertEq(words[1], 37007);
        assertEq(packing.wordCount(33, 8), 2);
        assertEq(packing.payloadBits(0, 33, 8), 248);
        assertEq(packing.payloadBits(1, 33, 8), 16);
        assertEq(packing.firstWordOutOfRange(words, 33, 8), 2);
        assertEq(packing.valueAt(words, 32, 8), 16);
    }

    function test_WordsAboveTheirPayloadAreOutOfRange() public view {
        uint256[] memory words = packing.pack(_values(-16, 16), 8);
        words[1] |= 1 << 16;
        assertEq(packing.firstWordOutOfRange(words, 33, 8), 1);
        words[0] |= 1 << 248;
        assertEq(packing.firstWordOutOfRange(words, 33, 8), 0);
    }

    function testFuzz_PackThenRead(uint256 seed, uint8 bits, uint8 count) public view {
        bits = uint8(bound(bits, 2, 64));
        count = uint8(bound(count, 1, 80));
        int256[] memory values = new int256[](count);
        int256 half = int256(uint256(1) << (bits - 1));
        for (uint256 i; i < count; ++i) {
            values[i] = int256(uint256(keccak256(abi.encode(seed, i))) % (uint256(1) << bits)) - half;
        }
        uint256[] memory words = packing.pack(values, bits);
        assertEq(words.length, packing.wordCount(count, bits));
        assertEq(packing.firstWordOutOfRange(words, count, bits), words.length);
        for (uint256 i; i < count; ++i) {
            assertEq(packing.valueAt(words, i, bits), values[i]);
        }
    }
}
