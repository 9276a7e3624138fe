// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Groth16VerifierAdapter} from "../src/verifiers/Groth16VerifierAdapter.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";

/// @dev The real snarkjs verifier and proof of contracts/test/fixtures/square (out = in * in + 3).
contract Groth16VerifierAdapterTest is VeridictTest {
    function _signals(uint256 input, uint256 output) internal pure returns (uint256[] memory signals) {
        signals = new uint256[](2);
        signals[0] = input;
        signals[1] = output;
    }

    function test_SnarkjsVerifierAcceptsTheFixtureProof() public view {
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) =
            abi.decode(squareProof, (uint256[2], uint256[2][2], uint256[2]));
        assertTrue(groth16.verifyProof(a, b, c, [squareInput[0], squareOutput[0]]));
    }

    function test_AdapterAcceptsTheFixtureProof() public view {
        assertEq(squareOutput[0], squareInput[0] * squareInput[0] + 3);
        assertTrue(adapter.verify(_signals(squareInput[0], squareOutput[0]), squareProof));
    }

    function test_AdapterRejectsAChangedOutputWord() public view {
        assertFalse(adapter.verify(_signals(squareInput[0], squareOutput[0] + 1), squareProof));
    }

    function test_AdapterRejectsAChangedInputSignal() public view {
        assertFalse(adapter.verify(_signals(squareInput[0] + 1, squareOutput[0]), squareProof));
    }

    function test_AdapterRejectsATamperedProof() public view {
        bytes memory proof = squareProof;
        proof[100] ^= 0x01;
        assertFalse(adapter.verify(_signals(squareInput[0], squareOutput[0]), proof));
    }

    function test_AdapterRejectsASignalOutsideTheField() public view {
        uint256 r = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
        assertFalse(adapter.verify(_signals(squareInput[0] + r, squareOutput[0]), squareProof));
    }

    function test_AdapterRejectsWrongSignalCountAndProofLength() public view {
        uint256[] memory three = new uint256[](3);
        assertFalse(adapter.verify(three, squareProof));
        assertFalse(adapter.verify(_signals(squareInput[0], squareOutput[0]), bytes.concat(squareProof, hex"00")));
    }

    function test_SelectorMatchesTheSnarkjsVerifier() public {
        assertEq(adapter.VERIFY_PROOF_SELECTOR(), groth16.verifyProof.selector);
        assertEq(
            new Groth16VerifierAdapter(address(groth16), 25).VERIFY_PROOF_SELECTOR(),
            bytes4(keccak256("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[25])"))
        );
    }

    function test_RevertWhen_AdapterConfigurationIsInvalid() public {
        vm.expectRevert(abi.encodeWithSelector(Groth16VerifierAdapter.InvalidVerifier.selector, address(0xbeef)));
        new Groth16VerifierAdapter(address(0xbeef), 2);
        vm.expectRevert(abi.encodeWithSelector(Groth16VerifierAdapter.InvalidPublicSignalCount.selector, 0));
        new Groth16VerifierAdapter(address(groth16), 0);
    }

    function testFuzz_AdapterRejectsAnyOtherOutput(uint32 output) public view {
        vm.assume(output != squareOutput[0]);
        assertFalse(adapter.verify(_signals(squareInput[0], output), squareProof));
    }
}
