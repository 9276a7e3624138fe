// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

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
    int256 internal constant MAX_WIDTH = int256(WORD_PAYLOAD_BITS);
    /// @dev A piecewise segment never needs to be wider than any input value.
    int256 internal constant MAX_SEGMENT_BITS = int256(WORD_PAYLOAD_BITS);
    /// @dev Piecewise scalars: [inBits, lo, segmentBits, segments, shift] then c0, c1 and c2, one per segment.
    uint256 internal constant PIECEWISE_FIXED_SCALARS = 5;
    uint256 internal constant PIECEWISE_COEFFICIENT_LISTS = 3;
    int256 internal constant MAX_SEGMENTS = int256(uint256(type(uint32).max));
    /// @dev Bits of a word's index in a (tensor, index) search key.
    uint256 internal constant KEY_INDEX_BITS = 32;
    /// @dev No such word (type(uint256).max, written out for inline assembly).
    uint256 internal constant NOT_FOUND = 0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff;
    /// @dev _readValues' word per input slot: the tensor above the width's 8 bits.
    uint256 internal constant SLOT_TENSOR_SHIFT = 8;
    uint256 internal constant WIDTH_MASK = 0xff;
    /// @dev WordPacking.WORD_PAYLOAD_BITS, as a literal that inline assembly can read.
    uint256 internal constant WORD_PAYLOAD_BITS = 248;
    /// @dev A row's canonical encoding: two offsets, then each list's length and its words.
    uint256 internal constant ROW_HEAD_BYTES = 0x40;
    uint256 internal constant WORD_BYTES = 0x20;
    /// @dev Panic(0x11), arithmetic overflow: what checked Solidity arithmetic reverts with.
    bytes4 internal constant PANIC_SELECTOR = 0x4e487b71;
    uint256 internal constant PANIC_OVERFLOW = 0x11;

    /// @dev A row read in place from its calldata encoding: where its positions and its params
    ///      start (each element one word) and how many there are.
    struct Row {
        uint256 positions;
        uint256 positionCount;
        uint256 params;
        uint256 paramCount;
    }

    /// @dev What _readValues reads positions with: where each input slot starts in the
    ///      concatenation (and where the last ends), each slot's tensor and width (_slotFacts), the
    ///      opened words' keys (tensor << KEY_INDEX_BITS | index, increasing) and values, and the
    ///      index of the last word read.
    struct Reader {
        uint256[] starts;
        uint256[] slotFacts;
        uint256[] keys;
        uint256[] values;
        uint256 last;
    }

    /// @dev An input tensor whose root is opened: its index in the trace, root, length, width, and
    ///      its word tree's leaf count and depth.
    struct OpenedTensor {
        uint256 tensor;
        bytes32 root;
        uint256 values;
        uint256 bits;
        uint256 wordCount;
        uint256 depth;
    }

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
        Row memory parsed;
        if (_isElementwise(h.kind)) {
            if (row.length != 0) revert RowNotEmpty(h.kind, row.length);
            parsed.positionCount = 1;
        } else {
            parsed = _parseRow(row);
        }
        if (xs.length != parsed.positionCount) revert ValueCountMismatch(parsed.positionCount, xs.length);
        return _value(h.kind, h.scalars, parsed, xs);
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

        Row memory row;
        uint256[] memory positions;
        if (_isElementwise(h.kind)) {
            if (input.row.length != 0) revert RowNotEmpty(h.kind, input.row.length);
            positions = new uint256[](1);
            positions[0] = r;
        } else {
            bytes32 rowHash = keccak256(input.row);
            if (!TraceMerkle.verify(input.rowsRoot, rowHash, r, h.outCount, input.rowProof)) {
                revert RowNotInStage(r, rowHash);
            }
            row = _parseRow(input.row);
            positions = _positionsOf(row);
        }
        Reader memory reader;
        reader.starts = _inputStarts(h, stage);
        reader.slotFacts = _slotFacts(h);
        _verifyTensors(traceRoot, stageCount, input.tensors);
        (reader.keys, reader.values) = _verifyWords(h, input.tensors, input.words);
        return _value(h.kind, h.scalars, row, _readValues(reader, positions));
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

    /// @dev Reads a row in place: it must be abi.encode(uint32[] positions, int256[] params) exactly
    ///      (the offsets 0x40 and 0x60 + 32·positions, no bytes before, between or after the lists,
    ///      every position below 2^32), so that one row has one encoding and one hash.
    function _parseRow(bytes calldata row) internal pure returns (Row memory parsed) {
        uint256 length = row.length;
        bool canonical;
        if (length >= 2 * ROW_HEAD_BYTES && _wordAt(row, 0) == ROW_HEAD_BYTES) {
            uint256 positionCount = _wordAt(row, ROW_HEAD_BYTES);
            // Bounded before it is multiplied: a list cannot hold more words than the row.
            if (positionCount <= length / WORD_BYTES) {
                uint256 paramsHead = ROW_HEAD_BYTES + WORD_BYTES + positionCount * WORD_BYTES;
                if (_wordAt(row, WORD_BYTES) == paramsHead && paramsHead + WORD_BYTES <= length) {
                    uint256 paramCount = _wordAt(row, paramsHead);
                    canonical = paramCount <= length / WORD_BYTES
                        && length == paramsHead + WORD_BYTES + paramCount * WORD_BYTES;
                    uint256 start;
                    assembly ("memory-safe") {
                        start := row.offset
                    }
                    parsed = Row(
                        start + ROW_HEAD_BYTES + WORD_BYTES, positionCount, start + paramsHead + WORD_BYTES, paramCount
                    );
                }
            }
        }
        if (canonical) {
            uint256 positions = parsed.positions;
            uint256 end = positions + parsed.positionCount * WORD_BYTES;
            uint256 all;
            assembly ("memory-safe") {
                for { let at := positions } lt(at, end) { at := add(at, 0x20) } { all := or(all, calldataload(at)) }
            }
            canonical = all >> KEY_INDEX_BITS == 0;
        }
        if (!canonical) revert RowNotCanonical(length);
    }

    /// @dev The word at byte `offset` of `data` (offset + 32 <= data.length).
    function _wordAt(bytes calldata data, uint256 offset) internal pure returns (uint256) {
        return uint256(bytes32(data[offset:offset + WORD_BYTES]));
    }

    /// @dev The row's positions, copied into memory.
    function _positionsOf(Row memory row) internal pure returns (uint256[] memory positions) {
        positions = new uint256[](row.positionCount);
        uint256 from = row.positions;
        uint256 size = row.positionCount * WORD_BYTES;
        assembly ("memory-safe") {
            calldatacopy(add(positions, 0x20), from, size)
        }
    }

    // ---------------------------------------------------------------- openings

    /// @dev Checks every opened tensor root against the trace root (tensors 0 .. stageCount - 1).
    function _verifyTensors(bytes32 traceRoot, uint256 stageCount, TensorOpening[] calldata tensors) internal pure {
        for (uint256 i; i < tensors.length; ++i) {
            TensorOpening calldata opening = tensors[i];
            if (!TraceMerkle.verify(traceRoot, opening.root, opening.tensor, stageCount, opening.proof)) {
                revert TensorNotInTrace(opening.tensor, opening.root);
            }
        }
    }

    /// @dev The values at `positions` of the stage's concatenated input, each taken from its opened
    ///      word, written over the positions (which the returned array then holds). A position in the
    ///      previous position's input slot and word reads it at once (rows mostly read in order);
    ///      otherwise the slot and the word are found by binary search.
    function _readValues(Reader memory reader, uint256[] memory positions) internal pure returns (int256[] memory xs) {
        // The position that could not be read, if any (positions are below 2^32: _parseRow).
        uint256 failedPosition;
        // Memory arrays hold one word per element after their length; Reader's fields are words
        // 0 (starts), 1 (slotFacts), 2 (keys), 3 (values) and 4 (last).
        assembly ("memory-safe") {
            // The input slot that p falls in: where it starts and ends, its tensor << KEY_INDEX_BITS
            // and its width; end = 0 when p lies beyond the last slot.
            function enterSlot(r, p) -> from, end, tensorKey, bits {
                let starts := mload(r)
                let count := mload(starts)
                if lt(p, mload(add(starts, shl(5, count)))) {
                    // starts[low] <= p < starts[high]
                    let low := 0
                    let high := sub(count, 1)
                    for {} gt(sub(high, low), 1) {} {
                        let middle := shr(1, add(low, high))
                        switch gt(mload(add(starts, shl(5, add(middle, 1)))), p)
                        case 0 { low := middle }
                        default { high := middle }
                    }
                    from := mload(add(starts, shl(5, add(low, 1))))
                    end := mload(add(starts, shl(5, add(low, 2))))
                    let facts := mload(add(mload(add(r, 0x20)), shl(5, add(low, 1))))
                    tensorKey := shl(KEY_INDEX_BITS, shr(SLOT_TENSOR_SHIFT, facts))
                    bits := and(facts, WIDTH_MASK)
                }
            }

            // The opened word whose key is `key`, and its index in the words. Words of one tensor
            // are sorted by index, so where they hold a run of consecutive indices the word lies as
            // many places from the last word read as its key from that word's: looked for there
            // first, else found by binary search. found = key, or NOT_FOUND if no word has that key.
            function findWord(r, key) -> found, word {
                let keys := mload(add(r, 0x40))
                let count := mload(keys)
                found := NOT_FOUND
                if count {
                    let last := mload(add(r, 0x80))
                    // Wraps below zero into an index that is not below count.
                    let index := add(last, sub(key, mload(add(keys, shl(5, add(last, 1))))))
                    if lt(index, count) { if eq(mload(add(keys, shl(5, add(index, 1)))), key) { found := key } }
                    if eq(found, NOT_FOUND) {
                        let low := 0
                        let high := count
                        for {} lt(low, high) {} {
                            index := shr(1, add(low, high))
                            let candidate := mload(add(keys, shl(5, add(index, 1))))
                            if eq(candidate, key) {
                                found := key
                                break
                            }
                            switch lt(candidate, key)
                            case 1 { low := add(index, 1) }
                            default { high := index }
                        }
                    }
                    if iszero(eq(found, NOT_FOUND)) {
                        mstore(add(r, 0x80), index)
                        word := mload(add(mload(add(r, 0x60)), shl(5, add(index, 1))))
                    }
                }
            }

            let from := 0
            let end := 0 // no slot yet: the first position enters one
            let tensorKey := 0
            let bits := 0
            let wordKey := NOT_FOUND
            let word := 0
            failedPosition := NOT_FOUND
            let finish := add(positions, shl(5, add(mload(positions), 1)))
            for { let at := add(positions, 0x20) } lt(at, finish) { at := add(at, 0x20) } {
                let p := mload(at)
                if or(lt(p, from), iszero(lt(p, end))) {
                    from, end, tensorKey, bits := enterSlot(reader, p)
                    if iszero(end) {
                        failedPosition := p
                        break
                    }
                }
                p := sub(p, from) // the offset in the slot's tensor
                if iszero(eq(or(tensorKey, div(p, div(WORD_PAYLOAD_BITS, bits))), wordKey)) {
                    wordKey, word := findWord(reader, or(tensorKey, div(p, div(WORD_PAYLOAD_BITS, bits))))
                    if eq(wordKey, NOT_FOUND) {
                        failedPosition := add(p, from)
                        break
                    }
                }
                // The value's bits u = q + 2^(bits - 1), less 2^(bits - 1).
                mstore(
                    at,
                    sub(
                        and(shr(mul(mod(p, div(WORD_PAYLOAD_BITS, bits)), bits), word), sub(shl(bits, 1), 1)),
                        shl(sub(bits, 1), 1)
                    )
                )
            }
            xs := positions
        }
        if (failedPosition != NOT_FOUND) _revertUnreadable(reader, failedPosition);
    }

    /// @dev Why `position` could not be read: it lies beyond the concatenated input, or its word
    ///      was not opened.
    function _revertUnreadable(Reader memory reader, uint256 position) internal pure {
        uint256[] memory starts = reader.starts;
        uint256 total = starts[starts.length - 1];
        if (position >= total) revert PositionOutOfRange(position, total);
        uint256 slot;
        while (position >= starts[slot + 1]) {
            ++slot;
        }
        uint256 facts = reader.slotFacts[slot];
        uint256 perWord = WordPacking.valuesPerWord(facts & WIDTH_MASK);
        revert WordNotOpened(facts >> SLOT_TENSOR_SHIFT, (position - starts[slot]) / perWord);
    }

    /// @dev Per input slot, its tensor and width in one word: tensor << SLOT_TENSOR_SHIFT | bits.
    function _slotFacts(Header memory h) internal pure returns (uint256[] memory facts) {
        facts = new uint256[](h.inputs.length);
        for (uint256 j; j < facts.length; ++j) {
            facts[j] = (uint256(h.inputs[j]) << SLOT_TENSOR_SHIFT) | h.inputBits[j];
        }
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
    ///      tensor's opened root with no bits above its payload; returns their keys and values.
    function _verifyWords(Header memory h, TensorOpening[] calldata tensors, WordOpening[] calldata openings)
        internal
        pure
        returns (uint256[] memory keys, uint256[] memory values)
    {
        keys = new uint256[](openings.length);
        values = new uint256[](openings.length);
        // The tensor of the previous word.
        OpenedTensor memory current = OpenedTensor(NOT_FOUND, bytes32(0), 0, 0, 0, 0);
        uint256 previous;
        for (uint256 i; i < openings.length; ++i) {
            WordOpening calldata opening = openings[i];
            uint256 key = (uint256(opening.tensor) << KEY_INDEX_BITS) | opening.index;
            if (i != 0 && key <= previous) revert WordsNotSorted(i, opening.tensor, opening.index);
            previous = key;
            if (opening.tensor != current.tensor) _openTensor(current, h, tensors, opening);
            values[i] = _verifyWord(current, opening);
            keys[i] = key;
        }
    }

    /// @dev Points `current` at the tensor of `opening`: its root, length, width, word count and depth.
    function _openTensor(
        OpenedTensor memory current,
        Header memory h,
        TensorOpening[] calldata tensors,
        WordOpening calldata opening
    ) internal pure {
        uint256 tensor = opening.tensor;
        (uint256 values, uint256 bits) = _tensorShape(h, tensor, opening.index);
        uint256 wordCount = WordPacking.wordCount(values, bits);
        current.tensor = tensor;
        current.root = _tensorRoot(tensors, tensor);
        current.values = values;
        current.bits = bits;
        current.wordCount = wordCount;
        current.depth = TraceMerkle.depth(wordCount);
    }

    /// @dev Checks one word against its tensor's root and its payload width; returns it.
    function _verifyWord(OpenedTensor memory tensor, WordOpening calldata opening)
        internal
        pure
        returns (uint256 word)
    {
        uint256 index = opening.index;
        word = opening.word;
        bytes32[] calldata proof = opening.proof;
        if (
            index >= tensor.wordCount || proof.length != tensor.depth
                || TraceMerkle.rootFromProof(bytes32(word), index, proof) != tensor.root
        ) revert WordNotInTensor(tensor.tensor, index, word);
        if (word >> WordPacking.payloadBits(index, tensor.values, tensor.bits) != 0) {
            revert WordOutOfRange(tensor.tensor, index, word);
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

    // ---------------------------------------------------------------- values (disputes.md's table)

    /// @dev The output value of a `kind` row from the values `xs` at its positions.
    function _value(uint8 kind, int256[] memory scalars, Row memory row, int256[] memory xs)
        internal
        pure
        returns (int256)
    {
        if (kind == LINEAR) return _linear(scalars, row, xs);
        if (kind == RELU) {
            _requireScalarCount(kind, scalars, 0);
            return xs[0] > 0 ? xs[0] : int256(0);
        }
        if (kind == LEAKY_RELU) return _leakyRelu(scalars, xs[0]);
        if (kind == PIECEWISE) return _piecewise(scalars, xs[0]);
        if (kind == SQRT) return _sqrt(scalars, xs[0]);
        if (row.paramCount != 0) revert ParamCountMismatch(kind, 0, row.paramCount);
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

    /// @dev round_shift(bias + Σ w_i · x_i), the row's params [bias, w_0, ..., w_{k-1}] read in place.
    function _linear(int256[] memory scalars, Row memory row, int256[] memory xs) internal pure returns (int256) {
        _requireScalarCount(LINEAR, scalars, 1);
        uint256 shift = _scalarIn(LINEAR, scalars, 0, 0, MAX_SHIFT);
        if (row.paramCount != xs.length + 1) revert ParamCountMismatch(LINEAR, xs.length + 1, row.paramCount);
        uint256 params = row.params;
        int256 acc;
        bool overflow;
        assembly ("memory-safe") {
            acc := calldataload(params)
            let weight := add(params, 0x20)
            let finish := add(xs, shl(5, add(mload(xs), 1)))
            for { let at := add(xs, 0x20) } lt(at, finish) {
                at := add(at, 0x20)
                weight := add(weight, 0x20)
            } {
                let x := mload(at)
                let w := calldataload(weight)
                let product := mul(w, x)
                let sum := add(acc, product)
                // The product overflows unless x = 0 or product / x = w, and for x = -1, w = -2^255
                // (whose sdiv gives w back); the sum overflows when it moves against the product's sign.
                overflow := or(
                    overflow,
                    or(
                        or(iszero(or(iszero(x), eq(sdiv(product, x), w))), and(eq(x, not(0)), eq(w, shl(255, 1)))),
                        xor(slt(sum, acc), slt(product, 0))
                    )
                )
                acc := sum
            }
        }
        if (overflow) _revertOverflow();
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
        bool overflow;
        assembly ("memory-safe") {
            let end := add(xs, shl(5, add(mload(xs), 1)))
            for { let at := add(xs, 0x20) } lt(at, end) { at := add(at, 0x40) } {
                let a := mload(at)
                let b := mload(add(at, 0x20))
                let product := mul(a, b)
                // As in _linear: the product and the sum each checked for overflow.
                let sum := add(acc, product)
                if or(
                    or(iszero(or(iszero(b), eq(sdiv(product, b), a))), and(eq(b, not(0)), eq(a, shl(255, 1)))),
                    iszero(eq(slt(sum, acc), slt(product, 0)))
                ) {
                    overflow := 1
                    break
                }
                acc := sum
            }
        }
        if (overflow) _revertOverflow();
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

    /// @dev Reverts with Panic(0x11), as checked arithmetic does, for an overflow found in assembly.
    function _revertOverflow() internal pure {
        bytes4 selector = PANIC_SELECTOR;
        uint256 code = PANIC_OVERFLOW;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, code)
            revert(0x00, 0x24)
        }
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
