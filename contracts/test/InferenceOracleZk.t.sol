// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Test.sol";

import {InferenceOracle} from "../src/InferenceOracle.sol";
import {OperatorStaking} from "../src/OperatorStaking.sol";
import {TraceDisputes} from "../src/dispute/TraceDisputes.sol";
import {ITraceDisputes} from "../src/interfaces/ITraceDisputes.sol";
import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {RecordingConsumer} from "./utils/RecordingConsumer.sol";
import {ReenteringConsumer} from "./utils/ReenteringConsumer.sol";
import {RevertingConsumer} from "./utils/RevertingConsumer.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";
import {SQUARE_PROOF_BENEFICIARY} from "./utils/SquareFixture.sol";

/// @dev Proved fulfilment, callbacks and their prepaid gas, results, refunds, withdrawals and the
///      oracle's configuration.
contract InferenceOracleZkTest is VeridictTest {
    /// @dev Number of fields of IInferenceOracle.Request.
    uint256 internal constant REQUEST_FIELDS = 18;

    address internal relayer = makeAddr("relayer");

    function _fulfil(IInferenceOracle.Request memory request) internal {
        vm.prank(fulfiller);
        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    /// @dev A hash as the oracle reports it: lowest byte cleared (it holds the status).
    function _reported(bytes32 hash) internal pure returns (bytes32) {
        return hash & ~bytes32(uint256(0xff));
    }

    /// @dev A square request with a callback at `gasLimit` and `gasPrice`, paying exactly the fee
    ///      plus the prepayment.
    function _requestWithCallback(address callback, uint32 gasLimit, uint64 gasPrice)
        internal
        returns (IInferenceOracle.Request memory)
    {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        options.callback = callback;
        options.callbackGasLimit = gasLimit;
        options.callbackGasPrice = gasPrice;
        return _request(squareModel, squareInput, options, FEE + uint256(gasLimit) * gasPrice);
    }

    /// @dev A copy of `request` with field number `field` changed (the id to `otherId`).
    function _altered(IInferenceOracle.Request memory request, uint256 field, uint256 otherId)
        internal
        returns (IInferenceOracle.Request memory altered)
    {
        altered = abi.decode(abi.encode(request), (IInferenceOracle.Request));
        if (field == 0) altered.id = otherId;
        else if (field == 1) altered.modelId = largeModel;
        else if (field == 2) altered.inputHash = _hashWords(_words(8));
        else if (field == 3) altered.requester = makeAddr("impostor");
        else if (field == 4) altered.fee += 1;
        else if (field == 5) altered.callback = makeAddr("other callback");
        else if (field == 6) altered.callbackGasLimit += 1;
        else if (field == 7) altered.callbackGasPrice += 1;
        else if (field == 8) altered.deadline -= 1;
        else if (field == 9) altered.mode = IInferenceOracle.Mode.ATTESTED;
        else if (field == 10) altered.quorum += 1;
        else if (field == 11) altered.provable = !altered.provable;
        else if (field == 12) altered.modelIndex += 1;
        else if (field == 13) altered.outputValues += 1;
        else if (field == 14) altered.outputBits -= 1;
        else if (field == 15) altered.blockNumber -= 1;
        else if (field == 16) altered.valueAtRisk += 1;
        else if (field == 17) altered.totalWeight += 1;
        assertTrue(keccak256(abi.encode(altered)) != keccak256(abi.encode(request)), "the field was changed");
    }

    function test_FulfillWithProofIsFinalAndPaysTheFulfiller() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.ResultFulfilled(request.id, fulfiller, _hashWords(squareOutput), squareOutput);
        _fulfil(request);

        (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(outputHash, _reported(_hashWords(squareOutput)));
        (IInferenceOracle.Status state, bytes32 stored) = oracle.getRequestState(request.id);
        assertEq(uint8(state), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(stored, _reported(_hashWords(squareOutput)), "the stored word now holds the output's hash");
        assertTrue(oracle.isResult(request.id, squareOutput));
        assertEq(oracle.balanceOf(fulfiller), FEE);
        assertEq(address(oracle).balance, FEE);
    }

    /// @dev Whoever sends the proof, the beneficiary it binds is paid.
    function test_ACopiedProofStillPaysItsBeneficiary() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.prank(relayer);
        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), FEE);
        assertEq(oracle.balanceOf(relayer), 0);

        IInferenceOracle.Request memory second = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, second.id));
        vm.prank(relayer);
        oracle.fulfillWithProof(second, _none(), squareInput, squareOutput, relayer, squareProof);
        vm.expectRevert(IInferenceOracle.InvalidBeneficiary.selector);
        oracle.fulfillWithProof(second, _none(), squareInput, squareOutput, address(0), squareProof);
    }

    function test_FulfillWithAPlonkProof() public {
        (bytes32 plonkModel, bytes memory plonkProof) = _registerSquarePlonk();
        IInferenceOracle.Request memory request =
            _request(plonkModel, squareInput, _options(IInferenceOracle.Mode.ZK, 0), FEE);
        uint256[] memory wrong = _words(squareOutput[0] + 1);
        vm.prank(fulfiller);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, request.id));
        oracle.fulfillWithProof(request, _none(), squareInput, wrong, SQUARE_PROOF_BENEFICIARY, plonkProof);
        vm.prank(fulfiller);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, request.id));
        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        vm.prank(fulfiller);
        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, plonkProof);
        (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(outputHash, _reported(_hashWords(squareOutput)));
    }

    function test_AnyoneMayProveAnAttestedRequest() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        _fulfil(request);
        (IInferenceOracle.Status status,) = oracle.getResult(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(oracle.balanceOf(fulfiller), FEE);
    }

    /// @dev The oracle checks every call's Request against the hash it stored: no field can be
    ///      changed, so no one fulfils with another model's terms or points the fee elsewhere.
    function test_RevertWhen_FulfillingWithAnyFieldOfTheRequestAltered() public {
        IInferenceOracle.Request memory request =
            _requestWithCallback(address(new RecordingConsumer()), 100_000, 1 gwei);
        IInferenceOracle.Request memory other = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        for (uint256 field; field < REQUEST_FIELDS; ++field) {
            IInferenceOracle.Request memory altered = _altered(request, field, other.id);
            vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestMismatch.selector, altered.id));
            oracle.fulfillWithProof(altered, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        }
        (IInferenceOracle.Status status,) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Requested));
        _fulfil(request);
        assertTrue(oracle.isResult(request.id, squareOutput), "the request as emitted is still served");
    }

    /// @dev A refund pays what the Request says: no field can be raised to take more.
    function test_RevertWhen_RefundingWithAnyFieldOfTheRequestAltered() public {
        IInferenceOracle.Request memory request =
            _requestWithCallback(address(new RecordingConsumer()), 100_000, 1 gwei);
        IInferenceOracle.Request memory other = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.warp(uint256(request.deadline) + 10);
        for (uint256 field; field < REQUEST_FIELDS; ++field) {
            IInferenceOracle.Request memory altered = _altered(request, field, other.id);
            vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestMismatch.selector, altered.id));
            oracle.refund(altered);
        }
        assertEq(oracle.balanceOf(requester), 0);
        oracle.refund(request);
        assertEq(oracle.balanceOf(requester), FEE + 100_000 gwei);
    }

    function test_CallbackGetsTheOutputOnceWithinItsGasLimit() public {
        RecordingConsumer consumer = new RecordingConsumer();
        IInferenceOracle.Request memory request =
            _requestSquare(IInferenceOracle.Mode.ZK, 0, address(consumer), 200_000);
        _fulfil(request);
        assertEq(consumer.calls(), 1);
        assertEq(consumer.lastRequestId(), request.id);
        assertEq(consumer.lastOutput(), squareOutput);
        assertLe(consumer.gasAtEntry(), 200_000);
        assertGt(consumer.gasAtEntry(), 190_000);

        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotPending.selector, request.id, IInferenceOracle.Status.Fulfilled
            )
        );
        _fulfil(request);
        assertEq(consumer.calls(), 1);
    }

    /// @dev The gas the callback used, at the declared price, goes to whoever delivered the result
    ///      (msg.sender, not the proof's beneficiary); the rest back to the requester.
    function test_PrepaidCallbackGasPaysTheDelivererAndRefundsTheRest() public {
        RecordingConsumer consumer = new RecordingConsumer();
        uint256 prepaid = 200_000 * 3 gwei;
        IInferenceOracle.Request memory request = _requestWithCallback(address(consumer), 200_000, 3 gwei);
        vm.recordLogs();
        vm.prank(relayer);
        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        (uint256 gasUsed, uint256 paid, uint256 refunded) = _callbackSettled(vm.getRecordedLogs(), request.id, relayer);

        assertEq(consumer.calls(), 1);
        assertGt(gasUsed, 20_000, "the callback wrote storage");
        assertLt(gasUsed, 200_000);
        assertEq(paid, gasUsed * 3 gwei);
        assertEq(paid + refunded, prepaid);
        assertEq(oracle.balanceOf(relayer), paid);
        assertEq(oracle.balanceOf(requester), refunded);
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), FEE, "the fee is not touched by the callback's gas");
        assertEq(address(oracle).balance, FEE + prepaid);
    }

    function test_RevertingCallbackKeepsTheResult() public {
        RevertingConsumer consumer = new RevertingConsumer();
        IInferenceOracle.Request memory request = _requestWithCallback(address(consumer), 50_000, 1 gwei);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.CallbackFailed(request.id, address(consumer));
        vm.recordLogs();
        _fulfil(request);
        (uint256 gasUsed, uint256 paid, uint256 refunded) = _callbackSettled(vm.getRecordedLogs(), request.id, fulfiller);
        (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(outputHash, _reported(_hashWords(squareOutput)));
        assertGt(gasUsed, 0, "a reverting callback still used gas");
        assertEq(paid, gasUsed * 1 gwei);
        assertEq(oracle.balanceOf(fulfiller), FEE + paid, "the fulfiller sent it: fee and callback gas");
        assertEq(oracle.balanceOf(requester), refunded);
        assertEq(paid + refunded, 50_000 gwei);
    }

    function test_CallbackWithoutCodeFailsAndRefundsItsWholePrepayment() public {
        address callback = makeAddr("not a contract");
        IInferenceOracle.Request memory request = _requestWithCallback(callback, 50_000, 2 gwei);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.CallbackFailed(request.id, callback);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.CallbackSettled(request.id, fulfiller, 0, 0, 50_000 * 2 gwei);
        _fulfil(request);
        assertEq(oracle.balanceOf(requester), 50_000 * 2 gwei);
        assertEq(oracle.balanceOf(fulfiller), FEE);
    }

    function test_RevertWhen_CallerLeavesTooLittleGasForTheCallback() public {
        RecordingConsumer consumer = new RecordingConsumer();
        IInferenceOracle.Request memory request =
            _requestSquare(IInferenceOracle.Mode.ZK, 0, address(consumer), 5_000_000);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InsufficientGasForCallback.selector, 5_000_000));
        vm.prank(fulfiller);
        oracle.fulfillWithProof{gas: 1_000_000}(
            request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof
        );
        assertEq(consumer.calls(), 0);
    }

    /// @dev Every state-changing entry point is closed while a callback runs.
    function test_CallbackCannotReenterTheOracle() public {
        ReenteringConsumer consumer = new ReenteringConsumer(oracle);
        IInferenceOracle.Request memory request =
            _requestSquare(IInferenceOracle.Mode.ZK, 0, address(consumer), 2_000_000);
        consumer.arm(request, _none(), squareInput, squareProof);
        _fulfil(request);
        bytes memory reentrancy = abi.encodeWithSelector(IInferenceOracle.Reentrancy.selector);
        assertEq(consumer.calls(), 1);
        assertEq(consumer.withdrawError(), reentrancy);
        assertEq(consumer.fulfilError(), reentrancy);
        assertEq(consumer.finalizeError(), reentrancy);
        assertEq(consumer.finalizeBatchError(), reentrancy);
        assertEq(consumer.refundError(), reentrancy);
        assertEq(oracle.balanceOf(fulfiller), FEE);
        assertTrue(oracle.isResult(request.id, squareOutput));
    }

    function test_RevertWhen_FulfillingAnUnknownRequest() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        request.id = 7;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotFound.selector, 7));
        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_FulfillingAfterTheDeadline() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.warp(uint256(request.deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestExpired.selector, request.id, request.deadline));
        _fulfil(request);
    }

    function test_RevertWhen_InputWordsDoNotMatchTheRequest() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        uint256[] memory input = _words(8);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.InputHashMismatch.selector, request.id, _hashWords(squareInput), _hashWords(input)
            )
        );
        oracle.fulfillWithProof(request, _none(), input, _words(67), SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    /// @dev The proof check covers the output's shape: the key takes exactly the model's signal count
    ///      and the circuit packs range-checked values.
    function test_RevertWhen_OutputWordCountIsWrong() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, request.id));
        oracle.fulfillWithProof(request, _none(), squareInput, new uint256[](0), SQUARE_PROOF_BENEFICIARY, squareProof);
        uint256[] memory two = _words2(squareOutput[0], 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, request.id));
        oracle.fulfillWithProof(request, _none(), squareInput, two, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_OutputWordIsOutOfRange() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        uint256[] memory output = _words(squareOutput[0] + (1 << 32));
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, request.id));
        oracle.fulfillWithProof(request, _none(), squareInput, output, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function _words2(uint256 a, uint256 b) internal pure returns (uint256[] memory words) {
        words = new uint256[](2);
        (words[0], words[1]) = (a, b);
    }

    function test_RevertWhen_ProofIsForAnotherOutput() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        uint256[] memory output = _words(squareOutput[0] + 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, request.id));
        oracle.fulfillWithProof(request, _none(), squareInput, output, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_ProofIsTampered() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        bytes memory proof = squareProof;
        proof[31] ^= 0x01;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, request.id));
        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, proof);
    }

    function test_RevertWhen_ModelHasNoVerifier() public {
        IInferenceOracle.Request memory request = _requestLarge(1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.ModelHasNoVerifier.selector, largeModel));
        oracle.fulfillWithProof(request, _none(), largeInput, largeOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_DeprecatedModelStillServesOpenRequests() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.prank(modelOwner);
        registry.deprecateModel(squareModel);
        _fulfil(request);
        assertTrue(oracle.isResult(request.id, squareOutput));
    }

    function test_RevertWhen_ResultIsNotFinal() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.ResultNotFinal.selector, request.id, IInferenceOracle.Status.Requested
            )
        );
        oracle.getResult(request.id);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotFound.selector, 99));
        oracle.getResult(99);
    }

    /// @dev isResult is true only for the final output words of the request named.
    function test_IsResultOnlyForTheFinalOutputOfThatRequest() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        IInferenceOracle.Request memory unserved = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        assertFalse(oracle.isResult(request.id, squareOutput), "no result yet");
        _fulfil(request);
        assertTrue(oracle.isResult(request.id, squareOutput));
        assertFalse(oracle.isResult(request.id, _words(squareOutput[0] + 1)));
        assertFalse(oracle.isResult(request.id, _words(squareOutput[0] ^ 1)), "nor words differing in the low bit");
        assertFalse(oracle.isResult(request.id, new uint256[](0)));
        assertFalse(oracle.isResult(request.id, _words2(squareOutput[0], 0)));
        assertFalse(oracle.isResult(unserved.id, squareOutput), "the words are another request's result");
        assertFalse(oracle.isResult(99, squareOutput));

        vm.warp(uint256(unserved.deadline) + 1);
        oracle.refund(unserved);
        assertFalse(oracle.isResult(unserved.id, squareOutput));
        assertFalse(oracle.isResult(unserved.id, new uint256[](0)), "a refunded request has no result");
    }

    /// @dev An attested output is no result until it is final; a proof of it makes it final at once.
    function test_IsResultFalseWhileAttested() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        IInferenceOracle.AttestationRecord memory record = _attest(request, squareOutput, 3);
        assertFalse(oracle.isResult(request.id, squareOutput));
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.ResultNotFinal.selector, request.id, IInferenceOracle.Status.Attested
            )
        );
        oracle.getResult(request.id);

        vm.prank(fulfiller);
        oracle.fulfillWithProof(request, record, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertTrue(oracle.isResult(request.id, squareOutput));
    }

    function test_RefundAfterTheDeadline() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        vm.warp(uint256(request.deadline) + 1);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.RequestRefunded(request.id, requester, FEE);
        oracle.refund(request);
        assertEq(oracle.balanceOf(requester), FEE);
        (IInferenceOracle.Status status,) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Refunded));

        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotPending.selector, request.id, IInferenceOracle.Status.Refunded
            )
        );
        oracle.refund(request);
        assertEq(oracle.balanceOf(requester), FEE);
    }

    /// @dev A refund credits the whole payment: the fee and the prepaid callback gas.
    function test_RefundCreditsTheFeeAndThePrepaidCallbackGas() public {
        RecordingConsumer consumer = new RecordingConsumer();
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        options.callback = address(consumer);
        options.callbackGasLimit = 200_000;
        options.callbackGasPrice = 5 gwei;
        uint256 payment = FEE + 3 + 200_000 * 5 gwei;
        IInferenceOracle.Request memory request = _request(squareModel, squareInput, options, payment);
        assertEq(request.fee, FEE + 3);
        vm.warp(uint256(request.deadline) + 1);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.RequestRefunded(request.id, requester, payment);
        vm.prank(relayer);
        oracle.refund(request);
        assertEq(oracle.balanceOf(requester), payment);
        assertEq(oracle.balanceOf(relayer), 0, "whoever sends the refund, the requester is credited");
        assertEq(consumer.calls(), 0);

        uint256 before = requester.balance;
        vm.prank(requester);
        oracle.withdraw(payable(requester));
        assertEq(requester.balance - before, payment);
        assertEq(address(oracle).balance, 0, "nothing of the request is left in the oracle");
    }

    function test_RevertWhen_RefundingBeforeTheDeadline() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        uint256 deadline = request.deadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotExpired.selector, request.id, deadline));
        oracle.refund(request);
    }

    function test_RevertWhen_RefundingAFulfilledOrUnknownRequest() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        _fulfil(request);
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotPending.selector, request.id, IInferenceOracle.Status.Fulfilled
            )
        );
        oracle.refund(request);
        request.id = 99;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotFound.selector, 99));
        oracle.refund(request);
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
            keccak256(
                "Attestation(uint256 requestId,bytes32 modelId,bytes32 inputHash,bytes32 outputHash,bytes32 traceRoot)"
            )
        );
        assertEq(
            oracle.ATTESTATION_BATCH_TYPEHASH(),
            keccak256(
                "AttestationBatch(Attestation[] attestations)Attestation(uint256 requestId,bytes32 modelId,bytes32 inputHash,bytes32 outputHash,bytes32 traceRoot)"
            )
        );

        IInferenceOracle.Attestation memory attestation = _attestation(3, squareModel, squareInput, squareOutput);
        bytes32 structHash = keccak256(
            abi.encode(
                oracle.ATTESTATION_TYPEHASH(),
                3,
                squareModel,
                _hashWords(squareInput),
                _hashWords(squareOutput),
                _traceOf(squareOutput)
            )
        );
        assertEq(oracle.hashAttestation(attestation), keccak256(abi.encodePacked("\x19\x01", expected, structHash)));

        IInferenceOracle.Attestation[] memory batch = new IInferenceOracle.Attestation[](2);
        batch[0] = attestation;
        batch[1] = _attestation(4, largeModel, largeInput, largeOutput);
        bytes32 second = keccak256(
            abi.encode(
                oracle.ATTESTATION_TYPEHASH(),
                4,
                largeModel,
                _hashWords(largeInput),
                _hashWords(largeOutput),
                _traceOf(largeOutput)
            )
        );
        bytes32 batchHash =
            keccak256(abi.encode(oracle.ATTESTATION_BATCH_TYPEHASH(), keccak256(abi.encodePacked(structHash, second))));
        assertEq(oracle.hashAttestationBatch(batch), keccak256(abi.encodePacked("\x19\x01", expected, batchHash)));
    }

    function test_DomainSeparatorFollowsTheChainId() public {
        bytes32 before = oracle.DOMAIN_SEPARATOR();
        vm.chainId(999);
        assertTrue(oracle.DOMAIN_SEPARATOR() != before);
    }

    function test_ConfigurationIsWhatWasDeployed() public view {
        assertEq(address(oracle.REGISTRY()), address(registry));
        assertEq(address(oracle.STAKING()), address(staking));
        assertEq(oracle.TREASURY(), treasury);
        assertEq(oracle.CHALLENGE_WINDOW(), CHALLENGE_WINDOW);
        assertEq(oracle.ROUND_BLOCKS(), ROUND_BLOCKS);
        assertEq(oracle.MAX_BOUNTY(), MAX_BOUNTY);
    }

    function test_RevertWhen_OracleConfigurationIsInvalid() public {
        (OperatorStaking otherStaking, TraceDisputes games) = _protocolParts(1 days, 30 minutes);
        vm.expectRevert(IInferenceOracle.InvalidTreasury.selector);
        new InferenceOracle(registry, otherStaking, games, address(0), 12 hours, ROUND_BLOCKS, MAX_BOUNTY);
        (otherStaking, games) = _protocolParts(1 days, 30 minutes);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidChallengeWindow.selector, 0));
        new InferenceOracle(registry, otherStaking, games, treasury, 0, ROUND_BLOCKS, MAX_BOUNTY);
        (otherStaking, games) = _protocolParts(1 days, 30 minutes);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidChallengeWindow.selector, 366 days));
        new InferenceOracle(registry, otherStaking, games, treasury, 366 days, ROUND_BLOCKS, MAX_BOUNTY);
        (otherStaking, games) = _protocolParts(1 days, 30 minutes);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidMaxBounty.selector, 0));
        new InferenceOracle(registry, otherStaking, games, treasury, 12 hours, ROUND_BLOCKS, 0);
        (otherStaking, games) = _protocolParts(1 days, 30 minutes);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidRoundBlocks.selector, 0));
        new InferenceOracle(registry, otherStaking, games, treasury, 12 hours, 0, MAX_BOUNTY);
        (otherStaking, games) = _protocolParts(1 days, 30 minutes);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidRoundBlocks.selector, 257));
        new InferenceOracle(registry, otherStaking, games, treasury, 12 hours, 257, MAX_BOUNTY);
        // A staking contract or trace games made for another oracle.
        (, games) = _protocolParts(1 days, 30 minutes);
        address attempted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.StakingOracleMismatch.selector, address(oracle), attempted)
        );
        new InferenceOracle(registry, staking, games, treasury, 12 hours, ROUND_BLOCKS, MAX_BOUNTY);
        (otherStaking,) = _protocolParts(1 days, 30 minutes);
        TraceDisputes ours = TraceDisputes(oracle.TRACE_DISPUTES());
        attempted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.TraceDisputesOracleMismatch.selector, address(oracle), attempted
            )
        );
        new InferenceOracle(registry, otherStaking, ours, treasury, 12 hours, ROUND_BLOCKS, MAX_BOUNTY);
        (otherStaking, games) = _protocolParts(1 days, 30 minutes);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.UnbondingNotLongerThanChallengeWindow.selector, 1 days, 1 days)
        );
        new InferenceOracle(registry, otherStaking, games, treasury, 1 days, ROUND_BLOCKS, MAX_BOUNTY);
        // Stake must outlast the window plus the longest trace game (16 moves), or a slashed signer
        // could leave before its game ends.
        (otherStaking, games) = _protocolParts(1 days, 1 hours);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.UnbondingNotLongerThanDisputes.selector, 1 days, 12 hours, 16 * 1 hours
            )
        );
        new InferenceOracle(registry, otherStaking, games, treasury, 12 hours, ROUND_BLOCKS, MAX_BOUNTY);

        // A failed creation still used its nonce: the parts name the next one.
        (otherStaking, games) = _protocolParts(1 days, 30 minutes);
        address next = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        InferenceOracle deployed =
            new InferenceOracle(registry, otherStaking, games, treasury, 12 hours, 256, MAX_BOUNTY);
        assertEq(address(deployed), next, "the staking contract and the games named this oracle");
        assertEq(deployed.ROUND_BLOCKS(), 256);
        assertEq(deployed.TRACE_DISPUTES(), address(games));
    }

    function test_RevertWhen_TraceGameParametersAreInvalid() public {
        vm.expectRevert(abi.encodeWithSelector(ITraceDisputes.InvalidGameParameters.selector, 0, 1 hours));
        new TraceDisputes(oracle, registry, 0, 1 hours);
        vm.expectRevert(abi.encodeWithSelector(ITraceDisputes.InvalidGameParameters.selector, 1, 0));
        new TraceDisputes(oracle, registry, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(ITraceDisputes.InvalidGameParameters.selector, 1, 31 days));
        new TraceDisputes(oracle, registry, 1, 31 days);
    }

    /// @dev A staking contract and trace games naming the oracle created right after them.
    function _protocolParts(uint256 unbondingPeriod, uint256 movePeriod)
        internal
        returns (OperatorStaking, TraceDisputes)
    {
        address next = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 2);
        OperatorStaking parts = new OperatorStaking(next, MIN_STAKE, unbondingPeriod);
        return (parts, new TraceDisputes(IInferenceOracle(next), registry, TRACE_BOND, movePeriod));
    }
}
