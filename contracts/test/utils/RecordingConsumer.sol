// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceConsumer} from "../../src/interfaces/IInferenceConsumer.sol";

/// @dev Records every callback it gets.
contract RecordingConsumer is IInferenceConsumer {
    uint256 public calls;
    uint256 public lastRequestId;
    uint256[] internal _lastOutput;
    uint256 public gasAtEntry;

    function onInferenceResult(uint256 requestId, uint256[] calldata outputWords) external {
        gasAtEntry = gasleft();
        ++calls;
        lastRequestId = requestId;
        _lastOutput = outputWords;
    }

    function lastOutput() external view returns (uint256[] memory) {
        return _lastOutput;
    }
}
