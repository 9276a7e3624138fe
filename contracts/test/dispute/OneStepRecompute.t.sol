// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOneStep} from "../../src/interfaces/IOneStep.sol";
import {OneStepModel} from "./utils/OneStepModel.sol";

/// @dev recompute on a six-stage model whose values are worked out by hand: every output value of
///      every stage opened and recomputed, and every opening tampered with.
contract OneStepRecomputeTest is OneStepModel {
    /// @dev Tensor 0: x_i = 37·i - 700 for i < 40, 16 bits (15 a word: 3 words, the last of 10).
    uint256 internal constant INPUTS = 40;

    function setUp() public {
        int256[] memory x = new int256[](INPUTS);
        for (uint256 i; i < INPUTS; ++i) {
            x[i] = 37 * int256(i) - 700;
        }
        _addInput(x, 16);

        // Stage 0 (tensor 1, 20 bits): linear, shift 1.
        //   round_1(5 + x_0 - 2·x_16 + 3·x_39) = round_1(5 - 700 + 216 + 2229) = 875
        //   round_1(2·x_39 + 2·x_0) = round_1(86) = 43      (positions out of order)
        //   round_1(-7) = -3                                 (no terms)
        bytes[] memory rows = new bytes[](3);
        uint32[] memory positions = new uint32[](3);
        (positions[0], positions[1], positions[2]) = (0, 16, 39);
        rows[0] = _row(positions, _ints(5, 1, -2, 3));
        rows[1] = _row(_u32(39, 0), _ints(0, 2, 2));
        rows[2] = _row(new uint32[](0), _ints(-7));
        _addStage(LINEAR, _u32(0), 20, _ints(1), rows, _ints(875, 43, -3));

        // Stage 1 (tensor 2, 20 bits): relu of tensor 1.
        _addStage(RELU, _u32(1), 20, _ints(), new bytes[](0), _ints(875, 43, 0));

        // Stage 2 (tensor 3, 40 bits): bilinear over tensors 0 and 2 (positions 40 .. 42 are tensor 2).
        //   875·x_1 + 43·43 = -580125 + 1849 = -578276;  0·0 = 0
        rows = new bytes[](2);
        positions = new uint32[](4);
        (positions[0], positions[1], positions[2], positions[3]) = (40, 1, 41, 41);
        rows[0] = _row(positions, _ints());
        rows[1] = _row(_u32(42, 42), _ints());
        _addStage(BILINEAR, _u32(0, 2), 40, _ints(0), rows, _ints(-578276, 0));

        // Stage 3 (tensor 4, 16 bits): divide over tensors 1 and 3: floor((-578276 + 437) / 875) = -661.
        rows = new bytes[](1);
        rows[0] = _row(_u32(3, 0), _ints());
        _addStage(DIVIDE, _u32(1, 3), 16, _ints(0), rows, _ints(-661));

        // Stage 4 (tensor 5, 16 bits): gather of tensor 4.
        rows[0] = _row(_u32(0), _ints());
        _addStage(GATHER, _u32(4), 16, _ints(), rows, _ints(-661));

        // Stage 5 (tensor 6, 8 bits): sqrt of tensor 1, shift 2: floor(sqrt(4·875)) = 59, floor(sqrt(172)) = 13, 0.
        _addStage(SQRT, _u32(1), 8, _ints(2), new bytes[](0), _ints(59, 13, 0));
    }

    function test_RecomputesEveryValueOfEveryStage() public view {
        for (uint256 s; s < _stageCount(); ++s) {
            int256[] memory outputs = tensorValues[s + 1];
            for (uint256 r; r < outputs.length; ++r) {
                assertEq(_recompute(s, r), outputs[r], string.concat("stage ", vm.toString(s), " row ", vm.toString(r)));
            }
        }
    }

    function test_StepInputsAsBuilt() public view {
        IOneStep.StepInput memory input = _stepInput(2, 0);
        assertEq(input.tensors.length, 2, "tensors 0 and 2");
        assertEq(input.words.length, 2, "word 0 of tensor 0, word 0 of tensor 2");
        input = _stepInput(0, 1);
        assertEq(input.words.length, 2, "words 2 and 0 of tensor 0, sorted");
        assertEq(input.words[0].index, 0);
        assertEq(input.words[1].index, 2);
    }

    function test_TensorOpeningsInAnyOrder() public view {
        IOneStep.StepInput memory input = _stepInput(2, 0);
        (input.tensors[0], input.tensors[1]) = (input.tensors[1], input.tensors[0]);
        assertEq(_recompute(2, 0, input), -578276);
    }

    function test_UnusedWordsAreAcceptedWhenInTheirTensor() public view {
        IOneStep.StepInput memory input = _stepInput(0, 1);
        IOneStep.WordOpening[] memory words = new IOneStep.WordOpening[](3);
        (words[0], words[2]) = (input.words[0], input.words[1]);
        words[1] = _stepInput(0, 0).words[1]; // word 1 of tensor 0, which row 1 does not read
        assertEq(words[1].index, 1);
        input.words = words;
        assertEq(_recompute(0, 1, input), 43);
    }

    function test_ElementwiseStageOverSeveralTensors() public {
        // A relu of the concatenation [tensor 2, tensor 1]: outputs 3 .. 5 read tensor 1.
        uint256 stage = _addStage(RELU, _u32(2, 1), 20, _ints(), new bytes[](0), new int256[](6));
        assertEq(_recompute(stage, 0), 875);
        assertEq(_recompute(stage, 4), 43);
        assertEq(_recompute(stage, 5), 0, "relu(-3)");
    }

    /// @dev A linear row over random positions (repeats, any order) of a concatenation of random
    ///      tensors of random lengths and widths, against the sum taken from the values directly.
    function testFuzz_RecomputeReadsEveryPosition(uint256 seed) public {
        // Filler stages, so that the trace holds tensors of random lengths and widths.
        uint256 fillers = _draw(seed, "fillers", 4);
        for (uint256 f; f < fillers; ++f) {
            uint256 count = 1 + _draw(seed, string.concat("count", vm.toString(f)), 70);
            uint8 bits = uint8(2 + _draw(seed, string.concat("bits", vm.toString(f)), 120));
            int256[] memory values = new int256[](count);
            for (uint256 i; i < count; ++i) {
                values[i] = int256(_draw(seed, string.concat("v", vm.toString(f * 1000 + i)), uint256(1) << bits))
                    - int256(uint256(1) << (bits - 1));
            }
            _addStage(RELU, _u32(_stageCount()), bits, _ints(), new bytes[](0), values);
        }
        // The stage under test reads 1 .. 5 tensors of the trace (a tensor may come twice).
        uint256 stage = _stageCount();
        uint32[] memory inputs = new uint32[](1 + _draw(seed, "inputs", 5));
        uint256 total;
        for (uint256 j; j < inputs.length; ++j) {
            inputs[j] = uint32(_draw(seed, string.concat("input", vm.toString(j)), stage + 1));
            total += tensorValues[inputs[j]].length;
        }
        uint32[] memory positions = new uint32[](1 + _draw(seed, "positions", 60));
        int256[] memory params = new int256[](positions.length + 1);
        params[0] = int256(_draw(seed, "bias", 1000)) - 500;
        int256 expected = params[0];
        for (uint256 i; i < positions.length; ++i) {
            positions[i] = uint32(_draw(seed, string.concat("p", vm.toString(i)), total));
            params[i + 1] = int256(_draw(seed, string.concat("w", vm.toString(i)), 17)) - 8;
            expected += params[i + 1] * _valueAt(inputs, positions[i]);
        }
        bytes[] memory rows = new bytes[](1);
        rows[0] = _row(positions, params);
        _addStage(LINEAR, inputs, 200, _ints(0), rows, new int256[](1));
        assertEq(_recompute(stage, 0), expected);
    }

    function _draw(uint256 seed, string memory label, uint256 range) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, label))) % range;
    }

    /// @dev Position p of the concatenation of `inputs`, read from the values as built.
    function _valueAt(uint32[] memory inputs, uint256 p) internal view returns (int256) {
        uint256 j;
        while (p >= tensorValues[inputs[j]].length) {
            p -= tensorValues[inputs[j]].length;
            ++j;
        }
        return tensorValues[inputs[j]][p];
    }

    // ------------------------------------------------------------ parameters

    function test_RevertWhen_StageOutOfRange() public {
        uint256 count = _stageCount();
        vm.expectRevert(abi.encodeWithSelector(IOneStep.StageOutOfRange.selector, count, count));
        oneStep.recompute(_parametersRoot(), count, _traceRoot(), count, 0, _stepInput(0, 0));
    }

    function test_RevertWhen_HeaderNotInParameters() public {
        IOneStep.StepInput memory input = _stepInput(0, 0);
        input.header = _header(LINEAR, 3, 20, _u32(0), _ints(2));
        bytes32 leaf = keccak256(abi.encodePacked(keccak256(input.header), input.rowsRoot));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.StageNotInParameters.selector, 0, leaf));
        _recompute(0, 0, input);
    }

    function test_RevertWhen_RowsRootNotInParameters() public {
        IOneStep.StepInput memory input = _stepInput(0, 0);
        input.rowsRoot = keccak256(input.row);
        bytes32 leaf = keccak256(abi.encodePacked(keccak256(input.header), input.rowsRoot));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.StageNotInParameters.selector, 0, leaf));
        _recompute(0, 0, input);
    }

    function test_RevertWhen_StageProofWrong() public {
        IOneStep.StepInput memory input = _stepInput(1, 0);
        bytes32 leaf = keccak256(abi.encodePacked(keccak256(input.header), input.rowsRoot));
        // The proof of stage 1 presented for stage 0's place, then for a different stage count.
        vm.expectRevert(abi.encodeWithSelector(IOneStep.StageNotInParameters.selector, 0, leaf));
        _recompute(0, 0, input);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.StageNotInParameters.selector, 1, leaf));
        oneStep.recompute(_parametersRoot(), 9, _traceRoot(), 1, 0, input);
        input.stageProof[0] = bytes32(uint256(input.stageProof[0]) ^ 1);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.StageNotInParameters.selector, 1, leaf));
        _recompute(1, 0, input);
    }

    function test_RevertWhen_RowOutOfRange() public {
        vm.expectRevert(abi.encodeWithSelector(IOneStep.RowOutOfRange.selector, 3, 3));
        _recompute(0, 3, _stepInput(0, 2));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.RowOutOfRange.selector, 3, 3));
        _recompute(1, 3, _stepInput(1, 2));
    }

    function test_RevertWhen_RowNotInStage() public {
        IOneStep.StepInput memory input = _stepInput(0, 0);
        input.row = stageRows[0][1];
        vm.expectRevert(abi.encodeWithSelector(IOneStep.RowNotInStage.selector, 0, keccak256(input.row)));
        _recompute(0, 0, input);
        // Row 0 with its own proof presented as row 1.
        input = _stepInput(0, 0);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.RowNotInStage.selector, 1, keccak256(input.row)));
        _recompute(0, 1, input);
        input.rowProof = new bytes32[](0);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.RowNotInStage.selector, 0, keccak256(input.row)));
        _recompute(0, 0, input);
    }

    function test_RevertWhen_ElementwiseStageGivenARow() public {
        IOneStep.StepInput memory input = _stepInput(1, 0);
        input.row = _row(_u32(0), _ints());
        vm.expectRevert(abi.encodeWithSelector(IOneStep.RowNotEmpty.selector, RELU, input.row.length));
        _recompute(1, 0, input);
    }

    // ------------------------------------------------------------ trace

    function test_RevertWhen_TensorRootNotInTrace() public {
        IOneStep.StepInput memory input = _stepInput(2, 0);
        bytes32 root = bytes32(uint256(input.tensors[1].root) ^ 1);
        input.tensors[1].root = root;
        vm.expectRevert(abi.encodeWithSelector(IOneStep.TensorNotInTrace.selector, 2, root));
        _recompute(2, 0, input);
        // Tensor 0's root claimed as tensor 2's.
        input = _stepInput(2, 0);
        input.tensors[1].root = input.tensors[0].root;
        vm.expectRevert(abi.encodeWithSelector(IOneStep.TensorNotInTrace.selector, 2, input.tensors[0].root));
        _recompute(2, 0, input);
    }

    function test_RevertWhen_TraceRootDiffers() public {
        IOneStep.StepInput memory input = _stepInput(0, 0);
        bytes32 traceRoot = bytes32(uint256(_traceRoot()) ^ 1);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.TensorNotInTrace.selector, 0, input.tensors[0].root));
        oneStep.recompute(_parametersRoot(), _stageCount(), traceRoot, 0, 0, input);
    }

    function test_RevertWhen_TensorNotOpened() public {
        IOneStep.StepInput memory input = _stepInput(2, 0);
        IOneStep.TensorOpening[] memory tensors = new IOneStep.TensorOpening[](1);
        tensors[0] = input.tensors[0];
        input.tensors = tensors;
        vm.expectRevert(abi.encodeWithSelector(IOneStep.TensorNotOpened.selector, 2));
        _recompute(2, 0, input);
    }

    function test_RevertWhen_WordsNotSorted() public {
        IOneStep.StepInput memory input = _stepInput(0, 1);
        (input.words[0], input.words[1]) = (input.words[1], input.words[0]);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.WordsNotSorted.selector, 1, 0, 0));
        _recompute(0, 1, input);
        // Tensors out of order.
        input = _stepInput(2, 0);
        (input.words[0], input.words[1]) = (input.words[1], input.words[0]);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.WordsNotSorted.selector, 1, 0, 0));
        _recompute(2, 0, input);
    }

    function test_RevertWhen_WordRepeated() public {
        IOneStep.StepInput memory input = _stepInput(0, 1);
        input.words[0] = input.words[1];
        vm.expectRevert(abi.encodeWithSelector(IOneStep.WordsNotSorted.selector, 1, 0, 2));
        _recompute(0, 1, input);
    }

    function test_RevertWhen_WordOfATensorNotRead() public {
        // Stage 2 reads tensors 0 and 2; a word of tensor 1 slipped in between.
        IOneStep.StepInput memory input = _stepInput(2, 0);
        IOneStep.WordOpening[] memory words = new IOneStep.WordOpening[](3);
        (words[0], words[1], words[2]) = (input.words[0], _stepInput(1, 0).words[0], input.words[1]);
        assertEq(words[1].tensor, 1);
        input.words = words;
        vm.expectRevert(abi.encodeWithSelector(IOneStep.WordTensorNotRead.selector, 1, 0));
        _recompute(2, 0, input);
    }

    function test_RevertWhen_WordNotInTensor() public {
        IOneStep.StepInput memory input = _stepInput(0, 0);
        uint256 word = input.words[1].word + 1; // one value changed by one: still in range
        input.words[1].word = word;
        vm.expectRevert(abi.encodeWithSelector(IOneStep.WordNotInTensor.selector, 0, 1, word));
        _recompute(0, 0, input);
        // A proof of the wrong length.
        input = _stepInput(0, 0);
        input.words[1].proof = new bytes32[](1);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.WordNotInTensor.selector, 0, 1, input.words[1].word));
        _recompute(0, 0, input);
    }

    function test_RevertWhen_WordBeyondTheTensor() public {
        // Tensor 0 has 3 words; its padded tree has a zero leaf at index 3 that cannot be opened.
        IOneStep.StepInput memory input = _stepInput(0, 1);
        input.words[1].index = 3;
        input.words[1].word = 0;
        input.words[1].proof = new bytes32[](2);
        input.words[1].proof[0] = bytes32(_words(0)[2]);
        input.words[1].proof[1] = keccak256(abi.encodePacked(bytes32(_words(0)[0]), bytes32(_words(0)[1])));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.WordNotInTensor.selector, 0, 3, 0));
        _recompute(0, 1, input);
    }

    function test_RevertWhen_WordNotOpened() public {
        IOneStep.StepInput memory input = _stepInput(0, 0);
        IOneStep.WordOpening[] memory words = new IOneStep.WordOpening[](2);
        (words[0], words[1]) = (input.words[0], input.words[2]);
        input.words = words;
        // Row 0 reads position 16: word 1 of tensor 0.
        vm.expectRevert(abi.encodeWithSelector(IOneStep.WordNotOpened.selector, 0, 1));
        _recompute(0, 0, input);
    }

    function test_RevertWhen_WordHasBitsAboveItsPayload() public {
        // A dishonest trace: tensor 0's last word (10 values of 16 bits) with bit 160 set.
        extraWordBits[0][2] = uint256(1) << 160;
        IOneStep.StepInput memory input = _stepInput(0, 1);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.WordOutOfRange.selector, 0, 2, input.words[1].word));
        _recompute(0, 1, input);
    }

    function test_RevertWhen_FullWordHasBitsAboveItsPayload() public {
        // A full word of 15 values of 16 bits holds 240 payload bits: bit 240 is unused.
        extraWordBits[0][0] = uint256(1) << 240;
        IOneStep.StepInput memory input = _stepInput(0, 1);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.WordOutOfRange.selector, 0, 0, input.words[0].word));
        _recompute(0, 1, input);
    }

    // ------------------------------------------------------------ malformed headers and rows

    function _inputsHeader(uint32[] memory inputs, uint32[] memory counts, uint8[] memory widths)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encode(GATHER, uint32(1), uint8(16), inputs, counts, widths, _ints());
    }

    function _expectHeaderRevert(bytes memory header, bytes memory reason) internal {
        bytes[] memory rows = new bytes[](1);
        rows[0] = _row(_u32(0), _ints());
        uint256 stage = _addStage(header, rows, _ints(0), 16);
        IOneStep.StepInput memory input = _stepInput(stage, 0);
        vm.expectRevert(reason);
        _recompute(stage, 0, input);
    }

    function test_RevertWhen_PositionBeyondTheInputs() public {
        bytes[] memory rows = new bytes[](1);
        rows[0] = _row(_u32(3, 40), _ints());
        uint256 stage = _addStage(BILINEAR, _u32(0), 16, _ints(0), rows, _ints(0));
        IOneStep.StepInput memory input = _stepInput(stage, 0);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.PositionOutOfRange.selector, 40, 40));
        _recompute(stage, 0, input);
    }

    function test_RevertWhen_ElementwiseRowBeyondTheInputs() public {
        // A relu of tensor 4 (one value) claiming two outputs.
        uint256 stage = _addStage(_header(RELU, 2, 16, _u32(4), _ints()), new bytes[](0), _ints(0, 0), 16);
        IOneStep.StepInput memory input = _stepInput(stage, 0);
        assertEq(_recompute(stage, 0, input), 0, "relu(-661)");
        vm.expectRevert(abi.encodeWithSelector(IOneStep.PositionOutOfRange.selector, 1, 1));
        _recompute(stage, 1, input);
    }

    function test_RevertWhen_InputAfterTheStage() public {
        uint32[] memory counts = _u32(1);
        uint8[] memory widths = new uint8[](1);
        widths[0] = 16;
        _expectHeaderRevert(
            _inputsHeader(_u32(7), counts, widths), abi.encodeWithSelector(IOneStep.InputAfterStage.selector, 0, 7, 6)
        );
    }

    function test_RevertWhen_NoInputs() public {
        _expectHeaderRevert(
            _inputsHeader(new uint32[](0), new uint32[](0), new uint8[](0)),
            abi.encodeWithSelector(IOneStep.NoInputs.selector)
        );
    }

    function test_RevertWhen_InputListsDiffer() public {
        uint8[] memory widths = new uint8[](1);
        widths[0] = 16;
        _expectHeaderRevert(
            _inputsHeader(_u32(0), _u32(40, 40), widths),
            abi.encodeWithSelector(IOneStep.InputListsMismatch.selector, 1, 2, 1)
        );
    }

    function test_RevertWhen_InputEmpty() public {
        uint8[] memory widths = new uint8[](1);
        widths[0] = 16;
        _expectHeaderRevert(
            _inputsHeader(_u32(0), _u32(0), widths), abi.encodeWithSelector(IOneStep.EmptyInput.selector, 0, 0)
        );
    }

    function test_RevertWhen_InputWidthOutOfRange() public {
        uint8[] memory widths = new uint8[](1);
        widths[0] = 1;
        _expectHeaderRevert(
            _inputsHeader(_u32(0), _u32(40), widths),
            abi.encodeWithSelector(IOneStep.InputWidthOutOfRange.selector, 0, 0, 1)
        );
        widths[0] = 249;
        _expectHeaderRevert(
            _inputsHeader(_u32(0), _u32(40), widths),
            abi.encodeWithSelector(IOneStep.InputWidthOutOfRange.selector, 0, 0, 249)
        );
    }

    function test_RevertWhen_InputTensorReadInconsistently() public {
        uint8[] memory widths = new uint8[](2);
        (widths[0], widths[1]) = (16, 16);
        _expectHeaderRevert(
            _inputsHeader(_u32(0, 0), _u32(40, 39), widths),
            abi.encodeWithSelector(IOneStep.InputTensorInconsistent.selector, 0)
        );
        (widths[0], widths[1]) = (16, 17);
        _expectHeaderRevert(
            _inputsHeader(_u32(0, 0), _u32(40, 40), widths),
            abi.encodeWithSelector(IOneStep.InputTensorInconsistent.selector, 0)
        );
    }

    function test_ATensorReadTwice() public {
        // Tensor 2 read twice: positions 3 and 0 are both its value 0.
        uint32[] memory inputs = _u32(2, 2);
        bytes[] memory rows = new bytes[](1);
        rows[0] = _row(_u32(3, 0), _ints());
        uint256 stage = _addStage(_header(BILINEAR, 1, 40, inputs, _ints(0)), rows, _ints(875 * 875), 40);
        assertEq(_recompute(stage, 0), 875 * 875);
    }

    function test_RevertWhen_KindUnknown() public {
        uint256 stage = _addStage(_header(11, 1, 16, _u32(0), _ints()), new bytes[](0), _ints(0), 16);
        IOneStep.StepInput memory input = _stepInput(stage, 0);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.UnknownKind.selector, 11));
        _recompute(stage, 0, input);
    }
}
