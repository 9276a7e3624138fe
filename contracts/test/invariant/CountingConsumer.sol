// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceConsumer} from "../../src/interfaces/IInferenceConsumer.sol";

/// @dev Counts deliveries per request and keeps the hash of the words delivered, so an invariant
///      can check that none is delivered twice and that what was delivered is the final result.
contract CountingConsumer is IInferenceConsumer {
    mapping(uint256 requestId => uint256) public deliveries;
    mapping(uint256 requestId => bytes32) public deliveredHash;

    function onInferenceResult(uint256 requestId, uint256[] calldata outputWords) external {
        ++deliveries[requestId];
        deliveredHash[requestId] = keccak256(abi.encodePacked(outputWords));
    }
}
