// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOneStep} from "../../../src/interfaces/IOneStep.sol";
import {OneStepModel} from "./OneStepModel.sol";

/// @dev One run of a three-stage model (linear 8 -> 4, relu, linear 4 -> 2), committed as
///      disputes.md says, as one side of a trace game holds it. An honest run computes every tensor;
///      a lying one adds `lie` to value `lieAt` of tensor 1 (conv1's output) and computes the rest
///      from the lie, as a node that cut one corner would. Both share the model's parameters.
contract GameModel is OneStepModel {
    uint8 internal constant BITS = 32;
    uint8 internal constant INPUT_BITS = 16;
    uint256 internal constant SHIFT = 2;

    constructor(int256[] memory input, uint256 lieAt, int256 lie) {
        _addInput(input, INPUT_BITS);
        // Stage 0: 4 rows over the 8 inputs, bias and weights of both signs, rounded by 2^SHIFT.
        bytes[] memory rows = new bytes[](4);
        int256[] memory hidden = new int256[](4);
        for (uint256 r; r < 4; ++r) {
            uint32[] memory positions = new uint32[](8);
            int256[] memory params = new int256[](9);
            params[0] = int256(r) * 7 - 9;
            int256 acc = params[0];
            for (uint256 i; i < 8; ++i) {
                positions[i] = uint32(i);
                params[i + 1] = int256((r * 8 + i) % 5) - 2;
                acc += params[i + 1] * input[i];
            }
            rows[r] = _row(positions, params);
            hidden[r] = _roundShift(acc, SHIFT);
        }
        if (lie != 0) hidden[lieAt] += lie;
        _addStage(LINEAR, _u32(0), BITS, _ints(int256(SHIFT)), rows, hidden);
        // Stage 1: relu.
        int256[] memory relu = new int256[](4);
        for (uint256 r; r < 4; ++r) {
            relu[r] = hidden[r] > 0 ? hidden[r] : int256(0);
        }
        _addStage(RELU, _u32(1), BITS, _ints(), new bytes[](0), relu);
        // Stage 2: 2 rows over the relu outputs, no rounding: the model's output.
        bytes[] memory outRows = new bytes[](2);
        int256[] memory output = new int256[](2);
        for (uint256 r; r < 2; ++r) {
            uint32[] memory positions = new uint32[](4);
            int256[] memory params = new int256[](5);
            params[0] = int256(r) - 1;
            int256 acc = params[0];
            for (uint256 i; i < 4; ++i) {
                positions[i] = uint32(i);
                params[i + 1] = int256(i + r) - 1;
                acc += params[i + 1] * relu[i];
            }
            outRows[r] = _row(positions, params);
            output[r] = acc;
        }
        _addStage(LINEAR, _u32(2), BITS, _ints(0), outRows, output);
    }

    function parametersRoot() external view returns (bytes32) {
        return _parametersRoot();
    }

    function stageCount() external view returns (uint256) {
        return _stageCount();
    }

    function traceRoot() external view returns (bytes32) {
        return _traceRoot();
    }

    function inputWords() external view returns (uint256[] memory) {
        return _words(0);
    }

    /// @dev The model's output words (tensor S, outside the trace).
    function outputWords() external view returns (uint256[] memory) {
        return _words(_stageCount());
    }

    /// @dev The trace tree's leaves padded to 4: what a side reveals under the trace root (depth 2).
    function traceReveal() external view returns (bytes32[] memory nodes) {
        bytes32[] memory leaves = _traceLeaves();
        nodes = new bytes32[](4);
        for (uint256 i; i < leaves.length; ++i) {
            nodes[i] = leaves[i];
        }
    }

    function header(uint256 stage) external view returns (bytes memory) {
        return headers[stage];
    }

    function rowsRoot(uint256 stage) external view returns (bytes32) {
        return _rowsRoot(stage);
    }

    function stageProof(uint256 stage) external view returns (bytes32[] memory) {
        return _stepInput(stage, 0).stageProof;
    }

    /// @dev The one step's openings for output `r` of `stage`, against this side's trace.
    function stepInput(uint256 stage, uint256 r) external view returns (IOneStep.StepInput memory) {
        return _stepInput(stage, r);
    }

    function _roundShift(int256 a, uint256 s) private pure returns (int256) {
        return (a + int256(1 << (s - 1))) >> s;
    }
}
