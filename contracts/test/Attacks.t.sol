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
        uint256 signed = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        uint256 target = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        bytes[] memory signatures = _signatures(signed, squareModel, squareInput, squareOutput, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.SignerNotActive.selector, _recoverFor(target, signatures[0]))
        );
        oracle.submitAttestations(target, squareOutput, signatures);
    }

    function test_OffChainAttestationsDoNotServeARequest() public {
        uint256 target = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        bytes[] memory offChain = _signatures(0, squareModel, squareInput, squareOutput, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.SignerNotActive.selector, _recoverFor(target, offChain[0]))
        );
        oracle.submitAttestations(target, squareOutput, offChain);
        assertEq(uint8(oracle.getRequest(target).status), uint8(IInferenceOracle.Status.Requested));
    }

    function test_SignaturesFromAnotherChainDoNotVerify() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        uint256 chainId = block.chainid;
        vm.chainId(chainId + 1);
        bytes[] memory foreign = _signatures(requestId, squareModel, squareInput, squareOutput, 1);
        vm.chainId(chainId);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.SignerNotActive.selector, _recoverFor(requestId, foreign[0]))
        );
        oracle.submitAttestations(requestId, squareOutput, foreign);

        bytes[] memory local = _signatures(requestId, squareModel, squareInput, squareOutput, 1);
        assertTrue(keccak256(foreign[0]) != keccak256(local[0]));
        oracle.submitAttestations(requestId, squareOutput, local);
    }

    function test_SignaturesForAnotherOracleDoNotVerify() public {
        address next = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        OperatorStaking otherStaking = new OperatorStaking(next, MIN_STAKE, UNBONDING_PERIOD);
        InferenceOracle other = new InferenceOracle(registry, otherStaking, treasury, CHALLENGE_WINDOW, MAX_BOUNTY);

        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.Attestation memory attestation =
            _attestation(requestId, squareModel, squareInput, squareOutput);
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = _signWith(other, operatorKeys[0], attestation);
        assertTrue(other.hashAttestation(attestation) != oracle.hashAttestation(attestation));
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.SignerNotActive.selector, _recoverFor(requestId, signatures[0]))
        );
        oracle.submitAttestations(requestId, squareOutput, signatures);
    }

    function test_ReenteringConsumerCannotWithdrawFulfilOrFinalizeAgain() public {
        ReenteringConsumer consumer = new ReenteringConsumer(oracle);
        consumer.arm(squareInput, squareProof);
        vm.deal(address(consumer), 1 ether);
        vm.prank(address(consumer));
        uint256 requestId = oracle.requestInference{value: FEE}(
            squareModel, squareInput, IInferenceOracle.Mode.ATTESTED, 1, address(consumer), 2_000_000, _deadline()
        );
        _attestSquare(requestId, squareOutput, 1);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(requestId);

        bytes memory reentrancy = abi.encodeWithSelector(IInferenceOracle.Reentrancy.selector);
        assertEq(consumer.calls(), 1);
        assertEq(consumer.withdrawError(), reentrancy);
        assertEq(consumer.fulfilError(), reentrancy);
        assertEq(consumer.finalizeError(), reentrancy);
        (IInferenceOracle.Status status,) = oracle.getResult(requestId);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Finalized));
    }

    function test_ReenteringConsumerOnAProvedResult() public {
        ReenteringConsumer consumer = new ReenteringConsumer(oracle);
        consumer.arm(squareInput, squareProof);
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0, address(consumer), 2_000_000);
        vm.prank(fulfiller);
        oracle.fulfillWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertEq(consumer.calls(), 1);
        assertEq(consumer.fulfilError(), abi.encodeWithSelector(IInferenceOracle.Reentrancy.selector));
        assertEq(oracle.balanceOf(fulfiller), FEE);
    }

    function test_GasBurningCallbackOnlyBurnsItsOwnLimit() public {
        GasBurningConsumer consumer = new GasBurningConsumer();
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0, address(consumer), 300_000);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.CallbackFailed(requestId, address(consumer));
        vm.prank(fulfiller);
        oracle.fulfillWithProof{gas: 1_000_000}(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        uint256 used = vm.lastCallGas().gasTotalUsed;
        assertLt(used, 258_100 + 300_000 + 20_000);
        (IInferenceOracle.Status status,) = oracle.getResult(requestId);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(oracle.balanceOf(fulfiller), FEE);
    }

    function test_RevertWhen_FulfillingAfterTheDeadline() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        uint256 deadline = oracle.getRequest(requestId).deadline;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestExpired.selector, requestId, deadline));
        oracle.fulfillWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_AttestingAfterTheDeadline() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        uint256 deadline = oracle.getRequest(requestId).deadline;
        bytes[] memory signatures = _signatures(requestId, squareModel, squareInput, squareOutput, 1);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestExpired.selector, requestId, deadline));
        oracle.submitAttestations(requestId, squareOutput, signatures);
        oracle.refund(requestId);
    }

    function test_RevertWhen_DisputingAfterTheWindow() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _attestSquare(requestId, _words(squareOutput[0] + 1), 1);
        uint256 challengeEnd = block.timestamp + CHALLENGE_WINDOW;
        vm.warp(challengeEnd);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.ChallengeWindowClosed.selector, requestId, challengeEnd)
        );
        oracle.disputeWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_StakeBackingAnAttestationCannotLeaveBeforeTheWindowEnds() public {
        uint256 requestId = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _attestSquare(requestId, _words(squareOutput[0] + 1), 1);
        vm.startPrank(operators[0]);
        staking.requestUnstake(2 ether);
        uint256 unbondingEnd = block.timestamp + UNBONDING_PERIOD;
        vm.warp(block.timestamp + CHALLENGE_WINDOW - 1);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.UnbondingNotFinished.selector, unbondingEnd));
        staking.withdrawStake();
        vm.stopPrank();
        vm.prank(disputer);
        oracle.disputeWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertTrue(staking.getOperator(operators[0]).slashed);
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), MAX_BOUNTY);
    }

    function test_RevertWhen_StrangerSlashesThroughStaking() public {
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.CallerNotOracle.selector, disputer));
        vm.prank(disputer);
        staking.slash(operators[0]);
    }

    /// @dev Whom the oracle recovers from `signature` when it is offered for `requestId`.
    function _recoverFor(uint256 requestId, bytes memory signature) internal view returns (address) {
        bytes32 r;
        bytes32 s;
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
        }
        bytes32 digest = oracle.hashAttestation(_attestation(requestId, squareModel, squareInput, squareOutput));
        return ecrecover(digest, uint8(signature[64]), r, s);
    }
}
