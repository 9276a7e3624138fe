// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Test.sol";

import {IInferenceOracle} from "../../src/interfaces/IInferenceOracle.sol";
import {RecordingConsumer} from "../utils/RecordingConsumer.sol";
import {ReenteringConsumer} from "../utils/ReenteringConsumer.sol";
import {VeridictTest} from "../utils/VeridictTest.sol";
import {SQUARE_PROOF_BENEFICIARY} from "../utils/SquareFixture.sol";

/// @dev finalizeBatch: each item settled as finalize settles it, items no longer Attested skipped,
///      every other failure reverting the whole batch with finalize's error, no re-entry. Also the
///      request hash the oracle reads straight from calldata (every Request it takes back).
///      These are unit tests, not invariants: they live here only so that forge compiles them in
///      the invariant suite's job (foundry.toml). solc-js (scripts/solc.mjs) fails with "memory
///      access out of bounds" or "Aborted()" once the standard-JSON input of the default job holds
///      about 1.24 MB of source text, and that job was within ~10 KB of it. Behaviour is the same
///      under either job's settings (they differ by one optimizer run); gas is measured in
///      Gas.t.sol, in the default job.
contract FinalizeBatchTest is VeridictTest {
    uint256[] internal wrongOutput;
    address internal relayer = makeAddr("relayer");

    /// @dev What a settlement leaves behind, to compare finalize one by one with finalizeBatch.
    struct Outcome {
        uint256[] rewards;
        uint256[] locked;
        uint256 totalLocked;
        bytes32[] words;
        uint256 relayerBalance;
        uint256 requesterBalance;
        uint256 oracleBalance;
        uint256 stakingBalance;
        uint256[] calls;
    }

    function setUp() public override {
        super.setUp();
        wrongOutput = _words(squareOutput[0] + 1);
    }

    /// @dev Four results (quorums 3, 2, 1 and 3; fees with different rounding remainders; plain,
    ///      with a callback, and with a callback whose gas is prepaid) settled by finalize one at a
    ///      time and, from the same state, by one finalizeBatch: the same rewards, locks, results,
    ///      deliveries and balances.
    function test_FinalizeBatchSettlesEachItemAsFinalizeDoes() public {
        RecordingConsumer[] memory consumers = new RecordingConsumer[](2);
        consumers[0] = new RecordingConsumer();
        consumers[1] = new RecordingConsumer();
        IInferenceOracle.Finalization[] memory items = new IInferenceOracle.Finalization[](4);
        items[0] = _attested(_requestWith(3, FEE, address(0), 0), squareOutput, 3);
        items[1] = _attested(_requestWith(2, FEE + 1, address(consumers[0]), 0), squareOutput, 2);
        items[2] = _attested(_requestWith(1, FEE + 2, address(consumers[1]), 1 gwei), squareOutput, 1);
        items[3] = _attested(_requestWith(3, FEE + 5, address(0), 0), squareOutput, 3);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);

        uint256 snapshot = vm.snapshotState();
        vm.startPrank(relayer);
        for (uint256 i; i < items.length; ++i) {
            oracle.finalize(items[i].request, items[i].attested, items[i].outputWords);
        }
        vm.stopPrank();
        Outcome memory one = _outcome(items, consumers);
        vm.revertToState(snapshot);

        for (uint256 i; i < items.length; ++i) {
            vm.expectEmit(address(oracle));
            emit IInferenceOracle.ResultFinalized(
                items[i].request.id, _hashWords(squareOutput), items[i].request.quorum
            );
        }
        vm.recordLogs();
        vm.prank(relayer);
        assertEq(oracle.finalizeBatch(items), 4, "every item settled");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        Outcome memory batch = _outcome(items, consumers);

        assertEq(batch.rewards, one.rewards, "each fee paid to its signers as finalize pays it");
        assertEq(batch.locked, one.locked, "each lock released as finalize releases it");
        assertEq(batch.totalLocked, 0);
        assertEq(one.totalLocked, 0);
        assertEq(batch.words, one.words, "the same final results");
        assertEq(batch.calls, one.calls, "each callback run once");
        assertEq(batch.calls[0], 1);
        assertEq(batch.calls[1], 1);
        assertEq(batch.oracleBalance, one.oracleBalance);
        assertEq(batch.stakingBalance, one.stakingBalance);
        // The prepaid callback gas: what it used to the relayer, the rest to the payer (the exact
        // split depends on the gas the callback used, which warm accounts change).
        assertEq(batch.relayerBalance + batch.requesterBalance, one.relayerBalance + one.requesterBalance);
        assertEq(batch.relayerBalance + batch.requesterBalance, 200_000 gwei, "the whole prepayment");
        (uint256 gasUsed, uint256 paid, uint256 refunded) = _callbackSettled(logs, items[2].request.id, relayer);
        assertEq(paid, gasUsed * 1 gwei);
        assertEq(batch.relayerBalance, paid, "the relayer is paid for the callback it delivered");
        assertEq(batch.requesterBalance, refunded);
        _callbackSettled(logs, items[1].request.id, relayer);
    }

    /// @dev Items finalized, voided, disputed or proved before the batch, and one listed twice, are
    ///      skipped; the count says how many were settled (finalized or voided by this batch).
    function test_FinalizeBatchSkipsWhatIsNoLongerAttested() public {
        IInferenceOracle.Finalization[] memory items = new IInferenceOracle.Finalization[](7);
        items[0] = _attestedBy(_requestSquare(IInferenceOracle.Mode.ATTESTED, 3), squareOutput, _positions(3, 4, 5));
        items[1] = _attestedBy(_requestSquare(IInferenceOracle.Mode.ATTESTED, 3), squareOutput, _positions(0, 1, 2));
        items[2] = _attestedBy(_requestSquare(IInferenceOracle.Mode.ATTESTED, 3), wrongOutput, _positions(0, 1, 2));
        items[3] = _attestedBy(_requestSquare(IInferenceOracle.Mode.ATTESTED, 3), squareOutput, _positions(3, 4, 5));
        items[4] = _attestedBy(_requestSquare(IInferenceOracle.Mode.ATTESTED, 3), squareOutput, _positions(3, 4, 5));
        items[5] = items[4];
        items[6] = _attestedBy(_requestSquare(IInferenceOracle.Mode.ATTESTED, 3), squareOutput, _positions(0, 3, 4));

        // Within the window: operator 0 slashed, item 1 voided, item 2 disputed (slashing 1 and 2),
        // item 3 proved.
        _slashByEquivocation(0);
        oracle.finalize(items[1].request, items[1].attested, squareOutput);
        oracle.disputeWithProof(
            items[2].request, items[2].attested, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof
        );
        oracle.fulfillWithProof(
            items[3].request, items[3].attested, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof
        );
        // After it: item 0 finalized.
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(items[0].request, items[0].attested, squareOutput);

        bytes32[] memory before = new bytes32[](4);
        for (uint256 i; i < 4; ++i) {
            before[i] = _word(items[i].request.id);
        }
        uint256[] memory rewards = _rewards();
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.ResultFinalized(items[4].request.id, _hashWords(squareOutput), 3);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.AttestationVoided(items[6].request.id, 2, 3);
        assertEq(oracle.finalizeBatch(items), 2, "item 4 finalized once, item 6 voided");

        for (uint256 i; i < 4; ++i) {
            assertEq(_word(items[i].request.id), before[i], "a skipped item is left as it was");
        }
        assertTrue(oracle.isResult(items[4].request.id, squareOutput));
        (IInferenceOracle.Status status,) = oracle.getRequestState(items[6].request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Requested), "voided: open again");
        uint256[] memory after_ = _rewards();
        uint256 share = FEE / 3;
        assertEq(after_[3] - rewards[3], FEE - 2 * share, "item 4's fee, once");
        assertEq(after_[4] - rewards[4], share);
        assertEq(after_[5] - rewards[5], share);
        for (uint256 i; i < 3; ++i) {
            assertEq(after_[i], rewards[i], "slashed operators earn nothing");
        }
        assertEq(staking.totalLocked(), 0, "every lock released");
        assertEq(oracle.finalizeBatch(items), 0, "nothing left to settle");
        assertEq(oracle.finalizeBatch(new IInferenceOracle.Finalization[](0)), 0, "an empty batch settles nothing");
    }

    /// @dev A result still inside its window reverts the batch with ChallengeWindowOpen, as finalize
    ///      does, and nothing of the batch is settled; a front-run finalize only makes it skip that item.
    function test_RevertWhen_AnItemsWindowIsStillOpen() public {
        IInferenceOracle.Finalization[] memory items = new IInferenceOracle.Finalization[](3);
        items[0] = _attested(_requestSquare(IInferenceOracle.Mode.ATTESTED, 3), squareOutput, 3);
        vm.warp(block.timestamp + CHALLENGE_WINDOW / 2);
        items[1] = _attested(_requestSquare(IInferenceOracle.Mode.ATTESTED, 3), squareOutput, 3);
        items[2] = _attested(_requestSquare(IInferenceOracle.Mode.ATTESTED, 3), squareOutput, 3);
        vm.warp(uint32(items[0].attested.packed));

        bytes memory open = abi.encodeWithSelector(
            IInferenceOracle.ChallengeWindowOpen.selector, items[1].request.id, uint32(items[1].attested.packed)
        );
        vm.expectRevert(open);
        oracle.finalize(items[1].request, items[1].attested, squareOutput);
        vm.expectRevert(open);
        oracle.finalizeBatch(items);
        (IInferenceOracle.Status status,) = oracle.getRequestState(items[0].request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Attested), "the batch reverted whole");

        vm.warp(uint32(items[2].attested.packed));
        oracle.finalize(items[1].request, items[1].attested, squareOutput);
        assertEq(oracle.finalizeBatch(items), 2, "the one finalized first is skipped");
        for (uint256 i; i < 3; ++i) {
            assertTrue(oracle.isResult(items[i].request.id, squareOutput));
        }
        assertEq(staking.totalLocked(), 0);
    }

    /// @dev An item whose request or record is not the committed one, whose words are not the
    ///      attested ones, or whose request is unknown reverts the batch with finalize's error.
    function test_RevertWhen_AnItemIsNotWhatWasCommitted() public {
        IInferenceOracle.Finalization[] memory items = new IInferenceOracle.Finalization[](2);
        items[0] = _attested(_requestSquare(IInferenceOracle.Mode.ATTESTED, 3), squareOutput, 3);
        items[1] = _attested(_requestSquare(IInferenceOracle.Mode.ATTESTED, 3), squareOutput, 3);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        uint256 id = items[1].request.id;
        bytes memory mismatch = abi.encodeWithSelector(IInferenceOracle.RequestMismatch.selector, id);

        IInferenceOracle.Finalization memory good = items[1];
        IInferenceOracle.Request memory richer = abi.decode(abi.encode(good.request), (IInferenceOracle.Request));
        richer.fee = good.request.fee * 100;
        items[1] = IInferenceOracle.Finalization({request: richer, attested: good.attested, outputWords: squareOutput});
        _expectSameRevert(items, mismatch);

        // Fewer signers (the last index dropped) would share the fee among fewer.
        IInferenceOracle.AttestationRecord memory fewer = IInferenceOracle.AttestationRecord({
            outputHash: good.attested.outputHash,
            traceRoot: good.attested.traceRoot,
            packed: good.attested.packed & ((uint256(1) << (32 + 2 * 24)) - 1)
        });
        items[1] = IInferenceOracle.Finalization({request: good.request, attested: fewer, outputWords: squareOutput});
        _expectSameRevert(items, mismatch);

        items[1] =
            IInferenceOracle.Finalization({request: good.request, attested: good.attested, outputWords: wrongOutput});
        _expectSameRevert(
            items,
            abi.encodeWithSelector(
                IInferenceOracle.OutputHashMismatch.selector, id, _hashWords(squareOutput), _hashWords(wrongOutput)
            )
        );

        IInferenceOracle.Request memory unknown = abi.decode(abi.encode(good.request), (IInferenceOracle.Request));
        unknown.id = oracle.nextRequestId();
        items[1] = IInferenceOracle.Finalization({request: unknown, attested: good.attested, outputWords: squareOutput});
        _expectSameRevert(items, abi.encodeWithSelector(IInferenceOracle.RequestNotFound.selector, unknown.id));

        items[1] = good;
        assertEq(oracle.finalizeBatch(items), 2);
    }

    /// @dev A callback that re-enters (finalize, finalizeBatch, ...) is refused: each result of the
    ///      batch is settled and delivered once, even one listed twice.
    function test_ReenteringCallbackCannotFinalizeTwice() public {
        ReenteringConsumer consumer = new ReenteringConsumer(oracle);
        IInferenceOracle.Request memory request =
            _requestSquare(IInferenceOracle.Mode.ATTESTED, 3, address(consumer), 2_000_000);
        IInferenceOracle.Finalization[] memory items = new IInferenceOracle.Finalization[](3);
        items[0] = _attested(request, squareOutput, 3);
        items[1] = _attested(_requestSquare(IInferenceOracle.Mode.ATTESTED, 3), squareOutput, 3);
        items[2] = items[0];
        consumer.arm(request, items[0].attested, squareInput, squareProof);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);

        assertEq(oracle.finalizeBatch(items), 2);
        bytes memory reentrancy = abi.encodeWithSelector(IInferenceOracle.Reentrancy.selector);
        assertEq(consumer.calls(), 1, "delivered once");
        assertEq(consumer.finalizeError(), reentrancy);
        assertEq(consumer.finalizeBatchError(), reentrancy);
        assertEq(consumer.fulfilError(), reentrancy);
        uint256 rewards;
        for (uint256 i; i < OPERATOR_COUNT; ++i) {
            rewards += staking.getOperator(operators[i]).rewards;
        }
        assertEq(rewards, 2 * FEE, "each fee paid once");
        assertEq(staking.totalLocked(), 0);
        assertEq(address(oracle).balance, 0, "nothing left in escrow, nothing paid twice");
    }

    /// @dev The oracle hashes a Request straight from calldata. A word with bits beyond its member's
    ///      type (which the ABI decoder would refuse) is not the committed encoding: RequestMismatch.
    function test_RevertWhen_ARequestWordIsDirty() public {
        IInferenceOracle.Finalization[] memory items = new IInferenceOracle.Finalization[](1);
        items[0] = _attested(_requestSquare(IInferenceOracle.Mode.ATTESTED, 3), squareOutput, 3);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        bytes memory clean =
            abi.encodeCall(oracle.finalize, (items[0].request, items[0].attested, items[0].outputWords));
        // Word 5 of the Request (after the selector) is its uint96 fee: set bit 255.
        bytes memory dirty = bytes.concat(clean);
        dirty[4 + 5 * 32] = 0x80;
        (bool ok, bytes memory reason) = address(oracle).call(dirty);
        assertFalse(ok);
        assertEq(reason, abi.encodeWithSelector(IInferenceOracle.RequestMismatch.selector, items[0].request.id));

        bytes memory batch = abi.encodeCall(oracle.finalizeBatch, (items));
        // finalizeBatch(items): selector, the array's offset, its length, the item's offset, then the
        // item, its Request first.
        dirty = bytes.concat(batch);
        dirty[4 + 3 * 32 + 5 * 32] = 0x80;
        (ok, reason) = address(oracle).call(dirty);
        assertFalse(ok);
        assertEq(reason, abi.encodeWithSelector(IInferenceOracle.RequestMismatch.selector, items[0].request.id));

        (ok,) = address(oracle).call(clean);
        assertTrue(ok);
        assertTrue(oracle.isResult(items[0].request.id, squareOutput));
    }

    // ---------------------------------------------------------------- helpers

    function _expectSameRevert(IInferenceOracle.Finalization[] memory items, bytes memory reason) internal {
        IInferenceOracle.Finalization memory bad = items[items.length - 1];
        vm.expectRevert(reason);
        oracle.finalize(bad.request, bad.attested, bad.outputWords);
        vm.expectRevert(reason);
        oracle.finalizeBatch(items);
        (IInferenceOracle.Status status,) = oracle.getRequestState(items[0].request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Attested), "the batch reverted whole");
    }

    function _requestWith(uint8 quorum, uint256 fee, address callback, uint64 gasPrice)
        internal
        returns (IInferenceOracle.Request memory)
    {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, quorum);
        if (callback != address(0)) {
            options.callback = callback;
            options.callbackGasLimit = 200_000;
            options.callbackGasPrice = gasPrice;
        }
        return _request(squareModel, squareInput, options, fee + 200_000 * uint256(gasPrice));
    }

    /// @dev Attested by its first `count` entitled operators.
    function _attested(IInferenceOracle.Request memory request, uint256[] memory outputWords, uint256 count)
        internal
        returns (IInferenceOracle.Finalization memory)
    {
        return IInferenceOracle.Finalization({
            request: request, attested: _attest(request, outputWords, count), outputWords: outputWords
        });
    }

    /// @dev Attested by the operators at `positions` (at quorum 3 all six hold a seat).
    function _attestedBy(
        IInferenceOracle.Request memory request,
        uint256[] memory outputWords,
        uint256[] memory positions
    ) internal returns (IInferenceOracle.Finalization memory) {
        _draw(request);
        return IInferenceOracle.Finalization({
            request: request,
            attested: _submit(request, outputWords, _signaturesAt(request, outputWords, positions)),
            outputWords: outputWords
        });
    }

    function _positions(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory positions) {
        positions = new uint256[](3);
        (positions[0], positions[1], positions[2]) = (a, b, c);
    }

    function _slashByEquivocation(uint256 position) internal {
        IInferenceOracle.SignedAttestation memory a =
            _signedAlone(operatorKeys[position], _attestation(0, largeModel, largeInput, squareOutput));
        IInferenceOracle.SignedAttestation memory b =
            _signedAlone(operatorKeys[position], _attestation(0, largeModel, largeInput, wrongOutput));
        _reportEquivocation(disputer, a, b);
        assertTrue(staking.getOperator(operators[position]).slashed);
    }

    function _word(uint256 requestId) internal view returns (bytes32 word) {
        IInferenceOracle.Status status;
        (status, word) = oracle.getRequestState(requestId);
        word |= bytes32(uint256(status));
    }

    function _rewards() internal view returns (uint256[] memory rewards) {
        rewards = new uint256[](OPERATOR_COUNT);
        for (uint256 i; i < OPERATOR_COUNT; ++i) {
            rewards[i] = staking.getOperator(operators[i]).rewards;
        }
    }

    function _outcome(IInferenceOracle.Finalization[] memory items, RecordingConsumer[] memory consumers)
        internal
        view
        returns (Outcome memory outcome)
    {
        outcome.rewards = _rewards();
        outcome.locked = new uint256[](OPERATOR_COUNT);
        for (uint256 i; i < OPERATOR_COUNT; ++i) {
            outcome.locked[i] = staking.getOperator(operators[i]).locked;
        }
        outcome.totalLocked = staking.totalLocked();
        outcome.words = new bytes32[](items.length);
        for (uint256 i; i < items.length; ++i) {
            outcome.words[i] = _word(items[i].request.id);
        }
        outcome.relayerBalance = oracle.balanceOf(relayer);
        outcome.requesterBalance = oracle.balanceOf(requester);
        outcome.oracleBalance = address(oracle).balance;
        outcome.stakingBalance = address(staking).balance;
        outcome.calls = new uint256[](consumers.length);
        for (uint256 i; i < consumers.length; ++i) {
            outcome.calls[i] = consumers[i].calls();
        }
    }
}
