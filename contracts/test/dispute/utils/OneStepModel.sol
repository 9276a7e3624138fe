// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

import {OneStep} from "../../../src/dispute/OneStep.sol";
import {IOneStep} from "../../../src/interfaces/IOneStep.sol";
import {PlainMerkle} from "./PlainMerkle.sol";

/// @dev A model and one run's trace built in storage, committed as disputes.md says (parameters
///      root, tensor roots, trace root), and the StepInput that opens any output value of it.
///      Tensor 0 is the input, tensor s + 1 stage s's output; the trace holds tensors 0 .. S - 1.
abstract contract OneStepModel is Test {
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

    uint256 internal constant PAYLOAD_BITS = 248;

    OneStep internal oneStep = new OneStep();

    bytes[] internal headers;
    mapping(uint256 stage => bytes[] rows) internal stageRows;
    int256[][] internal tensorValues;
    uint8[] internal tensorBits;
    /// @dev Bits ORed into a tensor's packed word before it is committed: a dishonest trace.
    mapping(uint256 tensor => mapping(uint256 index => uint256 bits)) internal extraWordBits;

    // ------------------------------------------------------------ building

    function _addInput(int256[] memory values, uint8 bits) internal {
        tensorValues.push(values);
        tensorBits.push(bits);
    }

    /// @dev Appends a stage reading `inputs` whose output tensor is `outputs` (its values in the
    ///      trace, as the prover claims them); `rows` empty for an elementwise kind.
    function _addStage(
        uint8 kind,
        uint32[] memory inputs,
        uint8 bits,
        int256[] memory scalars,
        bytes[] memory rows,
        int256[] memory outputs
    ) internal returns (uint256 stage) {
        stage = headers.length;
        headers.push(_header(kind, uint32(outputs.length), bits, inputs, scalars));
        for (uint256 i; i < rows.length; ++i) {
            stageRows[stage].push(rows[i]);
        }
        tensorValues.push(outputs);
        tensorBits.push(bits);
    }

    /// @dev Appends a stage with a header of the test's own making (malformed ones included).
    function _addStage(bytes memory header, bytes[] memory rows, int256[] memory outputs, uint8 bits)
        internal
        returns (uint256 stage)
    {
        stage = headers.length;
        headers.push(header);
        for (uint256 i; i < rows.length; ++i) {
            stageRows[stage].push(rows[i]);
        }
        tensorValues.push(outputs);
        tensorBits.push(bits);
    }

    /// @dev A header whose input counts and widths are those of the tensors built so far.
    function _header(uint8 kind, uint32 outCount, uint8 bits, uint32[] memory inputs, int256[] memory scalars)
        internal
        view
        returns (bytes memory)
    {
        uint32[] memory counts = new uint32[](inputs.length);
        uint8[] memory widths = new uint8[](inputs.length);
        for (uint256 j; j < inputs.length; ++j) {
            counts[j] = uint32(tensorValues[inputs[j]].length);
            widths[j] = tensorBits[inputs[j]];
        }
        return abi.encode(kind, outCount, bits, inputs, counts, widths, scalars);
    }

    // ------------------------------------------------------------ commitments

    function _stageCount() internal view returns (uint256) {
        return headers.length;
    }

    function _rowsRoot(uint256 stage) internal view returns (bytes32) {
        bytes[] storage rows = stageRows[stage];
        if (rows.length == 0) return bytes32(0);
        bytes32[] memory leaves = new bytes32[](rows.length);
        for (uint256 i; i < rows.length; ++i) {
            leaves[i] = keccak256(rows[i]);
        }
        return PlainMerkle.root(leaves);
    }

    function _stageLeaves() internal view returns (bytes32[] memory leaves) {
        leaves = new bytes32[](headers.length);
        for (uint256 s; s < headers.length; ++s) {
            leaves[s] = keccak256(abi.encodePacked(keccak256(headers[s]), _rowsRoot(s)));
        }
    }

    function _parametersRoot() internal view returns (bytes32) {
        return PlainMerkle.root(_stageLeaves());
    }

    function _words(uint256 tensor) internal view returns (uint256[] memory words) {
        words = pack(tensorValues[tensor], tensorBits[tensor]);
        for (uint256 i; i < words.length; ++i) {
            words[i] |= extraWordBits[tensor][i];
        }
    }

    function _wordLeaves(uint256 tensor) internal view returns (bytes32[] memory leaves) {
        uint256[] memory words = _words(tensor);
        leaves = new bytes32[](words.length);
        for (uint256 i; i < words.length; ++i) {
            leaves[i] = bytes32(words[i]);
        }
    }

    function _tensorRoot(uint256 tensor) internal view returns (bytes32) {
        return PlainMerkle.root(_wordLeaves(tensor));
    }

    function _traceLeaves() internal view returns (bytes32[] memory leaves) {
        leaves = new bytes32[](headers.length);
        for (uint256 t; t < headers.length; ++t) {
            leaves[t] = _tensorRoot(t);
        }
    }

    function _traceRoot() internal view returns (bytes32) {
        return PlainMerkle.root(_traceLeaves());
    }

    // ------------------------------------------------------------ the one step

    /// @dev Everything recompute needs to recompute output `r` of `stage`.
    function _stepInput(uint256 stage, uint256 r) internal view returns (IOneStep.StepInput memory input) {
        input.header = headers[stage];
        input.rowsRoot = _rowsRoot(stage);
        input.stageProof = PlainMerkle.proof(_stageLeaves(), stage);
        uint32[] memory positions;
        bytes[] storage rows = stageRows[stage];
        if (rows.length == 0) {
            positions = new uint32[](1);
            positions[0] = uint32(r);
        } else {
            input.row = rows[r];
            bytes32[] memory leaves = new bytes32[](rows.length);
            for (uint256 i; i < rows.length; ++i) {
                leaves[i] = keccak256(rows[i]);
            }
            input.rowProof = PlainMerkle.proof(leaves, r);
            (positions,) = abi.decode(input.row, (uint32[], int256[]));
        }
        (,,, uint32[] memory inputs,,,) =
            abi.decode(input.header, (uint8, uint32, uint8, uint32[], uint32[], uint8[], int256[]));
        input.tensors = _tensorOpenings(inputs);
        input.words = _wordOpenings(inputs, positions);
    }

    /// @dev One opening per distinct input tensor, in order of first appearance.
    function _tensorOpenings(uint32[] memory inputs) internal view returns (IOneStep.TensorOpening[] memory openings) {
        uint32[] memory distinct = new uint32[](inputs.length);
        uint256 count;
        for (uint256 j; j < inputs.length; ++j) {
            bool seen;
            for (uint256 i; i < count; ++i) {
                if (distinct[i] == inputs[j]) seen = true;
            }
            if (!seen) distinct[count++] = inputs[j];
        }
        bytes32[][] memory trace = PlainMerkle.levels(_traceLeaves());
        openings = new IOneStep.TensorOpening[](count);
        for (uint256 i; i < count; ++i) {
            openings[i] =
                IOneStep.TensorOpening(distinct[i], trace[0][distinct[i]], PlainMerkle.proofAt(trace, distinct[i]));
        }
    }

    /// @dev The words holding the values at `positions`, sorted by (tensor, index), each once.
    function _wordOpenings(uint32[] memory inputs, uint32[] memory positions)
        internal
        view
        returns (IOneStep.WordOpening[] memory openings)
    {
        uint256[] memory keys = new uint256[](positions.length);
        uint256 count;
        for (uint256 i; i < positions.length; ++i) {
            uint256 position = positions[i];
            uint256 slot;
            while (slot < inputs.length && position >= tensorValues[inputs[slot]].length) {
                position -= tensorValues[inputs[slot]].length;
                ++slot;
            }
            if (slot == inputs.length) continue; // beyond the inputs: no word holds it
            uint256 key = (uint256(inputs[slot]) << 32) | (position / (PAYLOAD_BITS / tensorBits[inputs[slot]]));
            // Insertion into the sorted distinct keys.
            uint256 at = count;
            while (at > 0 && keys[at - 1] > key) {
                --at;
            }
            if (at > 0 && keys[at - 1] == key) continue;
            for (uint256 k = count; k > at; --k) {
                keys[k] = keys[k - 1];
            }
            keys[at] = key;
            ++count;
        }
        openings = new IOneStep.WordOpening[](count);
        uint256 treeOf = type(uint256).max;
        bytes32[][] memory tree;
        for (uint256 i; i < count; ++i) {
            uint256 tensor = keys[i] >> 32;
            uint256 index = uint32(keys[i]);
            if (tensor != treeOf) {
                tree = PlainMerkle.levels(_wordLeaves(tensor));
                treeOf = tensor;
            }
            openings[i] = IOneStep.WordOpening(
                uint32(tensor), uint32(index), uint256(tree[0][index]), PlainMerkle.proofAt(tree, index)
            );
        }
    }

    function _recompute(uint256 stage, uint256 r) internal view returns (int256) {
        return _recompute(stage, r, _stepInput(stage, r));
    }

    function _recompute(uint256 stage, uint256 r, IOneStep.StepInput memory input) internal view returns (int256) {
        return oneStep.recompute(_parametersRoot(), _stageCount(), _traceRoot(), stage, r, input);
    }

    // ------------------------------------------------------------ encoding

    /// @dev design.md's packing, written out plainly: u = q + 2^(b-1), little-endian in each word.
    function pack(int256[] memory values, uint256 bits) internal pure returns (uint256[] memory words) {
        uint256 perWord = PAYLOAD_BITS / bits;
        words = new uint256[]((values.length + perWord - 1) / perWord);
        for (uint256 i; i < values.length; ++i) {
            uint256 offsetValue = uint256(values[i] + int256(uint256(1) << (bits - 1)));
            words[i / perWord] |= offsetValue << ((i % perWord) * bits);
        }
    }

    function _row(uint32[] memory positions, int256[] memory params) internal pure returns (bytes memory) {
        return abi.encode(positions, params);
    }

    function _u32(uint256 a) internal pure returns (uint32[] memory list) {
        list = new uint32[](1);
        list[0] = uint32(a);
    }

    function _u32(uint256 a, uint256 b) internal pure returns (uint32[] memory list) {
        list = new uint32[](2);
        (list[0], list[1]) = (uint32(a), uint32(b));
    }

    function _ints() internal pure returns (int256[] memory) {
        return new int256[](0);
    }

    function _ints(int256 a) internal pure returns (int256[] memory list) {
        list = new int256[](1);
        list[0] = a;
    }

    function _ints(int256 a, int256 b) internal pure returns (int256[] memory list) {
        list = new int256[](2);
        (list[0], list[1]) = (a, b);
    }

    function _ints(int256 a, int256 b, int256 c) internal pure returns (int256[] memory list) {
        list = new int256[](3);
        (list[0], list[1], list[2]) = (a, b, c);
    }

    function _ints(int256 a, int256 b, int256 c, int256 d) internal pure returns (int256[] memory list) {
        list = new int256[](4);
        (list[0], list[1], list[2], list[3]) = (a, b, c, d);
    }
}
