// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IInferenceOracle} from "../interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IOneStep} from "../interfaces/IOneStep.sol";
import {ITraceDisputes} from "../interfaces/ITraceDisputes.sol";
import {WordPacking} from "../libraries/WordPacking.sol";
import {OneStep} from "./OneStep.sol";
import {TraceMerkle} from "./TraceMerkle.sol";

/// @title TraceDisputes
/// @notice The bisection game of docs/disputes.md for one InferenceOracle (deployed just before it,
///         naming the address it will have; the oracle checks that at construction). Each
///         challenger plays its own game against an attested trace. A round reveals the nodes up to
///         MAX_REVEAL_LEVELS below the current node of each side's tree; the game follows the leftmost
///         node at which the sides differ, so every subtree left of its path is equal in both trees.
///         It descends the game tree H(traceRoot, outputRoot) to one tensor, then that tensor's word
///         tree to one word, and the one step recomputes the first value the two words differ in.
contract TraceDisputes is ITraceDisputes {
    uint256 public constant MAX_REVEAL_LEVELS = 5;
    /// @dev Rounds a game can take: a trace and a tensor tree of at most 2^32 leaves each, 5 levels
    ///      per round (7 rounds each), one to open the tensor's header and one for the one step.
    uint256 private constant _MAX_ROUNDS = 16;
    uint256 private constant _MAX_MOVE_PERIOD = 30 days;
    uint8 private constant _DEFENDER = 1;
    uint8 private constant _CHALLENGER = 2;

    IInferenceOracle public immutable ORACLE;
    IModelRegistry public immutable REGISTRY;
    IOneStep public immutable ONE_STEP;
    uint256 public immutable BOND;
    uint256 public immutable MOVE_PERIOD;

    mapping(uint256 gameId => Game) private _games;
    uint256 public gameCount;
    mapping(address account => uint256) public balanceOf;

    /// @param oracle The oracle whose attestations the games dispute (it calls back openTraceGame and closeTraceGame).
    /// @param bond What a challenger sends with its challenge (1 wei .. 2^96 - 1), forfeited to the treasury if it loses.
    /// @param movePeriod Seconds each side has for each move (1 s .. 30 days).
    constructor(IInferenceOracle oracle, IModelRegistry registry, uint256 bond, uint256 movePeriod) {
        if (bond == 0 || bond > type(uint96).max || movePeriod == 0 || movePeriod > _MAX_MOVE_PERIOD) {
            revert InvalidGameParameters(bond, movePeriod);
        }
        ORACLE = oracle;
        REGISTRY = registry;
        ONE_STEP = new OneStep();
        BOND = bond;
        MOVE_PERIOD = movePeriod;
    }

    /// @inheritdoc ITraceDisputes
    function challenge(
        IInferenceOracle.Request calldata request,
        IInferenceOracle.AttestationRecord calldata attested,
        uint256[] calldata attestedOutputWords,
        bytes32 traceRoot,
        uint256[] calldata outputWords
    ) external payable returns (uint256 gameId) {
        if (msg.value != BOND) revert WrongBond(msg.value, BOND);
        if (attested.traceRoot == bytes32(0)) revert TraceRootMissing(request.id);
        bytes32 received = keccak256(abi.encodePacked(attestedOutputWords));
        if (received != attested.outputHash) revert AttestedOutputMismatch(attested.outputHash, received);
        _checkOutputWords(outputWords, request.outputValues, request.outputBits);
        // Reverts unless the record is the request's current attestation and its window is open.
        ORACLE.openTraceGame(request, attested);

        gameId = ++gameCount;
        Game storage game = _games[gameId];
        game.challenger = msg.sender;
        game.bond = uint96(msg.value);
        game.requestId = request.id;
        game.subject = keccak256(abi.encode(request, attested));
        (game.parametersRoot, game.stageCount) = REGISTRY.getTraceParameters(request.modelId);
        game.defenderTrace = attested.traceRoot;
        game.challengerTrace = traceRoot;

        if (traceRoot != attested.traceRoot) {
            // Left at the top: the traces differ, so the first difference is a tensor before the output.
            game.defenderNode = attested.traceRoot;
            game.challengerNode = traceRoot;
            game.depth = uint32(TraceMerkle.depth(game.stageCount));
            game.phase = Phase.Trace;
            if (game.depth == 0) _tensorFound(game, 0);
        } else {
            // Equal traces: the outputs differ (or nothing does). Their words are here already.
            uint256 word = _firstDifference(attestedOutputWords, outputWords);
            if (word == outputWords.length) revert NothingToDispute(request.id);
            game.tensor = game.stageCount;
            game.bits = request.outputBits;
            game.values = request.outputValues;
            game.index = uint64(word);
            game.defenderNode = bytes32(attestedOutputWords[word]);
            game.challengerNode = bytes32(outputWords[word]);
            game.phase = Phase.Step;
        }
        game.deadline = uint64(block.timestamp + MOVE_PERIOD);
        emit GameStarted(gameId, request.id, msg.sender, traceRoot, outputWords, game.phase, game.deadline);
    }

    /// @inheritdoc ITraceDisputes
    function reveal(uint256 gameId, bool challengerSide, bytes32[] calldata nodes, bytes32[] calldata firstNodes)
        external
    {
        Game storage game = _game(gameId);
        if (game.phase != Phase.Trace && game.phase != Phase.Tensor) revert WrongPhase(gameId, game.phase);
        if (block.timestamp > game.deadline) revert DeadlinePassed(gameId, game.deadline);
        uint256 levels = _min(MAX_REVEAL_LEVELS, game.depth - game.level);
        if (nodes.length != 1 << levels) revert RevealSizeMismatch(1 << levels, nodes.length);
        if (_subtreeRoot(nodes) != (challengerSide ? game.challengerNode : game.defenderNode)) {
            revert RevealMismatch(gameId, challengerSide);
        }
        uint8 side = challengerSide ? _CHALLENGER : _DEFENDER;
        emit Revealed(gameId, challengerSide, game.level, game.index, nodes);
        if (game.revealedBy == 0) {
            game.revealedBy = side;
            game.pendingReveal = keccak256(abi.encodePacked(nodes));
            return;
        }
        if (game.revealedBy == side) revert AlreadyRevealed(gameId, challengerSide);
        if (keccak256(abi.encodePacked(firstNodes)) != game.pendingReveal) revert FirstRevealMismatch(gameId);
        (bytes32[] calldata defender, bytes32[] calldata challenger) =
            challengerSide ? (firstNodes, nodes) : (nodes, firstNodes);
        // Both subtrees hash to different nodes, so some revealed pair differs: take the leftmost.
        uint256 i;
        while (defender[i] == challenger[i]) ++i;
        game.revealedBy = 0;
        game.pendingReveal = bytes32(0);
        game.level += uint32(levels);
        game.index = uint64((uint256(game.index) << levels) | i);
        game.defenderNode = defender[i];
        game.challengerNode = challenger[i];
        game.deadline = uint64(block.timestamp + MOVE_PERIOD);
        if (game.level == game.depth) {
            if (game.phase == Phase.Trace) _tensorFound(game, game.index);
            else game.phase = Phase.Step;
        }
        _emitAdvanced(gameId, game);
    }

    /// @inheritdoc ITraceDisputes
    function openTensor(uint256 gameId, bytes calldata header, bytes32 rowsRoot, bytes32[] calldata stageProof)
        external
    {
        Game storage game = _game(gameId);
        if (game.phase != Phase.Locate) revert WrongPhase(gameId, game.phase);
        if (block.timestamp > game.deadline) revert DeadlinePassed(gameId, game.deadline);
        uint256 stage = game.tensor - 1;
        bytes32 stageLeaf = TraceMerkle.hashPair(keccak256(header), rowsRoot);
        if (!TraceMerkle.verify(game.parametersRoot, stageLeaf, stage, game.stageCount, stageProof)) {
            revert StageNotInParameters(stage, stageLeaf);
        }
        (, uint32 outCount, uint8 bits) = abi.decode(header[:96], (uint8, uint32, uint8));
        game.bits = bits;
        game.values = outCount;
        game.depth = uint32(TraceMerkle.depth(WordPacking.wordCount(outCount, bits)));
        game.level = 0;
        game.index = 0;
        game.phase = game.depth == 0 ? Phase.Step : Phase.Tensor;
        game.deadline = uint64(block.timestamp + MOVE_PERIOD);
        _emitAdvanced(gameId, game);
    }

    /// @inheritdoc ITraceDisputes
    function step(
        uint256 gameId,
        IInferenceOracle.Request calldata request,
        IInferenceOracle.AttestationRecord calldata attested,
        bool againstChallenger,
        IOneStep.StepInput calldata input
    ) external {
        Game storage game = _game(gameId);
        if (game.phase != Phase.Step) revert WrongPhase(gameId, game.phase);
        _checkSubject(gameId, game, request, attested);
        (bool malformed, bool defenderWrong, uint256 value, int256 claimed) = _disputedValue(game);
        if (malformed) {
            _finish(game, gameId, request, attested, defenderWrong, "a word is not a packing of the tensor");
            return;
        }
        bytes32 opened = againstChallenger ? game.challengerTrace : game.defenderTrace;
        int256 recomputed =
            ONE_STEP.recompute(game.parametersRoot, game.stageCount, opened, game.tensor - 1, value, input);
        _finish(game, gameId, request, attested, claimed != recomputed, "one step");
    }

    /// @inheritdoc ITraceDisputes
    function resolveInput(
        uint256 gameId,
        IInferenceOracle.Request calldata request,
        IInferenceOracle.AttestationRecord calldata attested,
        uint256[] calldata inputWords
    ) external {
        Game storage game = _game(gameId);
        if (game.phase != Phase.Input) revert WrongPhase(gameId, game.phase);
        _checkSubject(gameId, game, request, attested);
        bytes32 received = keccak256(abi.encodePacked(inputWords));
        if (received != request.inputHash) revert InputHashMismatch(request.inputHash, received);
        bytes32[] memory leaves = new bytes32[](inputWords.length);
        for (uint256 i; i < inputWords.length; ++i) {
            leaves[i] = bytes32(inputWords[i]);
        }
        _finish(game, gameId, request, attested, TraceMerkle.root(leaves) != game.defenderNode, "input root");
    }

    /// @inheritdoc ITraceDisputes
    function timeout(
        uint256 gameId,
        IInferenceOracle.Request calldata request,
        IInferenceOracle.AttestationRecord calldata attested
    ) external {
        Game storage game = _game(gameId);
        Phase phase = game.phase;
        if (phase == Phase.Over) revert WrongPhase(gameId, phase);
        if (block.timestamp <= game.deadline) revert DeadlineNotPassed(gameId, game.deadline);
        _checkSubject(gameId, game, request, attested);
        // In a bisection round the challenger loses unless it revealed and the defender did not;
        // in Locate, Input and Step either side may move, and the burden is the challenger's.
        bool bisecting = phase == Phase.Trace || phase == Phase.Tensor;
        bool attestersLost = bisecting && game.revealedBy == _CHALLENGER;
        _finish(game, gameId, request, attested, attestersLost, "timeout");
    }

    /// @inheritdoc ITraceDisputes
    function withdraw(address payable to) external {
        uint256 amount = balanceOf[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        balanceOf[msg.sender] = 0;
        emit Withdrawn(msg.sender, to, amount);
        (bool success,) = to.call{value: amount}("");
        if (!success) revert EtherTransferFailed(to, amount);
    }

    /// @inheritdoc ITraceDisputes
    function getGame(uint256 gameId) external view returns (Game memory) {
        return _games[gameId];
    }

    /// @inheritdoc ITraceDisputes
    function maxGameDuration() external view returns (uint256) {
        return _MAX_ROUNDS * MOVE_PERIOD;
    }

    /// @dev The descent reached leaf `tensor` of the trace tree.
    function _tensorFound(Game storage game, uint256 tensor) private {
        game.tensor = uint32(tensor);
        game.level = 0;
        game.index = 0;
        if (tensor == 0) {
            game.phase = Phase.Input;
        } else if (tensor >= game.stageCount) {
            // Past the last tensor, in the padding: the side whose leaf is not zero is wrong. The
            // one step's padding rule decides it (index past the words, one value per word).
            game.phase = Phase.Step;
            game.values = 0;
            game.bits = uint8(WordPacking.WORD_PAYLOAD_BITS);
        } else {
            game.phase = Phase.Locate;
        }
    }

    /// @dev Ends the game: the oracle slashes and reopens, or the bond goes to the treasury.
    function _finish(
        Game storage game,
        uint256 gameId,
        IInferenceOracle.Request calldata request,
        IInferenceOracle.AttestationRecord calldata attested,
        bool attestersLost,
        string memory reason
    ) private {
        game.phase = Phase.Over;
        uint256 bond = game.bond;
        game.bond = 0;
        bool current = ORACLE.closeTraceGame(request, attested, game.challenger, attestersLost);
        // A challenger that lost forfeits its bond; one that won, or whose game another game or a
        // proof made moot, gets it back.
        if (attestersLost || !current) balanceOf[game.challenger] += bond;
        else balanceOf[ORACLE.TREASURY()] += bond;
        emit GameResolved(gameId, game.requestId, attestersLost, reason);
    }

    /// @dev The two disputed words: whether one is malformed (and whether the defender's is), else
    ///      the flat index of the first value they differ in and the defender's claim for it.
    function _disputedValue(Game storage game)
        private
        view
        returns (bool malformed, bool defenderWrong, uint256 value, int256 claimed)
    {
        uint256 bits = game.bits;
        uint256 perWord = WordPacking.WORD_PAYLOAD_BITS / bits;
        uint256 defenderWord = uint256(game.defenderNode);
        uint256 challengerWord = uint256(game.challengerNode);
        // Past the tensor's last word (the trees' padding) every leaf is zero.
        if (game.index * perWord >= game.values) return (true, defenderWord != 0, 0, 0);
        uint256 slots = _min(perWord, game.values - game.index * perWord);
        // Unused high bits must be zero (protocol.md, "Packing").
        if (defenderWord >> (slots * bits) != 0) return (true, true, 0, 0);
        if (challengerWord >> (slots * bits) != 0) return (true, false, 0, 0);
        uint256 mask = (1 << bits) - 1;
        uint256 slot;
        while ((defenderWord >> (slot * bits)) & mask == (challengerWord >> (slot * bits)) & mask) ++slot;
        value = game.index * perWord + slot;
        claimed = int256((defenderWord >> (slot * bits)) & mask) - int256(1 << (bits - 1));
    }

    function _game(uint256 gameId) private view returns (Game storage game) {
        game = _games[gameId];
        if (game.phase == Phase.None) revert GameNotFound(gameId);
    }

    function _checkSubject(
        uint256 gameId,
        Game storage game,
        IInferenceOracle.Request calldata request,
        IInferenceOracle.AttestationRecord calldata attested
    ) private view {
        if (keccak256(abi.encode(request, attested)) != game.subject) revert SubjectMismatch(gameId);
    }

    function _emitAdvanced(uint256 gameId, Game storage game) private {
        emit GameAdvanced(
            gameId,
            game.phase,
            game.tensor,
            game.level,
            game.index,
            game.defenderNode,
            game.challengerNode,
            game.deadline
        );
    }

    /// @dev The root of the full subtree whose 2^k nodes are `nodes`, left to right.
    function _subtreeRoot(bytes32[] calldata nodes) private pure returns (bytes32) {
        uint256 n = nodes.length;
        bytes32[] memory level = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            level[i] = nodes[i];
        }
        while (n > 1) {
            n >>= 1;
            for (uint256 i; i < n; ++i) {
                level[i] = TraceMerkle.hashPair(level[2 * i], level[2 * i + 1]);
            }
        }
        return level[0];
    }

    /// @dev The index of the first word that differs, or the length when none does.
    function _firstDifference(uint256[] calldata a, uint256[] calldata b) private pure returns (uint256 i) {
        while (i < a.length && a[i] == b[i]) ++i;
    }

    function _checkOutputWords(uint256[] calldata words, uint256 values, uint256 bits) private pure {
        uint256 expected = WordPacking.wordCount(values, bits);
        if (words.length != expected) revert OutputWordCountMismatch(expected, words.length);
        uint256 index = WordPacking.firstWordOutOfRange(words, values, bits);
        if (index != expected) revert OutputWordOutOfRange(index, words[index], WordPacking.payloadBits(index, values, bits));
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
