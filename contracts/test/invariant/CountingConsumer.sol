// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceConsumer} from "../../src/interfaces/IInferenceConsumer.sol";

/// @dev Counts deliveries per request, so an invariant can check none is delivered twice.
contract CountingConsumer is IInferenceConsumer {
    mapping(uint256 requestId => uint256) public deliveries;

    function onInferenceResult(uint256 requestId, uint256[] calldata) external {
        ++deliveries[requestId];
    }
}
