// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test, console} from "forge-std/Test.sol";

import {IProofVerifier} from "../src/interfaces/IProofVerifier.sol";
import {PlonkVerifier} from "../src/verifiers/PlonkVerifier.sol";

/// @dev Real snarkjs PLONK proofs from contracts/test/fixtures/plonk (generate.sh): the square circuit
///      (3 signals with the beneficiary) and neighbour products with 3 and 9 signals, whose keys have Qc at infinity.
contract PlonkVerifierTest is Test {
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @dev Execution gas of one verification, key contract and verifier cold, at most.
    uint256 internal constant GAS_BUDGET = 260_000;

    struct Fixture {
        string name;
        bytes key;
        bytes proof;
        uint256[] signals;
        address keyContract;
    }

    PlonkVerifier internal verifier;
    Fixture[] internal fixtures;

    function setUp() public {
        verifier = new PlonkVerifier();
        _load("square");
        _load("products3");
        _load("products9");
    }

    function test_StoreKeyDeploysTheKeyAfterAStopByte() public {
        bytes memory key = fixtures[0].key;
        assertEq(_storeKey(key).code, bytes.concat(hex"00", key));
        assertEq(fixtures[2].keyContract.code, bytes.concat(hex"00", fixtures[2].key));
    }

    function test_VerifiesTheFixtureProofs() public view {
        for (uint256 f; f < fixtures.length; ++f) {
            Fixture memory fixture = fixtures[f];
            assertTrue(verifier.verify(fixture.keyContract, fixture.signals, fixture.proof), fixture.name);
        }
    }

    function test_GasPerVerification() public {
        for (uint256 f; f < fixtures.length; ++f) {
            Fixture memory fixture = fixtures[f];
            // Verifier and key contract cold, as in the transaction that fulfils a request.
            vm.cool(address(verifier));
            vm.cool(fixture.keyContract);
            bool valid = verifier.verify(fixture.keyContract, fixture.signals, fixture.proof);
            uint256 used = vm.lastCallGas().gasTotalUsed;
            assertTrue(valid, fixture.name);
            console.log(
                "PlonkVerifier.verify gas, %s public signals (%s): %s", fixture.signals.length, fixture.name, used
            );
            assertLe(used, GAS_BUDGET, fixture.name);
        }
    }

    function test_RejectsAnyChangedPublicSignal() public view {
        for (uint256 f; f < fixtures.length; ++f) {
            Fixture memory fixture = fixtures[f];
            for (uint256 i; i < fixture.signals.length; ++i) {
                uint256[] memory signals = _copy(fixture.signals);
                signals[i] = addmod(signals[i], 1, R);
                assertFalse(verifier.verify(fixture.keyContract, signals, fixture.proof), fixture.name);
            }
        }
    }

    function testFuzz_RejectsAnyOtherSignal(uint256 index, uint256 value) public view {
        Fixture memory fixture = fixtures[2];
        uint256[] memory signals = _copy(fixture.signals);
        index = bound(index, 0, signals.length - 1);
        vm.assume(value != signals[index]);
        signals[index] = value;
        assertFalse(verifier.verify(fixture.keyContract, signals, fixture.proof));
    }

    /// @dev A commitment coordinate + 1 moves its point off the curve; an evaluation + 1 changes the transcript.
    function test_RejectsAnyChangedProofWord() public view {
        for (uint256 f; f < fixtures.length; ++f) {
            Fixture memory fixture = fixtures[f];
            for (uint256 i; i < 24; ++i) {
                uint256 modulus = i < 18 ? P : R;
                bytes memory proof = _withWord(fixture.proof, i, addmod(_wordAt(fixture.proof, i), 1, modulus));
                assertFalse(verifier.verify(fixture.keyContract, fixture.signals, proof), fixture.name);
            }
        }
    }

    /// @dev -C is on the curve: only the transcript and the pairing can tell it from C.
    function test_RejectsAnyCommitmentReplacedByItsNegation() public view {
        for (uint256 f; f < fixtures.length; ++f) {
            Fixture memory fixture = fixtures[f];
            for (uint256 point; point < 9; ++point) {
                uint256 y = _wordAt(fixture.proof, 2 * point + 1);
                bytes memory proof = _withWord(fixture.proof, 2 * point + 1, P - y);
                assertFalse(verifier.verify(fixture.keyContract, fixture.signals, proof), fixture.name);
            }
        }
    }

    function test_RejectsNonCanonicalFieldElements() public view {
        Fixture memory fixture = fixtures[0];
        uint256[] memory signals = _copy(fixture.signals);
        signals[0] += R;
        assertFalse(verifier.verify(fixture.keyContract, signals, fixture.proof), "signal + r");
        signals[0] = R;
        assertFalse(verifier.verify(fixture.keyContract, signals, fixture.proof), "signal = r");
        // The same point with x + p: on the curve modulo p, but not a canonical coordinate.
        bytes memory proof = _withWord(fixture.proof, 0, _wordAt(fixture.proof, 0) + P);
        assertFalse(verifier.verify(fixture.keyContract, fixture.signals, proof), "A.x + p");
        proof = _withWord(fixture.proof, 18, _wordAt(fixture.proof, 18) + R);
        assertFalse(verifier.verify(fixture.keyContract, fixture.signals, proof), "eval_a + r");
    }

    function test_RejectsACommitmentAtInfinity() public view {
        Fixture memory fixture = fixtures[0];
        bytes memory proof = _withWord(_withWord(fixture.proof, 2, 0), 3, 0);
        assertFalse(verifier.verify(fixture.keyContract, fixture.signals, proof));
    }

    function test_RejectsAWrongSignalCount() public view {
        for (uint256 f; f < fixtures.length; ++f) {
            Fixture memory fixture = fixtures[f];
            uint256 count = fixture.signals.length;
            uint256[] memory fewer = new uint256[](count - 1);
            uint256[] memory more = new uint256[](count + 1);
            for (uint256 i; i < count; ++i) {
                if (i < count - 1) fewer[i] = fixture.signals[i];
                more[i] = fixture.signals[i];
            }
            assertFalse(verifier.verify(fixture.keyContract, fewer, fixture.proof), fixture.name);
            assertFalse(verifier.verify(fixture.keyContract, more, fixture.proof), fixture.name);
            assertFalse(verifier.verify(fixture.keyContract, new uint256[](0), fixture.proof), fixture.name);
        }
    }

    function test_RejectsAWrongProofLength() public view {
        Fixture memory fixture = fixtures[0];
        bytes memory proof = fixture.proof;
        assertFalse(verifier.verify(fixture.keyContract, fixture.signals, bytes.concat(proof, hex"00")));
        assertFalse(verifier.verify(fixture.keyContract, fixture.signals, bytes.concat(proof, new bytes(32))));
        assertFalse(verifier.verify(fixture.keyContract, fixture.signals, _slice(proof, 767)));
        assertFalse(verifier.verify(fixture.keyContract, fixture.signals, _slice(proof, 736)));
        assertFalse(verifier.verify(fixture.keyContract, fixture.signals, ""));
    }

    function test_RejectsTheKeyOfAnotherCircuit() public view {
        for (uint256 f; f < fixtures.length; ++f) {
            for (uint256 k; k < fixtures.length; ++k) {
                if (k == f) continue;
                Fixture memory fixture = fixtures[f];
                assertFalse(verifier.verify(fixtures[k].keyContract, fixture.signals, fixture.proof), fixture.name);
            }
        }
    }

    /// @dev Every key word is bound: a changed k1, k2, w, point or X_2 fails the transcript or the pairing.
    function test_RejectsAnyChangedKeyWord() public {
        Fixture memory fixture = fixtures[1];
        for (uint256 i; i < 25; ++i) {
            bytes memory key = _withWord(fixture.key, i, _wordAt(fixture.key, i) + 1);
            assertFalse(verifier.verify(_storeKey(key), fixture.signals, fixture.proof), vm.toString(i));
        }
    }

    /// @dev Same circuit and key, a Qm moved to another point on the curve: only the pairing catches it.
    function test_RejectsAKeyWithAnotherValidPoint() public {
        Fixture memory fixture = fixtures[1];
        bytes memory key = _withWord(fixture.key, 6, P - _wordAt(fixture.key, 6));
        assertFalse(verifier.verify(_storeKey(key), fixture.signals, fixture.proof));
    }

    function test_RejectsAKeyContractOfAnotherShape() public {
        Fixture memory fixture = fixtures[0];
        assertTrue(verifier.verify(_storeKey(fixture.key), fixture.signals, fixture.proof));
        assertFalse(verifier.verify(_deploy(fixture.key), fixture.signals, fixture.proof), "no 0x00 prefix");
        assertFalse(
            verifier.verify(_deploy(bytes.concat(hex"fe", fixture.key)), fixture.signals, fixture.proof), "0xfe prefix"
        );
        assertFalse(verifier.verify(_storeKey(bytes.concat(fixture.key, hex"00")), fixture.signals, fixture.proof));
        assertFalse(verifier.verify(_storeKey(_slice(fixture.key, 799)), fixture.signals, fixture.proof));
        assertFalse(verifier.verify(makeAddr("no code"), fixture.signals, fixture.proof), "no code");
    }

    function test_RejectsAKeyBreakingTheKeyRules() public {
        Fixture memory fixture = fixtures[0];
        bytes[] memory keys = _malformedKeys(fixture.key);
        for (uint256 i; i < keys.length; ++i) {
            assertFalse(verifier.verify(_storeKey(keys[i]), fixture.signals, fixture.proof), vm.toString(i));
        }
    }

    function test_PublicSignalCountReadsNPublic() public view {
        assertEq(verifier.publicSignalCount(fixtures[0].key), 3);
        assertEq(verifier.publicSignalCount(fixtures[1].key), 3);
        assertEq(verifier.publicSignalCount(fixtures[2].key), 9);
    }

    function test_PublicSignalCountAcceptsTheBoundaries() public view {
        bytes memory key = fixtures[0].key;
        assertEq(verifier.publicSignalCount(_withWord(key, 0, 1)), 3);
        assertEq(verifier.publicSignalCount(_withWord(key, 0, 28)), 3);
        assertEq(verifier.publicSignalCount(_withWord(key, 1, 1)), 1);
        assertEq(verifier.publicSignalCount(_withWord(_withWord(_withWord(key, 2, R - 1), 3, R - 1), 4, R - 1)), 3);
        // Points at infinity: (0, 0), as the products keys' Qc is.
        assertEq(verifier.publicSignalCount(_withWord(_withWord(key, 5, 0), 6, 0)), 3);
        assertEq(_wordAt(fixtures[2].key, 13) | _wordAt(fixtures[2].key, 14), 0);
    }

    function test_RevertWhen_KeyLengthIsNot25Words() public {
        bytes memory key = fixtures[0].key;
        bytes[3] memory wrong = [bytes.concat(key, hex"00"), _slice(key, 799), bytes("")];
        for (uint256 i; i < wrong.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IProofVerifier.InvalidVerificationKey.selector, wrong[i].length));
            verifier.publicSignalCount(wrong[i]);
        }
    }

    function test_RevertWhen_KeyBreaksAKeyRule() public {
        bytes[] memory keys = _malformedKeys(fixtures[0].key);
        for (uint256 i; i < keys.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IProofVerifier.InvalidVerificationKey.selector, 800));
            verifier.publicSignalCount(keys[i]);
        }
    }

    /// @dev One key per rule: power 0, power 29, nPublic 0, k1 = r, k2 = r, w = r, Qm off the curve,
    ///      Qm.x + p (on the curve modulo p), S3 = (0, 1), X_2.x_im + p.
    function _malformedKeys(bytes memory key) internal pure returns (bytes[] memory keys) {
        keys = new bytes[](10);
        keys[0] = _withWord(key, 0, 0);
        keys[1] = _withWord(key, 0, 29);
        keys[2] = _withWord(key, 1, 0);
        keys[3] = _withWord(key, 2, R);
        keys[4] = _withWord(key, 3, R);
        keys[5] = _withWord(key, 4, R);
        keys[6] = _withWord(key, 5, _wordAt(key, 5) + 1);
        keys[7] = _withWord(key, 5, _wordAt(key, 5) + P);
        keys[8] = _withWord(_withWord(key, 19, 0), 20, 1);
        keys[9] = _withWord(key, 21, _wordAt(key, 21) + P);
    }

    function _load(string memory name) internal {
        string memory json = vm.readFile(string.concat("contracts/test/fixtures/plonk/", name, ".json"));
        bytes memory key = vm.parseJsonBytes(json, ".encodedVerificationKey");
        fixtures.push(
            Fixture({
                name: name,
                key: key,
                proof: vm.parseJsonBytes(json, ".encodedProof"),
                signals: vm.parseJsonUintArray(json, ".publicSignals"),
                keyContract: _storeKey(key)
            })
        );
    }

    /// @dev Stores `key` as the registry does: a contract whose runtime code is 0x00 ++ key.
    function _storeKey(bytes memory key) internal returns (address keyContract) {
        return _deploy(bytes.concat(hex"00", key));
    }

    /// @dev CREATE of initcode that returns `code` as the runtime code: PUSH2 length, DUP1, PUSH1 12
    ///      (the code's offset in the initcode), PUSH1 0, CODECOPY, PUSH1 0, RETURN, then the code.
    function _deploy(bytes memory code) internal returns (address deployed) {
        bytes memory initcode = bytes.concat(hex"61", bytes2(uint16(code.length)), hex"80600c6000396000f3", code);
        assembly ("memory-safe") {
            deployed := create(0, add(initcode, 0x20), mload(initcode))
        }
    }

    function _wordAt(bytes memory data, uint256 index) internal pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := mload(add(add(data, 0x20), shl(5, index)))
        }
    }

    /// @dev A copy of `data` with word `index` set to `word`.
    function _withWord(bytes memory data, uint256 index, uint256 word) internal pure returns (bytes memory copy) {
        copy = bytes.concat(data);
        assembly ("memory-safe") {
            mstore(add(add(copy, 0x20), shl(5, index)), word)
        }
    }

    function _slice(bytes memory data, uint256 length) internal pure returns (bytes memory prefix) {
        prefix = new bytes(length);
        for (uint256 i; i < length; ++i) {
            prefix[i] = data[i];
        }
    }

    function _copy(uint256[] memory values) internal pure returns (uint256[] memory copy) {
        copy = new uint256[](values.length);
        for (uint256 i; i < values.length; ++i) {
            copy[i] = values[i];
        }
    }
}
