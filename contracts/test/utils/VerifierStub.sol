// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceVerifier} from "../../src/interfaces/IInferenceVerifier.sol";

/// @dev A verifier whose answer the test sets.
contract VerifierStub is IInferenceVerifier {
    bool public answer = true;

    function setAnswer(bool value) external {
        answer = value;
    }

    function verify(uint256[] calldata, bytes calldata) external view returns (bool) {
        return answer;
    }
}
