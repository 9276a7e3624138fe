// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Test.sol";

import {IInferenceOracle} from "../../src/interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";
import {IOperatorStaking} from "../../src/interfaces/IOperatorStaking.sol";
import {ITraceDisputes} from "../../src/interfaces/ITraceDisputes.sol";
import {VeridictTest} from "../utils/VeridictTest.sol";
import {GameModel} from "./utils/GameModel.sol";

/// @dev Trace games on the real oracle, registry and staking: a model without a circuit, attested
///      with a trace that lies about one value of one tensor, challenged with the honest trace.
contract TraceDisputesTest is VeridictTest {
    uint256 internal constant LIE_AT = 2;
    uint8 internal constant QUORUM = 2;

    GameModel internal honest;
    GameModel internal liar;
    bytes32 internal tracedModel;
    address internal challenger = makeAddr("challenger");

    function setUp() public override {
        super.setUp();
        int256[] memory input = new int256[](8);
        for (uint256 i; i < 8; ++i) {
            input[i] = int256(i * 37 % 11) - 5;
        }
        honest = new GameModel(input, 0, 0);
        liar = new GameModel(input, LIE_AT, 5);
        assertEq(liar.parametersRoot(), honest.parametersRoot(), "one model, two runs");
        assertTrue(liar.traceRoot() != honest.traceRoot());
        IModelRegistry.ModelDefinition memory definition = _attestedOnlyDefinition("traced", 8, 16, 2, 32);
        definition.parametersRoot = honest.parametersRoot();
        definition.stageCount = uint32(honest.stageCount());
        vm.prank(modelOwner);
        tracedModel = registry.registerModel(definition, "", FEE, "ipfs://traced");
        vm.deal(challenger, 10 ether);
    }

    // ------------------------------------------------------------------ helpers

    function _requestTraced() internal returns (IInferenceOracle.Request memory) {
        return _request(tracedModel, honest.inputWords(), _options(IInferenceOracle.Mode.ATTESTED, QUORUM), FEE);
    }

    /// @dev `side`'s run attested by the first QUORUM entitled operators.
    function _attestRun(IInferenceOracle.Request memory request, GameModel side)
        internal
        returns (IInferenceOracle.AttestationRecord memory record, uint256[] memory positions)
    {
        return _attestWords(request, side.outputWords(), side.traceRoot(), QUORUM);
    }

    /// @dev `outputWords` and `traceRoot` attested by the request's first `count` entitled operators.
    function _attestWords(
        IInferenceOracle.Request memory request,
        uint256[] memory outputWords,
        bytes32 traceRoot,
        uint256 count
    ) internal returns (IInferenceOracle.AttestationRecord memory record, uint256[] memory positions) {
        _draw(request);
        positions = _firstEntitled(request, count);
        IInferenceOracle.Attestation[] memory batch = new IInferenceOracle.Attestation[](1);
        batch[0] = IInferenceOracle.Attestation({
            requestId: request.id,
            modelId: request.modelId,
            inputHash: request.inputHash,
            outputHash: _hashWords(outputWords),
            traceRoot: traceRoot
        });
        bytes[] memory signatures = new bytes[](count);
        for (uint256 i; i < count; ++i) {
            signatures[i] = _signBatch(operatorKeys[positions[i]], batch);
        }
        IInferenceOracle.AttestedResult[] memory results = new IInferenceOracle.AttestedResult[](1);
        results[0] = IInferenceOracle.AttestedResult({request: request, outputWords: outputWords, traceRoot: traceRoot});
        vm.recordLogs();
        oracle.submitAttestations(results, signatures);
        record = _recordFromLogs(vm.getRecordedLogs(), request.id);
    }

    function _challenge(
        IInferenceOracle.Request memory request,
        IInferenceOracle.AttestationRecord memory record,
        GameModel attested,
        GameModel claimed
    ) internal returns (uint256 gameId) {
        // The arguments first: a prank applies to the next call, and each of these is one.
        uint256[] memory attestedWords = attested.outputWords();
        bytes32 traceRoot = claimed.traceRoot();
        uint256[] memory claimedWords = claimed.outputWords();
        vm.prank(challenger);
        gameId = traceDisputes.challenge{value: TRACE_BOND}(request, record, attestedWords, traceRoot, claimedWords);
    }

    /// @dev Both sides reveal the trace tree's four leaves, the defender first.
    function _revealTrace(uint256 gameId, GameModel defender, GameModel claimant) internal {
        traceDisputes.reveal(gameId, false, defender.traceReveal(), new bytes32[](0));
        traceDisputes.reveal(gameId, true, claimant.traceReveal(), defender.traceReveal());
    }

    function _openTensor(uint256 gameId, GameModel side, uint256 stage) internal {
        traceDisputes.openTensor(gameId, side.header(stage), side.rowsRoot(stage), side.stageProof(stage));
    }

    function _stakes(uint256[] memory positions) internal view returns (uint256[] memory stakes) {
        stakes = new uint256[](positions.length);
        for (uint256 i; i < positions.length; ++i) {
            stakes[i] = staking.getOperator(operators[positions[i]]).stake;
        }
    }

    // ------------------------------------------------------------------ the games

    /// @dev The attack: two operators sign a run that lies about one value of conv1's output. Before
    ///      trace games nothing could overturn it (the model has no circuit); now the honest
    ///      challenger bisects to that value, the one step recomputes it, and both signers are
    ///      slashed in one game; the request reopens for an honest answer.
    function test_ALyingTraceIsBisectedToOneValueAndEverySignerSlashed() public {
        IInferenceOracle.Request memory request = _requestTraced();
        (IInferenceOracle.AttestationRecord memory record, uint256[] memory positions) = _attestRun(request, liar);
        uint256 gameId = _challenge(request, record, liar, honest);
        assertEq(oracle.openTraceGames(request.id), 1);

        // The result cannot finalize while the game is open, even after its window.
        uint256 snapshot = vm.snapshotState();
        vm.warp(block.timestamp + CHALLENGE_WINDOW + 1);
        uint256[] memory lied = liar.outputWords();
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.TraceGamesOpen.selector, request.id, 1));
        oracle.finalize(request, record, lied);
        vm.revertToState(snapshot);

        _revealTrace(gameId, liar, honest);
        ITraceDisputes.Game memory game = traceDisputes.getGame(gameId);
        assertEq(uint8(game.phase), uint8(ITraceDisputes.Phase.Locate));
        assertEq(game.tensor, 1, "the first tensor the traces disagree on: conv1's output");
        _openTensor(gameId, honest, 0);
        game = traceDisputes.getGame(gameId);
        assertEq(uint8(game.phase), uint8(ITraceDisputes.Phase.Step), "tensor 1 is one word: straight to the step");

        uint256[] memory before = _stakes(positions);
        uint256 treasuryBefore = oracle.balanceOf(treasury);
        vm.recordLogs();
        traceDisputes.step(gameId, request, record, true, honest.stepInput(0, LIE_AT));
        game = traceDisputes.getGame(gameId);
        assertEq(uint8(game.phase), uint8(ITraceDisputes.Phase.Over));

        uint256 slashed;
        for (uint256 i; i < positions.length; ++i) {
            IOperatorStaking.Operator memory op = staking.getOperator(operators[positions[i]]);
            assertTrue(op.slashed, "every signer of the lying trace is slashed");
            assertEq(op.stake, 0);
            slashed += before[i];
        }
        // The challenger gets its bond back and the disputer's share, capped; the request reopens.
        assertEq(traceDisputes.balanceOf(challenger), TRACE_BOND);
        uint256 bounty = _min(slashed * oracle.DISPUTER_SHARE_BPS() / 10_000, MAX_BOUNTY);
        assertEq(oracle.balanceOf(challenger), bounty);
        assertGt(oracle.balanceOf(treasury), treasuryBefore);
        assertEq(oracle.openTraceGames(request.id), 0);
        (IInferenceOracle.Status status,) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Requested));
        IInferenceOracle.Request memory reopened = _reopenedFromLogs(vm.getRecordedLogs());
        assertEq(reopened.id, request.id);
        assertGe(reopened.deadline, block.timestamp + CHALLENGE_WINDOW, "the deadline is extended");

        // The reopened request takes an honest attestation by other operators, which finalizes.
        vm.roll(block.number + ROUND_BLOCKS * 3);
        (IInferenceOracle.AttestationRecord memory second,) = _attestRun(reopened, honest);
        vm.warp(block.timestamp + CHALLENGE_WINDOW + 1);
        oracle.finalize(reopened, second, honest.outputWords());
        (status,) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Finalized));
    }

    /// @dev A challenger with a false trace against an honest attestation loses its bond to the
    ///      treasury, nobody is slashed, and the attestation finalizes after the game.
    function test_AFalseChallengerLosesItsBond() public {
        IInferenceOracle.Request memory request = _requestTraced();
        (IInferenceOracle.AttestationRecord memory record, uint256[] memory positions) = _attestRun(request, honest);
        uint256 gameId = _challenge(request, record, honest, liar);
        _revealTrace(gameId, honest, liar);
        _openTensor(gameId, honest, 0);
        uint256 treasuryBefore = traceDisputes.balanceOf(treasury);
        // The honest defender steps, opening inputs against its own trace.
        traceDisputes.step(gameId, request, record, false, honest.stepInput(0, LIE_AT));
        assertEq(traceDisputes.balanceOf(treasury), treasuryBefore + TRACE_BOND);
        assertEq(traceDisputes.balanceOf(challenger), 0);
        for (uint256 i; i < positions.length; ++i) {
            assertFalse(staking.getOperator(operators[positions[i]]).slashed);
        }
        vm.warp(uint256(uint32(record.packed)) + 1);
        oracle.finalize(request, record, honest.outputWords());
        (IInferenceOracle.Status status,) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Finalized));
    }

    /// @dev Attesters who do not defend their trace lose by timeout; a challenger who stops moving loses its bond.
    function test_ASideThatStopsMovingLoses() public {
        IInferenceOracle.Request memory request = _requestTraced();
        (IInferenceOracle.AttestationRecord memory record, uint256[] memory positions) = _attestRun(request, liar);
        uint256 silentDefender = _challenge(request, record, liar, honest);
        traceDisputes.reveal(silentDefender, true, honest.traceReveal(), new bytes32[](0));
        vm.expectRevert();
        traceDisputes.timeout(silentDefender, request, record);
        vm.warp(block.timestamp + TRACE_MOVE_PERIOD + 1);
        traceDisputes.timeout(silentDefender, request, record);
        assertTrue(staking.getOperator(operators[positions[0]]).slashed);
        assertEq(traceDisputes.balanceOf(challenger), TRACE_BOND);

        // A fresh request, an honest attestation, and a challenger that never reveals.
        IInferenceOracle.Request memory next = _request(
            tracedModel, honest.inputWords(), _options(IInferenceOracle.Mode.ATTESTED, 1), FEE
        );
        (IInferenceOracle.AttestationRecord memory nextRecord, uint256[] memory one) =
            _attestWords(next, honest.outputWords(), honest.traceRoot(), 1);
        uint256 silentChallenger = _challenge(next, nextRecord, honest, liar);
        traceDisputes.reveal(silentChallenger, false, honest.traceReveal(), new bytes32[](0));
        vm.warp(block.timestamp + TRACE_MOVE_PERIOD + 1);
        traceDisputes.timeout(silentChallenger, next, nextRecord);
        assertFalse(staking.getOperator(operators[one[0]]).slashed);
        assertEq(traceDisputes.balanceOf(challenger), TRACE_BOND, "only the first game's bond came back");
    }

    /// @dev Traces that agree and outputs that do not: the output words are on-chain already, so the
    ///      game goes straight to the one step on the last stage.
    function test_AnAttestationWhoseOutputIsNotItsTracesLosesAtTheLastStage() public {
        IInferenceOracle.Request memory request = _requestTraced();
        // Signers sign the honest trace with a changed output word.
        uint256[] memory forged = honest.outputWords();
        forged[0] += 1;
        (IInferenceOracle.AttestationRecord memory record, uint256[] memory positions) =
            _attestWords(request, forged, honest.traceRoot(), QUORUM);

        bytes32 honestTrace = honest.traceRoot();
        uint256[] memory honestWords = honest.outputWords();
        vm.prank(challenger);
        uint256 gameId =
            traceDisputes.challenge{value: TRACE_BOND}(request, record, forged, honestTrace, honestWords);
        ITraceDisputes.Game memory game = traceDisputes.getGame(gameId);
        assertEq(uint8(game.phase), uint8(ITraceDisputes.Phase.Step));
        assertEq(game.tensor, honest.stageCount());
        traceDisputes.step(gameId, request, record, true, honest.stepInput(2, 0));
        assertTrue(staking.getOperator(operators[positions[0]]).slashed);
    }

    function test_RevertWhen_TheChallengeIsMalformedOrLate() public {
        IInferenceOracle.Request memory request = _requestTraced();
        (IInferenceOracle.AttestationRecord memory record,) = _attestRun(request, honest);
        uint256[] memory attestedWords = honest.outputWords();
        bytes32 honestTrace = honest.traceRoot();
        bytes32 falseTrace = liar.traceRoot();
        uint256[] memory other = liar.outputWords();
        vm.startPrank(challenger);
        vm.expectRevert(abi.encodeWithSelector(ITraceDisputes.WrongBond.selector, 1, TRACE_BOND));
        traceDisputes.challenge{value: 1}(request, record, attestedWords, falseTrace, other);
        vm.expectRevert(abi.encodeWithSelector(ITraceDisputes.NothingToDispute.selector, request.id));
        traceDisputes.challenge{value: TRACE_BOND}(request, record, attestedWords, honestTrace, attestedWords);
        vm.expectRevert(
            abi.encodeWithSelector(ITraceDisputes.AttestedOutputMismatch.selector, record.outputHash, _hashWords(other))
        );
        traceDisputes.challenge{value: TRACE_BOND}(request, record, other, falseTrace, other);
        vm.warp(uint256(uint32(record.packed)));
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.ChallengeWindowClosed.selector, request.id, uint32(record.packed))
        );
        traceDisputes.challenge{value: TRACE_BOND}(request, record, attestedWords, falseTrace, other);
        vm.stopPrank();
        // Only the games contract may open or close a game on the oracle.
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.NotTraceDisputes.selector, address(this)));
        oracle.openTraceGame(request, record);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.NotTraceDisputes.selector, address(this)));
        oracle.closeTraceGame(request, record, challenger, true);
    }

    function test_RevertWhen_ARevealDoesNotHashToTheSidesNode() public {
        IInferenceOracle.Request memory request = _requestTraced();
        (IInferenceOracle.AttestationRecord memory record,) = _attestRun(request, liar);
        uint256 gameId = _challenge(request, record, liar, honest);
        // The defender cannot reveal the challenger's (honest) leaves as its own.
        bytes32[] memory honestLeaves = honest.traceReveal();
        bytes32[] memory liarLeaves = liar.traceReveal();
        vm.expectRevert(abi.encodeWithSelector(ITraceDisputes.RevealMismatch.selector, gameId, false));
        traceDisputes.reveal(gameId, false, honestLeaves, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(ITraceDisputes.RevealSizeMismatch.selector, 4, 2));
        traceDisputes.reveal(gameId, false, new bytes32[](2), new bytes32[](0));
        traceDisputes.reveal(gameId, false, liarLeaves, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(ITraceDisputes.AlreadyRevealed.selector, gameId, false));
        traceDisputes.reveal(gameId, false, liarLeaves, new bytes32[](0));
        // The second reveal must repeat the first side's nodes as revealed.
        vm.expectRevert(abi.encodeWithSelector(ITraceDisputes.FirstRevealMismatch.selector, gameId));
        traceDisputes.reveal(gameId, true, honestLeaves, honestLeaves);
    }

    function _reopenedFromLogs(Vm.Log[] memory logs) internal pure returns (IInferenceOracle.Request memory request) {
        bool found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IInferenceOracle.AttestationOverturnedByTrace.selector) {
                (,,, request) = abi.decode(logs[i].data, (bytes32, bytes32, uint256, IInferenceOracle.Request));
                found = true;
            }
        }
        require(found, "no AttestationOverturnedByTrace");
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}
