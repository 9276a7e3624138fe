// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {IOperatorStaking} from "../src/interfaces/IOperatorStaking.sol";
import {RecordingConsumer} from "./utils/RecordingConsumer.sol";
import {SQUARE_PROOF_BENEFICIARY} from "./utils/SquareFixture.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";

/// @dev Attacks on the attested mode's payments, replayed after the fixes. Against the previous
///      contracts each succeeded: a bot copying a fulfilment took its fee; a liar copying the honest
///      dispute recovered half of its own slashed stake; a fake operator attesting the right output
///      blocked every proof until the window ended, then self-reported to recover half its slash and
///      void the attestation (a voided attestation still showed in getAttestation); a malformed
///      proof burned the caller's whole gas limit.
contract AttestedAttacksTest is VeridictTest {
    address internal bot = makeAddr("bot");

    function test_ACopiedFulfilmentPaysTheProver() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.prank(bot);
        oracle.fulfillWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertEq(oracle.balanceOf(bot), 0);
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), FEE);
    }

    function test_RevertWhen_AProofIsSentForAnotherBeneficiary() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.prank(bot);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, requestId));
        oracle.fulfillWithProof(requestId, squareInput, squareOutput, bot, squareProof);
        vm.expectRevert(IInferenceOracle.InvalidBeneficiary.selector);
        oracle.fulfillWithProof(requestId, squareInput, squareOutput, address(0), squareProof);
    }

    function test_ALiarCopyingTheDisputeRecoversNothing() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _attestSquare(requestId, _words(999), 1);
        address liar = operators[0];
        vm.prank(liar);
        oracle.disputeWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertEq(oracle.balanceOf(liar), 0);
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), MAX_BOUNTY);
        assertTrue(staking.getOperator(liar).slashed);
    }

    function test_AProofOfTheAttestedOutputMakesItFinalAtOnce() public {
        RecordingConsumer consumer = new RecordingConsumer();
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1, address(consumer), 200_000);
        _attestSquare(requestId, squareOutput, 1); // right output: nothing to dispute, a window to wait out
        vm.prank(bot);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.OutputNotDifferent.selector, requestId, _hashWords(squareOutput))
        );
        oracle.disputeWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        vm.prank(bot);
        oracle.fulfillWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);

        (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(requestId);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(outputHash, _hashWords(squareOutput));
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), FEE);
        assertFalse(staking.getOperator(operators[0]).slashed);
        assertEq(consumer.calls(), 1);
        (uint64 challengeEnd, address[] memory signers) = oracle.getAttestation(requestId);
        assertEq(challengeEnd, 0);
        assertEq(signers.length, 0);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotAttested.selector, requestId, IInferenceOracle.Status.Fulfilled
            )
        );
        oracle.finalize(requestId);
    }

    function test_RevertWhen_AProofOfAnotherOutputComesAfterTheWindow() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _attestSquare(requestId, _words(999), 1);
        (uint64 challengeEnd,) = oracle.getAttestation(requestId);
        vm.warp(challengeEnd);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.ChallengeWindowClosed.selector, requestId, challengeEnd));
        oracle.fulfillWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_ASelfReportRecoversAtMostTheBountyAndTheVoidedAttestationIsCleared() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _attestSquare(requestId, squareOutput, 1);
        address liar = operators[0];
        IInferenceOracle.Attestation memory a = _attestation(requestId, squareModel, squareInput, squareOutput);
        IInferenceOracle.Attestation memory b = _attestation(requestId, squareModel, squareInput, _words(1));
        _reportEquivocation(liar, a, _sign(operatorKeys[0], a), b, _sign(operatorKeys[0], b));
        assertEq(oracle.balanceOf(liar), MAX_BOUNTY); // of its 2 ETH stake
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(requestId);
        assertEq(uint8(oracle.getRequest(requestId).status), uint8(IInferenceOracle.Status.Requested));
        (uint64 challengeEnd, address[] memory signers) = oracle.getAttestation(requestId);
        assertEq(challengeEnd, 0);
        assertEq(signers.length, 0);
        // And anyone may serve the request by proof at once.
        oracle.fulfillWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertEq(uint8(oracle.getRequest(requestId).status), uint8(IInferenceOracle.Status.Fulfilled));
    }

    function test_AMalformedProofBurnsAtMostTheVerificationBudget() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        // A point off the curve: the pairing precompile fails and eats the gas it is given.
        bytes memory junk =
            abi.encode([uint256(1), uint256(3)], [[uint256(1), 2], [uint256(3), 4]], [uint256(1), uint256(2)]);
        uint256 before = gasleft();
        vm.prank(fulfiller);
        (bool ok,) = address(oracle).call{gas: 20_000_000}(
            abi.encodeCall(
                oracle.fulfillWithProof, (requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, junk)
            )
        );
        uint256 used = before - gasleft();
        assertFalse(ok);
        assertLt(used, oracle.verificationGasLimit(3) + 100_000);
    }

    function test_FinalizeCreditsEachSignerWithAnEvent() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        _attestSquare(requestId, squareOutput, 2);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        vm.expectEmit(address(staking));
        emit IOperatorStaking.RewardsCredited(staking.indexOf(operators[0]), FEE / 2);
        vm.expectEmit(address(staking));
        emit IOperatorStaking.RewardsCredited(staking.indexOf(operators[1]), FEE / 2);
        oracle.finalize(requestId);
    }
}
