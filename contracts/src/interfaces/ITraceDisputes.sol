// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IInferenceOracle} from "./IInferenceOracle.sol";
import {IModelRegistry} from "./IModelRegistry.sol";
import {IOneStep} from "./IOneStep.sol";

/// @title ITraceDisputes
/// @notice Bisection games over attested traces (docs/disputes.md). A challenger posts its own trace
///         root and output words with a bond; both sides reveal nodes of their trees, round by round,
///         down to the first tensor and then the first word they disagree on; the one step recomputes
///         one value of that word on-chain. The side whose trace is wrong there loses: the attesters'
///         signers are slashed and the request reopens, or the challenger's bond goes to the treasury.
interface ITraceDisputes {
    /// @notice Where a game stands. Trace: descending the trace tree (over tensors 0 .. S-1).
    ///         Locate: the disputed tensor t >= 1 is known; its stage's header must be opened.
    ///         Tensor: descending tensor t's word tree. Input: the disputed tensor is the model's input.
    ///         Step: the disputed word is known; the one step decides. Over: decided.
    enum Phase {
        None,
        Trace,
        Locate,
        Tensor,
        Input,
        Step,
        Over
    }

    /// @notice One game. The defender is the attested trace (anyone holding it may move for it).
    /// @param subject keccak256(abi.encode(request, attested)): what finishing calls must supply again.
    /// @param defenderTrace, challengerTrace Both sides' trace roots. Every tensor before the disputed
    ///        one is equal in both (the descent went left of it only through equal subtrees), so the
    ///        one step may open its inputs against either.
    /// @param defenderNode The defender's node at (level, index) of the current tree; its word in Step.
    /// @param pendingReveal keccak256 of the nodes the first side revealed this round (0 if none).
    /// @param revealedBy 1 if the defender revealed first this round, 2 if the challenger did, 0 if neither.
    /// @param tensor The disputed tensor (Locate onwards).
    /// @param depth The current tree's depth; level and index locate the current node in it.
    /// @param bits, values The disputed tensor's value width and count (Tensor and Step).
    struct Game {
        address challenger;
        uint64 deadline;
        Phase phase;
        uint8 revealedBy;
        uint96 bond;
        uint256 requestId;
        bytes32 subject;
        bytes32 parametersRoot;
        bytes32 defenderTrace;
        bytes32 challengerTrace;
        bytes32 defenderNode;
        bytes32 challengerNode;
        bytes32 pendingReveal;
        uint32 stageCount;
        uint32 tensor;
        uint32 depth;
        uint32 level;
        uint64 index;
        uint8 bits;
        uint32 values;
    }

    error InvalidGameParameters(uint256 bond, uint256 movePeriod);
    error WrongBond(uint256 sent, uint256 bond);
    error AttestedOutputMismatch(bytes32 expected, bytes32 received);
    error NothingToDispute(uint256 requestId);
    error TraceRootMissing(uint256 requestId);
    error GameNotFound(uint256 gameId);
    error WrongPhase(uint256 gameId, Phase phase);
    error SubjectMismatch(uint256 gameId);
    /// @notice A reveal must have 2^levels nodes, levels = min(MAX_REVEAL_LEVELS, depth - level).
    error RevealSizeMismatch(uint256 expected, uint256 received);
    /// @notice The revealed nodes do not hash to the side's current node.
    error RevealMismatch(uint256 gameId, bool challengerSide);
    error AlreadyRevealed(uint256 gameId, bool challengerSide);
    /// @notice The second reveal of a round must repeat the first side's nodes as revealed.
    error FirstRevealMismatch(uint256 gameId);
    error DeadlinePassed(uint256 gameId, uint64 deadline);
    error DeadlineNotPassed(uint256 gameId, uint64 deadline);
    error StageNotInParameters(uint256 stage, bytes32 stageLeaf);
    error InputHashMismatch(bytes32 expected, bytes32 received);
    /// @notice The challenger's output words are not a packing of the model's output (as the oracle checks attested ones).
    error OutputWordCountMismatch(uint256 expected, uint256 received);
    error OutputWordOutOfRange(uint256 index, uint256 word, uint256 bits);
    /// @notice TraceMerkle's: a tree needs a leaf (no request has zero input words).
    error EmptyTree();
    error NothingToWithdraw(address account);
    error EtherTransferFailed(address to, uint256 amount);

    event GameStarted(
        uint256 indexed gameId,
        uint256 indexed requestId,
        address indexed challenger,
        bytes32 traceRoot,
        uint256[] outputWords,
        Phase phase,
        uint64 deadline
    );
    /// @notice One side's nodes for the round at `level` (the other side's follow, or came first).
    event Revealed(uint256 indexed gameId, bool challengerSide, uint32 level, uint64 index, bytes32[] nodes);
    /// @notice The game moved to a new node, tree or phase.
    event GameAdvanced(
        uint256 indexed gameId,
        Phase phase,
        uint32 tensor,
        uint32 level,
        uint64 index,
        bytes32 defenderNode,
        bytes32 challengerNode,
        uint64 deadline
    );
    /// @notice Decided. `recomputed` is the one step's value when the one step decided it.
    event GameResolved(uint256 indexed gameId, uint256 indexed requestId, bool attestersLost, string reason);
    event Withdrawn(address indexed account, address indexed to, uint256 amount);

    /// @notice Challenges `request`'s attested result with the caller's trace root and output,
    ///         sending exactly BOND. `attestedOutputWords` are the attested result's words.
    function challenge(
        IInferenceOracle.Request calldata request,
        IInferenceOracle.AttestationRecord calldata attested,
        uint256[] calldata attestedOutputWords,
        bytes32 traceRoot,
        uint256[] calldata outputWords
    ) external payable returns (uint256 gameId);

    /// @notice Reveals one side's nodes under its current node. The second reveal of a round repeats
    ///         the first side's nodes (`firstNodes`, from its Revealed event) and moves the game on.
    function reveal(uint256 gameId, bool challengerSide, bytes32[] calldata nodes, bytes32[] calldata firstNodes)
        external;

    /// @notice Opens the header of the stage that writes the disputed tensor (Locate phase).
    function openTensor(uint256 gameId, bytes calldata header, bytes32 rowsRoot, bytes32[] calldata stageProof)
        external;

    /// @notice The one step: recomputes the first value in which the two disputed words differ, its
    ///         inputs opened against the challenger's trace root (`againstChallenger`) or the defender's.
    function step(
        uint256 gameId,
        IInferenceOracle.Request calldata request,
        IInferenceOracle.AttestationRecord calldata attested,
        bool againstChallenger,
        IOneStep.StepInput calldata input
    ) external;

    /// @notice Decides a game over the model's input: the side whose input root is not the root
    ///         of the request's input words loses.
    function resolveInput(
        uint256 gameId,
        IInferenceOracle.Request calldata request,
        IInferenceOracle.AttestationRecord calldata attested,
        uint256[] calldata inputWords
    ) external;

    /// @notice After a deadline: the side that did not move loses (in Locate, Input and Step, where
    ///         either side may move, the challenger).
    function timeout(
        uint256 gameId,
        IInferenceOracle.Request calldata request,
        IInferenceOracle.AttestationRecord calldata attested
    ) external;

    /// @notice Sends the caller's balance (refunded bonds; the treasury's forfeited ones) to `to`.
    function withdraw(address payable to) external;

    function getGame(uint256 gameId) external view returns (Game memory);

    /// @notice The oracle whose attestations the games dispute.
    function ORACLE() external view returns (IInferenceOracle);

    /// @notice The registry the games read a model's parameter root and stage count from.
    function REGISTRY() external view returns (IModelRegistry);

    /// @notice The one step, created with the games.
    function ONE_STEP() external view returns (IOneStep);

    function gameCount() external view returns (uint256);

    function balanceOf(address account) external view returns (uint256);

    function BOND() external view returns (uint256);

    function MOVE_PERIOD() external view returns (uint256);

    function MAX_REVEAL_LEVELS() external view returns (uint256);

    /// @notice The longest a game can last: every round at its deadline.
    function maxGameDuration() external view returns (uint256);
}
