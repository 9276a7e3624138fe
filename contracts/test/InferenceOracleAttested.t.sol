// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Test.sol";

import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {IOperatorStaking} from "../src/interfaces/IOperatorStaking.sol";
import {RecordingConsumer} from "./utils/RecordingConsumer.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";
import {SQUARE_PROOF_BENEFICIARY} from "./utils/SquareFixture.sol";

/// @dev Attestations: submission (alone and in batches), committees and rounds, locks, finalization,
///      voiding, disputes by proof and equivocation.
contract InferenceOracleAttestedTest is VeridictTest {
    uint256[] internal wrongOutput;
    address internal relayer = makeAddr("relayer");

    function setUp() public override {
        super.setUp();
        wrongOutput = _words(squareOutput[0] + 1);
    }

    // ---------------------------------------------------------------- submission

    function test_SubmitAttestationsIsPendingUntilTheWindowEnds() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        _draw(request);
        uint256[] memory positions = _firstEntitled(request, 3);
        assertEq(positions, _range(0, 3), "at quorum 3 every operator holds a seat");
        address[] memory signers = _accounts(positions);
        uint64 challengeEnd = uint64(block.timestamp + CHALLENGE_WINDOW);
        IInferenceOracle.AttestationRecord memory expected = IInferenceOracle.AttestationRecord({
            outputHash: _hashWords(squareOutput),
            traceRoot: _traceOf(squareOutput),
            packed: _packed(positions, challengeEnd)
        });
        bytes[] memory signatures = _signaturesAt(request, squareOutput, positions);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.AttestationSubmitted(
            request.id, address(this), expected, squareOutput, signers, challengeEnd
        );
        oracle.submitAttestations(_results(request, squareOutput), signatures);

        (IInferenceOracle.Status status, bytes32 hash) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Attested));
        assertEq(hash, _attestedHash(request, expected));
        for (uint256 i; i < 3; ++i) {
            assertEq(staking.getOperator(signers[i]).locked, FEE, "each signature locks the fee");
        }
        assertEq(staking.getOperator(operators[3]).locked, 0);
        assertEq(staking.totalLocked(), 3 * FEE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.ResultNotFinal.selector, request.id, IInferenceOracle.Status.Attested
            )
        );
        oracle.getResult(request.id);
        assertFalse(oracle.isResult(request.id, squareOutput));

        vm.warp(challengeEnd - 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.ChallengeWindowOpen.selector, request.id, challengeEnd));
        oracle.finalize(request, expected, squareOutput);
    }

    function test_FinalizePaysTheSignersAndDeliversOnce() public {
        RecordingConsumer consumer = new RecordingConsumer();
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 3);
        options.callback = address(consumer);
        options.callbackGasLimit = 200_000;
        IInferenceOracle.Request memory request = _request(squareModel, squareInput, options, FEE + 2);
        assertEq(request.fee, FEE + 2);
        IInferenceOracle.AttestationRecord memory record = _attest(request, squareOutput, 3);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.ResultFinalized(request.id, _hashWords(squareOutput), 3);
        oracle.finalize(request, record, squareOutput);

        (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Finalized));
        assertEq(outputHash, _hashWords(squareOutput) & ~bytes32(uint256(0xff)));
        assertTrue(oracle.isResult(request.id, squareOutput));
        assertFalse(oracle.isResult(request.id, wrongOutput));
        assertEq(consumer.calls(), 1);
        assertEq(consumer.lastOutput(), squareOutput);
        uint256 share = (FEE + 2) / 3;
        assertEq(staking.getOperator(operators[0]).rewards, FEE + 2 - 2 * share);
        assertEq(staking.getOperator(operators[1]).rewards, share);
        assertEq(staking.getOperator(operators[2]).rewards, share);
        assertEq(staking.getOperator(operators[3]).rewards, 0);
        for (uint256 i; i < 3; ++i) {
            assertEq(staking.getOperator(operators[i]).locked, 0, "finalize releases the locks");
        }
        assertEq(staking.totalLocked(), 0);
        assertEq(address(oracle).balance, 0);

        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotAttested.selector, request.id, IInferenceOracle.Status.Finalized
            )
        );
        oracle.finalize(request, record, squareOutput);
        assertEq(consumer.calls(), 1);
    }

    /// @dev The finalizer delivers the result, so it is paid for the callback's gas at the declared
    ///      price; the requester gets the rest of the prepayment back; the signers get the fee only.
    function test_FinalizePaysTheFinalizerForTheCallbackGas() public {
        RecordingConsumer consumer = new RecordingConsumer();
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 3);
        options.callback = address(consumer);
        options.callbackGasLimit = 200_000;
        options.callbackGasPrice = 1 gwei;
        uint256 prepaid = 200_000 gwei;
        IInferenceOracle.Request memory request = _request(squareModel, squareInput, options, FEE + prepaid);
        assertEq(request.fee, FEE, "the prepayment is not part of the fee");
        IInferenceOracle.AttestationRecord memory record = _attest(request, squareOutput, 3);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        vm.recordLogs();
        vm.prank(relayer);
        oracle.finalize(request, record, squareOutput);
        (uint256 gasUsed, uint256 paid, uint256 refunded) = _callbackSettled(vm.getRecordedLogs(), request.id, relayer);
        assertGt(gasUsed, 0);
        assertLe(gasUsed, 200_000);
        assertEq(paid, gasUsed * 1 gwei);
        assertEq(paid + refunded, prepaid);
        assertEq(oracle.balanceOf(relayer), paid, "the finalizer is paid for the callback's gas");
        assertEq(oracle.balanceOf(requester), refunded, "the rest of the prepayment is the requester's");
        uint256 rewards;
        for (uint256 i; i < OPERATOR_COUNT; ++i) {
            rewards += staking.getOperator(operators[i]).rewards;
        }
        assertEq(rewards, FEE, "the signers share the fee and nothing more");
        assertEq(address(oracle).balance, prepaid, "the prepayment waits in the oracle's balances");
        assertEq(consumer.calls(), 1);
    }

    function test_ModelWithoutVerifierIsServedByAttestation() public {
        IInferenceOracle.Request memory request = _requestLarge(2);
        assertFalse(request.provable);
        IInferenceOracle.AttestationRecord memory record = _attest(request, largeOutput, 2);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(request, record, largeOutput);
        (IInferenceOracle.Status status,) = oracle.getResult(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Finalized));
        assertTrue(oracle.isResult(request.id, largeOutput));
    }

    function test_RevertWhen_DisputingAModelWithoutVerifier() public {
        IInferenceOracle.Request memory request = _requestLarge(2);
        IInferenceOracle.AttestationRecord memory record = _attest(request, largeOutput, 2);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.ModelHasNoVerifier.selector, largeModel));
        oracle.disputeWithProof(request, record, largeInput, _words(1), SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_SubmittingForAZkRequest() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        _draw(request);
        bytes[] memory signatures = _signaturesAt(request, squareOutput, _range(0, 1));
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.RequestNotAttestable.selector, request.id, IInferenceOracle.Mode.ZK)
        );
        oracle.submitAttestations(_results(request, squareOutput), signatures);
    }

    /// @dev Exactly the quorum: fewer cannot attest, more would let outsiders join for a share.
    function test_RevertWhen_TooFewOrTooManySignatures() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        _draw(request);
        bytes[] memory two = _signatures(request, squareOutput, 2);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignatureCountOutOfRange.selector, 2, 3, 3));
        oracle.submitAttestations(_results(request, squareOutput), two);
        bytes[] memory four = _signatures(request, squareOutput, 4);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignatureCountOutOfRange.selector, 4, 3, 3));
        oracle.submitAttestations(_results(request, squareOutput), four);
        bytes[] memory nine = new bytes[](9);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignatureCountOutOfRange.selector, 9, 3, 3));
        oracle.submitAttestations(_results(request, squareOutput), nine);

        IInferenceOracle.AttestationRecord memory record =
            _submit(request, squareOutput, _signatures(request, squareOutput, 3));
        assertEq(_signerCount(record), 3);
    }

    function test_RevertWhen_ASignatureIsMalformed() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        _draw(request);
        bytes[] memory signatures = _signatures(request, squareOutput, 2);
        signatures[1] = bytes.concat(signatures[1], hex"00");
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidSignature.selector, 1));
        oracle.submitAttestations(_results(request, squareOutput), signatures);
    }

    function test_RevertWhen_ASignatureIsTheMalleatedTwin() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _draw(request);
        uint256 position = _firstEntitled(request, 1)[0];
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(operatorKeys[position], oracle.hashAttestationBatch(_batchOf(request, squareOutput)));
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = abi.encodePacked(r, bytes32(n - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidSignature.selector, 0));
        oracle.submitAttestations(_results(request, squareOutput), signatures);
        // The original is accepted.
        signatures[0] = abi.encodePacked(r, s, v);
        oracle.submitAttestations(_results(request, squareOutput), signatures);
    }

    function test_RevertWhen_ASignerSignsTwice() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        _draw(request);
        uint256[] memory positions = _firstEntitled(request, 2);
        bytes[] memory signatures = _signaturesAt(request, squareOutput, positions);
        signatures[1] = signatures[0];
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.DuplicateSigner.selector, operators[positions[0]]));
        oracle.submitAttestations(_results(request, squareOutput), signatures);
    }

    function test_RevertWhen_SignersAreNotAscending() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        _draw(request);
        uint256[] memory positions = _firstEntitled(request, 2);
        bytes[] memory signatures = _signaturesAt(request, squareOutput, positions);
        (signatures[0], signatures[1]) = (signatures[1], signatures[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.SignersNotAscending.selector, 1, operators[positions[0]], operators[positions[1]]
            )
        );
        oracle.submitAttestations(_results(request, squareOutput), signatures);
    }

    function test_RevertWhen_ASignerIsNotAnOperator() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _draw(request);
        (address stranger, uint256 key) = makeAddrAndKey("stranger");
        assertFalse(oracle.isEntitled(request, stranger));
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = _signBatch(key, _batchOf(request, squareOutput));
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, stranger));
        oracle.submitAttestations(_results(request, squareOutput), signatures);
    }

    function test_RevertWhen_ASignerUnstakedBelowTheMinimum() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _draw(request);
        uint256 position = _firstEntitled(request, 1)[0];
        vm.prank(operators[position]);
        staking.requestUnstake(1.5 ether);
        assertFalse(oracle.isEntitled(request, operators[position]));
        bytes[] memory signatures = _signaturesAt(request, squareOutput, _one(position));
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, operators[position]));
        oracle.submitAttestations(_results(request, squareOutput), signatures);
    }

    function test_RevertWhen_ASlashedOperatorSigns() public {
        _slashByEquivocation(0);
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _draw(request);
        assertFalse(oracle.isEntitled(request, operators[0]));
        bytes[] memory signatures = _signaturesAt(request, squareOutput, _one(0));
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, operators[0]));
        oracle.submitAttestations(_results(request, squareOutput), signatures);
    }

    function test_RevertWhen_SignaturesAreForAnotherOutput() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _draw(request);
        bytes[] memory signatures = _signatures(request, wrongOutput, 1);
        address recovered = _recoverBatch(_batchOf(request, squareOutput), signatures[0]);
        assertEq(staking.indexOf(recovered), 0, "the signature recovers no operator");
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, recovered));
        oracle.submitAttestations(_results(request, squareOutput), signatures);
    }

    function test_RevertWhen_SubmittingTwice() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        _attest(request, squareOutput, 1);
        bytes[] memory signatures = _signatures(request, squareOutput, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotPending.selector, request.id, IInferenceOracle.Status.Attested
            )
        );
        oracle.submitAttestations(_results(request, squareOutput), signatures);
    }

    function test_RevertWhen_AttestedOutputIsOutOfRange() public {
        IInferenceOracle.Request memory request = _requestLarge(1);
        _draw(request);
        uint256[] memory output = _words(1 << 160);
        bytes[] memory signatures = _signatures(request, output, 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.OutputWordOutOfRange.selector, 0, 1 << 160, 160));
        oracle.submitAttestations(_results(request, output), signatures);
    }

    function test_RevertWhen_FinalizingAnUnknownOrUnattestedRequest() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.Request memory unknown = _copy(request);
        unknown.id = 5;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotFound.selector, 5));
        oracle.finalize(unknown, _none(), squareOutput);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotAttested.selector, request.id, IInferenceOracle.Status.Requested
            )
        );
        oracle.finalize(request, _none(), squareOutput);
    }

    /// @dev Every call takes the request (and its record) back and checks it against the stored hash.
    function test_RevertWhen_TheRequestOrItsRecordIsAltered() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        _draw(request);
        IInferenceOracle.Request memory lowered = _copy(request);
        lowered.quorum = 1;
        bytes[] memory one = _signatures(lowered, squareOutput, 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestMismatch.selector, request.id));
        oracle.submitAttestations(_results(lowered, squareOutput), one);

        IInferenceOracle.AttestationRecord memory record = _attest(request, squareOutput, 3);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        IInferenceOracle.Request memory richer = _copy(request);
        richer.fee = request.fee * 100;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestMismatch.selector, request.id));
        oracle.finalize(richer, record, squareOutput);
        // Fewer signers (the last index dropped) would share the fee among fewer.
        IInferenceOracle.AttestationRecord memory fewer = IInferenceOracle.AttestationRecord({
            outputHash: record.outputHash,
            traceRoot: record.traceRoot,
            packed: record.packed & ((uint256(1) << (32 + 2 * 24)) - 1)
        });
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestMismatch.selector, request.id));
        oracle.finalize(request, fewer, squareOutput);
        IInferenceOracle.AttestationRecord memory other =
            IInferenceOracle.AttestationRecord({
                outputHash: _hashWords(wrongOutput), traceRoot: record.traceRoot, packed: record.packed
            });
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestMismatch.selector, request.id));
        oracle.finalize(request, other, wrongOutput);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.OutputHashMismatch.selector,
                request.id,
                _hashWords(squareOutput),
                _hashWords(wrongOutput)
            )
        );
        oracle.finalize(request, record, wrongOutput);
        oracle.finalize(request, record, squareOutput);
    }

    // ---------------------------------------------------------------- batches

    /// @dev The same signers sign one AttestationBatch for several requests: one submission, each
    ///      request attested, locked and finalized on its own.
    function test_ABatchOfRequestsTakesOneSignatureSet() public {
        IInferenceOracle.Request[] memory requests = new IInferenceOracle.Request[](3);
        requests[0] = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        requests[1] = _requestLarge(3);
        requests[2] = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        _draw(requests[2]);
        IInferenceOracle.AttestedResult[] memory results = new IInferenceOracle.AttestedResult[](3);
        results[0] = IInferenceOracle.AttestedResult({request: requests[0], outputWords: squareOutput, traceRoot: _traceOf(squareOutput)});
        results[1] = IInferenceOracle.AttestedResult({request: requests[1], outputWords: largeOutput, traceRoot: _traceOf(largeOutput)});
        results[2] = IInferenceOracle.AttestedResult({request: requests[2], outputWords: squareOutput, traceRoot: _traceOf(squareOutput)});
        IInferenceOracle.Attestation[] memory batch = _batch(results);

        // Signatures over a batch of one, or over the batch in another order, do not serve it.
        bytes[] memory single = _signaturesAt(requests[0], squareOutput, _range(0, 3));
        _expectStrangers(batch, single);
        oracle.submitAttestations(results, single);
        IInferenceOracle.Attestation[] memory reordered = _batch(results);
        (reordered[0], reordered[1]) = (reordered[1], reordered[0]);
        bytes[] memory shuffled = _signBatchAt(reordered, _range(0, 3));
        _expectStrangers(batch, shuffled);
        oracle.submitAttestations(results, shuffled);

        bytes[] memory signatures = _signBatchAt(batch, _range(0, 3));
        vm.recordLogs();
        oracle.submitAttestations(results, signatures);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        IInferenceOracle.AttestationRecord[] memory records = new IInferenceOracle.AttestationRecord[](3);
        for (uint256 i; i < 3; ++i) {
            records[i] = _recordFromLogs(logs, requests[i].id);
            assertEq(records[i].outputHash, _hashWords(results[i].outputWords));
            assertEq(records[i].packed, _packed(_range(0, 3), uint64(block.timestamp + CHALLENGE_WINDOW)));
            (IInferenceOracle.Status status, bytes32 hash) = oracle.getRequestState(requests[i].id);
            assertEq(uint8(status), uint8(IInferenceOracle.Status.Attested));
            assertEq(hash, _attestedHash(requests[i], records[i]));
        }
        for (uint256 i; i < 3; ++i) {
            assertEq(staking.getOperator(operators[i]).locked, 3 * FEE, "each signer locks every request's value");
        }
        assertEq(staking.totalLocked(), 9 * FEE);

        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        for (uint256 i; i < 3; ++i) {
            oracle.finalize(requests[i], records[i], results[i].outputWords);
            assertEq(staking.getOperator(operators[0]).locked, (2 - i) * FEE, "each finalize releases its own lock");
        }
        uint256 share = FEE / 3;
        assertEq(staking.getOperator(operators[0]).rewards, 3 * (FEE - 2 * share), "a third of each fee, and its dust");
        assertEq(staking.getOperator(operators[1]).rewards, 3 * share, "a third of each of three fees");
        assertEq(staking.getOperator(operators[2]).rewards, 3 * share, "a third of each of three fees");
        assertEq(staking.totalLocked(), 0);
        assertTrue(oracle.isResult(requests[1].id, largeOutput));
    }

    /// @dev A batch is all or nothing: one request the signers hold no seat on reverts the whole batch.
    function test_RevertWhen_ABatchMixesARequestTheSignersAreNotEntitledTo() public {
        IInferenceOracle.Request[] memory requests = new IInferenceOracle.Request[](8);
        for (uint256 i; i < requests.length; ++i) {
            requests[i] = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        }
        _draw(requests[0]);
        (uint256 position, uint256 seated, uint256 unseated) = _seatedAndUnseated(requests);
        address signer = operators[position];
        assertTrue(oracle.isEntitled(requests[seated], signer));
        assertFalse(oracle.isEntitled(requests[unseated], signer));

        // A batch lists its requests by ascending id.
        (uint256 first, uint256 second) = seated < unseated ? (seated, unseated) : (unseated, seated);
        IInferenceOracle.AttestedResult[] memory results = new IInferenceOracle.AttestedResult[](2);
        results[0] = IInferenceOracle.AttestedResult({request: requests[first], outputWords: squareOutput, traceRoot: _traceOf(squareOutput)});
        results[1] = IInferenceOracle.AttestedResult({request: requests[second], outputWords: squareOutput, traceRoot: _traceOf(squareOutput)});
        bytes[] memory signatures = _signBatchAt(_batch(results), _one(position));
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.SignerNotEntitled.selector, requests[unseated].id, signer)
        );
        oracle.submitAttestations(results, signatures);
        (IInferenceOracle.Status status,) = oracle.getRequestState(requests[seated].id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Requested), "nothing of the batch was attested");
        assertEq(staking.getOperator(signer).locked, 0, "nothing of the batch was locked");

        // The same signer attests the request it holds a seat on.
        _submit(requests[seated], squareOutput, _signaturesAt(requests[seated], squareOutput, _one(position)));
        (status,) = oracle.getRequestState(requests[seated].id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Attested));
        assertEq(staking.getOperator(signer).locked, FEE);
    }

    function test_RevertWhen_ABatchIsEmptyOrMixesQuorums() public {
        vm.expectRevert(IInferenceOracle.EmptyBatch.selector);
        oracle.submitAttestations(new IInferenceOracle.AttestedResult[](0), new bytes[](0));

        IInferenceOracle.AttestedResult[] memory results = new IInferenceOracle.AttestedResult[](2);
        results[0] = IInferenceOracle.AttestedResult({
            request: _requestSquare(IInferenceOracle.Mode.ATTESTED, 3),
            outputWords: squareOutput,
            traceRoot: _traceOf(squareOutput)
        });
        results[1] = IInferenceOracle.AttestedResult({
            request: _requestSquare(IInferenceOracle.Mode.ATTESTED, 4),
            outputWords: squareOutput,
            traceRoot: _traceOf(squareOutput)
        });
        _draw(results[1].request);
        bytes[] memory signatures = _signBatchAt(_batch(results), _range(0, 3));
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignatureCountOutOfRange.selector, 3, 4, 4));
        oracle.submitAttestations(results, signatures);
    }

    /// @dev The locks of a batch add up: a signer must have free stake for every request in it.
    function test_RevertWhen_ABatchLocksMoreThanASignersFreeStake() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 3);
        options.valueAtRisk = 0.8 ether;
        IInferenceOracle.AttestedResult[] memory results = new IInferenceOracle.AttestedResult[](3);
        for (uint256 i; i < 3; ++i) {
            results[i] = IInferenceOracle.AttestedResult({
                request: _request(squareModel, squareInput, options, FEE),
                outputWords: squareOutput,
                traceRoot: _traceOf(squareOutput)
            });
        }
        _draw(results[2].request);
        bytes[] memory signatures = _signBatchAt(_batch(results), _range(0, 3));
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorStaking.InsufficientFreeStake.selector, operators[0], 2 ether, 2.4 ether)
        );
        oracle.submitAttestations(results, signatures);
    }

    // ---------------------------------------------------------------- committees and rounds

    function test_RevertWhen_TheCommitteeIsNotDrawn() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        bytes[] memory signatures = _signaturesAt(request, squareOutput, _range(0, 3));
        (bool drawn,,,) = oracle.committeeRound(request);
        assertFalse(drawn);
        assertFalse(oracle.isEntitled(request, operators[0]));
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.CommitteeNotDrawn.selector, request.id, request.blockNumber + 2)
        );
        oracle.submitAttestations(_results(request, squareOutput), signatures);
        vm.roll(request.blockNumber + 1);
        (drawn,,,) = oracle.committeeRound(request);
        assertFalse(drawn, "the seed block's hash is not known in the seed block");
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.CommitteeNotDrawn.selector, request.id, request.blockNumber + 2)
        );
        oracle.submitAttestations(_results(request, squareOutput), signatures);

        vm.roll(request.blockNumber + 2);
        (bool nowDrawn, uint256 round, bytes32 seed, bool open) = oracle.committeeRound(request);
        assertTrue(nowDrawn);
        assertEq(round, 0);
        assertNotEq(seed, bytes32(0));
        assertFalse(open, "round 0 is the committee's");
        assertTrue(oracle.isEntitled(request, operators[0]));
        oracle.submitAttestations(_results(request, squareOutput), signatures);
    }

    /// @dev After the committee's exclusive round a provable request takes any active operator (a
    ///      proof can still overturn a lie), even one that staked after the request.
    function test_Round1OfAProvableRequestIsOpenToEveryActiveOperator() public {
        IInferenceOracle.Request[] memory requests = new IInferenceOracle.Request[](4);
        for (uint256 i; i < requests.length; ++i) {
            requests[i] = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        }
        _draw(requests[0]);
        (uint256 position,, uint256 unseated) = _seatedAndUnseated(requests);
        IInferenceOracle.Request memory request = requests[unseated];
        bytes[] memory signatures = _signaturesAt(request, squareOutput, _one(position));
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.SignerNotEntitled.selector, request.id, operators[position])
        );
        oracle.submitAttestations(_results(request, squareOutput), signatures);

        (address late, uint256 lateKey) = makeAddrAndKey("late");
        vm.deal(late, MIN_STAKE);
        vm.prank(late);
        staking.register{value: MIN_STAKE}();
        assertFalse(oracle.isEntitled(request, late), "stake raised after the request holds no seat in round 0");

        vm.roll(request.blockNumber + 2 + ROUND_BLOCKS - 1);
        (, uint256 round,, bool open) = oracle.committeeRound(request);
        assertEq(round, 0);
        assertFalse(open);
        vm.roll(request.blockNumber + 2 + ROUND_BLOCKS);
        (, round,, open) = oracle.committeeRound(request);
        assertEq(round, 1);
        assertTrue(open, "round 1 of a provable request is open");
        for (uint256 i; i < OPERATOR_COUNT; ++i) {
            assertTrue(oracle.isEntitled(request, operators[i]), "every active operator may attest");
        }
        assertTrue(oracle.isEntitled(request, late));
        uint256 slashed = (position + 1) % OPERATOR_COUNT;
        _slashByEquivocation(slashed);
        assertFalse(oracle.isEntitled(request, operators[slashed]), "but no slashed one");

        IInferenceOracle.AttestationRecord memory record = _submit(request, squareOutput, signatures);
        assertEq(_signerCount(record), 1);
        assertEq(staking.getOperator(operators[position]).locked, FEE);

        // The late operator may attest another open request as well.
        IInferenceOracle.Request memory other = requests[(unseated + 1) % requests.length];
        IInferenceOracle.Attestation[] memory batch = _batchOf(other, squareOutput);
        bytes[] memory lateSignature = new bytes[](1);
        lateSignature[0] = _signBatch(lateKey, batch);
        _submit(other, squareOutput, lateSignature);
        assertEq(staking.getOperator(late).locked, FEE);
    }

    /// @dev A model without a verifier is never open: each round draws a fresh committee, and only
    ///      that round's committee may attest.
    function test_AModelWithoutVerifierGetsANewCommitteeEachRound() public {
        IInferenceOracle.Request memory request = _requestLarge(1);
        _draw(request);
        (, uint256 round, bytes32 seed0, bool open) = oracle.committeeRound(request);
        assertEq(round, 0);
        assertFalse(open);
        uint256[] memory first = _entitled(request);

        uint256 dropped = type(uint256).max;
        uint256 joined = type(uint256).max;
        for (uint256 r = 1; r < 12 && (dropped == type(uint256).max || joined == type(uint256).max); ++r) {
            vm.roll(request.blockNumber + 2 + r * ROUND_BLOCKS);
            bytes32 seed;
            (, round, seed, open) = oracle.committeeRound(request);
            assertEq(round, r);
            assertFalse(open, "a model without a verifier is never open");
            assertNotEq(seed, seed0, "each round has its own seed");
            (dropped, joined) = _changes(first, _entitled(request));
        }
        require(dropped != type(uint256).max && joined != type(uint256).max, "no round changed the committee");

        bytes[] memory stale = _signaturesAt(request, largeOutput, _one(dropped));
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.SignerNotEntitled.selector, request.id, operators[dropped])
        );
        oracle.submitAttestations(_results(request, largeOutput), stale);
        IInferenceOracle.AttestationRecord memory record =
            _submit(request, largeOutput, _signaturesAt(request, largeOutput, _one(joined)));
        assertEq(record.packed >> 32, staking.indexOf(operators[joined]));
    }

    // ---------------------------------------------------------------- locks and voiding

    /// @dev Each request locks its value at risk per signature, released when it is final (finalized
    ///      or proved) or voided; a slash clears the slashed operator's locks.
    function test_LocksAreTakenPerRequestAndReleasedAtFinalizeVoidOrProof() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 3);
        options.valueAtRisk = 0.3 ether;
        IInferenceOracle.Request memory proved = _request(squareModel, squareInput, options, FEE);
        IInferenceOracle.Request memory finalized = _request(squareModel, squareInput, options, FEE);
        IInferenceOracle.Request memory voided = _request(squareModel, squareInput, options, FEE);
        assertEq(proved.valueAtRisk, 0.3 ether);
        IInferenceOracle.AttestationRecord memory provedRecord = _attest(proved, squareOutput, 3);
        _assertLocked(0.3 ether);
        IInferenceOracle.AttestationRecord memory finalizedRecord = _attest(finalized, squareOutput, 3);
        _assertLocked(0.6 ether);
        IInferenceOracle.AttestationRecord memory voidedRecord = _attest(voided, squareOutput, 3);
        _assertLocked(0.9 ether);
        assertEq(staking.totalLocked(), 3 * 0.9 ether);
        vm.prank(operators[1]);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.InsufficientStake.selector, 1.2 ether, 1.1 ether));
        staking.requestUnstake(1.2 ether);

        oracle.fulfillWithProof(proved, provedRecord, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        _assertLocked(0.6 ether);

        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(finalized, finalizedRecord, squareOutput);
        _assertLocked(0.3 ether);
        assertEq(staking.totalLocked(), 3 * 0.3 ether);

        _slashByEquivocation(0);
        assertEq(staking.getOperator(operators[0]).locked, 0, "a slash clears the locks");
        assertEq(staking.totalLocked(), 2 * 0.3 ether);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.AttestationVoided(voided.id, 2, 3);
        oracle.finalize(voided, voidedRecord, squareOutput);
        assertEq(staking.getOperator(operators[1]).locked, 0);
        assertEq(staking.getOperator(operators[2]).locked, 0);
        assertEq(staking.totalLocked(), 0);
    }

    function test_FinalizeVoidsWhenSlashedSignersLeaveItShortOfQuorum() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        IInferenceOracle.AttestationRecord memory record = _attest(request, squareOutput, 2);
        uint256[] memory signers = _firstEntitled(request, 2);
        _slashByEquivocation(signers[1]);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.AttestationVoided(request.id, 1, 2);
        oracle.finalize(request, record, squareOutput);

        (IInferenceOracle.Status status, bytes32 hash) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Requested));
        assertEq(hash, keccak256(abi.encode(request)) & ~bytes32(uint256(0xff)), "the request is open as it was");
        assertEq(staking.getOperator(operators[signers[0]]).rewards, 0);
        assertEq(staking.getOperator(operators[signers[0]]).locked, 0);
        assertEq(staking.totalLocked(), 0);
        assertEq(address(oracle).balance, FEE + 2 ether);

        // The same Request is attested again by unslashed members of the committee.
        uint256[] memory again = _firstEntitled(request, 2);
        record = _submit(request, squareOutput, _signaturesAt(request, squareOutput, again));
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(request, record, squareOutput);
        assertEq(staking.getOperator(operators[again[0]]).rewards, FEE / 2);
        assertEq(staking.getOperator(operators[again[1]]).rewards, FEE / 2);
        assertEq(staking.getOperator(operators[signers[1]]).rewards, 0);
    }

    /// @dev Short of its quorum an attestation cannot become final, so it is voided at once, within
    ///      the window, and the request can be served again (here by a proof).
    function test_FinalizeVoidsWithinTheWindowWhenSlashedSignersLeaveItShort() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        IInferenceOracle.AttestationRecord memory record = _attest(request, squareOutput, 3);
        uint256 challengeEnd = uint32(record.packed);
        _slashByEquivocation(2);
        assertLt(block.timestamp, challengeEnd);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.AttestationVoided(request.id, 2, 3);
        oracle.finalize(request, record, squareOutput);
        (IInferenceOracle.Status status,) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Requested));
        assertEq(staking.getOperator(operators[0]).locked, 0);
        assertEq(staking.getOperator(operators[1]).locked, 0);
        assertEq(staking.getOperator(operators[0]).rewards, 0, "a voided attestation pays no one");
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotAttested.selector, request.id, IInferenceOracle.Status.Requested
            )
        );
        oracle.finalize(request, record, squareOutput);

        oracle.fulfillWithProof(request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertTrue(oracle.isResult(request.id, squareOutput));
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), FEE);
    }

    // ---------------------------------------------------------------- disputes

    function test_DisputeSlashesEverySignerAndMakesTheProvenOutputFinal() public {
        RecordingConsumer consumer = new RecordingConsumer();
        IInferenceOracle.Request memory request =
            _requestSquare(IInferenceOracle.Mode.ATTESTED, 3, address(consumer), 200_000);
        IInferenceOracle.AttestationRecord memory record = _attest(request, wrongOutput, 3);
        assertEq(_firstEntitled(request, 3), _range(0, 3));

        uint256 slashed = 3 * 2 ether;
        // Bounty and requester share capped at MAX_BOUNTY; the proof's beneficiary is paid, whoever sends it.
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.SlashDistributed(
            request.id, fulfiller, MAX_BOUNTY, requester, MAX_BOUNTY, treasury, slashed - 2 * MAX_BOUNTY
        );
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.AttestationDisputed(
            request.id, fulfiller, _hashWords(wrongOutput), _hashWords(squareOutput), squareOutput, slashed
        );
        vm.prank(disputer);
        oracle.disputeWithProof(request, record, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);

        (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertEq(outputHash, _hashWords(squareOutput) & ~bytes32(uint256(0xff)));
        assertTrue(oracle.isResult(request.id, squareOutput));
        assertEq(consumer.calls(), 1);
        assertEq(consumer.lastOutput(), squareOutput);
        for (uint256 i; i < 3; ++i) {
            assertTrue(staking.getOperator(operators[i]).slashed);
            assertEq(staking.getOperator(operators[i]).locked, 0);
        }
        assertFalse(staking.getOperator(operators[3]).slashed);
        assertEq(staking.totalLocked(), 0);
        assertEq(oracle.balanceOf(disputer), 0);
        assertEq(oracle.balanceOf(fulfiller), MAX_BOUNTY);
        assertEq(oracle.balanceOf(requester), MAX_BOUNTY + FEE);
        assertEq(oracle.balanceOf(treasury), slashed - 2 * MAX_BOUNTY);
        assertEq(address(oracle).balance, slashed + FEE);
        assertEq(staking.totalStaked(), 3 * 2 ether);
        assertEq(staking.totalWeight(), 3 * 2 ether);
    }

    function test_RevertWhen_DisputeProvesTheAttestedOutput() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.AttestationRecord memory record = _attest(request, squareOutput, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.OutputNotDifferent.selector, request.id, _hashWords(squareOutput))
        );
        oracle.disputeWithProof(request, record, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_DisputeProofIsInvalid() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.AttestationRecord memory record = _attest(request, squareOutput, 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, request.id));
        oracle.disputeWithProof(request, record, squareInput, wrongOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_DisputeUsesOtherInputWords() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.AttestationRecord memory record = _attest(request, wrongOutput, 1);
        uint256[] memory input = _words(8);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.InputHashMismatch.selector, request.id, _hashWords(squareInput), _hashWords(input)
            )
        );
        oracle.disputeWithProof(request, record, input, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_RevertWhen_DisputingARequestThatIsNotAttested() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.RequestNotAttested.selector, request.id, IInferenceOracle.Status.Requested
            )
        );
        oracle.disputeWithProof(request, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_DisputeWhereASignerWasAlreadySlashed() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        IInferenceOracle.AttestationRecord memory record = _attest(request, wrongOutput, 2);
        uint256[] memory signers = _firstEntitled(request, 2);
        _slashByEquivocation(signers[0]);
        vm.prank(disputer);
        oracle.disputeWithProof(request, record, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        // The equivocation report paid the reporter; the dispute took the one stake left.
        assertEq(oracle.balanceOf(disputer), MAX_BOUNTY);
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), MAX_BOUNTY);
        assertEq(oracle.balanceOf(requester), FEE + 0.5 ether, "the fee and a quarter of the one stake left");
        assertEq(oracle.balanceOf(treasury), (2 ether - MAX_BOUNTY) + (2 ether - MAX_BOUNTY - 0.5 ether));
        assertTrue(staking.getOperator(operators[signers[1]]).slashed);
        assertEq(staking.totalLocked(), 0);
    }

    // ---------------------------------------------------------------- equivocation

    function test_ReportEquivocationSlashesTheOperator() public {
        IInferenceOracle.SignedAttestation memory first =
            _signedAlone(operatorKeys[0], _attestation(0, squareModel, squareInput, squareOutput));
        IInferenceOracle.SignedAttestation memory second =
            _signedAlone(operatorKeys[0], _attestation(0, squareModel, squareInput, wrongOutput));
        _commitEquivocation(disputer, first, second);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.SlashDistributed(0, disputer, MAX_BOUNTY, address(0), 0, treasury, 2 ether - MAX_BOUNTY);
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
        oracle.reportEquivocation(first, second);
        assertTrue(staking.getOperator(operators[0]).slashed);
        assertEq(oracle.balanceOf(disputer), MAX_BOUNTY);
        assertEq(oracle.balanceOf(treasury), 2 ether - MAX_BOUNTY);
    }

    /// @dev The oracle keeps no requester address for a request, so an equivocation on one pays the
    ///      requester nothing: its share goes to the treasury.
    function test_EquivocationOnARequestPaysItsRequesterShareToTheTreasury() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.SignedAttestation memory a =
            _signedAlone(operatorKeys[0], _attestationOf(request, squareOutput));
        IInferenceOracle.SignedAttestation memory b =
            _signedAlone(operatorKeys[0], _attestationOf(request, wrongOutput));
        _commitEquivocation(disputer, a, b);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.SlashDistributed(
            request.id, disputer, MAX_BOUNTY, address(0), 0, treasury, 2 ether - MAX_BOUNTY
        );
        vm.prank(disputer);
        oracle.reportEquivocation(a, b);
        assertEq(oracle.balanceOf(disputer), MAX_BOUNTY);
        assertEq(oracle.balanceOf(requester), 0);
        assertEq(oracle.balanceOf(treasury), 2 ether - MAX_BOUNTY);
    }

    /// @dev Batch signatures are evidence too: an operator whose submitted batch attests one output
    ///      and who signed another batch with another output for the same request is slashed, and
    ///      every request of its submitted batch is voided.
    function test_EquivocationProvenWithBatchSignedAttestations() public {
        IInferenceOracle.Request memory r1 = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        IInferenceOracle.Request memory r2 = _requestLarge(3);
        _draw(r2);
        IInferenceOracle.AttestedResult[] memory results = new IInferenceOracle.AttestedResult[](2);
        results[0] = IInferenceOracle.AttestedResult({request: r1, outputWords: squareOutput, traceRoot: _traceOf(squareOutput)});
        results[1] = IInferenceOracle.AttestedResult({request: r2, outputWords: largeOutput, traceRoot: _traceOf(largeOutput)});
        IInferenceOracle.Attestation[] memory submitted = _batch(results);
        vm.recordLogs();
        oracle.submitAttestations(results, _signBatchAt(submitted, _range(0, 3)));
        Vm.Log[] memory logs = vm.getRecordedLogs();

        // Operator 1 also signed a batch putting another output on r1, second in that batch.
        IInferenceOracle.Attestation[] memory other = new IInferenceOracle.Attestation[](2);
        other[0] = _attestation(0, largeModel, largeInput, largeOutput);
        other[1] = _attestationOf(r1, wrongOutput);
        IInferenceOracle.SignedAttestation memory first = _signedInBatch(operatorKeys[1], submitted, 0);
        IInferenceOracle.SignedAttestation memory second = _signedInBatch(operatorKeys[1], other, 1);
        _commitEquivocation(disputer, first, second);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.EquivocationReported(
            operators[1],
            disputer,
            r1.id,
            squareModel,
            r1.inputHash,
            _hashWords(squareOutput),
            _hashWords(wrongOutput),
            2 ether
        );
        vm.prank(disputer);
        oracle.reportEquivocation(first, second);
        assertTrue(staking.getOperator(operators[1]).slashed);
        assertEq(oracle.balanceOf(disputer), MAX_BOUNTY);

        oracle.finalize(r1, _recordFromLogs(logs, r1.id), squareOutput);
        oracle.finalize(r2, _recordFromLogs(logs, r2.id), largeOutput);
        (IInferenceOracle.Status s1,) = oracle.getRequestState(r1.id);
        (IInferenceOracle.Status s2,) = oracle.getRequestState(r2.id);
        assertEq(uint8(s1), uint8(IInferenceOracle.Status.Requested));
        assertEq(uint8(s2), uint8(IInferenceOracle.Status.Requested));
        assertEq(staking.totalLocked(), 0);
    }

    /// @dev One attestation signed alone (off-chain) and one in a batch (on-chain) prove it as well.
    function test_EquivocationProvenWithOneAloneAndOneInABatch() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        IInferenceOracle.Request memory filler = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        IInferenceOracle.Attestation[] memory batch = new IInferenceOracle.Attestation[](2);
        batch[0] = _attestationOf(filler, squareOutput);
        batch[1] = _attestationOf(request, wrongOutput);
        IInferenceOracle.SignedAttestation memory alone =
            _signedAlone(operatorKeys[4], _attestationOf(request, squareOutput));
        IInferenceOracle.SignedAttestation memory inBatch = _signedInBatch(operatorKeys[4], batch, 1);
        _reportEquivocation(disputer, inBatch, alone);
        assertTrue(staking.getOperator(operators[4]).slashed);
        assertEq(oracle.balanceOf(disputer), MAX_BOUNTY);
        assertEq(oracle.balanceOf(treasury), 2 ether - MAX_BOUNTY);

        alone = _signedAlone(operatorKeys[5], _attestationOf(request, squareOutput));
        inBatch = _signedInBatch(operatorKeys[5], batch, 1);
        _reportEquivocation(disputer, alone, inBatch);
        assertTrue(staking.getOperator(operators[5]).slashed);
        assertEq(oracle.balanceOf(disputer), 2 * MAX_BOUNTY);
    }

    /// @dev A batch's evidence must name the attestation's own struct hash at `index`.
    function test_RevertWhen_TheAttestationIsNotInItsBatch() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        IInferenceOracle.Attestation[] memory batch = new IInferenceOracle.Attestation[](2);
        batch[0] = _attestation(0, largeModel, largeInput, largeOutput);
        batch[1] = _attestationOf(request, wrongOutput);
        IInferenceOracle.SignedAttestation memory alone =
            _signedAlone(operatorKeys[0], _attestationOf(request, squareOutput));

        IInferenceOracle.SignedAttestation memory outOfRange = _signedInBatch(operatorKeys[0], batch, 1);
        outOfRange.index = 2;
        _commitEquivocation(disputer, alone, outOfRange);
        vm.prank(disputer);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.NotInBatch.selector, 2));
        oracle.reportEquivocation(alone, outOfRange);

        IInferenceOracle.SignedAttestation memory wrongIndex = _signedInBatch(operatorKeys[0], batch, 1);
        wrongIndex.index = 0;
        _commitEquivocation(disputer, alone, wrongIndex);
        vm.prank(disputer);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.NotInBatch.selector, 0));
        oracle.reportEquivocation(alone, wrongIndex);

        // The same evidence with the right index slashes.
        IInferenceOracle.SignedAttestation memory right = _signedInBatch(operatorKeys[0], batch, 1);
        _reportEquivocation(disputer, alone, right);
        assertTrue(staking.getOperator(operators[0]).slashed);
    }

    /// @dev A batch altered around the attestation no longer carries the operator's signature.
    function test_RevertWhen_TheBatchIsAltered() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        IInferenceOracle.Attestation[] memory batch = new IInferenceOracle.Attestation[](2);
        batch[0] = _attestation(0, largeModel, largeInput, largeOutput);
        batch[1] = _attestationOf(request, wrongOutput);
        IInferenceOracle.SignedAttestation memory alone =
            _signedAlone(operatorKeys[0], _attestationOf(request, squareOutput));
        IInferenceOracle.SignedAttestation memory altered = _signedInBatch(operatorKeys[0], batch, 1);
        altered.batch[0] = keccak256("another attestation");
        bytes32[] memory items = altered.batch;
        address recovered = _recoverDigest(
            keccak256(
                abi.encodePacked(
                    "\x19\x01",
                    oracle.DOMAIN_SEPARATOR(),
                    keccak256(abi.encode(oracle.ATTESTATION_BATCH_TYPEHASH(), keccak256(abi.encodePacked(items))))
                )
            ),
            altered.signature
        );
        assertNotEq(recovered, operators[0]);
        _commitEquivocation(disputer, alone, altered);
        vm.prank(disputer);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignerMismatch.selector, operators[0], recovered));
        oracle.reportEquivocation(alone, altered);
    }

    function test_RevertWhen_EquivocationSubjectsDiffer() public {
        IInferenceOracle.SignedAttestation memory first =
            _signedAlone(operatorKeys[0], _attestation(1, squareModel, squareInput, squareOutput));
        IInferenceOracle.SignedAttestation memory second =
            _signedAlone(operatorKeys[0], _attestation(2, squareModel, squareInput, wrongOutput));
        vm.expectRevert(IInferenceOracle.AttestationSubjectMismatch.selector);
        oracle.reportEquivocation(first, second);
        second = _signedAlone(operatorKeys[0], _attestation(1, largeModel, squareInput, wrongOutput));
        vm.expectRevert(IInferenceOracle.AttestationSubjectMismatch.selector);
        oracle.reportEquivocation(first, second);
        second = _signedAlone(operatorKeys[0], _attestation(1, squareModel, _words(8), wrongOutput));
        vm.expectRevert(IInferenceOracle.AttestationSubjectMismatch.selector);
        oracle.reportEquivocation(first, second);
    }

    function test_RevertWhen_EquivocationOutputsAreTheSame() public {
        IInferenceOracle.Attestation memory attestation = _attestation(0, squareModel, squareInput, squareOutput);
        IInferenceOracle.SignedAttestation memory signed = _signedAlone(operatorKeys[0], attestation);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SameOutput.selector, attestation.outputHash));
        oracle.reportEquivocation(signed, signed);
        // Alone and in a batch, still the same output.
        IInferenceOracle.Attestation[] memory batch = new IInferenceOracle.Attestation[](1);
        batch[0] = attestation;
        IInferenceOracle.SignedAttestation memory inBatch = _signedInBatch(operatorKeys[0], batch, 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SameOutput.selector, attestation.outputHash));
        oracle.reportEquivocation(signed, inBatch);
    }

    function test_RevertWhen_EquivocationSignersDiffer() public {
        IInferenceOracle.Attestation memory firstAttestation = _attestation(0, squareModel, squareInput, squareOutput);
        IInferenceOracle.Attestation memory secondAttestation = _attestation(0, squareModel, squareInput, wrongOutput);
        IInferenceOracle.SignedAttestation memory a = _signedAlone(operatorKeys[0], firstAttestation);
        IInferenceOracle.SignedAttestation memory b = _signedAlone(operatorKeys[1], secondAttestation);
        _commitEquivocation(address(this), a, b);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignerMismatch.selector, operators[0], operators[1]));
        oracle.reportEquivocation(a, b);

        b = _signedAlone(operatorKeys[0], secondAttestation);
        IInferenceOracle.SignedAttestation memory broken = _signedAlone(operatorKeys[0], firstAttestation);
        broken.signature = hex"00";
        _commitEquivocation(address(this), broken, b);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidSignature.selector, 0));
        oracle.reportEquivocation(broken, b);
        broken = _signedAlone(operatorKeys[0], secondAttestation);
        broken.signature = hex"00";
        _commitEquivocation(address(this), a, broken);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidSignature.selector, 1));
        oracle.reportEquivocation(a, broken);
    }

    function test_RevertWhen_EquivocationIsReportedTwice() public {
        _slashByEquivocation(0);
        IInferenceOracle.SignedAttestation memory a =
            _signedAlone(operatorKeys[0], _attestation(0, largeModel, largeInput, squareOutput));
        IInferenceOracle.SignedAttestation memory b =
            _signedAlone(operatorKeys[0], _attestation(0, largeModel, largeInput, wrongOutput));
        _commitEquivocation(address(this), a, b);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.NothingToSlash.selector, operators[0]));
        oracle.reportEquivocation(a, b);
    }

    /// @dev The attack: a copy of a report, sent ahead of it, took the bounty. The reveal must come
    ///      from the account that committed, in a later block.
    function test_RevertWhen_AReportIsNotCommittedOrRevealedInTheSameBlock() public {
        IInferenceOracle.SignedAttestation memory a =
            _signedAlone(operatorKeys[0], _attestation(0, squareModel, squareInput, squareOutput));
        IInferenceOracle.SignedAttestation memory b =
            _signedAlone(operatorKeys[0], _attestation(0, squareModel, squareInput, wrongOutput));
        bytes32 commitment = keccak256(abi.encode(disputer, a, b));
        vm.prank(disputer);
        oracle.commitEquivocation(commitment);
        vm.prank(disputer);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.EquivocationRevealTooEarly.selector, commitment, block.number)
        );
        oracle.reportEquivocation(a, b);
        vm.roll(block.number + 1);
        // A copier of the reveal has no commitment of its own.
        bytes32 copied = keccak256(abi.encode(address(this), a, b));
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.EquivocationNotCommitted.selector, copied));
        oracle.reportEquivocation(a, b);
        vm.prank(disputer);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.EquivocationAlreadyCommitted.selector, commitment));
        oracle.commitEquivocation(commitment);
        vm.prank(disputer);
        oracle.reportEquivocation(a, b);
        assertEq(oracle.balanceOf(disputer), MAX_BOUNTY);
        assertEq(oracle.balanceOf(address(this)), 0);
        assertEq(oracle.equivocationCommittedAt(commitment), 0);
    }

    // ---------------------------------------------------------------- rewards

    function test_OperatorWithdrawsRewardsFromStaking() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.AttestationRecord memory record = _attest(request, squareOutput, 1);
        address signer = operators[_firstEntitled(request, 1)[0]];
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(request, record, squareOutput);
        uint256 before = signer.balance;
        vm.expectEmit(address(staking));
        emit IOperatorStaking.RewardsWithdrawn(signer, FEE);
        vm.prank(signer);
        staking.withdrawRewards();
        assertEq(signer.balance - before, FEE);
    }

    /// forge-config: default.fuzz.runs = 128
    function testFuzz_SignatureSets(uint8 quorum, uint8 mask, uint8 corrupt) public {
        quorum = uint8(bound(quorum, 1, OPERATOR_COUNT));
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ATTESTED, quorum);
        _draw(request);
        (uint256[] memory positions, address unentitled) = _maskPositions(request, mask);
        bytes[] memory signatures = _signaturesAt(request, squareOutput, positions);
        uint256 count = positions.length;
        bool corrupted = count != 0 && corrupt % 2 == 1;
        uint256 corruptedIndex = corrupt % (count == 0 ? 1 : count);
        if (corrupted) signatures[corruptedIndex] = hex"1234";

        bool accepted = _expectSubmission(request, count, corrupted ? corruptedIndex : type(uint256).max, unentitled);
        vm.recordLogs();
        oracle.submitAttestations(_results(request, squareOutput), signatures);
        (IInferenceOracle.Status status,) = oracle.getRequestState(request.id);
        if (accepted) {
            IInferenceOracle.AttestationRecord memory record = _recordFromLogs(vm.getRecordedLogs(), request.id);
            assertEq(record.packed, _packed(positions, uint64(block.timestamp + CHALLENGE_WINDOW)));
            assertEq(uint8(status), uint8(IInferenceOracle.Status.Attested));
            assertEq(staking.totalLocked(), count * FEE);
        } else {
            assertEq(uint8(status), uint8(IInferenceOracle.Status.Requested));
            assertEq(staking.totalLocked(), 0);
        }
    }

    /// @dev The positions `mask` selects, and the first of them not entitled to sign `request` now.
    function _maskPositions(IInferenceOracle.Request memory request, uint8 mask)
        internal
        view
        returns (uint256[] memory positions, address unentitled)
    {
        uint256 count;
        for (uint256 i; i < OPERATOR_COUNT; ++i) {
            if (mask & (1 << i) != 0) ++count;
        }
        positions = new uint256[](count);
        uint256 next;
        for (uint256 i; i < OPERATOR_COUNT; ++i) {
            if (mask & (1 << i) == 0) continue;
            positions[next++] = i;
            if (unentitled == address(0) && !oracle.isEntitled(request, operators[i])) unentitled = operators[i];
        }
    }

    /// @dev Expects the revert a submission of `count` signatures gets (the one at `corruptedIndex`
    ///      malformed, if any; `unentitled` the first signer without a seat, if any); true if none.
    function _expectSubmission(
        IInferenceOracle.Request memory request,
        uint256 count,
        uint256 corruptedIndex,
        address unentitled
    ) internal returns (bool accepted) {
        if (count != request.quorum) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IInferenceOracle.SignatureCountOutOfRange.selector, count, request.quorum, request.quorum
                )
            );
        } else if (corruptedIndex != type(uint256).max) {
            vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidSignature.selector, corruptedIndex));
        } else if (unentitled != address(0)) {
            vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.SignerNotEntitled.selector, request.id, unentitled));
        } else {
            accepted = true;
        }
    }

    // ---------------------------------------------------------------- helpers

    /// @dev Slashes the operator at `position` through an equivocation over off-chain attestations.
    function _slashByEquivocation(uint256 position) internal {
        IInferenceOracle.SignedAttestation memory a =
            _signedAlone(operatorKeys[position], _attestation(0, largeModel, largeInput, squareOutput));
        IInferenceOracle.SignedAttestation memory b =
            _signedAlone(operatorKeys[position], _attestation(0, largeModel, largeInput, wrongOutput));
        _reportEquivocation(disputer, a, b);
        assertTrue(staking.getOperator(operators[position]).slashed);
    }

    /// @dev The hash (lowest byte cleared) the oracle stores for `request` attested with `record`.
    function _attestedHash(IInferenceOracle.Request memory request, IInferenceOracle.AttestationRecord memory record)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(keccak256(abi.encode(request)), record.outputHash, record.traceRoot, record.packed))
            & ~bytes32(uint256(0xff));
    }

    /// @dev AttestationRecord.packed for the operators at `positions` (ascending) and `challengeEnd`.
    function _packed(uint256[] memory positions, uint64 challengeEnd) internal view returns (uint256 packed) {
        packed = challengeEnd;
        for (uint256 i; i < positions.length; ++i) {
            packed |= uint256(staking.indexOf(operators[positions[i]])) << (32 + 24 * i);
        }
    }

    function _signerCount(IInferenceOracle.AttestationRecord memory record) internal pure returns (uint256 count) {
        uint256 signers = record.packed >> 32;
        while (signers != 0) {
            ++count;
            signers >>= 24;
        }
    }

    function _accounts(uint256[] memory positions) internal view returns (address[] memory accounts) {
        accounts = new address[](positions.length);
        for (uint256 i; i < positions.length; ++i) {
            accounts[i] = operators[positions[i]];
        }
    }

    function _range(uint256 from, uint256 to) internal pure returns (uint256[] memory values) {
        values = new uint256[](to - from);
        for (uint256 i; i < values.length; ++i) {
            values[i] = from + i;
        }
    }

    function _one(uint256 value) internal pure returns (uint256[] memory values) {
        values = new uint256[](1);
        values[0] = value;
    }

    function _copy(IInferenceOracle.Request memory request) internal pure returns (IInferenceOracle.Request memory) {
        return abi.decode(abi.encode(request), (IInferenceOracle.Request));
    }

    function _batchOf(IInferenceOracle.Request memory request, uint256[] memory outputWords)
        internal
        pure
        returns (IInferenceOracle.Attestation[] memory batch)
    {
        batch = new IInferenceOracle.Attestation[](1);
        batch[0] = _attestationOf(request, outputWords);
    }

    function _batch(IInferenceOracle.AttestedResult[] memory results)
        internal
        pure
        returns (IInferenceOracle.Attestation[] memory batch)
    {
        batch = new IInferenceOracle.Attestation[](results.length);
        for (uint256 i; i < results.length; ++i) {
            batch[i] = _attestationOf(results[i].request, results[i].outputWords);
        }
    }

    /// @dev Signatures over `batch` by the operators at `positions` (ascending).
    function _signBatchAt(IInferenceOracle.Attestation[] memory batch, uint256[] memory positions)
        internal
        view
        returns (bytes[] memory signatures)
    {
        signatures = new bytes[](positions.length);
        for (uint256 i; i < positions.length; ++i) {
            signatures[i] = _signBatch(operatorKeys[positions[i]], batch);
        }
    }

    /// @dev Whom the oracle recovers from `signature` offered for `batch`.
    function _recoverBatch(IInferenceOracle.Attestation[] memory batch, bytes memory signature)
        internal
        view
        returns (address)
    {
        return _recoverDigest(oracle.hashAttestationBatch(batch), signature);
    }

    /// @dev Expects the revert that signatures recovering to strangers get for `batch`: the
    ///      oracle's order check on the recovered addresses, else the first one is not an operator.
    function _expectStrangers(IInferenceOracle.Attestation[] memory batch, bytes[] memory signatures) internal {
        bytes32 digest = oracle.hashAttestationBatch(batch);
        address previous;
        for (uint256 i; i < signatures.length; ++i) {
            address signer = _recoverDigest(digest, signatures[i]);
            assertEq(staking.indexOf(signer), 0, "the signature recovers no operator");
            if (signer < previous) {
                vm.expectRevert(
                    abi.encodeWithSelector(IInferenceOracle.SignersNotAscending.selector, i, signer, previous)
                );
                return;
            }
            previous = signer;
        }
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, _recoverDigest(digest, signatures[0]))
        );
    }

    function _recoverDigest(bytes32 digest, bytes memory signature) internal pure returns (address) {
        bytes32 r;
        bytes32 s;
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
        }
        return ecrecover(digest, uint8(signature[64]), r, s);
    }

    /// @dev An operator position and two of `requests` (drawn): one it holds a seat on, one it does not.
    function _seatedAndUnseated(IInferenceOracle.Request[] memory requests)
        internal
        view
        returns (uint256 position, uint256 seated, uint256 unseated)
    {
        for (position = 0; position < OPERATOR_COUNT; ++position) {
            seated = type(uint256).max;
            unseated = type(uint256).max;
            for (uint256 i; i < requests.length; ++i) {
                if (oracle.isEntitled(requests[i], operators[position])) {
                    if (seated == type(uint256).max) seated = i;
                } else if (unseated == type(uint256).max) {
                    unseated = i;
                }
            }
            if (seated != type(uint256).max && unseated != type(uint256).max) return (position, seated, unseated);
        }
        revert("no operator holds a seat on one request and not on another");
    }

    /// @dev An operator in `before` but not `now` and one in `now` but not `before` (max if none).
    function _changes(uint256[] memory before, uint256[] memory now_)
        internal
        pure
        returns (uint256 dropped, uint256 joined)
    {
        dropped = type(uint256).max;
        joined = type(uint256).max;
        for (uint256 i; i < before.length; ++i) {
            if (!_contains(now_, before[i])) dropped = before[i];
        }
        for (uint256 i; i < now_.length; ++i) {
            if (!_contains(before, now_[i])) joined = now_[i];
        }
    }

    function _contains(uint256[] memory values, uint256 value) internal pure returns (bool) {
        for (uint256 i; i < values.length; ++i) {
            if (values[i] == value) return true;
        }
        return false;
    }

    function _assertLocked(uint256 amount) internal view {
        for (uint256 i; i < 3; ++i) {
            assertEq(staking.getOperator(operators[i]).locked, amount);
        }
    }
}
