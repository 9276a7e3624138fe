// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {stdError} from "forge-std/StdError.sol";

import {OneStep} from "../../src/dispute/OneStep.sol";
import {IOneStep} from "../../src/interfaces/IOneStep.sol";
import {WordPacking} from "../../src/libraries/WordPacking.sol";
import {OneStepModel} from "./utils/OneStepModel.sol";

/// @dev OneStep's copy of the payload width, which its inline assembly reads.
contract OneStepConstants is OneStep {
    function wordPayloadBits() external pure returns (uint256) {
        return WORD_PAYLOAD_BITS;
    }
}

/// @dev computeValue: disputes.md's table worked out by hand for every kind, every refusal, and
///      fuzzed against models of the formulas that do not restate them (a quotient or a root
///      checked by multiplying back).
contract OneStepComputeTest is OneStepModel {
    bytes internal constant NO_ROW = "";

    function _head(uint8 kind, int256[] memory scalars) internal pure returns (bytes memory) {
        uint32[] memory counts = new uint32[](1);
        counts[0] = 64;
        uint8[] memory widths = new uint8[](1);
        widths[0] = 16;
        return abi.encode(kind, uint32(1), uint8(16), _u32(0), counts, widths, scalars);
    }

    function _positions(uint256 count) internal pure returns (uint32[] memory positions) {
        positions = new uint32[](count);
        for (uint256 i; i < count; ++i) {
            positions[i] = uint32(i);
        }
    }

    /// @dev A row over positions 0 .. xs.length - 1.
    function _value(uint8 kind, int256[] memory scalars, int256[] memory params, int256[] memory xs)
        internal
        view
        returns (int256)
    {
        return oneStep.computeValue(_head(kind, scalars), _row(_positions(xs.length), params), xs);
    }

    function _elementwise(uint8 kind, int256[] memory scalars, int256 x) internal view returns (int256) {
        return oneStep.computeValue(_head(kind, scalars), NO_ROW, _ints(x));
    }

    function _linear(uint256 shift, int256 bias, int256[] memory weights, int256[] memory xs)
        internal
        view
        returns (int256)
    {
        int256[] memory params = new int256[](weights.length + 1);
        params[0] = bias;
        for (uint256 i; i < weights.length; ++i) {
            params[i + 1] = weights[i];
        }
        return _value(LINEAR, _ints(int256(shift)), params, xs);
    }

    /// @dev Piecewise with lo -8, 2-bit segments, 3 segments (inputs -8 .. 3), shift 1,
    ///      c0 = [10, 20, 30], c1 = [1, 2, 3], c2 = [0, 1, -1].
    function _piecewiseScalars() internal pure returns (int256[] memory s) {
        s = new int256[](14);
        (s[0], s[1], s[2], s[3], s[4]) = (16, -8, 2, 3, 1);
        (s[5], s[6], s[7]) = (10, 20, 30);
        (s[8], s[9], s[10]) = (1, 2, 3);
        (s[11], s[12], s[13]) = (0, 1, -1);
    }

    function test_PayloadWidthIsWordPackings() public {
        assertEq(new OneStepConstants().wordPayloadBits(), WordPacking.WORD_PAYLOAD_BITS);
    }

    // ------------------------------------------------------------ by hand

    function test_Linear() public view {
        // 3 + 2·5 - 7 = 6; round_2(6) = floor(8 / 4) = 2.
        assertEq(_linear(2, 3, _ints(2, -1), _ints(5, 7)), 2);
        // Rounding half up, floor below zero: round_2(a) = floor((a + 2) / 4).
        assertEq(_linear(2, 2, _ints(1), _ints(0)), 1, "2/4 = 0.5 rounds up");
        assertEq(_linear(2, -2, _ints(1), _ints(0)), 0, "-0.5 rounds up to 0");
        assertEq(_linear(2, -6, _ints(1), _ints(0)), -1, "-1.5 rounds up to -1");
        assertEq(_linear(2, -9, _ints(1), _ints(0)), -2, "-2.25: floor(-7/4) = -2, not the truncated -1");
        assertEq(_linear(2, -10, _ints(1), _ints(0)), -2, "-2.5 rounds up to -2");
        assertEq(_linear(0, -9, _ints(3), _ints(-4)), -21, "shift 0 is no rounding");
        assertEq(_linear(3, 5, new int256[](0), new int256[](0)), 1, "a row of no terms is its bias: round_3(5) = 1");
        // The largest shift: round_255(a) = floor((a + 2^254) / 2^255).
        assertEq(_linear(255, (int256(1) << 254) - 1, _ints(0), _ints(0)), 0);
        assertEq(_linear(255, -(int256(1) << 254), _ints(0), _ints(0)), 0);
        assertEq(_linear(255, -(int256(1) << 254) - 1, _ints(0), _ints(0)), -1);
        assertEq(_linear(255, type(int256).min, _ints(0), _ints(0)), -1);
    }

    function test_Relu() public view {
        assertEq(_elementwise(RELU, _ints(), 5), 5);
        assertEq(_elementwise(RELU, _ints(), 0), 0);
        assertEq(_elementwise(RELU, _ints(), -3), 0);
    }

    function test_LeakyRelu() public view {
        // alpha 26 (0.1 at 2^-8), shift 8: -100 -> round_8(-2600) = floor(-2472 / 256) = -10.
        int256[] memory scalars = _ints(26, 8, 13);
        assertEq(_elementwise(LEAKY_RELU, scalars, -100), -10);
        assertEq(_elementwise(LEAKY_RELU, scalars, 7), 7);
        assertEq(_elementwise(LEAKY_RELU, scalars, 0), 0);
        assertEq(_elementwise(LEAKY_RELU, scalars, -1), 0, "round_8(-26) = floor(102 / 256) = 0");
        // A negative alpha turns negative inputs positive: round_8(-256 · -3) = 3.
        assertEq(_elementwise(LEAKY_RELU, _ints(-256, 8, 13), -3), 3);
    }

    function test_MaxPool() public view {
        assertEq(_value(MAX_POOL, _ints(), _ints(), _ints(-5, 3, 3, -1)), 3);
        assertEq(_value(MAX_POOL, _ints(), _ints(), _ints(-7)), -7);
        assertEq(_value(MAX_POOL, _ints(), _ints(), _ints(-7, -9)), -7);
    }

    function test_ArgMax() public view {
        int256[] memory inBits = _ints(16);
        assertEq(_value(ARG_MAX, inBits, _ints(), _ints(1, 4, 4, 2)), 1, "the first maximum");
        assertEq(_value(ARG_MAX, inBits, _ints(), _ints(-3)), 0);
        assertEq(_value(ARG_MAX, inBits, _ints(), _ints(-5, -2, -9)), 1);
        assertEq(_value(ARG_MAX, inBits, _ints(), _ints(-5, -5, -5, 0)), 3);
    }

    function test_Gather() public view {
        assertEq(_value(GATHER, _ints(), _ints(), _ints(-42)), -42);
    }

    function test_Bilinear() public view {
        // 3·(-4) + 5·2 = -2; round_1(-2) = floor(-1 / 2) = -1.
        assertEq(_value(BILINEAR, _ints(1), _ints(), _ints(3, -4, 5, 2)), -1);
        assertEq(_value(BILINEAR, _ints(1), _ints(), _ints(3, 3)), 5, "9/2 = 4.5 rounds up");
        assertEq(_value(BILINEAR, _ints(0), _ints(), _ints(-7, 6)), -42);
        assertEq(_value(BILINEAR, _ints(4), _ints(), new int256[](0)), 0, "no pairs");
    }

    function test_Piecewise() public view {
        int256[] memory s = _piecewiseScalars();
        assertEq(_elementwise(PIECEWISE, s, -20), 5, "below lo: segment 0, t = 0: round_1(10)");
        assertEq(_elementwise(PIECEWISE, s, -8), 5, "lo itself");
        assertEq(_elementwise(PIECEWISE, s, -5), 7, "segment 0, t = 3: round_1(10 + 3)");
        assertEq(_elementwise(PIECEWISE, s, -3), 12, "segment 1, t = 1: round_1(20 + 2 + 1)");
        assertEq(_elementwise(PIECEWISE, s, -1), 18, "segment 1, t = 3: round_1(20 + 6 + 9)");
        assertEq(_elementwise(PIECEWISE, s, 0), 15, "segment 2, t = 0: round_1(30)");
        assertEq(_elementwise(PIECEWISE, s, 2), 16, "segment 2, t = 2: round_1(30 + 6 - 4)");
        assertEq(_elementwise(PIECEWISE, s, 3), 15, "hi = 3: segment 2, t = 3: round_1(30 + 9 - 9)");
        assertEq(_elementwise(PIECEWISE, s, 100), 15, "above hi: clamped to hi");
        assertEq(_elementwise(PIECEWISE, s, type(int256).max), 15);
        assertEq(_elementwise(PIECEWISE, s, type(int256).min), 5);
        // One segment, a negative constant: round_1(-5) = floor(-4 / 2) = -2.
        int256[] memory one = new int256[](8);
        (one[0], one[1], one[2], one[3], one[4], one[5]) = (16, 0, 3, 1, 1, -5);
        assertEq(_elementwise(PIECEWISE, one, 4), -2);
        // lo at the bottom of int256 and x at the top: x - lo overflows int256 but not the clamp.
        one[1] = type(int256).min;
        assertEq(_elementwise(PIECEWISE, one, type(int256).max), -2);
    }

    function test_Divide() public view {
        // shift 2: floor((7·4 + 1) / 3) = floor(29 / 3) = 9.
        assertEq(_value(DIVIDE, _ints(2), _ints(), _ints(7, 3)), 9);
        assertEq(_value(DIVIDE, _ints(2), _ints(), _ints(-7, 3)), -9, "floor(-27 / 3) = -9 exactly");
        assertEq(_value(DIVIDE, _ints(2), _ints(), _ints(-7, 2)), -14, "floor(-27 / 2) = -14, not the truncated -13");
        assertEq(_value(DIVIDE, _ints(2), _ints(), _ints(5, 0)), 20, "b' = max(0, 1) = 1");
        assertEq(_value(DIVIDE, _ints(2), _ints(), _ints(5, -4)), 20, "a negative denominator divides by 1");
        assertEq(_value(DIVIDE, _ints(0), _ints(), _ints(0, 5)), 0, "floor(2 / 5)");
        assertEq(_value(DIVIDE, _ints(0), _ints(), _ints(1, 2)), 1, "1/2 rounds half up");
        assertEq(_value(DIVIDE, _ints(0), _ints(), _ints(-1, 2)), 0, "-1/2 rounds half up");
        assertEq(_value(DIVIDE, _ints(254), _ints(), _ints(1, 1)), int256(1) << 254);
    }

    function test_Sqrt() public view {
        assertEq(_elementwise(SQRT, _ints(0), 16), 4);
        assertEq(_elementwise(SQRT, _ints(0), 15), 3);
        assertEq(_elementwise(SQRT, _ints(0), 17), 4);
        assertEq(_elementwise(SQRT, _ints(0), 1), 1);
        assertEq(_elementwise(SQRT, _ints(0), 0), 0);
        assertEq(_elementwise(SQRT, _ints(0), -9), 0, "negative inputs count as 0");
        assertEq(_elementwise(SQRT, _ints(2), 2), 2, "floor(sqrt(8))");
        assertEq(_elementwise(SQRT, _ints(8), 2), 22, "floor(sqrt(512))");
        assertEq(_elementwise(SQRT, _ints(0), type(int256).max), 240615969168004511545033772477625056927);
        assertEq(_elementwise(SQRT, _ints(255), 1), 240615969168004511545033772477625056927, "floor(sqrt(2^255))");
    }

    // ------------------------------------------------------------ refusals

    function test_RevertWhen_KindUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IOneStep.UnknownKind.selector, 0));
        oneStep.computeValue(_head(0, _ints()), NO_ROW, _ints(1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.UnknownKind.selector, 11));
        oneStep.computeValue(_head(11, _ints()), NO_ROW, _ints(1));
    }

    function test_RevertWhen_ScalarCountWrong() public {
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarCountMismatch.selector, RELU, 0, 1));
        _elementwise(RELU, _ints(1), 1);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarCountMismatch.selector, LINEAR, 1, 0));
        _value(LINEAR, _ints(), _ints(0, 1), _ints(1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarCountMismatch.selector, LEAKY_RELU, 3, 2));
        _elementwise(LEAKY_RELU, _ints(26, 8), -1);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarCountMismatch.selector, MAX_POOL, 0, 1));
        _value(MAX_POOL, _ints(1), _ints(), _ints(1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarCountMismatch.selector, ARG_MAX, 1, 0));
        _value(ARG_MAX, _ints(), _ints(), _ints(1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarCountMismatch.selector, GATHER, 0, 1));
        _value(GATHER, _ints(1), _ints(), _ints(1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarCountMismatch.selector, BILINEAR, 1, 2));
        _value(BILINEAR, _ints(1, 1), _ints(), _ints(1, 1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarCountMismatch.selector, DIVIDE, 1, 0));
        _value(DIVIDE, _ints(), _ints(), _ints(1, 1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarCountMismatch.selector, SQRT, 1, 0));
        _elementwise(SQRT, _ints(), 1);
    }

    function test_RevertWhen_PiecewiseScalarCountWrong() public {
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarCountMismatch.selector, PIECEWISE, 5, 4));
        _elementwise(PIECEWISE, _ints(16, 0, 2, 1), 1);
        int256[] memory s = _piecewiseScalars();
        s[3] = 2; // two segments need 5 + 3·2 scalars, not 14
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarCountMismatch.selector, PIECEWISE, 11, 14));
        _elementwise(PIECEWISE, s, 1);
    }

    function test_RevertWhen_ShiftOutOfRange() public {
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarOutOfRange.selector, LINEAR, 0, 256, 0, 255));
        _value(LINEAR, _ints(256), _ints(0, 1), _ints(1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarOutOfRange.selector, LINEAR, 0, -1, 0, 255));
        _value(LINEAR, _ints(-1), _ints(0, 1), _ints(1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarOutOfRange.selector, LEAKY_RELU, 1, 300, 0, 255));
        _elementwise(LEAKY_RELU, _ints(26, 300, 13), -1);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarOutOfRange.selector, BILINEAR, 0, 256, 0, 255));
        _value(BILINEAR, _ints(256), _ints(), _ints(1, 1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarOutOfRange.selector, DIVIDE, 0, 255, 0, 254));
        _value(DIVIDE, _ints(255), _ints(), _ints(1, 1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarOutOfRange.selector, SQRT, 0, 256, 0, 255));
        _elementwise(SQRT, _ints(256), 1);
        int256[] memory s = _piecewiseScalars();
        s[4] = 256;
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarOutOfRange.selector, PIECEWISE, 4, 256, 0, 255));
        _elementwise(PIECEWISE, s, 1);
    }

    function test_RevertWhen_WidthOutOfRange() public {
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarOutOfRange.selector, LEAKY_RELU, 2, 1, 2, 248));
        _elementwise(LEAKY_RELU, _ints(26, 8, 1), -1);
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarOutOfRange.selector, ARG_MAX, 0, 249, 2, 248));
        _value(ARG_MAX, _ints(249), _ints(), _ints(1));
        int256[] memory s = _piecewiseScalars();
        s[0] = 0;
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarOutOfRange.selector, PIECEWISE, 0, 0, 2, 248));
        _elementwise(PIECEWISE, s, 1);
    }

    function test_RevertWhen_PiecewiseSegmentsOutOfRange() public {
        int256[] memory s = _piecewiseScalars();
        s[2] = 249;
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ScalarOutOfRange.selector, PIECEWISE, 2, 249, 0, 248));
        _elementwise(PIECEWISE, s, 1);
        s = _piecewiseScalars();
        s[3] = 0;
        vm.expectRevert(
            abi.encodeWithSelector(
                IOneStep.ScalarOutOfRange.selector, PIECEWISE, 3, 0, 1, int256(uint256(type(uint32).max))
            )
        );
        _elementwise(PIECEWISE, s, 1);
        s[3] = -1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IOneStep.ScalarOutOfRange.selector, PIECEWISE, 3, -1, 1, int256(uint256(type(uint32).max))
            )
        );
        _elementwise(PIECEWISE, s, 1);
    }

    function test_RevertWhen_ParamCountWrong() public {
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ParamCountMismatch.selector, LINEAR, 3, 2));
        _value(LINEAR, _ints(0), _ints(1, 2), _ints(1, 2));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ParamCountMismatch.selector, LINEAR, 1, 0));
        _value(LINEAR, _ints(0), _ints(), new int256[](0));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ParamCountMismatch.selector, MAX_POOL, 0, 1));
        _value(MAX_POOL, _ints(), _ints(1), _ints(1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ParamCountMismatch.selector, ARG_MAX, 0, 1));
        _value(ARG_MAX, _ints(16), _ints(1), _ints(1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ParamCountMismatch.selector, GATHER, 0, 2));
        _value(GATHER, _ints(), _ints(1, 2), _ints(1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ParamCountMismatch.selector, BILINEAR, 0, 1));
        _value(BILINEAR, _ints(0), _ints(1), _ints(1, 1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ParamCountMismatch.selector, DIVIDE, 0, 1));
        _value(DIVIDE, _ints(0), _ints(1), _ints(1, 1));
    }

    function test_RevertWhen_PositionCountWrong() public {
        vm.expectRevert(abi.encodeWithSelector(IOneStep.PositionCountInvalid.selector, MAX_POOL, 0));
        _value(MAX_POOL, _ints(), _ints(), new int256[](0));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.PositionCountInvalid.selector, ARG_MAX, 0));
        _value(ARG_MAX, _ints(16), _ints(), new int256[](0));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.PositionCountInvalid.selector, GATHER, 2));
        _value(GATHER, _ints(), _ints(), _ints(1, 2));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.PositionCountInvalid.selector, GATHER, 0));
        _value(GATHER, _ints(), _ints(), new int256[](0));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.PositionCountInvalid.selector, BILINEAR, 3));
        _value(BILINEAR, _ints(0), _ints(), _ints(1, 2, 3));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.PositionCountInvalid.selector, DIVIDE, 1));
        _value(DIVIDE, _ints(0), _ints(), _ints(1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.PositionCountInvalid.selector, DIVIDE, 3));
        _value(DIVIDE, _ints(0), _ints(), _ints(1, 2, 3));
    }

    function test_RevertWhen_ElementwiseRowNotEmpty() public {
        bytes memory row = _row(_u32(0), _ints());
        vm.expectRevert(abi.encodeWithSelector(IOneStep.RowNotEmpty.selector, RELU, row.length));
        oneStep.computeValue(_head(RELU, _ints()), row, _ints(1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.RowNotEmpty.selector, SQRT, 1));
        oneStep.computeValue(_head(SQRT, _ints(0)), hex"00", _ints(1));
    }

    function test_RevertWhen_ValueCountWrong() public {
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ValueCountMismatch.selector, 2, 1));
        oneStep.computeValue(_head(LINEAR, _ints(0)), _row(_positions(2), _ints(0, 1, 1)), _ints(1));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ValueCountMismatch.selector, 1, 2));
        oneStep.computeValue(_head(RELU, _ints()), NO_ROW, _ints(1, 2));
        vm.expectRevert(abi.encodeWithSelector(IOneStep.ValueCountMismatch.selector, 1, 0));
        oneStep.computeValue(_head(SQRT, _ints(0)), NO_ROW, new int256[](0));
    }

    function test_RevertWhen_HeaderDoesNotDecode() public {
        vm.expectRevert();
        oneStep.computeValue(hex"0001", NO_ROW, _ints(1));
    }

    function _expectRowRevert(bytes memory row) internal {
        vm.expectRevert(abi.encodeWithSelector(IOneStep.RowNotCanonical.selector, row.length));
        oneStep.computeValue(_head(GATHER, _ints()), row, _ints(1));
    }

    function test_RevertWhen_RowNotCanonical() public {
        bytes memory row = _row(_u32(7), _ints());
        assertEq(oneStep.computeValue(_head(GATHER, _ints()), row, _ints(-3)), -3, "the canonical row");
        _expectRowRevert(NO_ROW);
        _expectRowRevert(hex"0001");
        _expectRowRevert(bytes.concat(row, bytes32(0)));
        // The offsets: of the positions, of the params.
        bytes memory moved = bytes.concat(row);
        moved[31] = 0x60;
        _expectRowRevert(moved);
        moved = bytes.concat(row);
        moved[63] = 0xa0;
        _expectRowRevert(moved);
        // Counts beyond the row.
        bytes memory counted = bytes.concat(row);
        counted[95] = 0x02;
        _expectRowRevert(counted);
        counted = bytes.concat(row);
        counted[159] = 0x01;
        _expectRowRevert(counted);
        counted = bytes.concat(row);
        counted[64] = 0xff;
        _expectRowRevert(counted);
        counted = bytes.concat(row);
        counted[96 + 32] = 0xff;
        _expectRowRevert(counted);
        // A position that is not a uint32.
        _expectRowRevert(abi.encode(_uint256s(uint256(1) << 32), _ints()));
        _expectRowRevert(abi.encode(_uint256s(type(uint256).max), _ints()));
    }

    function _uint256s(uint256 a) internal pure returns (uint256[] memory list) {
        list = new uint256[](1);
        list[0] = a;
    }

    function test_AccumulatorsAtTheEdgeOfInt256() public view {
        assertEq(_linear(0, type(int256).min + 1, _ints(-1), _ints(1)), type(int256).min);
        assertEq(_linear(0, -1, _ints(type(int256).min + 1), _ints(-1)), type(int256).max - 1);
        assertEq(_linear(0, type(int256).max, _ints(1, -1), _ints(-1, -1)), type(int256).max, "-1 then +1");
        assertEq(_value(BILINEAR, _ints(0), _ints(), _ints(type(int256).min + 1, -1)), type(int256).max);
    }

    function test_RevertWhen_AccumulatorOverflows() public {
        vm.expectRevert(stdError.arithmeticError);
        _linear(0, 0, _ints(type(int256).max), _ints(2));
        vm.expectRevert(stdError.arithmeticError);
        _linear(0, 0, _ints(type(int256).min), _ints(-1));
        vm.expectRevert(stdError.arithmeticError);
        _linear(0, 0, _ints(-1), _ints(type(int256).min));
        vm.expectRevert(stdError.arithmeticError);
        _linear(0, type(int256).max, _ints(1), _ints(1));
        vm.expectRevert(stdError.arithmeticError);
        _linear(0, type(int256).min, _ints(1), _ints(-1));
        vm.expectRevert(stdError.arithmeticError);
        _value(BILINEAR, _ints(0), _ints(), _ints(type(int256).min, -1));
        vm.expectRevert(stdError.arithmeticError);
        _value(BILINEAR, _ints(0), _ints(), _ints(type(int256).max, 1, 1, 1));
        vm.expectRevert(stdError.arithmeticError);
        _value(BILINEAR, _ints(0), _ints(), _ints(int256(1) << 128, int256(1) << 127));
        vm.expectRevert(stdError.arithmeticError);
        _value(DIVIDE, _ints(254), _ints(), _ints(2, 1));
        vm.expectRevert(stdError.arithmeticError);
        _elementwise(SQRT, _ints(255), 2);
    }

    // ------------------------------------------------------------ fuzzed against models

    /// @dev floor(a / 2^s) written with `/` and a remainder correction, not with `>>`.
    function _floorDiv(int256 a, int256 d) internal pure returns (int256 q) {
        q = a / d;
        if (a % d != 0 && (a < 0) != (d < 0)) --q;
    }

    function testFuzz_Linear(uint256 seed, uint8 terms, uint8 shift) public view {
        terms = uint8(bound(terms, 0, 12));
        shift = uint8(bound(shift, 0, 200));
        int256[] memory weights = new int256[](terms);
        int256[] memory xs = new int256[](terms);
        int256 bias = int256(bound(uint256(keccak256(abi.encode(seed, "bias"))), 0, 1 << 121)) - (1 << 120);
        int256 acc = bias;
        for (uint256 i; i < terms; ++i) {
            weights[i] = int256(bound(uint256(keccak256(abi.encode(seed, "w", i))), 0, 1 << 121)) - (1 << 120);
            xs[i] = int256(bound(uint256(keccak256(abi.encode(seed, "x", i))), 0, 1 << 121)) - (1 << 120);
            acc += weights[i] * xs[i];
        }
        int256 expected = shift == 0 ? acc : _floorDiv(acc + int256(2) ** (shift - 1), int256(2) ** shift);
        assertEq(_linear(shift, bias, weights, xs), expected);
    }

    function testFuzz_Relu(int256 x) public view {
        assertEq(_elementwise(RELU, _ints(), x), x < 0 ? int256(0) : x);
    }

    function testFuzz_MaxPool(uint256 seed, uint8 width) public view {
        width = uint8(bound(width, 1, 20));
        int256[] memory xs = new int256[](width);
        for (uint256 i; i < width; ++i) {
            // Few distinct values, so that ties happen.
            xs[i] = int256(uint256(keccak256(abi.encode(seed, i))) % 7) - 3;
        }
        int256 y = _value(MAX_POOL, _ints(), _ints(), xs);
        bool attained;
        for (uint256 i; i < width; ++i) {
            assertLe(xs[i], y);
            if (xs[i] == y) attained = true;
        }
        assertTrue(attained);
        uint256 first = uint256(_value(ARG_MAX, _ints(16), _ints(), xs));
        assertEq(xs[first], y, "argMax points at a maximum");
        for (uint256 i; i < first; ++i) {
            assertLt(xs[i], y, "and at the first one");
        }
    }

    function testFuzz_Divide(int128 a, int128 b, uint8 shift) public view {
        shift = uint8(bound(shift, 0, 120));
        int256 y = _value(DIVIDE, _ints(int256(uint256(shift))), _ints(), _ints(a, b));
        int256 d = b < 1 ? int256(1) : int256(b);
        int256 numerator = int256(a) * int256(2) ** shift + d / 2;
        // y = floor(N / d) exactly when y·d <= N < (y + 1)·d.
        assertLe(y * d, numerator);
        assertGt((y + 1) * d, numerator);
    }

    function testFuzz_Sqrt(int256 x, uint8 shift) public view {
        shift = uint8(bound(shift, 0, 100));
        x = bound(x, type(int256).min, int256(1) << 150);
        int256 y = _elementwise(SQRT, _ints(int256(uint256(shift))), x);
        if (x <= 0) {
            assertEq(y, 0);
            return;
        }
        uint256 v = uint256(x) << shift;
        uint256 root = uint256(y);
        // y = floor(sqrt(v)) exactly when y² <= v < (y + 1)².
        assertLe(root * root, v);
        assertGt((root + 1) * (root + 1), v);
    }

    function testFuzz_SqrtOfLargeValues(uint256 v) public view {
        v = bound(v, 1, uint256(type(int256).max));
        uint256 root = uint256(_elementwise(SQRT, _ints(0), int256(v)));
        assertLe(root * root, v);
        assertGt((root + 1) * (root + 1), v);
    }

    /// @dev The piecewise value through disputes.md's clamp to [lo, hi] and j = floor(u / 2^w),
    ///      t = u - j·2^w, against the contract's clamp of the segment index.
    function testFuzz_Piecewise(uint256 seed, int64 x, int32 lo, uint8 segmentBits, uint8 segments, uint8 shift)
        public
        view
    {
        segmentBits = uint8(bound(segmentBits, 0, 20));
        segments = uint8(bound(segments, 1, 16));
        shift = uint8(bound(shift, 0, 40));
        int256[] memory s = new int256[](5 + 3 * uint256(segments));
        (s[0], s[1], s[2], s[3], s[4]) =
        (64, lo, int256(uint256(segmentBits)), int256(uint256(segments)), int256(uint256(shift)));
        for (uint256 i = 5; i < s.length; ++i) {
            s[i] = int256(uint256(keccak256(abi.encode(seed, i))) % (1 << 40)) - (1 << 39);
        }
        assertEq(_elementwise(PIECEWISE, s, x), _piecewiseModel(s, x));
    }

    function _piecewiseModel(int256[] memory s, int256 x) internal pure returns (int256) {
        (int256 lo, int256 size, uint256 segments, int256 shift) =
            (s[1], int256(2) ** uint256(s[2]), uint256(s[3]), s[4]);
        int256 hi = lo + int256(segments) * size - 1;
        int256 u = (x < lo ? lo : x > hi ? hi : x) - lo;
        uint256 j = uint256(_floorDiv(u, size));
        int256 t = u - int256(j) * size;
        int256 acc = s[5 + j] + s[5 + segments + j] * t + s[5 + 2 * segments + j] * t * t;
        return shift == 0 ? acc : _floorDiv(acc + int256(2) ** uint256(shift - 1), int256(2) ** uint256(shift));
    }

    function testFuzz_LeakyRelu(int128 x, int64 alpha, uint8 shift) public view {
        shift = uint8(bound(shift, 0, 64));
        int256 y = _elementwise(LEAKY_RELU, _ints(alpha, int256(uint256(shift)), 16), x);
        if (x >= 0) {
            assertEq(y, x);
        } else {
            int256 a = int256(alpha) * x;
            assertEq(y, shift == 0 ? a : _floorDiv(a + int256(2) ** (shift - 1), int256(2) ** shift));
        }
    }
}
