// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IInferenceVerifier
/// @notice What the oracle asks of a model's proof system. An adapter per proof system (Groth16
///         today, PLONK later) turns this call into the call its generated verifier expects.
interface IInferenceVerifier {
    /// @notice Whether `proof` proves the model's circuit for `publicSignals`.
    /// @param publicSignals The input words, then the output words (design.md, "Packing").
    /// @param proof The proof, encoded as the adapter documents.
    function verify(uint256[] calldata publicSignals, bytes calldata proof) external view returns (bool valid);
}
