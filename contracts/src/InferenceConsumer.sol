// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IInferenceOracle} from "./interfaces/IInferenceOracle.sol";

/// @title InferenceConsumer
/// @notice Base for contracts that request inferences and act on the results. Only the oracle may
///         call the hook, and only for requests this contract made: anyone can name any contract as
///         a request's callback, so a result for a request made elsewhere is refused.
abstract contract InferenceConsumer is IInferenceConsumer {
    error CallerNotOracle(address caller);
    error UnknownRequest(uint256 requestId);

    /// @notice The oracle this consumer requests from.
    IInferenceOracle public immutable ORACLE;

    mapping(uint256 requestId => bool) private _pending;

    constructor(IInferenceOracle oracle) {
        ORACLE = oracle;
    }

    /// @notice Called by the oracle with the final output of a request this contract made.
    function onInferenceResult(uint256 requestId, uint256[] calldata outputWords) external {
        if (msg.sender != address(ORACLE)) revert CallerNotOracle(msg.sender);
        if (!_pending[requestId]) revert UnknownRequest(requestId);
        delete _pending[requestId];
        _onInferenceResult(requestId, outputWords);
    }

    /// @dev Requests with this contract as the callback, paying `payment`.
    function _requestInference(
        bytes32 modelId,
        uint256[] memory inputWords,
        IInferenceOracle.Mode mode,
        uint8 quorum,
        uint32 callbackGasLimit,
        uint64 deadline,
        uint256 payment
    ) internal returns (uint256 requestId) {
        requestId = ORACLE.requestInference{value: payment}(
            modelId, inputWords, mode, quorum, address(this), callbackGasLimit, deadline
        );
        _pending[requestId] = true;
    }

    /// @dev Acts on the final output of `requestId`; a revert here leaves the oracle's result standing.
    function _onInferenceResult(uint256 requestId, uint256[] calldata outputWords) internal virtual;
}
