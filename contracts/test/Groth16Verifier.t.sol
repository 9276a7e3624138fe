// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test, console} from "forge-std/Test.sol";

import {IProofVerifier} from "../src/interfaces/IProofVerifier.sol";
import {Groth16Verifier} from "../src/verifiers/Groth16Verifier.sol";
import {SquarePlusThreeVerifier} from "./utils/SquarePlusThreeVerifier.sol";

/// @dev The generic verifier against the real fixture (out = in * in + 3, in = 7), with the key
///      stored the way ModelRegistry stores it, and against snarkjs's own generated verifier.
contract Groth16VerifierTest is Test {
    string internal constant FIXTURE = "contracts/test/fixtures/square/fixture.json";
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    Groth16Verifier internal verifier;
    SquarePlusThreeVerifier internal generated;
    address internal key;
    bytes internal keyBytes;
    uint256[] internal signals;
    uint256[8] internal proofWords;

    function setUp() public {
        verifier = new Groth16Verifier();
        generated = new SquarePlusThreeVerifier();
        string memory json = vm.readFile(FIXTURE);
        keyBytes = vm.parseJsonBytes(json, ".verificationKey");
        key = _storeKey(keyBytes);
        signals = vm.parseJsonUintArray(json, ".publicSignals");
        uint256[] memory a = vm.parseJsonUintArray(json, ".a");
        uint256[] memory b0 = vm.parseJsonUintArray(json, ".b[0]");
        uint256[] memory b1 = vm.parseJsonUintArray(json, ".b[1]");
        uint256[] memory c = vm.parseJsonUintArray(json, ".c");
        proofWords = [a[0], a[1], b0[0], b0[1], b1[0], b1[1], c[0], c[1]];
    }

    /// @dev The key contract as the registry creates it: code = 0x00 ++ key.
    function _storeKey(bytes memory encoded) internal returns (address stored) {
        bytes memory code = abi.encodePacked(bytes1(0), encoded);
        bytes memory creation = abi.encodePacked(hex"61", uint16(code.length), hex"80600a3d393df3", code);
        assembly ("memory-safe") {
            stored := create(0, add(creation, 0x20), mload(creation))
        }
        require(stored != address(0), "key contract not created");
    }

    function _proof() internal view returns (bytes memory) {
        return abi.encodePacked(proofWords);
    }

    function _generatedAccepts(uint256[] memory publicSignals, uint256[8] memory words) internal view returns (bool) {
        return generated.verifyProof(
            [words[0], words[1]],
            [[words[2], words[3]], [words[4], words[5]]],
            [words[6], words[7]],
            [publicSignals[0], publicSignals[1], publicSignals[2]]
        );
    }

    function test_AcceptsTheFixtureProofLikeTheSnarkjsVerifier() public view {
        assertTrue(verifier.verify(key, signals, _proof()));
        assertTrue(_generatedAccepts(signals, proofWords));
    }

    function test_RejectsAChangedSignalLikeTheSnarkjsVerifier() public {
        for (uint256 i; i < signals.length; ++i) {
            uint256 original = signals[i];
            signals[i] = original + 1;
            assertFalse(verifier.verify(key, signals, _proof()));
            assertFalse(_generatedAccepts(signals, proofWords));
            signals[i] = original;
        }
    }

    function test_RejectsASignalOutsideTheScalarField() public {
        // s + r is the same scalar to the curve: only the field check refuses it.
        signals[0] += R;
        assertFalse(verifier.verify(key, signals, _proof()));
    }

    /// @dev A point off the curve makes a precompile fail, which burns the gas it was given: each
    ///      call gets a budget so the loop fits in one test.
    function test_RejectsEveryTamperedProofWord() public {
        for (uint256 i; i < 8; ++i) {
            uint256 original = proofWords[i];
            proofWords[i] = addmod(original, 1, Q);
            assertFalse(verifier.verify{gas: 1_000_000}(key, signals, _proof()), "word + 1");
            proofWords[i] = original + Q;
            assertFalse(verifier.verify{gas: 1_000_000}(key, signals, _proof()), "word + q");
            proofWords[i] = original;
        }
    }

    function test_RejectsTheNegatedProof() public {
        // (A, B, C) -> (-A, -B, C) pairs the same way only if the verifier negates A itself.
        proofWords[1] = Q - proofWords[1];
        assertFalse(verifier.verify(key, signals, _proof()));
    }

    function test_RejectsWrongCountsAndLengths() public {
        uint256[] memory four = new uint256[](4);
        (four[0], four[1], four[2]) = (signals[0], signals[1], signals[2]);
        assertFalse(verifier.verify(key, four, _proof()));
        assertFalse(verifier.verify(key, new uint256[](0), _proof()));
        assertFalse(verifier.verify(key, signals, abi.encodePacked(_proof(), uint256(0))));
        assertFalse(verifier.verify(key, signals, hex""));
        assertFalse(verifier.verify(makeAddr("no code"), signals, _proof()));
    }

    function test_RejectsTheProofUnderAnotherKey() public {
        bytes memory other = keyBytes;
        // Swap IC[1] and IC[2]: a key for another circuit with the same shape.
        for (uint256 i; i < 64; ++i) {
            (other[448 + 64 + i], other[448 + 128 + i]) = (other[448 + 128 + i], other[448 + 64 + i]);
        }
        assertFalse(verifier.verify(_storeKey(other), signals, _proof()));
    }

    function test_PublicSignalCountOfTheFixtureKey() public view {
        assertEq(verifier.publicSignalCount(keyBytes), 3);
    }

    function test_RevertWhen_KeyLengthIsNotAKey() public {
        bytes memory short = new bytes(448 + 64);
        vm.expectRevert(abi.encodeWithSelector(IProofVerifier.InvalidVerificationKey.selector, short.length));
        verifier.publicSignalCount(short);
        bytes memory ragged = abi.encodePacked(keyBytes, uint256(0));
        vm.expectRevert(abi.encodeWithSelector(IProofVerifier.InvalidVerificationKey.selector, ragged.length));
        verifier.publicSignalCount(ragged);
    }

    function test_RevertWhen_KeyHasACoordinateOutsideTheField() public {
        bytes memory bad = keyBytes;
        assembly ("memory-safe") {
            mstore(add(bad, 0x40), Q)
        }
        vm.expectRevert(abi.encodeWithSelector(IProofVerifier.InvalidVerificationKey.selector, bad.length));
        verifier.publicSignalCount(bad);
    }

    /// @dev Each of the key's 20 words nudged by one: every point leaves its curve, so each is refused.
    function test_RevertWhen_AKeyPointIsNotOnItsCurve() public {
        for (uint256 word; word < keyBytes.length / 32; ++word) {
            bytes memory bad = bytes.concat(keyBytes);
            uint256 offset = 0x20 + word * 32;
            assembly ("memory-safe") {
                let at := add(bad, offset)
                mstore(at, addmod(mload(at), 1, Q))
            }
            vm.expectRevert(abi.encodeWithSelector(IProofVerifier.InvalidVerificationKey.selector, bad.length));
            verifier.publicSignalCount(bad);
        }
    }

    function test_AKeyMayHaveAnICPointAtInfinity() public view {
        bytes memory key = bytes.concat(keyBytes);
        assembly ("memory-safe") {
            mstore(add(key, add(0x20, 512)), 0)
            mstore(add(key, add(0x20, 544)), 0)
        }
        assertEq(verifier.publicSignalCount(key), 3);
    }

    function test_GasOfOneVerification() public {
        bytes memory proof = _proof();
        uint256[] memory publicSignals = signals;
        uint256 before = gasleft();
        verifier.verify(key, publicSignals, proof);
        uint256 generic = before - gasleft();
        before = gasleft();
        _generatedAccepts(publicSignals, proofWords);
        uint256 snarkjs = before - gasleft();
        console.log("Groth16Verifier.verify, 3 signals, key read from code: %d gas", generic);
        console.log("snarkjs-generated verifier, same proof:               %d gas", snarkjs);
    }

    function testFuzz_RejectsRandomSignals(uint256 input, uint256 output) public view {
        vm.assume(input != signals[0] || output != signals[1]);
        uint256[] memory other = new uint256[](3);
        (other[0], other[1], other[2]) = (input, output, signals[2]);
        assertFalse(verifier.verify(key, other, _proof()));
    }
}
