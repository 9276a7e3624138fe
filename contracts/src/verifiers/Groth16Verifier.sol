// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {Bn254} from "../libraries/Bn254.sol";

/// @title Groth16Verifier
/// @notice Verifies snarkjs Groth16 proofs (bn128) against any verification key stored by the
///         registry, so that a model id names its key and the key alone decides what verifies.
///         It computes what snarkjs's generated verifier computes, with the key read from code:
///         vk_x = IC[0] + sum(s_i * IC[i + 1]), then e(-A, B) * e(alpha, beta) * e(vk_x, gamma) *
///         e(C, delta) == 1, and every public signal must lie in the scalar field.
///
///         Key encoding (32-byte big-endian words): alpha.x, alpha.y, beta, gamma, delta, then
///         IC[0..n] as (x, y); each G2 point as x_im, x_re, y_im, y_re (the pairing precompile's
///         order). A key for n public signals is 14 + 2 * (n + 1) words.
///
///         Proof encoding: abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c) in snarkjs's
///         soliditycalldata order (b's coordinate pairs swapped), 256 bytes.
contract Groth16Verifier is IProofVerifier {
    /// @notice Bytes of a proof.
    uint256 public constant PROOF_LENGTH = 256;

    /// @dev The bn128 scalar field (public signals live in it) and base field (point coordinates).
    uint256 private constant _R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 private constant _Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @dev alpha (2 words) and beta, gamma, delta (4 words each) come before the IC points.
    uint256 private constant _HEAD_BYTES = 14 * 32;
    uint256 private constant _IC0 = _HEAD_BYTES;
    uint256 private constant _ALPHA = 0;
    uint256 private constant _BETA = 2 * 32;
    uint256 private constant _GAMMA = 6 * 32;
    uint256 private constant _DELTA = 10 * 32;
    /// @dev The EIP-170 code size limit bounds a key: at most (24,575 - 1 - 448) / 64 - 1 signals.
    uint256 private constant _MAX_KEY_BYTES = 24_575 - 1;

    /// @inheritdoc IProofVerifier
    function verify(address verificationKey, uint256[] calldata publicSignals, bytes calldata proof)
        external
        view
        returns (bool valid)
    {
        uint256 count = publicSignals.length;
        if (proof.length != PROOF_LENGTH || count == 0) return false;
        uint256 keyBytes = _HEAD_BYTES + 64 * (count + 1);
        if (verificationKey.code.length != keyBytes + 1) return false;

        assembly ("memory-safe") {
            let key := mload(0x40)
            extcodecopy(verificationKey, key, 1, keyBytes)
            // acc (64 bytes) | product input (96 bytes), both after the key.
            let acc := add(key, keyBytes)
            let term := add(acc, 64)
            mstore(acc, mload(add(key, _IC0)))
            mstore(add(acc, 32), mload(add(key, add(_IC0, 32))))
            valid := 1
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let signal := calldataload(add(publicSignals.offset, mul(i, 32)))
                let ic := add(key, add(_IC0, mul(add(i, 1), 64)))
                mstore(term, mload(ic))
                mstore(add(term, 32), mload(add(ic, 32)))
                mstore(add(term, 64), signal)
                valid := and(valid, lt(signal, _R))
                // term = s_i * IC[i + 1]; acc = acc + term (acc and term are contiguous: one 128-byte input).
                valid := and(valid, staticcall(gas(), 0x07, term, 96, term, 64))
                valid := and(valid, staticcall(gas(), 0x06, acc, 128, acc, 64))
            }

            // Pairing input: (-A, B), (alpha, beta), (vk_x, gamma), (C, delta); 6 words each.
            let p := add(term, 96)
            mstore(p, calldataload(proof.offset))
            mstore(add(p, 32), mod(sub(_Q, calldataload(add(proof.offset, 32))), _Q))
            calldatacopy(add(p, 64), add(proof.offset, 64), 128)
            mstore(add(p, 192), mload(add(key, _ALPHA)))
            mstore(add(p, 224), mload(add(key, add(_ALPHA, 32))))
            mcopy(add(p, 256), add(key, _BETA), 128)
            mstore(add(p, 384), mload(acc))
            mstore(add(p, 416), mload(add(acc, 32)))
            mcopy(add(p, 448), add(key, _GAMMA), 128)
            calldatacopy(add(p, 576), add(proof.offset, 192), 64)
            mcopy(add(p, 640), add(key, _DELTA), 128)
            valid := and(valid, staticcall(gas(), 0x08, p, 768, p, 32))
            valid := and(valid, mload(p))
        }
    }

    /// @inheritdoc IProofVerifier
    /// @dev Besides the length: alpha and every IC point on G1 (IC points may be at infinity), beta,
    ///      gamma and delta on G2's curve, every coordinate below p. A key with a bad point would make
    ///      every verification fail in a precompile call, burning the gas it was given.
    function publicSignalCount(bytes calldata verificationKey) external pure returns (uint256 count) {
        uint256 length = verificationKey.length;
        if (length < _HEAD_BYTES + 128 || (length - _HEAD_BYTES) % 64 != 0 || length > _MAX_KEY_BYTES) {
            revert InvalidVerificationKey(length);
        }
        bool valid = Bn254.isG1(_wordAt(verificationKey, _ALPHA), _wordAt(verificationKey, _ALPHA + 32), false);
        for (uint256 g2 = _BETA; g2 <= _DELTA; g2 += 128) {
            valid = valid
                && Bn254.isOnTwist(
                    _wordAt(verificationKey, g2),
                    _wordAt(verificationKey, g2 + 32),
                    _wordAt(verificationKey, g2 + 64),
                    _wordAt(verificationKey, g2 + 96)
                );
        }
        for (uint256 ic = _IC0; ic < length; ic += 64) {
            valid = valid && Bn254.isG1(_wordAt(verificationKey, ic), _wordAt(verificationKey, ic + 32), true);
        }
        if (!valid) revert InvalidVerificationKey(length);
        return (length - _HEAD_BYTES) / 64 - 1;
    }

    function _wordAt(bytes calldata data, uint256 offset) private pure returns (uint256) {
        return uint256(bytes32(data[offset:offset + 32]));
    }
}
