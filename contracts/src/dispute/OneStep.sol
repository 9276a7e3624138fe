// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOneStep} from "../interfaces/IOneStep.sol";
import {WordPacking} from "../libraries/WordPacking.sol";
import {TraceMerkle} from "./TraceMerkle.sol";

/// @title OneStep
/// @notice The one step of a trace dispute (disputes.md, "One step"): one output value of one stage,
///         recomputed with the integer semantics of ops.md from a header and row opened against the
///         model's parametersRoot and input words opened against the trace both sides agree on.
///         Stateless: a game contract deploys one and calls it.
contract OneStep is IOneStep {
    // Stage kinds (disputes.md's table).
    uint8 internal constant LINEAR = 1;
    uint8 internal constant RELU = 2;
    uint8 internal constant LEAKY_RELU = 3;
    uint8 internal constant MAX_POOL = 4;
    uint8 internal constant ARG_MAX = 5;
    uint8 internal constant GATHER = 6;
    uint8 internal constant BILINEAR = 7;
    uint8 internal constant PIECEWISE = 8;
    uint8 internal constant DIVIDE = 9;
    uint8 internal constant SQRT = 10;

    /// @dev The largest rounding shift round_s takes: 2^(s-1) is an int256 and `>> s` is defined.
    int256 internal constant MAX_SHIFT = 255;
    /// @dev The largest shift a value is multiplied by 2^shift with in int256 (divide's numerator).
    int256 internal constant MAX_SIGNED_SCALING_SHIFT = 254;
    /// @dev Value widths (a packed tensor's, argMax's and piecewise's inBits, leakyRelu's negBits):
    ///      2 .. 248 as the registry takes them (WordPacking: at least one value per word).
    int256 internal constant MIN_WIDTH = 2;
    int256 internal constant MAX_WIDTH = int256(WordPacking.WORD_PAYLOAD_BITS);
    /// @dev A piecewise segment never needs to be wider than any input value.
    int256 internal constant MAX_SEGMENT_BITS = int256(WordPacking.WORD_PAYLOAD_BITS);
    /// @dev Piecewise scalars: [inBits, lo, segmentBits, segments, shift] then c0, c1 and c2, one per segment.
    uint256 internal constant PIECEWISE_FIXED_SCALARS = 5;
    uint256 internal constant PIECEWISE_COEFFICIENT_LISTS = 3;
    int256 internal constant MAX_SEGMENTS = int256(uint256(type(uint32).max));
    /// @dev Bits of a word's index in a (tensor, index) search key.
    uint256 internal constant KEY_INDEX_BITS = 32;
    uint256 internal constant NOT_FOUND = type(uint256).max;

    /// @dev A decoded header (disputes.md, "Parameter (weight) commitment").
    struct Header {
        uint8 kind;
        uint32 outCount;
        uint8 bits;
        uint32[] inputs;
        uint32[] inputCounts;
        uint8[] inputBits;
        int256[] scalars;
    }

    /// @inheritdoc IOneStep
    function computeValue(bytes calldata header, bytes calldata row, int256[] calldata xs)
        external
        pure
        returns (int256)
    {
        Header memory h = _decodeHeader(header);
        int256[] memory params;
        uint256 positionCount = 1;
        if (_isElementwise(h.kind)) {
            if (row.length != 0) revert RowNotEmpty(h.kind, row.length);
        } else {
            uint32[] memory positions;
            (positions, params) = abi.decode(row, (uint32[], int256[]));
            positionCount = positions.length;
        }
        if (xs.length != positionCount) revert ValueCountMismatch(positionCount, xs.length);
        return _value(h.kind, h.scalars, params, xs);
    }

    /// @inheritdoc IOneStep
    function recompute(
        bytes32 parametersRoot,
        uint256 stageCount,
        bytes32 traceRoot,
        uint256 stage,
        uint256 r,
        StepInput calldata input
    ) external pure returns (int256) {
        if (stage >= stageCount) revert StageOutOfRange(stage, stageCount);
        bytes32 stageLeaf = TraceMerkle.hashPair(keccak256(input.header), input.rowsRoot);
        if (!TraceMerkle.verify(parametersRoot, stageLeaf, stage, stageCount, input.stageProof)) {
            revert StageNotInParameters(stage, stageLeaf);
        }
        Header memory h = _decodeHeader(input.header);
        if (r >= h.outCount) revert RowOutOfRange(r, h.outCount);

        uint32[] memory positions;
        int256[] memory params;
        if (_isElementwise(h.kind)) {
            if (input.row.length != 0) revert RowNotEmpty(h.kind, input.row.length);
            positions = new uint32[](1);
            positions[0] = uint32(r);
        } else {
            bytes32 rowHash = keccak256(input.row);
            if (!TraceMerkle.verify(input.rowsRoot, rowHash, r, h.outCount, input.rowProof)) {
                revert RowNotInStage(r, rowHash);
            }
            (positions, params) = abi.decode(input.row, (uint32[], int256[]));
        }
        int256[] memory xs = _openValues(h, stage, stageCount, traceRoot, positions, input);
        return _value(h.kind, h.scalars, params, xs);
    }

    // ---------------------------------------------------------------- decoding

    /// @dev Decodes a header; rejects an unknown kind.
    function _decodeHeader(bytes calldata header) internal pure returns (Header memory h) {
        (h.kind, h.outCount, h.bits, h.inputs, h.inputCounts, h.inputBits, h.scalars) =
            abi.decode(header, (uint8, uint32, uint8, uint32[], uint32[], uint8[], int256[]));
        if (h.kind < LINEAR || h.kind > SQRT) revert UnknownKind(h.kind);
    }

    /// @dev Kinds whose row r reads position r and has no row of its own.
    function _isElementwise(uint8 kind) internal pure returns (bool) {
        return kind == RELU || kind == LEAKY_RELU || kind == PIECEWISE || kind == SQRT;
    }

    // ---------------------------------------------------------------- openings

    /// @dev The values at `positions` of the stage's concatenated input, each taken from a word
    ///      opened against its tensor's root, itself opened against `traceRoot`.
    function _openValues(
        Header memory h,
        uint256 stage,
        uint256 stageCount,
        bytes32 traceRoot,
        uint32[] memory positions,
        StepInput calldata input
    ) internal pure returns (int256[] memory xs) {
        uint256[] memory starts = _inputStarts(h, stage);
        for (uint256 i; i < input.tensors.length; ++i) {
            TensorOpening calldata opening = input.tensors[i];
            if (!TraceMerkle.verify(traceRoot, opening.root, opening.tensor, stageCount, opening.proof)) {
                revert TensorNotInTrace(opening.tensor, opening.root);
            }
        }
        uint256[] memory keys = _verifyWords(h, input.tensors, input.words);

        xs = new int256[](positions.length);
        uint256 at;
        for (uint256 i; i < positions.length; ++i) {
            (xs[i], at) = _valueAt(h, starts, keys, input.words, positions[i], at);
        }
    }

    /// @dev The value at `position` of the concatenated input and the index of the word it was
    ///      read from (`hint`: the previous one).
    function _valueAt(
        Header memory h,
        uint256[] memory starts,
        uint256[] memory keys,
        WordOpening[] calldata words,
        uint256 position,
        uint256 hint
    ) internal pure returns (int256 value, uint256 at) {
        (uint256 tensor, uint256 offset, uint256 bits) = _locate(h, starts, position);
        uint256 perWord = WordPacking.valuesPerWord(bits);
        at = _find(keys, (tensor << KEY_INDEX_BITS) | (offset / perWord), hint);
        if (at == NOT_FOUND) revert WordNotOpened(tensor, offset / perWord);
        uint256 offsetValue = (words[at].word >> ((offset % perWord) * bits)) & ((uint256(1) << bits) - 1);
        value = int256(offsetValue) - int256(uint256(1) << (bits - 1));
    }

    /// @dev The tensor that `position` of the concatenated input falls in, the position's offset in
    ///      it and its width.
    function _locate(Header memory h, uint256[] memory starts, uint256 position)
        internal
        pure
        returns (uint256 tensor, uint256 offset, uint256 bits)
    {
        uint256 slot = _slotOf(starts, position);
        return (h.inputs[slot], position - starts[slot], h.inputBits[slot]);
    }

    /// @dev Checks the header's input lists and returns where each input starts in the
    ///      concatenation: starts[j] for slot j, starts[inputs.length] = the concatenation's length.
    function _inputStarts(Header memory h, uint256 stage) internal pure returns (uint256[] memory starts) {
        uint256 count = h.inputs.length;
        if (count == 0) revert NoInputs();
        if (h.inputCounts.length != count || h.inputBits.length != count) {
            revert InputListsMismatch(count, h.inputCounts.length, h.inputBits.length);
        }
        starts = new uint256[](count + 1);
        for (uint256 j; j < count; ++j) {
            uint256 tensor = h.inputs[j];
            uint256 values = h.inputCounts[j];
            uint256 bits = h.inputBits[j];
            if (tensor > stage) revert InputAfterStage(j, tensor, stage);
            if (values == 0) revert EmptyInput(j, tensor);
            if (bits < uint256(MIN_WIDTH) || bits > uint256(MAX_WIDTH)) revert InputWidthOutOfRange(j, tensor, bits);
            for (uint256 i; i < j; ++i) {
                if (h.inputs[i] == tensor && (h.inputCounts[i] != values || h.inputBits[i] != bits)) {
                    revert InputTensorInconsistent(tensor);
                }
            }
            starts[j + 1] = starts[j] + values;
        }
    }

    /// @dev Checks that the words are sorted by (tensor, index) without repeats, each in its
    ///      tensor's opened root with no bits above its payload; returns their (tensor, index) keys.
    function _verifyWords(Header memory h, TensorOpening[] calldata tensors, WordOpening[] calldata words)
        internal
        pure
        returns (uint256[] memory keys)
    {
        keys = new uint256[](words.length);
        uint256 tensor = NOT_FOUND;
        bytes32 root;
        uint256 values;
        uint256 bits;
        for (uint256 i; i < words.length; ++i) {
            WordOpening calldata opening = words[i];
            uint256 key = (uint256(opening.tensor) << KEY_INDEX_BITS) | opening.index;
            if (i != 0 && key <= keys[i - 1]) revert WordsNotSorted(i, opening.tensor, opening.index);
            keys[i] = key;
            if (opening.tensor != tensor) {
                tensor = opening.tensor;
                (values, bits) = _tensorShape(h, tensor, opening.index);
                root = _tensorRoot(tensors, tensor);
            }
            if (!TraceMerkle.verify(
                    root, bytes32(opening.word), opening.index, WordPacking.wordCount(values, bits), opening.proof
                )) {
                revert WordNotInTensor(tensor, opening.index, opening.word);
            }
            if (opening.word >> WordPacking.payloadBits(opening.index, values, bits) != 0) {
                revert WordOutOfRange(tensor, opening.index, opening.word);
            }
        }
    }

    /// @dev The length and width of input tensor `tensor` (the same in every slot: _inputStarts).
    function _tensorShape(Header memory h, uint256 tensor, uint256 index)
        internal
        pure
        returns (uint256 values, uint256 bits)
    {
        for (uint256 j; j < h.inputs.length; ++j) {
            if (h.inputs[j] == tensor) return (h.inputCounts[j], h.inputBits[j]);
        }
        revert WordTensorNotRead(tensor, index);
    }

    /// @dev The opened root of `tensor` (already checked against the trace root).
    function _tensorRoot(TensorOpening[] calldata tensors, uint256 tensor) internal pure returns (bytes32) {
        for (uint256 i; i < tensors.length; ++i) {
            if (tensors[i].tensor == tensor) return tensors[i].root;
        }
        revert TensorNotOpened(tensor);
    }

    /// @dev The input slot that `position` of the concatenation falls in (starts is increasing).
    function _slotOf(uint256[] memory starts, uint256 position) internal pure returns (uint256 low) {
        uint256 high = starts.length - 1;
        if (position >= starts[high]) revert PositionOutOfRange(position, starts[high]);
        // Invariant: starts[low] <= position < starts[high].
        while (high - low > 1) {
            uint256 middle = (low + high) / 2;
            if (starts[middle] <= position) low = middle;
            else high = middle;
        }
    }

    /// @dev The index of `key` in the increasing `keys`, or NOT_FOUND: tries `hint` and the one
    ///      after it first (rows mostly read words in order), then searches.
    function _find(uint256[] memory keys, uint256 key, uint256 hint) internal pure returns (uint256) {
        uint256 length = keys.length;
        if (hint < length) {
            if (keys[hint] == key) return hint;
            if (hint + 1 < length && keys[hint + 1] == key) return hint + 1;
        }
        uint256 low;
        uint256 high = length;
        while (low < high) {
            uint256 middle = (low + high) / 2;
            uint256 found = keys[middle];
            if (found == key) return middle;
            if (found < key) low = middle + 1;
            else high = middle;
        }
        return NOT_FOUND;
    }

    // ---------------------------------------------------------------- values (disputes.md's table)

    /// @dev The output value of a `kind` row with `params` from the values `xs` at its positions.
    function _value(uint8 kind, int256[] memory scalars, int256[] memory params, int256[] memory xs)
        internal
        pure
        returns (int256)
    {
        if (kind == LINEAR) return _linear(scalars, params, xs);
        if (kind == RELU) {
            _requireScalarCount(kind, scalars, 0);
            return xs[0] > 0 ? xs[0] : int256(0);
        }
        if (kind == LEAKY_RELU) return _leakyRelu(scalars, xs[0]);
        if (kind == PIECEWISE) return _piecewise(scalars, xs[0]);
        if (kind == SQRT) return _sqrt(scalars, xs[0]);
        _requireNoParams(kind, params);
        if (kind == MAX_POOL) return _maxPool(scalars, xs);
        if (kind == ARG_MAX) return _argMax(scalars, xs);
        if (kind == GATHER) {
            _requireScalarCount(kind, scalars, 0);
            if (xs.length != 1) revert PositionCountInvalid(kind, xs.length);
            return xs[0];
        }
        if (kind == BILINEAR) return _bilinear(scalars, xs);
        if (kind == DIVIDE) return _divide(scalars, xs);
        revert UnknownKind(kind);
    }

    /// @dev round_shift(bias + Σ w_i · x_i), params = [bias, w_0, ..., w_{k-1}].
    function _linear(int256[] memory scalars, int256[] memory params, int256[] memory xs)
        internal
        pure
        returns (int256)
    {
        _requireScalarCount(LINEAR, scalars, 1);
        uint256 shift = _scalarIn(LINEAR, scalars, 0, 0, MAX_SHIFT);
        if (params.length != xs.length + 1) revert ParamCountMismatch(LINEAR, xs.length + 1, params.length);
        int256 acc = params[0];
        for (uint256 i; i < xs.length; ++i) {
            acc += params[i + 1] * xs[i];
        }
        return _round(acc, shift);
    }

    /// @dev x if x >= 0, else round_shift(alpha · x); scalars [alpha, shift, negBits].
    function _leakyRelu(int256[] memory scalars, int256 x) internal pure returns (int256) {
        _requireScalarCount(LEAKY_RELU, scalars, 3);
        uint256 shift = _scalarIn(LEAKY_RELU, scalars, 1, 0, MAX_SHIFT);
        _scalarIn(LEAKY_RELU, scalars, 2, MIN_WIDTH, MAX_WIDTH);
        return x >= 0 ? x : _round(scalars[0] * x, shift);
    }

    /// @dev max_i x_i over a window of at least one value.
    function _maxPool(int256[] memory scalars, int256[] memory xs) internal pure returns (int256 best) {
        _requireScalarCount(MAX_POOL, scalars, 0);
        if (xs.length == 0) revert PositionCountInvalid(MAX_POOL, 0);
        best = xs[0];
        for (uint256 i = 1; i < xs.length; ++i) {
            if (xs[i] > best) best = xs[i];
        }
    }

    /// @dev The first i with x_i maximal; scalars [inBits].
    function _argMax(int256[] memory scalars, int256[] memory xs) internal pure returns (int256) {
        _requireScalarCount(ARG_MAX, scalars, 1);
        _scalarIn(ARG_MAX, scalars, 0, MIN_WIDTH, MAX_WIDTH);
        if (xs.length == 0) revert PositionCountInvalid(ARG_MAX, 0);
        uint256 best;
        for (uint256 i = 1; i < xs.length; ++i) {
            if (xs[i] > xs[best]) best = i;
        }
        return int256(best);
    }

    /// @dev round_shift(Σ x_{l_i} · x_{r_i}) over the pairs [l_0, r_0, l_1, r_1, ...].
    function _bilinear(int256[] memory scalars, int256[] memory xs) internal pure returns (int256) {
        _requireScalarCount(BILINEAR, scalars, 1);
        uint256 shift = _scalarIn(BILINEAR, scalars, 0, 0, MAX_SHIFT);
        if (xs.length % 2 != 0) revert PositionCountInvalid(BILINEAR, xs.length);
        int256 acc;
        for (uint256 i; i < xs.length; i += 2) {
            acc += xs[i] * xs[i + 1];
        }
        return _round(acc, shift);
    }

    /// @dev disputes.md's piecewise quadratic; scalars [inBits, lo, segmentBits, segments, shift,
    ///      c0[segments], c1[segments], c2[segments]].
    function _piecewise(int256[] memory scalars, int256 x) internal pure returns (int256) {
        if (scalars.length < PIECEWISE_FIXED_SCALARS) {
            revert ScalarCountMismatch(PIECEWISE, PIECEWISE_FIXED_SCALARS, scalars.length);
        }
        _scalarIn(PIECEWISE, scalars, 0, MIN_WIDTH, MAX_WIDTH);
        int256 lo = scalars[1];
        uint256 segmentBits = _scalarIn(PIECEWISE, scalars, 2, 0, MAX_SEGMENT_BITS);
        uint256 segments = _scalarIn(PIECEWISE, scalars, 3, 1, MAX_SEGMENTS);
        uint256 shift = _scalarIn(PIECEWISE, scalars, 4, 0, MAX_SHIFT);
        _requireScalarCount(PIECEWISE, scalars, PIECEWISE_FIXED_SCALARS + PIECEWISE_COEFFICIENT_LISTS * segments);

        // u = clamp(x, lo, lo + segments · 2^segmentBits - 1) - lo, j = floor(u / 2^segmentBits),
        // t = u - j · 2^segmentBits; x <= lo gives j = t = 0.
        uint256 j;
        uint256 t;
        if (x > lo) {
            uint256 u;
            unchecked {
                // x - lo lies in (0, 2^256): exact as uint256 even where it overflows int256.
                u = uint256(x) - uint256(lo);
            }
            j = u >> segmentBits;
            if (j >= segments) {
                j = segments - 1;
                t = (uint256(1) << segmentBits) - 1;
            } else {
                t = u & ((uint256(1) << segmentBits) - 1);
            }
        }
        int256 tt = int256(t);
        uint256 c0 = PIECEWISE_FIXED_SCALARS + j;
        int256 acc = scalars[c0] + scalars[c0 + segments] * tt + scalars[c0 + 2 * segments] * tt * tt;
        return _round(acc, shift);
    }

    /// @dev floor((a · 2^shift + floor(b'/2)) / b') with b' = max(b, 1), positions [numerator, denominator].
    function _divide(int256[] memory scalars, int256[] memory xs) internal pure returns (int256 q) {
        _requireScalarCount(DIVIDE, scalars, 1);
        uint256 shift = _scalarIn(DIVIDE, scalars, 0, 0, MAX_SIGNED_SCALING_SHIFT);
        if (xs.length != 2) revert PositionCountInvalid(DIVIDE, xs.length);
        int256 denominator = xs[1] < 1 ? int256(1) : xs[1];
        int256 numerator = xs[0] * (int256(1) << shift) + denominator / 2;
        q = numerator / denominator;
        // Solidity's division truncates toward zero: one less below zero unless exact.
        if (numerator < 0 && numerator % denominator != 0) --q;
    }

    /// @dev floor(sqrt(max(x, 0) · 2^shift)); scalars [shift].
    function _sqrt(int256[] memory scalars, int256 x) internal pure returns (int256) {
        _requireScalarCount(SQRT, scalars, 1);
        uint256 shift = _scalarIn(SQRT, scalars, 0, 0, MAX_SHIFT);
        if (x <= 0) return 0;
        return int256(_isqrt(uint256(x) * (uint256(1) << shift)));
    }

    // ---------------------------------------------------------------- arithmetic

    /// @dev round_s(a) = floor((a + 2^(s-1)) / 2^s) for s > 0, a for s = 0 (`>>` on int256 floors).
    function _round(int256 a, uint256 s) internal pure returns (int256) {
        if (s == 0) return a;
        return (a + (int256(1) << (s - 1))) >> s;
    }

    /// @dev floor(sqrt(v)), exact: Newton's method from a power of two at or above sqrt(v), which
    ///      decreases until it reaches floor(sqrt(v)).
    function _isqrt(uint256 v) internal pure returns (uint256 x) {
        if (v < 2) return v;
        uint256 bitLength;
        for (uint256 rest = v; rest != 0; rest >>= 1) {
            ++bitLength;
        }
        x = uint256(1) << ((bitLength + 1) / 2);
        while (true) {
            uint256 y = (x + v / x) >> 1;
            if (y >= x) return x;
            x = y;
        }
    }

    // ---------------------------------------------------------------- checks

    function _requireScalarCount(uint8 kind, int256[] memory scalars, uint256 expected) internal pure {
        if (scalars.length != expected) revert ScalarCountMismatch(kind, expected, scalars.length);
    }

    function _requireNoParams(uint8 kind, int256[] memory params) internal pure {
        if (params.length != 0) revert ParamCountMismatch(kind, 0, params.length);
    }

    /// @dev Scalar `index` as a uint256 after checking it lies in [min, max] (min >= 0).
    function _scalarIn(uint8 kind, int256[] memory scalars, uint256 index, int256 min, int256 max)
        internal
        pure
        returns (uint256)
    {
        int256 value = scalars[index];
        if (value < min || value > max) revert ScalarOutOfRange(kind, index, value, min, max);
        return uint256(value);
    }
}
