// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test, console} from "forge-std/Test.sol";

import {OneStep} from "../../src/dispute/OneStep.sol";
import {IOneStep} from "../../src/interfaces/IOneStep.sol";

/// @dev The one step against fixtures of the reference executor (`stages/<kind>/`), written by the
///      trace package: every case of
///        cases.json     abi.encode(bytes header, bytes row, int256[] xs, int256 expected)
///        openings.json  abi.encode(bytes32 parametersRoot, uint256 stageCount, bytes32 traceRoot,
///                       uint256 stage, uint256 r, StepInput input, int256 expected)
///      (each `{ "names": [...], "cases": ["0x..", ...] }`) must give its expected value. Logs the
///      largest and mean gas per kind. A file not there is skipped; the hand-worked fixtures in the
///      same format (writeHandwritten.ts) always run.
contract OneStepDifferentialTest is Test {
    string internal constant FIXTURES = "contracts/test/fixtures/onestep/";
    uint256 internal constant KINDS = 10;

    OneStep internal oneStep = new OneStep();

    /// @dev Gas per kind (index kind - 1).
    struct GasTally {
        uint256[KINDS] count;
        uint256[KINDS] total;
        uint256[KINDS] max;
    }

    function test_ReferenceCases() public {
        _runCases(string.concat(FIXTURES, "cases.json"));
    }

    function test_ReferenceOpenings() public {
        _runOpenings(string.concat(FIXTURES, "openings.json"));
    }

    function test_HandwrittenCases() public {
        assertEq(_runCases(string.concat(FIXTURES, "handwritten.json")), 18);
    }

    function test_HandwrittenOpenings() public {
        assertEq(_runOpenings(string.concat(FIXTURES, "handwrittenOpenings.json")), 5);
    }

    // ------------------------------------------------------------ running

    /// @dev Runs every computeValue case of `path`; returns how many there were.
    function _runCases(string memory path) internal returns (uint256) {
        (string[] memory names, bytes[] memory cases) = _read(path);
        GasTally memory tally;
        uint256 failures;
        for (uint256 i; i < cases.length; ++i) {
            uint256 memoryMark = _memoryMark();
            (bytes memory header, bytes memory row, int256[] memory xs, int256 expected) =
                abi.decode(cases[i], (bytes, bytes, int256[], int256));
            bytes memory call = abi.encodeCall(IOneStep.computeValue, (header, row, xs));
            failures += _check(names[i], _kindOf(header), call, expected, tally);
            _releaseMemory(memoryMark);
        }
        _log(string.concat(path, ": computeValue"), tally);
        assertEq(failures, 0, string.concat(path, ": cases that differ from the reference (logged above)"));
        return cases.length;
    }

    /// @dev Runs every recompute case of `path`; returns how many there were.
    function _runOpenings(string memory path) internal returns (uint256) {
        (string[] memory names, bytes[] memory cases) = _read(path);
        GasTally memory tally;
        uint256 failures;
        for (uint256 i; i < cases.length; ++i) {
            uint256 memoryMark = _memoryMark();
            (bytes memory call, uint8 kind, int256 expected) = _recomputeCall(cases[i]);
            failures += _check(names[i], kind, call, expected, tally);
            _releaseMemory(memoryMark);
        }
        _log(string.concat(path, ": recompute"), tally);
        assertEq(failures, 0, string.concat(path, ": openings that differ from the reference (logged above)"));
        return cases.length;
    }

    function _recomputeCall(bytes memory encoded)
        internal
        pure
        returns (bytes memory call, uint8 kind, int256 expected)
    {
        (
            bytes32 parametersRoot,
            uint256 stageCount,
            bytes32 traceRoot,
            uint256 stage,
            uint256 r,
            IOneStep.StepInput memory input,
            int256 value
        ) = abi.decode(encoded, (bytes32, uint256, bytes32, uint256, uint256, IOneStep.StepInput, int256));
        call = abi.encodeCall(IOneStep.recompute, (parametersRoot, stageCount, traceRoot, stage, r, input));
        return (call, _kindOf(input.header), value);
    }

    /// @dev The names and cases of a fixture file; skips the test when the file is not there.
    function _read(string memory path) internal returns (string[] memory names, bytes[] memory cases) {
        if (!vm.exists(path)) {
            vm.skip(true, string.concat(path, " is not there: the trace package writes it from the reference executor"));
        }
        string memory json = vm.readFile(path);
        names = vm.parseJsonStringArray(json, ".names");
        cases = vm.parseJsonBytesArray(json, ".cases");
        assertEq(names.length, cases.length, string.concat(path, ": one name per case"));
        assertGt(cases.length, 0, string.concat(path, ": no cases"));
    }

    /// @dev Makes `call` to the one step; logs and counts (returns 1) a revert or a value other
    ///      than `expected`, and tallies the gas of the call under `kind`.
    function _check(string memory name, uint8 kind, bytes memory call, int256 expected, GasTally memory tally)
        internal
        view
        returns (uint256 failed)
    {
        (bool ok, uint256 used, bytes memory result) = _call(call);
        if (!ok) {
            console.log("reverted:", name);
            console.logBytes(result);
            return 1;
        }
        int256 value = abi.decode(result, (int256));
        if (value != expected) {
            console.log("differs:", name);
            console.log("  got, expected:", vm.toString(value), vm.toString(expected));
            return 1;
        }
        if (kind >= 1 && kind <= KINDS) {
            tally.count[kind - 1] += 1;
            tally.total[kind - 1] += used;
            if (used > tally.max[kind - 1]) tally.max[kind - 1] = used;
        }
    }

    /// @dev A static call to the one step and its gas. Made in assembly: Solidity's staticcall
    ///      copies the calldata first, which in a contract holding a whole fixture in memory costs
    ///      more than the call.
    function _call(bytes memory data) internal view returns (bool ok, uint256 used, bytes memory result) {
        address target = address(oneStep);
        assembly ("memory-safe") {
            let before := gas()
            ok := staticcall(gas(), target, add(data, 0x20), mload(data), 0x00, 0x00)
            used := sub(before, gas())
            result := mload(0x40)
            mstore(result, returndatasize())
            returndatacopy(add(result, 0x20), 0x00, returndatasize())
            mstore(0x40, add(add(result, 0x20), and(add(returndatasize(), 0x1f), not(0x1f))))
        }
    }

    /// @dev The free memory pointer. Each case's decoded copies are dropped after it (nothing made
    ///      for a case outlives it), so that memory, whose cost grows with the square of its size,
    ///      does not grow with the number of cases.
    function _memoryMark() internal pure returns (uint256 mark) {
        assembly ("memory-safe") {
            mark := mload(0x40)
        }
    }

    function _releaseMemory(uint256 mark) internal pure {
        assembly ("memory-safe") {
            mstore(0x40, mark)
        }
    }

    function _kindOf(bytes memory header) internal pure returns (uint8) {
        return header.length < 32 ? 0 : uint8(uint256(bytes32(header)));
    }

    function _log(string memory what, GasTally memory tally) internal pure {
        string[KINDS] memory names =
            ["linear", "relu", "leakyRelu", "maxPool", "argMax", "gather", "bilinear", "piecewise", "divide", "sqrt"];
        console.log(what);
        for (uint256 k; k < KINDS; ++k) {
            if (tally.count[k] == 0) continue;
            console.log(
                string.concat(
                    "  ",
                    names[k],
                    ": ",
                    vm.toString(tally.count[k]),
                    " cases, max gas ",
                    vm.toString(tally.max[k]),
                    ", mean gas ",
                    vm.toString(tally.total[k] / tally.count[k])
                )
            );
        }
    }
}
