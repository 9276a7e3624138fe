// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceConsumer} from "../../src/interfaces/IInferenceConsumer.sol";
import {IInferenceOracle} from "../../src/interfaces/IInferenceOracle.sol";
import {SQUARE_PROOF_BENEFICIARY} from "./SquareFixture.sol";

/// @dev Tries to re-enter the oracle from its callback: to withdraw, to fulfil again, to finalize
///      again, each with the request (and attestation record) it was armed with. Records what the
///      oracle answered so the test can check every attempt failed.
contract ReenteringConsumer is IInferenceConsumer {
    IInferenceOracle public immutable ORACLE;
    bytes public withdrawError;
    bytes public fulfilError;
    bytes public finalizeError;
    uint256 public calls;
    IInferenceOracle.Request internal _request;
    IInferenceOracle.AttestationRecord internal _record;
    uint256[] internal _input;
    bytes internal _proof;

    constructor(IInferenceOracle oracle) {
        ORACLE = oracle;
    }

    /// @param request The request whose result the callback receives, as InferenceRequested emitted it.
    /// @param record Its attestation record (zero if it has none).
    function arm(
        IInferenceOracle.Request calldata request,
        IInferenceOracle.AttestationRecord calldata record,
        uint256[] calldata inputWords,
        bytes calldata proof
    ) external {
        _request = request;
        _record = record;
        _input = inputWords;
        _proof = proof;
    }

    function onInferenceResult(uint256, uint256[] calldata outputWords) external {
        ++calls;
        try ORACLE.withdraw(payable(address(this))) {}
        catch (bytes memory reason) {
            withdrawError = reason;
        }
        try ORACLE.fulfillWithProof(_request, _record, _input, outputWords, SQUARE_PROOF_BENEFICIARY, _proof) {}
        catch (bytes memory reason) {
            fulfilError = reason;
        }
        try ORACLE.finalize(_request, _record, outputWords) {}
        catch (bytes memory reason) {
            finalizeError = reason;
        }
    }

    receive() external payable {}
}
