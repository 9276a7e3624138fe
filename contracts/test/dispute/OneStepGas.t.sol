// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {console} from "forge-std/console.sol";

import {IOneStep} from "../../src/interfaces/IOneStep.sol";
import {OneStepModel} from "./utils/OneStepModel.sol";

/// @dev The gas of recomputing one linear output value: rows of 150 inputs (a 5x5x6 convolution
///      window, as in LeNet-5) and of 2048 inputs (a dense layer), 16-bit inputs and weights of
///      either sign. Logs the gas of the call to recompute and the size of its calldata; fails if
///      a transaction making only that call would cost 5M gas or more.
contract OneStepGasTest is OneStepModel {
    uint256 internal constant GAS_TARGET = 5_000_000;
    uint8 internal constant INPUT_BITS = 16;
    int256 internal constant SHIFT = 8;
    /// @dev Calldata gas per byte (EIP-2028), for the transaction that would carry the call.
    uint256 internal constant ZERO_BYTE_GAS = 4;
    uint256 internal constant NONZERO_BYTE_GAS = 16;
    uint256 internal constant TRANSACTION_GAS = 21_000;

    function _random(string memory label, uint256 i, uint256 range) internal pure returns (int256) {
        return int256(uint256(keccak256(abi.encode(label, i))) % range) - int256(range / 2);
    }

    /// @dev A model whose stage 0 is a linear stage of 3 rows reading `positions` of tensor 0
    ///      (`inputs` values); measures the recompute of row 1.
    function _measure(string memory name, uint256 inputs, uint32[] memory positions) internal {
        int256[] memory x = new int256[](inputs);
        for (uint256 i; i < inputs; ++i) {
            x[i] = _random("x", i, uint256(1) << INPUT_BITS);
        }
        _addInput(x, INPUT_BITS);
        bytes[] memory rows = new bytes[](3);
        int256 expected;
        for (uint256 r; r < rows.length; ++r) {
            int256[] memory params = new int256[](positions.length + 1);
            params[0] = _random("bias", r, uint256(1) << 24);
            int256 acc = params[0];
            for (uint256 i; i < positions.length; ++i) {
                params[i + 1] = _random("w", r * positions.length + i, uint256(1) << 10);
                acc += params[i + 1] * x[positions[i]];
            }
            rows[r] = _row(positions, params);
            if (r == 1) expected = (acc + (int256(1) << uint256(SHIFT - 1))) >> uint256(SHIFT);
        }
        _addStage(LINEAR, _u32(0), 32, _ints(SHIFT), rows, new int256[](rows.length));
        // A second stage, so that the parameter and trace trees have a level.
        _addStage(RELU, _u32(1), 32, _ints(), new bytes[](0), new int256[](rows.length));

        IOneStep.StepInput memory input = _stepInput(0, 1);
        bytes memory call = abi.encodeCall(IOneStep.recompute, (_parametersRoot(), 2, _traceRoot(), 0, 1, input));
        (uint256 used, int256 value) = _gasOfCall(address(oneStep), call);
        assertEq(value, expected);

        uint256 zeros;
        for (uint256 i; i < call.length; ++i) {
            if (call[i] == 0) ++zeros;
        }
        uint256 calldataGas = zeros * ZERO_BYTE_GAS + (call.length - zeros) * NONZERO_BYTE_GAS;
        console.log(name);
        console.log("  inputs read, words opened:", positions.length, input.words.length);
        console.log("  recompute gas:", used);
        console.log("  calldata bytes, their gas:", call.length, calldataGas);
        console.log("  as a transaction (21,000 + calldata + execution):", TRANSACTION_GAS + calldataGas + used);
        assertLt(TRANSACTION_GAS + calldataGas + used, GAS_TARGET);
    }

    /// @dev The gas of a static call with `data` and the int256 it returns. The call is made in
    ///      assembly: Solidity's staticcall copies `data` first, which in a test contract holding a
    ///      whole model in memory costs more than the call.
    function _gasOfCall(address target, bytes memory data) internal view returns (uint256 used, int256 value) {
        bool ok;
        assembly ("memory-safe") {
            let before := gas()
            ok := staticcall(gas(), target, add(data, 0x20), mload(data), 0x00, 0x20)
            used := sub(before, gas())
            value := mload(0x00)
        }
        assertTrue(ok, "the call reverted");
    }

    function _inOrder(uint256 count) internal pure returns (uint32[] memory positions) {
        positions = new uint32[](count);
        for (uint256 i; i < count; ++i) {
            positions[i] = uint32(i);
        }
    }

    /// @dev Every position once, in the order i·stride mod count (stride coprime to count).
    function _scattered(uint256 count, uint256 stride) internal pure returns (uint32[] memory positions) {
        positions = new uint32[](count);
        for (uint256 i; i < count; ++i) {
            positions[i] = uint32((i * stride) % count);
        }
    }

    function test_Gas_Linear150_Dense() public {
        _measure("linear, 150 inputs of a 150-value tensor", 150, _inOrder(150));
    }

    /// @dev LeNet-5's second convolution: a 5x5 window over 6 channels of a 6x14x14 tensor.
    function test_Gas_Linear150_ConvolutionWindow() public {
        uint32[] memory positions = new uint32[](150);
        uint256 at;
        for (uint256 c; c < 6; ++c) {
            for (uint256 dy; dy < 5; ++dy) {
                for (uint256 dx; dx < 5; ++dx) {
                    positions[at++] = uint32(c * 196 + (4 + dy) * 14 + (7 + dx));
                }
            }
        }
        _measure("linear, 150 inputs: a 5x5x6 window of a 6x14x14 tensor", 6 * 14 * 14, positions);
    }

    function test_Gas_Linear2048_Dense() public {
        _measure("linear, 2048 inputs of a 2048-value tensor, in order", 2048, _inOrder(2048));
    }

    function test_Gas_Linear2048_Scattered() public {
        _measure("linear, 2048 inputs of a 2048-value tensor, scattered", 2048, _scattered(2048, 997));
    }
}
