// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceConsumer} from "../../src/interfaces/IInferenceConsumer.sol";

/// @dev Burns all the gas it is given, then would return a huge blob if it ever got there.
contract GasBurningConsumer is IInferenceConsumer {
    uint256 public counter;

    function onInferenceResult(uint256, uint256[] calldata) external {
        while (true) {
            ++counter;
        }
    }
}
