// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {InferenceOracle} from "../src/InferenceOracle.sol";
import {OperatorStaking} from "../src/OperatorStaking.sol";
import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {IOperatorStaking} from "../src/interfaces/IOperatorStaking.sol";
import {GasBurningConsumer} from "./utils/GasBurningConsumer.sol";
import {ReenteringConsumer} from "./utils/ReenteringConsumer.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";
import {SQUARE_PROOF_BENEFICIARY} from "./utils/SquareFixture.sol";

/// @dev What an adversary would try: replaying signatures, re-entering from a callback, burning
///      the callback's gas, acting after a deadline or a window.
contract AttacksTest is VeridictTest {
    function test_SignaturesForOneRequestDoNotServeAnother() public {
        IInferenceOracle.Request memory signed = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.Request memory target = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _draw(target);
        bytes[] memory signatures = _signatures(signed, squareOutput, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, _recoverFor(target, signatures[0]))
        );
        oracle.submitAttestations(_results(target, squareOutput), signatures);
        _assertRequested(target);
    }

    /// @dev Off-chain attestations (request id 0), signed alone or in a batch, serve no request.
    function test_OffChainAttestationsDoNotServeARequest() public {
        IInferenceOracle.Request memory target = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _draw(target);
        uint256 position = _firstEntitled(target, 1)[0];
        IInferenceOracle.Attestation memory offChain = _attestation(0, squareModel, squareInput, squareOutput);
        bytes[] memory alone = new bytes[](1);
        alone[0] = _sign(operatorKeys[position], offChain);
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, _recoverFor(target, alone[0]))
        );
        oracle.submitAttestations(_results(target, squareOutput), alone);

        IInferenceOracle.Attestation[] memory batch = new IInferenceOracle.Attestation[](1);
        batch[0] = offChain;
        bytes[] memory batched = new bytes[](1);
        batched[0] = _signBatch(operatorKeys[position], batch);
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, _recoverFor(target, batched[0]))
        );
        oracle.submitAttestations(_results(target, squareOutput), batched);
        _assertRequested(target);
    }

    /// @dev A signature over the attestation alone (the off-chain form) does not serve it on-chain:
    ///      submissions take the AttestationBatch digest only.
    function test_ASignatureOverTheAttestationAloneDoesNotServeIt() public {
        IInferenceOracle.Request memory target = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _draw(target);
        uint256 position = _firstEntitled(target, 1)[0];
        bytes[] memory alone = new bytes[](1);
        alone[0] = _sign(operatorKeys[position], _attestationOf(target, squareOutput));
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, _recoverFor(target, alone[0]))
        );
        oracle.submitAttestations(_results(target, squareOutput), alone);
        _assertRequested(target);
    }

    function test_SignaturesFromAnotherChainDoNotVerify() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _draw(request);
        uint256 chainId = block.chainid;
        vm.chainId(chainId + 1);
        bytes[] memory foreign = _signatures(request, squareOutput, 1);
        vm.chainId(chainId);
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, _recoverFor(request, foreign[0]))
        );
        oracle.submitAttestations(_results(request, squareOutput), foreign);

        bytes[] memory local = _signatures(request, squareOutput, 1);
        assertTrue(keccak256(foreign[0]) != keccak256(local[0]));
        oracle.submitAttestations(_results(request, squareOutput), local);
    }

    function test_SignaturesForAnotherOracleDoNotVerify() public {
        (InferenceOracle other,,) = _newProtocol(UNBONDING_PERIOD, CHALLENGE_WINDOW);

        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _draw(request);
        uint256 position = _firstEntitled(request, 1)[0];
        IInferenceOracle.Attestation[] memory batch = new IInferenceOracle.Attestation[](1);
        batch[0] = _attestationOf(request, squareOutput);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(operatorKeys[position], other.hashAttestationBatch(batch));
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = abi.encodePacked(r, s, v);
        assertTrue(other.hashAttestationBatch(batch) != oracle.hashAttestationBatch(batch));
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, _recoverFor(request, signatures[0]))
        );
        oracle.submitAttestations(_results(request, squareOutput), signatures);
    }

    function test_ReenteringConsumerCannotWithdrawFulfilOrFinalizeAgain() public {
        ReenteringConsumer consumer = new ReenteringConsumer(oracle);
        vm.deal(address(consumer), 1 ether);
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 1);
        options.callback = address(consumer);
        options.callbackGasLimit = 2_000_000;
        vm.recordLogs();
        vm.prank(address(consumer));
        oracle.requestInference{value: FEE}(squareModel, squareInput, options);
        IInferenceOracle.Request memory request = _requestFromLogs(vm.getRecordedLogs());
        assertEq(request.requester, address(consumer));
        IInferenceOracle.AttestationRecord memory record = _attest(request, squareOutput, 1);
        consumer.arm(request, record, squareInput, squareProof);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(request, record, squareOutput);

        bytes memory reentrancy = abi.encodeWithSelector(IInferenceOracle.Reentrancy.selector);
        assertEq(consumer.calls(), 1);
        assertEq(consumer.withdrawError(), reentrancy);
        assertEq(consumer.fulfilError(), reentrancy);
        assertEq(consumer.finalizeError(), reentrancy);
        assertEq(consumer.finalizeBatchError(), reentrancy);
        (IInferenceOracle.Status status,) = oracle.getResult(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Finalized));
        assertEq(address(consumer).balance, 1 ether - FEE);
    }

    function test_ReenteringConsumerOnAProvedResult() public {
        ReenteringConsumer consumer = new ReenteringConsumer(oracle);
        IInferenceOracle.Request memory request =
            _requestSquare(IInferenceOracle.Mode.ZK, 0, address(consumer), 2_000_000);
        consumer.arm(request, _none(), squareInput, squareProof);
        vm.prank(fulfiller);
        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertEq(consumer.calls(), 1);
        assertEq(consumer.fulfilError(), abi.encodeWithSelector(IInferenceOracle.Reentrancy.selector));
        assertEq(oracle.balanceOf(fulfiller), FEE);
    }

    /// @dev A callback that burns all its gas costs the deliverer its limit and no more: the same
    ///      fulfilment without a callback (measured from the same state), plus the limit, plus the
    ///      call's own overhead.
    function test_GasBurningCallbackOnlyBurnsItsOwnLimit() public {
        GasBurningConsumer consumer = new GasBurningConsumer();
        IInferenceOracle.Request memory request =
            _requestSquare(IInferenceOracle.Mode.ZK, 0, address(consumer), 300_000);
        IInferenceOracle.Request memory plain = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        uint256 snapshot = vm.snapshotState();
        vm.prank(fulfiller);
        oracle.fulfillWithProof{gas: 1_000_000}(
            plain, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof
        );
        uint256 base = vm.lastCallGas().gasTotalUsed;
        vm.revertToState(snapshot);

        vm.expectEmit(address(oracle));
        emit IInferenceOracle.CallbackFailed(request.id, address(consumer));
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.CallbackSettled(request.id, fulfiller, 300_000, 0, 0);
        vm.prank(fulfiller);
        oracle.fulfillWithProof{gas: 1_000_000}(
            request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof
        );
        uint256 used = vm.lastCallGas().gasTotalUsed;
        assertGt(used, base + 300_000, "the callback burnt its whole limit");
        assertLt(used, base + 300_000 + 20_000, "and the deliverer paid little beyond it");
        (IInferenceOracle.Status status,) = oracle.getResult(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(oracle.balanceOf(fulfiller), FEE);
    }

    function test_RevertWhen_FulfillingAfterTheDeadline() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        uint256 deadline = request.deadline;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestExpired.selector, request.id, deadline));
        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_AttestingAfterTheDeadline() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _draw(request);
        uint256 deadline = request.deadline;
        bytes[] memory signatures = _signatures(request, squareOutput, 1);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestExpired.selector, request.id, deadline));
        oracle.submitAttestations(_results(request, squareOutput), signatures);
        oracle.refund(request);
        assertEq(oracle.balanceOf(requester), FEE);
    }

    function test_RevertWhen_DisputingAfterTheWindow() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.AttestationRecord memory record = _attest(request, _words(squareOutput[0] + 1), 1);
        uint256 challengeEnd = block.timestamp + CHALLENGE_WINDOW;
        assertEq(uint32(record.packed), challengeEnd);
        vm.warp(challengeEnd);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.ChallengeWindowClosed.selector, request.id, challengeEnd)
        );
        oracle.disputeWithProof(request, record, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    /// @dev The stake a signature locks cannot start unbonding; what the signer can unbond stays
    ///      slashable until the unbonding period (longer than the window) is over.
    function test_StakeBackingAnAttestationCannotLeaveBeforeTheWindowEnds() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.AttestationRecord memory record = _attest(request, _words(squareOutput[0] + 1), 1);
        address signer = operators[_firstEntitled(request, 1)[0]];
        assertEq(staking.getOperator(signer).locked, FEE);
        vm.startPrank(signer);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.InsufficientStake.selector, 2 ether, 2 ether - FEE));
        staking.requestUnstake(2 ether);
        staking.requestUnstake(2 ether - FEE);
        uint256 unbondingEnd = block.timestamp + UNBONDING_PERIOD;
        vm.warp(block.timestamp + CHALLENGE_WINDOW - 1);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.UnbondingNotFinished.selector, unbondingEnd));
        staking.withdrawStake();
        vm.stopPrank();
        vm.expectEmit(address(staking));
        emit IOperatorStaking.OperatorSlashed(signer, 2 ether);
        vm.prank(disputer);
        oracle.disputeWithProof(request, record, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertTrue(staking.getOperator(signer).slashed);
        assertEq(staking.getOperator(signer).unbonding, 0, "the unbonding stake was slashed too");
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), MAX_BOUNTY);
    }

    function test_RevertWhen_StrangerSlashesThroughStaking() public {
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.CallerNotOracle.selector, disputer));
        vm.prank(disputer);
        staking.slash(operators[0]);
        uint32[] memory indices = new uint32[](1);
        indices[0] = staking.indexOf(operators[0]);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.CallerNotOracle.selector, disputer));
        vm.prank(disputer);
        staking.slashAt(indices);
        assertFalse(staking.getOperator(operators[0]).slashed);
    }

    /// @dev Nor can a stranger lock someone's stake or settle (release locks, pay rewards) itself.
    function test_RevertWhen_StrangerLocksOrSettlesThroughStaking() public {
        address[] memory signers = new address[](1);
        signers[0] = operators[0];
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.CallerNotOracle.selector, disputer));
        vm.prank(disputer);
        staking.lock(signers, 2 ether);
        uint32[] memory indices = new uint32[](1);
        indices[0] = staking.indexOf(operators[0]);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.CallerNotOracle.selector, disputer));
        vm.prank(disputer);
        staking.settle{value: 1 ether}(indices, 0, 1);
        assertEq(staking.getOperator(operators[0]).locked, 0);
        assertEq(staking.getOperator(operators[0]).rewards, 0);
    }

    /// @dev Whom the oracle recovers from `signature` when it is offered for `request`'s squareOutput.
    function _recoverFor(IInferenceOracle.Request memory request, bytes memory signature)
        internal
        view
        returns (address)
    {
        bytes32 r;
        bytes32 s;
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
        }
        IInferenceOracle.Attestation[] memory batch = new IInferenceOracle.Attestation[](1);
        batch[0] = _attestationOf(request, squareOutput);
        return ecrecover(oracle.hashAttestationBatch(batch), uint8(signature[64]), r, s);
    }

    function _assertRequested(IInferenceOracle.Request memory request) internal view {
        (IInferenceOracle.Status status, bytes32 hash) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Requested));
        assertEq(hash, keccak256(abi.encode(request)) & ~bytes32(uint256(0xff)));
    }
}
