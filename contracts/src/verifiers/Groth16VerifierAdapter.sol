// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceVerifier} from "../interfaces/IInferenceVerifier.sol";

/// @title Groth16VerifierAdapter
/// @notice Plugs a snarkjs-exported Groth16 verifier into the oracle. snarkjs writes
///         `verifyProof(uint[2] a, uint[2][2] b, uint[2] c, uint[N] signals)` with N fixed per
///         circuit; fixed arrays are ABI-encoded inline, so the calldata is the selector, the
///         256-byte proof and the N signals back to back. One adapter serves any N.
contract Groth16VerifierAdapter is IInferenceVerifier {
    error InvalidVerifier(address verifier);
    error InvalidPublicSignalCount(uint256 count);

    uint256 public constant PROOF_LENGTH = 256;

    /// @notice The snarkjs verifier this adapter calls.
    address public immutable VERIFIER;

    /// @notice N, the number of public signals of the verifier's circuit.
    uint256 public immutable PUBLIC_SIGNAL_COUNT;

    /// @notice Selector of verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[N]).
    bytes4 public immutable VERIFY_PROOF_SELECTOR;

    constructor(address verifier, uint256 publicSignalCount) {
        if (verifier.code.length == 0) revert InvalidVerifier(verifier);
        if (publicSignalCount == 0) revert InvalidPublicSignalCount(publicSignalCount);
        VERIFIER = verifier;
        PUBLIC_SIGNAL_COUNT = publicSignalCount;
        VERIFY_PROOF_SELECTOR = bytes4(
            keccak256(
                abi.encodePacked(
                    "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", _toDecimal(publicSignalCount), "])"
                )
            )
        );
    }

    /// @notice Verifies a Groth16 proof: `proof` is abi.encode(uint256[2] a, uint256[2][2] b,
    ///         uint256[2] c) in snarkjs's soliditycalldata order. A malformed proof is not valid.
    function verify(uint256[] calldata publicSignals, bytes calldata proof) external view returns (bool valid) {
        if (publicSignals.length != PUBLIC_SIGNAL_COUNT || proof.length != PROOF_LENGTH) return false;
        (bool success, bytes memory result) =
            VERIFIER.staticcall(abi.encodePacked(VERIFY_PROOF_SELECTOR, proof, publicSignals));
        return success && result.length == 32 && abi.decode(result, (bool));
    }

    function _toDecimal(uint256 value) private pure returns (bytes memory digits) {
        uint256 length = 1;
        for (uint256 rest = value / 10; rest != 0; rest /= 10) {
            ++length;
        }
        digits = new bytes(length);
        for (uint256 i = length; i > 0; --i) {
            digits[i - 1] = bytes1(uint8(48 + value % 10));
            value /= 10;
        }
    }
}
