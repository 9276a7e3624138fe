// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {InferenceOracle} from "../src/InferenceOracle.sol";
import {OperatorStaking} from "../src/OperatorStaking.sol";
import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {RecordingConsumer} from "./utils/RecordingConsumer.sol";
import {RevertingConsumer} from "./utils/RevertingConsumer.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";
import {SQUARE_PROOF_BENEFICIARY} from "./utils/SquareFixture.sol";

/// @dev Proved fulfilment, callbacks, results, refunds, withdrawals and the oracle's configuration.
contract InferenceOracleZkTest is VeridictTest {
    function _fulfil(uint256 requestId) internal {
        vm.prank(fulfiller);
        oracle.fulfillWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_FulfillWithProofIsFinalAndPaysTheFulfiller() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.ResultFulfilled(requestId, fulfiller, _hashWords(squareOutput), squareOutput);
        _fulfil(requestId);

        (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(requestId);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(outputHash, _hashWords(squareOutput));
        assertEq(oracle.getRequest(requestId).dataHash, _hashWords(squareOutput));
        assertEq(oracle.balanceOf(fulfiller), FEE);
        assertEq(address(oracle).balance, FEE);
    }

    function test_FulfillWithAPlonkProof() public {
        (bytes32 plonkModel, bytes memory plonkProof) = _registerSquarePlonk();
        vm.prank(requester);
        uint256 requestId = oracle.requestInference{value: FEE}(
            plonkModel, squareInput, IInferenceOracle.Mode.ZK, 0, address(0), 0, _deadline()
        );
        vm.prank(fulfiller);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, requestId));
        oracle.fulfillWithProof(requestId, squareInput, _words(squareOutput[0] + 1), SQUARE_PROOF_BENEFICIARY, plonkProof);
        vm.prank(fulfiller);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, requestId));
        oracle.fulfillWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        vm.prank(fulfiller);
        oracle.fulfillWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, plonkProof);
        (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(requestId);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(outputHash, _hashWords(squareOutput));
    }

    function test_AnyoneMayProveAnAttestedRequest() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        _fulfil(requestId);
        (IInferenceOracle.Status status,) = oracle.getResult(requestId);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
    }

    function test_CallbackGetsTheOutputOnceWithinItsGasLimit() public {
        RecordingConsumer consumer = new RecordingConsumer();
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0, address(consumer), 200_000);
        _fulfil(requestId);
        assertEq(consumer.calls(), 1);
        assertEq(consumer.lastRequestId(), requestId);
        assertEq(consumer.lastOutput(), squareOutput);
        assertLe(consumer.gasAtEntry(), 200_000);
        assertGt(consumer.gasAtEntry(), 190_000);

        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotPending.selector, requestId, IInferenceOracle.Status.Fulfilled
            )
        );
        _fulfil(requestId);
        assertEq(consumer.calls(), 1);
    }

    function test_RevertingCallbackKeepsTheResult() public {
        RevertingConsumer consumer = new RevertingConsumer();
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0, address(consumer), 50_000);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.CallbackFailed(requestId, address(consumer));
        _fulfil(requestId);
        (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(requestId);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(outputHash, _hashWords(squareOutput));
        assertEq(oracle.balanceOf(fulfiller), FEE);
    }

    function test_CallbackWithoutCodeFails() public {
        address callback = makeAddr("not a contract");
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0, callback, 50_000);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.CallbackFailed(requestId, callback);
        _fulfil(requestId);
    }

    function test_RevertWhen_CallerLeavesTooLittleGasForTheCallback() public {
        RecordingConsumer consumer = new RecordingConsumer();
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0, address(consumer), 5_000_000);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InsufficientGasForCallback.selector, 5_000_000));
        vm.prank(fulfiller);
        oracle.fulfillWithProof{gas: 1_000_000}(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertEq(consumer.calls(), 0);
    }

    function test_RevertWhen_FulfillingAnUnknownRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotFound.selector, 7));
        oracle.fulfillWithProof(7, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_InputWordsDoNotMatchTheRequest() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        uint256[] memory input = _words(8);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.InputHashMismatch.selector, requestId, _hashWords(squareInput), _hashWords(input)
            )
        );
        oracle.fulfillWithProof(requestId, input, _words(67), SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    /// @dev The proof check covers the output's shape: the key takes exactly the model's signal count
    ///      and the circuit packs range-checked values.
    function test_RevertWhen_OutputWordCountIsWrong() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, requestId));
        oracle.fulfillWithProof(requestId, squareInput, new uint256[](0), SQUARE_PROOF_BENEFICIARY, squareProof);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, requestId));
        oracle.fulfillWithProof(requestId, squareInput, _words2(squareOutput[0], 0), SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_OutputWordIsOutOfRange() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, requestId));
        oracle.fulfillWithProof(requestId, squareInput, _words(squareOutput[0] + (1 << 32)), SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function _words2(uint256 a, uint256 b) internal pure returns (uint256[] memory words) {
        words = new uint256[](2);
        (words[0], words[1]) = (a, b);
    }

    function test_RevertWhen_ProofIsForAnotherOutput() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, requestId));
        oracle.fulfillWithProof(requestId, squareInput, _words(squareOutput[0] + 1), SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_ProofIsTampered() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        bytes memory proof = squareProof;
        proof[31] ^= 0x01;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, requestId));
        oracle.fulfillWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, proof);
    }

    function test_RevertWhen_ModelHasNoVerifier() public {
        uint256 requestId = _requestLarge(1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.ModelHasNoVerifier.selector, largeModel));
        oracle.fulfillWithProof(requestId, largeInput, largeOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_DeprecatedModelStillServesOpenRequests() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.prank(modelOwner);
        registry.deprecateModel(squareModel);
        _fulfil(requestId);
    }

    function test_RevertWhen_ResultIsNotFinal() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.ResultNotFinal.selector, requestId, IInferenceOracle.Status.Requested
            )
        );
        oracle.getResult(requestId);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotFound.selector, 99));
        oracle.getResult(99);
    }

    function test_RefundAfterTheDeadline() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.warp(oracle.getRequest(requestId).deadline + 1);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.RequestRefunded(requestId, requester, FEE);
        oracle.refund(requestId);
        assertEq(oracle.balanceOf(requester), FEE);
        assertEq(uint8(oracle.getRequest(requestId).status), uint8(IInferenceOracle.Status.Refunded));

        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotPending.selector, requestId, IInferenceOracle.Status.Refunded
            )
        );
        oracle.refund(requestId);
    }

    function test_RevertWhen_RefundingBeforeTheDeadline() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        uint256 deadline = oracle.getRequest(requestId).deadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotExpired.selector, requestId, deadline));
        oracle.refund(requestId);
    }

    function test_RevertWhen_RefundingAFulfilledOrUnknownRequest() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        _fulfil(requestId);
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotPending.selector, requestId, IInferenceOracle.Status.Fulfilled
            )
        );
        oracle.refund(requestId);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotFound.selector, 99));
        oracle.refund(99);
    }

    function test_WithdrawSendsTheWholeBalance() public {
        _fulfil(_requestSquare(IInferenceOracle.Mode.ZK, 0));
        address payable to = payable(makeAddr("to"));
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.Withdrawn(fulfiller, to, FEE);
        vm.prank(fulfiller);
        oracle.withdraw(to);
        assertEq(to.balance, FEE);
        assertEq(oracle.balanceOf(fulfiller), 0);
        assertEq(address(oracle).balance, 0);
    }

    function test_RevertWhen_NothingToWithdraw() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.NothingToWithdraw.selector, fulfiller));
        vm.prank(fulfiller);
        oracle.withdraw(payable(fulfiller));
    }

    function test_RevertWhen_RecipientRejectsEther() public {
        _fulfil(_requestSquare(IInferenceOracle.Mode.ZK, 0));
        address rejecting = address(new RevertingConsumer());
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.EtherTransferFailed.selector, rejecting, FEE));
        vm.prank(fulfiller);
        oracle.withdraw(payable(rejecting));
        assertEq(oracle.balanceOf(fulfiller), FEE);
    }

    function test_RevertWhen_SendingEtherToTheOracle() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.UnexpectedEther.selector, requester));
        vm.prank(requester);
        (bool success,) = address(oracle).call{value: 1}("");
        success;
    }

    function test_Eip712DomainIsVeridictVersion1OnThisChainAndOracle() public view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Veridict"),
                keccak256("1"),
                block.chainid,
                address(oracle)
            )
        );
        assertEq(oracle.DOMAIN_SEPARATOR(), expected);
        (bytes1 fields, string memory name, string memory version, uint256 chainId, address verifying,,) =
            oracle.eip712Domain();
        assertEq(fields, hex"0f");
        assertEq(name, "Veridict");
        assertEq(version, "1");
        assertEq(chainId, block.chainid);
        assertEq(verifying, address(oracle));
        assertEq(
            oracle.ATTESTATION_TYPEHASH(),
            keccak256("Attestation(uint256 requestId,bytes32 modelId,bytes32 inputHash,bytes32 outputHash)")
        );

        IInferenceOracle.Attestation memory attestation = _attestation(3, squareModel, squareInput, squareOutput);
        bytes32 structHash = keccak256(
            abi.encode(
                oracle.ATTESTATION_TYPEHASH(), 3, squareModel, _hashWords(squareInput), _hashWords(squareOutput)
            )
        );
        assertEq(oracle.hashAttestation(attestation), keccak256(abi.encodePacked("\x19\x01", expected, structHash)));
    }

    function test_DomainSeparatorFollowsTheChainId() public {
        bytes32 before = oracle.DOMAIN_SEPARATOR();
        vm.chainId(999);
        assertTrue(oracle.DOMAIN_SEPARATOR() != before);
    }

    function test_RevertWhen_OracleConfigurationIsInvalid() public {
        address next = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        OperatorStaking otherStaking = new OperatorStaking(next, MIN_STAKE, 1 days);

        vm.expectRevert(IInferenceOracle.InvalidTreasury.selector);
        new InferenceOracle(registry, otherStaking, address(0), 12 hours, MAX_BOUNTY);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidChallengeWindow.selector, 0));
        new InferenceOracle(registry, otherStaking, treasury, 0, MAX_BOUNTY);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidChallengeWindow.selector, 366 days));
        new InferenceOracle(registry, otherStaking, treasury, 366 days, MAX_BOUNTY);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidMaxBounty.selector, 0));
        new InferenceOracle(registry, otherStaking, treasury, 12 hours, 0);
        address attempted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.StakingOracleMismatch.selector, address(oracle), attempted)
        );
        new InferenceOracle(registry, staking, treasury, 12 hours, MAX_BOUNTY);
        next = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        otherStaking = new OperatorStaking(next, MIN_STAKE, 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.UnbondingNotLongerThanChallengeWindow.selector, 1 days, 1 days)
        );
        new InferenceOracle(registry, otherStaking, treasury, 1 days, MAX_BOUNTY);
    }
}
