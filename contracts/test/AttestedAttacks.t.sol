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
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.prank(bot);
        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertEq(oracle.balanceOf(bot), 0);
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), FEE);
    }

    function test_RevertWhen_AProofIsSentForAnotherBeneficiary() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.prank(bot);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, request.id));
        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, bot, squareProof);
        vm.expectRevert(IInferenceOracle.InvalidBeneficiary.selector);
        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, address(0), squareProof);
    }

    function test_ALiarCopyingTheDisputeRecoversNothing() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.AttestationRecord memory record = _attest(request, _words(999), 1);
        address liar = operators[_firstEntitled(request, 1)[0]];
        vm.prank(liar);
        oracle.disputeWithProof(request, record, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertEq(oracle.balanceOf(liar), 0);
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), MAX_BOUNTY);
        assertTrue(staking.getOperator(liar).slashed);
    }

    function test_AProofOfTheAttestedOutputMakesItFinalAtOnce() public {
        RecordingConsumer consumer = new RecordingConsumer();
        IInferenceOracle.Request memory request =
            _requestSquare(IInferenceOracle.Mode.ATTESTED, 1, address(consumer), 200_000);
        // Right output: nothing to dispute, a window to wait out.
        IInferenceOracle.AttestationRecord memory record = _attest(request, squareOutput, 1);
        address signer = operators[_firstEntitled(request, 1)[0]];
        assertEq(staking.getOperator(signer).locked, FEE);
        vm.prank(bot);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.OutputNotDifferent.selector, request.id, _hashWords(squareOutput))
        );
        oracle.disputeWithProof(request, record, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        vm.prank(bot);
        oracle.fulfillWithProof(request, record, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);

        (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(outputHash, _hashWords(squareOutput) & ~bytes32(uint256(0xff)));
        assertTrue(oracle.isResult(request.id, squareOutput));
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), FEE);
        assertEq(oracle.balanceOf(bot), 0);
        assertFalse(staking.getOperator(signer).slashed);
        assertEq(staking.getOperator(signer).locked, 0, "the signer's lock is released");
        assertEq(staking.getOperator(signer).rewards, 0, "the prover, not the signer, earned the fee");
        assertEq(consumer.calls(), 1);
        // The attestation is gone: no one can finalize it for the fee once the window ends.
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotAttested.selector, request.id, IInferenceOracle.Status.Fulfilled
            )
        );
        oracle.finalize(request, record, squareOutput);
        assertEq(consumer.calls(), 1);
    }

    function test_RevertWhen_AProofOfAnotherOutputComesAfterTheWindow() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.AttestationRecord memory record = _attest(request, _words(999), 1);
        uint256 challengeEnd = uint32(record.packed);
        assertEq(challengeEnd, block.timestamp + CHALLENGE_WINDOW);
        vm.warp(challengeEnd);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.ChallengeWindowClosed.selector, request.id, challengeEnd)
        );
        oracle.fulfillWithProof(request, record, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_ASelfReportRecoversAtMostTheBountyAndTheVoidedAttestationIsCleared() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.AttestationRecord memory record = _attest(request, squareOutput, 1);
        uint256 position = _firstEntitled(request, 1)[0];
        address liar = operators[position];
        IInferenceOracle.SignedAttestation memory a =
            _signedAlone(operatorKeys[position], _attestationOf(request, squareOutput));
        IInferenceOracle.SignedAttestation memory b =
            _signedAlone(operatorKeys[position], _attestationOf(request, _words(1)));
        _reportEquivocation(liar, a, b);
        assertEq(oracle.balanceOf(liar), MAX_BOUNTY); // of its 2 ETH stake
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(request, record, squareOutput);
        (IInferenceOracle.Status status, bytes32 hash) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Requested));
        assertEq(hash, keccak256(abi.encode(request)) & ~bytes32(uint256(0xff)), "no attestation is left");
        assertEq(staking.getOperator(liar).rewards, 0);
        // The voided record is spent: it cannot be finalized or disputed again.
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotAttested.selector, request.id, IInferenceOracle.Status.Requested
            )
        );
        oracle.finalize(request, record, squareOutput);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotAttested.selector, request.id, IInferenceOracle.Status.Requested
            )
        );
        oracle.disputeWithProof(request, record, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        // And anyone may serve the request by proof at once.
        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        (status,) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), FEE);
    }

    function test_AMalformedProofBurnsAtMostTheVerificationBudget() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        IInferenceOracle.AttestationRecord memory none = _none();
        // A point off the curve: the pairing precompile fails and eats the gas it is given.
        bytes memory junk =
            abi.encode([uint256(1), uint256(3)], [[uint256(1), 2], [uint256(3), 4]], [uint256(1), uint256(2)]);
        bytes memory data = abi.encodeCall(
            oracle.fulfillWithProof, (request, none, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, junk)
        );
        uint256 before = gasleft();
        vm.prank(fulfiller);
        (bool ok,) = address(oracle).call{gas: 20_000_000}(data);
        uint256 used = before - gasleft();
        assertFalse(ok);
        assertLt(used, oracle.verificationGasLimit(3) + 100_000);
    }

    function test_FinalizeCreditsEachSignerWithAnEvent() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        IInferenceOracle.AttestationRecord memory record = _attest(request, squareOutput, 2);
        uint256[] memory signers = _firstEntitled(request, 2);
        uint32 first = staking.indexOf(operators[signers[0]]);
        uint32 second = staking.indexOf(operators[signers[1]]);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        vm.expectEmit(address(staking));
        emit IOperatorStaking.RewardsCredited(first, FEE / 2);
        vm.expectEmit(address(staking));
        emit IOperatorStaking.RewardsCredited(second, FEE / 2);
        oracle.finalize(request, record, squareOutput);
        assertEq(staking.getOperator(operators[signers[0]]).rewards, FEE / 2);
        assertEq(staking.getOperator(operators[signers[1]]).rewards, FEE / 2);
    }
}
