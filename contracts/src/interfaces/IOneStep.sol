// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IOneStep
/// @notice The one step of a trace dispute (disputes.md): recomputes one output value of one stage
///         from its header and row, opened against the model's parametersRoot, and from its input
///         values, opened against the agreed trace root, with the op's integer semantics (ops.md).
///
///         A stage's header is abi.encode(uint8 kind, uint32 outCount, uint8 bits, uint32[] inputs,
///         uint32[] inputCounts, uint8[] inputBits, int256[] scalars); a row is
///         abi.encode(uint32[] positions, int256[] params), and is empty for the elementwise kinds
///         (relu, leakyRelu, piecewise, sqrt), whose row r reads position r.
///
///         Malformed data reverts with the errors below. A header that does not decode reverts in
///         abi.decode (no reason), and an accumulator beyond int256 with Panic(0x11): a compiled
///         model never reaches either (ops.md keeps every accumulator below 2^250).
interface IOneStep {
    /// @notice The root of one input tensor, opened at index `tensor` of the trace root.
    struct TensorOpening {
        uint32 tensor;
        bytes32 root;
        bytes32[] proof;
    }

    /// @notice Word `index` of tensor `tensor`, opened against that tensor's root.
    struct WordOpening {
        uint32 tensor;
        uint32 index;
        uint256 word;
        bytes32[] proof;
    }

    /// @notice Everything the one step opens.
    /// @param header The stage's header; with `rowsRoot` it is leaf `stage` of parametersRoot (`stageProof`).
    /// @param row Row r (empty for an elementwise kind), leaf r of `rowsRoot` (`rowProof`).
    /// @param tensors One opening per distinct input tensor the row reads.
    /// @param words The words holding the row's input values, sorted by (tensor, index), each once.
    struct StepInput {
        bytes header;
        bytes32 rowsRoot;
        bytes32[] stageProof;
        bytes row;
        bytes32[] rowProof;
        TensorOpening[] tensors;
        WordOpening[] words;
    }

    // Headers and rows.
    error UnknownKind(uint8 kind);
    error ScalarCountMismatch(uint8 kind, uint256 expected, uint256 received);
    /// @notice Scalar `index` of the header is outside [min, max].
    error ScalarOutOfRange(uint8 kind, uint256 index, int256 value, int256 min, int256 max);
    error ParamCountMismatch(uint8 kind, uint256 expected, uint256 received);
    /// @notice A row of `count` positions does not fit the kind (maxPool and argMax: at least one,
    ///         gather: one, bilinear: pairs, divide: two).
    error PositionCountInvalid(uint8 kind, uint256 count);
    /// @notice A row of `length` bytes that is not exactly abi.encode(uint32[] positions, int256[] params).
    error RowNotCanonical(uint256 length);
    /// @notice An elementwise kind's row must be empty.
    error RowNotEmpty(uint8 kind, uint256 length);
    /// @notice computeValue got `received` input values for a row of `expected` positions.
    error ValueCountMismatch(uint256 expected, uint256 received);
    error InputListsMismatch(uint256 inputs, uint256 inputCounts, uint256 inputBits);
    error NoInputs();
    error EmptyInput(uint256 slot, uint256 tensor);
    /// @notice Input slot `slot` has a width outside [2, 248] (WordPacking).
    error InputWidthOutOfRange(uint256 slot, uint256 tensor, uint256 bits);
    /// @notice Stage `stage` reads tensor `tensor` > stage: not a tensor both traces agree on.
    error InputAfterStage(uint256 slot, uint256 tensor, uint256 stage);
    /// @notice Tensor `tensor` is read twice with different lengths or widths.
    error InputTensorInconsistent(uint256 tensor);

    // Openings.
    error StageOutOfRange(uint256 stage, uint256 stageCount);
    error RowOutOfRange(uint256 r, uint256 outCount);
    error StageNotInParameters(uint256 stage, bytes32 stageLeaf);
    error RowNotInStage(uint256 r, bytes32 rowHash);
    error TensorNotInTrace(uint256 tensor, bytes32 root);
    /// @notice The words are not sorted by (tensor, index) without repeats, at `position`.
    error WordsNotSorted(uint256 position, uint256 tensor, uint256 index);
    /// @notice An opened word belongs to a tensor the stage does not read.
    error WordTensorNotRead(uint256 tensor, uint256 index);
    /// @notice No root was opened for a tensor that a word belongs to.
    error TensorNotOpened(uint256 tensor);
    error WordNotInTensor(uint256 tensor, uint256 index, uint256 word);
    /// @notice The word has bits set above its payload.
    error WordOutOfRange(uint256 tensor, uint256 index, uint256 word);
    /// @notice The row needs a word that was not opened.
    error WordNotOpened(uint256 tensor, uint256 index);
    /// @notice A row position beyond the stage's concatenated input of `inputLength` values.
    error PositionOutOfRange(uint256 position, uint256 inputLength);

    /// @notice The value of one output of a stage with header `header` and row `row` (empty for an
    ///         elementwise kind), from `xs`: the input values at the row's positions, in order
    ///         (for an elementwise kind, [x_r]).
    function computeValue(bytes calldata header, bytes calldata row, int256[] calldata xs)
        external
        pure
        returns (int256);

    /// @notice Output value `r` of stage `stage`, recomputed from `input` opened against
    ///         `parametersRoot` (`stageCount` stage leaves) and `traceRoot` (tensors 0 .. stageCount - 1).
    function recompute(
        bytes32 parametersRoot,
        uint256 stageCount,
        bytes32 traceRoot,
        uint256 stage,
        uint256 r,
        StepInput calldata input
    ) external pure returns (int256);
}
