// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {IOperatorStaking} from "../src/interfaces/IOperatorStaking.sol";
import {RecordingConsumer} from "./utils/RecordingConsumer.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";
import {SQUARE_PROOF_BENEFICIARY} from "./utils/SquareFixture.sol";

/// @dev Attestations: submission, finalization, voiding, disputes by proof and equivocation.
contract InferenceOracleAttestedTest is VeridictTest {
    uint256[] internal wrongOutput;

    function setUp() public override {
        super.setUp();
        wrongOutput = _words(squareOutput[0] + 1);
    }

    function test_SubmitAttestationsIsPendingUntilTheWindowEnds() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        address[] memory signers = new address[](3);
        (signers[0], signers[1], signers[2]) = (operators[0], operators[1], operators[2]);
        uint64 challengeEnd = uint64(block.timestamp + CHALLENGE_WINDOW);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.AttestationSubmitted(
            requestId, address(this), _hashWords(squareOutput), squareOutput, signers, challengeEnd
        );
        _attestSquare(requestId, squareOutput, 3);

        assertEq(uint8(oracle.getRequest(requestId).status), uint8(IInferenceOracle.Status.Attested));
        (uint64 end, address[] memory stored) = oracle.getAttestation(requestId);
        assertEq(end, challengeEnd);
        assertEq(stored, signers);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.ResultNotFinal.selector, requestId, IInferenceOracle.Status.Attested
            )
        );
        oracle.getResult(requestId);

        vm.warp(challengeEnd - 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.ChallengeWindowOpen.selector, requestId, challengeEnd));
        oracle.finalize(requestId);
    }

    function test_FinalizePaysTheSignersAndDeliversOnce() public {
        RecordingConsumer consumer = new RecordingConsumer();
        vm.prank(requester);
        uint256 requestId = oracle.requestInference{value: FEE + 2}(
            squareModel, squareInput, IInferenceOracle.Mode.ATTESTED, 3, address(consumer), 200_000, _deadline()
        );
        _attestSquare(requestId, squareOutput, 3);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.ResultFinalized(requestId, _hashWords(squareOutput), 3);
        oracle.finalize(requestId);

        (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(requestId);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Finalized));
        assertEq(outputHash, _hashWords(squareOutput));
        assertEq(consumer.calls(), 1);
        assertEq(consumer.lastOutput(), squareOutput);
        uint256 share = (FEE + 2) / 3;
        assertEq(staking.getOperator(operators[0]).rewards, FEE + 2 - 2 * share);
        assertEq(staking.getOperator(operators[1]).rewards, share);
        assertEq(staking.getOperator(operators[2]).rewards, share);
        assertEq(staking.getOperator(operators[3]).rewards, 0);
        assertEq(address(oracle).balance, 0);

        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotAttested.selector, requestId, IInferenceOracle.Status.Finalized
            )
        );
        oracle.finalize(requestId);
        assertEq(consumer.calls(), 1);
    }

    function test_MoreSignaturesThanTheQuorumAreAccepted() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        _attestSquare(requestId, squareOutput, 5);
        (, address[] memory signers) = oracle.getAttestation(requestId);
        assertEq(signers.length, 5);
    }

    function test_ModelWithoutVerifierIsServedByAttestation() public {
        uint256 requestId = _requestLarge(2);
        oracle.submitAttestations(
            requestId, largeOutput, _signatures(requestId, largeModel, largeInput, largeOutput, 2)
        );
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(requestId);
        (IInferenceOracle.Status status,) = oracle.getResult(requestId);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Finalized));
    }

    function test_RevertWhen_DisputingAModelWithoutVerifier() public {
        uint256 requestId = _requestLarge(2);
        oracle.submitAttestations(
            requestId, largeOutput, _signatures(requestId, largeModel, largeInput, largeOutput, 2)
        );
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.ModelHasNoVerifier.selector, largeModel));
        oracle.disputeWithProof(requestId, largeInput, _words(1), SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_SubmittingForAZkRequest() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        bytes[] memory signatures = _signatures(requestId, squareModel, squareInput, squareOutput, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.RequestNotAttestable.selector, requestId, IInferenceOracle.Mode.ZK)
        );
        oracle.submitAttestations(requestId, squareOutput, signatures);
    }

    function test_RevertWhen_TooFewOrTooManySignatures() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        bytes[] memory two = _signatures(requestId, squareModel, squareInput, squareOutput, 2);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignatureCountOutOfRange.selector, 2, 3, 8));
        oracle.submitAttestations(requestId, squareOutput, two);
        bytes[] memory nine = new bytes[](9);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignatureCountOutOfRange.selector, 9, 3, 8));
        oracle.submitAttestations(requestId, squareOutput, nine);
    }

    function test_RevertWhen_ASignatureIsMalformed() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        bytes[] memory signatures = _signatures(requestId, squareModel, squareInput, squareOutput, 2);
        signatures[1] = bytes.concat(signatures[1], hex"00");
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidSignature.selector, 1));
        oracle.submitAttestations(requestId, squareOutput, signatures);
    }

    function test_RevertWhen_ASignatureIsTheMalleatedTwin() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            operatorKeys[0], oracle.hashAttestation(_attestation(requestId, squareModel, squareInput, squareOutput))
        );
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = abi.encodePacked(r, bytes32(n - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidSignature.selector, 0));
        oracle.submitAttestations(requestId, squareOutput, signatures);
    }

    function test_RevertWhen_ASignerSignsTwice() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        bytes[] memory signatures = _signatures(requestId, squareModel, squareInput, squareOutput, 2);
        signatures[1] = signatures[0];
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.DuplicateSigner.selector, operators[0]));
        oracle.submitAttestations(requestId, squareOutput, signatures);
    }

    function test_RevertWhen_SignersAreNotAscending() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        bytes[] memory signatures = _signatures(requestId, squareModel, squareInput, squareOutput, 2);
        (signatures[0], signatures[1]) = (signatures[1], signatures[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.SignersNotAscending.selector, 1, operators[0], operators[1])
        );
        oracle.submitAttestations(requestId, squareOutput, signatures);
    }

    function test_RevertWhen_ASignerIsNotAnOperator() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        (address stranger, uint256 key) = makeAddrAndKey("stranger");
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = _sign(key, _attestation(requestId, squareModel, squareInput, squareOutput));
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignerNotActive.selector, stranger));
        oracle.submitAttestations(requestId, squareOutput, signatures);
    }

    function test_RevertWhen_ASignerUnstakedBelowTheMinimum() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        vm.prank(operators[0]);
        staking.requestUnstake(1.5 ether);
        bytes[] memory signatures = _signatures(requestId, squareModel, squareInput, squareOutput, 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignerNotActive.selector, operators[0]));
        oracle.submitAttestations(requestId, squareOutput, signatures);
    }

    function test_RevertWhen_ASlashedOperatorSigns() public {
        _slashByEquivocation(0);
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        bytes[] memory signatures = _signatures(requestId, squareModel, squareInput, squareOutput, 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignerNotActive.selector, operators[0]));
        oracle.submitAttestations(requestId, squareOutput, signatures);
    }

    function test_RevertWhen_SignaturesAreForAnotherOutput() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        bytes[] memory signatures = _signatures(requestId, squareModel, squareInput, wrongOutput, 1);
        address recovered = _recoverExpected(requestId, squareOutput, signatures[0]);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignerNotActive.selector, recovered));
        oracle.submitAttestations(requestId, squareOutput, signatures);
    }

    function test_RevertWhen_SubmittingTwice() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _attestSquare(requestId, squareOutput, 1);
        bytes[] memory signatures = _signatures(requestId, squareModel, squareInput, squareOutput, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotPending.selector, requestId, IInferenceOracle.Status.Attested
            )
        );
        oracle.submitAttestations(requestId, squareOutput, signatures);
    }

    function test_RevertWhen_AttestedOutputIsOutOfRange() public {
        uint256 requestId = _requestLarge(1);
        uint256[] memory output = _words(1 << 160);
        bytes[] memory signatures = _signatures(requestId, largeModel, largeInput, output, 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.OutputWordOutOfRange.selector, 0, 1 << 160, 160));
        oracle.submitAttestations(requestId, output, signatures);
    }

    function test_RevertWhen_FinalizingAnUnknownOrUnattestedRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotFound.selector, 5));
        oracle.finalize(5);
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotAttested.selector, requestId, IInferenceOracle.Status.Requested
            )
        );
        oracle.finalize(requestId);
    }

    function test_DisputeSlashesEverySignerAndMakesTheProvenOutputFinal() public {
        RecordingConsumer consumer = new RecordingConsumer();
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3, address(consumer), 200_000);
        _attestSquare(requestId, wrongOutput, 3);

        uint256 slashed = 3 * 2 ether;
        // Bounty and requester share capped at MAX_BOUNTY; the proof's beneficiary is paid, whoever sends it.
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.SlashDistributed(
            requestId, fulfiller, MAX_BOUNTY, requester, MAX_BOUNTY, treasury, slashed - 2 * MAX_BOUNTY
        );
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.AttestationDisputed(
            requestId, fulfiller, _hashWords(wrongOutput), _hashWords(squareOutput), squareOutput, slashed
        );
        vm.prank(disputer);
        oracle.disputeWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);

        (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(requestId);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(outputHash, _hashWords(squareOutput));
        assertEq(consumer.calls(), 1);
        assertEq(consumer.lastOutput(), squareOutput);
        for (uint256 i; i < 3; ++i) {
            assertTrue(staking.getOperator(operators[i]).slashed);
        }
        assertFalse(staking.getOperator(operators[3]).slashed);
        assertEq(oracle.balanceOf(disputer), 0);
        assertEq(oracle.balanceOf(fulfiller), MAX_BOUNTY);
        assertEq(oracle.balanceOf(requester), MAX_BOUNTY + FEE);
        assertEq(oracle.balanceOf(treasury), slashed - 2 * MAX_BOUNTY);
        assertEq(address(oracle).balance, slashed + FEE);
        assertEq(staking.totalStaked(), 3 * 2 ether);
    }

    function test_RevertWhen_DisputeProvesTheAttestedOutput() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _attestSquare(requestId, squareOutput, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.OutputNotDifferent.selector, requestId, _hashWords(squareOutput))
        );
        oracle.disputeWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_DisputeProofIsInvalid() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _attestSquare(requestId, squareOutput, 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, requestId));
        oracle.disputeWithProof(requestId, squareInput, wrongOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_DisputeUsesOtherInputWords() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _attestSquare(requestId, wrongOutput, 1);
        uint256[] memory input = _words(8);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.InputHashMismatch.selector, requestId, _hashWords(squareInput), _hashWords(input)
            )
        );
        oracle.disputeWithProof(requestId, input, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_DisputingARequestThatIsNotAttested() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotAttested.selector, requestId, IInferenceOracle.Status.Requested
            )
        );
        oracle.disputeWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_DisputeWhereASignerWasAlreadySlashed() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        _attestSquare(requestId, wrongOutput, 2);
        _slashByEquivocation(0);
        vm.prank(disputer);
        oracle.disputeWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        // The equivocation report paid the reporter; the dispute took the one stake left.
        assertEq(oracle.balanceOf(disputer), MAX_BOUNTY);
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), MAX_BOUNTY);
        assertTrue(staking.getOperator(operators[1]).slashed);
    }

    function test_FinalizeVoidsWhenSlashedSignersLeaveItShortOfQuorum() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        _attestSquare(requestId, squareOutput, 2);
        _slashByEquivocation(1);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.AttestationVoided(requestId, 1, 2);
        oracle.finalize(requestId);

        assertEq(uint8(oracle.getRequest(requestId).status), uint8(IInferenceOracle.Status.Requested));
        assertEq(staking.getOperator(operators[0]).rewards, 0);
        assertEq(address(oracle).balance, FEE + 2 ether);

        oracle.submitAttestations(
            requestId, squareOutput, _signaturesFrom(requestId, squareModel, squareInput, squareOutput, 2, 2)
        );
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(requestId);
        assertEq(staking.getOperator(operators[2]).rewards, FEE / 2);
    }

    function test_FinalizePaysOnlyUnslashedSignersAboveQuorum() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        _attestSquare(requestId, squareOutput, 3);
        _slashByEquivocation(0);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(requestId);
        assertEq(staking.getOperator(operators[0]).rewards, 0);
        assertEq(staking.getOperator(operators[1]).rewards, FEE / 2);
        assertEq(staking.getOperator(operators[2]).rewards, FEE / 2);
    }

    function test_ReportEquivocationSlashesTheOperator() public {
        IInferenceOracle.Attestation memory first = _attestation(0, squareModel, squareInput, squareOutput);
        IInferenceOracle.Attestation memory second = _attestation(0, squareModel, squareInput, wrongOutput);
        bytes memory firstSignature = _sign(operatorKeys[0], first);
        bytes memory secondSignature = _sign(operatorKeys[0], second);
        _commitEquivocation(disputer, first, firstSignature, second, secondSignature);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.EquivocationReported(
            operators[0],
            disputer,
            0,
            squareModel,
            _hashWords(squareInput),
            _hashWords(squareOutput),
            _hashWords(wrongOutput),
            2 ether
        );
        vm.prank(disputer);
        oracle.reportEquivocation(first, firstSignature, second, secondSignature);
        assertTrue(staking.getOperator(operators[0]).slashed);
        assertEq(oracle.balanceOf(disputer), MAX_BOUNTY);
        assertEq(oracle.balanceOf(treasury), 2 ether - MAX_BOUNTY);
    }

    function test_EquivocationOnARequestRewardsItsRequester() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.Attestation memory first = _attestation(requestId, squareModel, squareInput, squareOutput);
        IInferenceOracle.Attestation memory second = _attestation(requestId, squareModel, squareInput, wrongOutput);
        bytes memory a = _sign(operatorKeys[0], first);
        bytes memory b = _sign(operatorKeys[0], second);
        _reportEquivocation(disputer, first, a, second, b);
        assertEq(oracle.balanceOf(disputer), MAX_BOUNTY);
        assertEq(oracle.balanceOf(requester), 0.5 ether);
        assertEq(oracle.balanceOf(treasury), 2 ether - MAX_BOUNTY - 0.5 ether);
    }

    function test_RevertWhen_EquivocationSubjectsDiffer() public {
        IInferenceOracle.Attestation memory first = _attestation(1, squareModel, squareInput, squareOutput);
        IInferenceOracle.Attestation memory second = _attestation(2, squareModel, squareInput, wrongOutput);
        bytes memory a = _sign(operatorKeys[0], first);
        bytes memory b = _sign(operatorKeys[0], second);
        vm.expectRevert(IInferenceOracle.AttestationSubjectMismatch.selector);
        oracle.reportEquivocation(first, a, second, b);
        second = _attestation(1, largeModel, squareInput, wrongOutput);
        vm.expectRevert(IInferenceOracle.AttestationSubjectMismatch.selector);
        oracle.reportEquivocation(first, a, second, b);
        second = _attestation(1, squareModel, _words(8), wrongOutput);
        vm.expectRevert(IInferenceOracle.AttestationSubjectMismatch.selector);
        oracle.reportEquivocation(first, a, second, b);
    }

    function test_RevertWhen_EquivocationOutputsAreTheSame() public {
        IInferenceOracle.Attestation memory first = _attestation(0, squareModel, squareInput, squareOutput);
        bytes memory signature = _sign(operatorKeys[0], first);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SameOutput.selector, first.outputHash));
        oracle.reportEquivocation(first, signature, first, signature);
    }

    function test_RevertWhen_EquivocationSignersDiffer() public {
        IInferenceOracle.Attestation memory first = _attestation(0, squareModel, squareInput, squareOutput);
        IInferenceOracle.Attestation memory second = _attestation(0, squareModel, squareInput, wrongOutput);
        bytes memory a = _sign(operatorKeys[0], first);
        bytes memory b = _sign(operatorKeys[1], second);
        _commitEquivocation(address(this), first, a, second, b);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignerMismatch.selector, operators[0], operators[1]));
        oracle.reportEquivocation(first, a, second, b);
        _commitEquivocation(address(this), first, hex"00", second, b);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidSignature.selector, 0));
        oracle.reportEquivocation(first, hex"00", second, b);
        _commitEquivocation(address(this), first, a, second, hex"00");
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidSignature.selector, 1));
        oracle.reportEquivocation(first, a, second, hex"00");
    }

    function test_RevertWhen_EquivocationIsReportedTwice() public {
        _slashByEquivocation(0);
        IInferenceOracle.Attestation memory first = _attestation(0, largeModel, largeInput, squareOutput);
        IInferenceOracle.Attestation memory second = _attestation(0, largeModel, largeInput, wrongOutput);
        bytes memory a = _sign(operatorKeys[0], first);
        bytes memory b = _sign(operatorKeys[0], second);
        _commitEquivocation(address(this), first, a, second, b);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.NothingToSlash.selector, operators[0]));
        oracle.reportEquivocation(first, a, second, b);
    }

    /// @dev The attack: a copy of a report, sent ahead of it, took the bounty. The reveal must come
    ///      from the account that committed, in a later block.
    function test_RevertWhen_AReportIsNotCommittedOrRevealedInTheSameBlock() public {
        IInferenceOracle.Attestation memory first = _attestation(0, squareModel, squareInput, squareOutput);
        IInferenceOracle.Attestation memory second = _attestation(0, squareModel, squareInput, wrongOutput);
        bytes memory a = _sign(operatorKeys[0], first);
        bytes memory b = _sign(operatorKeys[0], second);
        bytes32 commitment = keccak256(abi.encode(disputer, first, a, second, b));
        vm.prank(disputer);
        oracle.commitEquivocation(commitment);
        vm.prank(disputer);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.EquivocationRevealTooEarly.selector, commitment, block.number)
        );
        oracle.reportEquivocation(first, a, second, b);
        vm.roll(block.number + 1);
        // A copier of the reveal has no commitment of its own.
        bytes32 copied = keccak256(abi.encode(address(this), first, a, second, b));
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.EquivocationNotCommitted.selector, copied));
        oracle.reportEquivocation(first, a, second, b);
        vm.prank(disputer);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.EquivocationAlreadyCommitted.selector, commitment));
        oracle.commitEquivocation(commitment);
        vm.prank(disputer);
        oracle.reportEquivocation(first, a, second, b);
        assertEq(oracle.balanceOf(disputer), MAX_BOUNTY);
        assertEq(oracle.balanceOf(address(this)), 0);
        assertEq(oracle.equivocationCommittedAt(commitment), 0);
    }

    function test_OperatorWithdrawsRewardsFromStaking() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _attestSquare(requestId, squareOutput, 1);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(requestId);
        uint256 before = operators[0].balance;
        vm.expectEmit(address(staking));
        emit IOperatorStaking.RewardsWithdrawn(operators[0], FEE);
        vm.prank(operators[0]);
        staking.withdrawRewards();
        assertEq(operators[0].balance - before, FEE);
    }

    /// forge-config: default.fuzz.runs = 128
    function testFuzz_SignatureSets(uint8 quorum, uint8 mask, uint8 corrupt) public {
        quorum = uint8(bound(quorum, 1, OPERATOR_COUNT));
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, quorum);
        IInferenceOracle.Attestation memory attestation =
            _attestation(requestId, squareModel, squareInput, squareOutput);
        uint256 count;
        for (uint256 i; i < OPERATOR_COUNT; ++i) {
            if (mask & (1 << i) != 0) ++count;
        }
        bytes[] memory signatures = new bytes[](count);
        uint256 next;
        for (uint256 i; i < OPERATOR_COUNT; ++i) {
            if (mask & (1 << i) != 0) signatures[next++] = _sign(operatorKeys[i], attestation);
        }
        bool corrupted = count != 0 && corrupt % 2 == 1;
        uint256 corruptedIndex = corrupt % (count == 0 ? 1 : count);
        if (corrupted) signatures[corruptedIndex] = hex"1234";

        if (count < quorum) {
            vm.expectRevert(
                abi.encodeWithSelector(IInferenceOracle.SignatureCountOutOfRange.selector, count, quorum, 8)
            );
        } else if (corrupted) {
            vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidSignature.selector, corruptedIndex));
        }
        oracle.submitAttestations(requestId, squareOutput, signatures);
        if (count >= quorum && !corrupted) {
            (, address[] memory signers) = oracle.getAttestation(requestId);
            assertEq(signers.length, count);
        }
    }

    function _slashByEquivocation(uint256 operator) internal {
        IInferenceOracle.Attestation memory first = _attestation(0, largeModel, largeInput, squareOutput);
        IInferenceOracle.Attestation memory second = _attestation(0, largeModel, largeInput, wrongOutput);
        bytes memory a = _sign(operatorKeys[operator], first);
        bytes memory b = _sign(operatorKeys[operator], second);
        _reportEquivocation(disputer, first, a, second, b);
    }

    function _recoverExpected(uint256 requestId, uint256[] memory output, bytes memory signature)
        internal
        view
        returns (address)
    {
        (bytes32 r, bytes32 s) = abi.decode(signature, (bytes32, bytes32));
        uint8 v = uint8(signature[64]);
        return ecrecover(oracle.hashAttestation(_attestation(requestId, squareModel, squareInput, output)), v, r, s);
    }
}
