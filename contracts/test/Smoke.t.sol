// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

contract SmokeTest is Test {
    function testFuzz_Add(uint128 a, uint128 b) public pure {
        assertEq(uint256(a) + uint256(b), uint256(b) + uint256(a));
    }
}
