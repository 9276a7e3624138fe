// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceConsumer} from "../../src/interfaces/IInferenceConsumer.sol";

/// @dev Rejects every result.
contract RevertingConsumer is IInferenceConsumer {
    error Rejected(uint256 requestId);

    function onInferenceResult(uint256 requestId, uint256[] calldata) external pure {
        revert Rejected(requestId);
    }
}
