// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IProofVerifier
/// @notice One verifier per proof system. A model's verification key lives in the registry as
///         the code of a key contract (a 0x00 byte, then the key's encoding); the verifier reads it.
interface IProofVerifier {
    /// @notice The key's encoding is not one this verifier reads.
    error InvalidVerificationKey(uint256 length);

    /// @notice Whether `proof` proves the circuit of the key stored at `verificationKey` for `publicSignals`.
    ///         A malformed proof, a signal outside the scalar field or a wrong signal count is not valid (returns false, never reverts).
    function verify(address verificationKey, uint256[] calldata publicSignals, bytes calldata proof)
        external
        view
        returns (bool valid);

    /// @notice The number of public signals a key takes; reverts InvalidVerificationKey if `verificationKey` is malformed.
    function publicSignalCount(bytes calldata verificationKey) external pure returns (uint256 count);
}
