// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceConsumer} from "../../src/interfaces/IInferenceConsumer.sol";
import {IInferenceOracle} from "../../src/interfaces/IInferenceOracle.sol";
import {SQUARE_PROOF_BENEFICIARY} from "./SquareFixture.sol";

/// @dev Tries to re-enter the oracle from its callback: to withdraw, to fulfil again, to finalize
///      again (alone and in a batch) and to refund. Records what the oracle answered so the test can check every attempt
///      failed. Arm it with the request (as InferenceRequested emitted it), the attestation record
///      (_none() for a proved request) and the proof's inputs before the result is delivered.
contract ReenteringConsumer is IInferenceConsumer {
    IInferenceOracle public immutable ORACLE;
    bytes public withdrawError;
    bytes public fulfilError;
    bytes public finalizeError;
    bytes public finalizeBatchError;
    bytes public refundError;
    uint256 public calls;
    IInferenceOracle.Request internal _request;
    IInferenceOracle.AttestationRecord internal _record;
    uint256[] internal _input;
    bytes internal _proof;

    constructor(IInferenceOracle oracle) {
        ORACLE = oracle;
    }

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
        IInferenceOracle.Request memory request = _request;
        IInferenceOracle.AttestationRecord memory record = _record;
        try ORACLE.withdraw(payable(address(this))) {}
        catch (bytes memory reason) {
            withdrawError = reason;
        }
        try ORACLE.fulfillWithProof(request, record, _input, outputWords, SQUARE_PROOF_BENEFICIARY, _proof) {}
        catch (bytes memory reason) {
            fulfilError = reason;
        }
        try ORACLE.finalize(request, record, outputWords) {}
        catch (bytes memory reason) {
            finalizeError = reason;
        }
        IInferenceOracle.Finalization[] memory items = new IInferenceOracle.Finalization[](1);
        items[0] = IInferenceOracle.Finalization({request: request, attested: record, outputWords: outputWords});
        try ORACLE.finalizeBatch(items) {}
        catch (bytes memory reason) {
            finalizeBatchError = reason;
        }
        try ORACLE.refund(request) {}
        catch (bytes memory reason) {
            refundError = reason;
        }
    }

    receive() external payable {}
}
