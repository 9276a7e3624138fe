// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IInferenceConsumer
/// @notice The hook a request's callback contract implements. The oracle calls it once per
///         request, when the result is final, with the gas limit the requester set.
interface IInferenceConsumer {
    /// @notice Receives the final output words of `requestId`.
    function onInferenceResult(uint256 requestId, uint256[] calldata outputWords) external;
}
