// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Bn254} from "./Bn254.sol";

/// @title BabyJubjub
/// @notice The twisted Edwards curve a * x^2 + y^2 = 1 + d * x^2 * y^2 over BN254's scalar field
///         (circomlib's babyjub, EIP-2494) that operators' encryption keys live on: a private
///         input is encrypted to an operator with ECDH on this curve, which a circuit can use cheaply.
library BabyJubjub {
    uint256 internal constant A = 168700;
    uint256 internal constant D = 168696;

    /// @notice Whether (x, y) is a point of the curve other than the identity (0, 1), both
    ///         coordinates reduced. Membership of the prime-order subgroup is not checked here (it
    ///         costs a scalar multiplication): encrypting clients check it before they use a key.
    function isPublicKey(uint256 x, uint256 y) internal pure returns (bool ok) {
        uint256 r = Bn254.R;
        assembly ("memory-safe") {
            let xx := mulmod(x, x, r)
            let yy := mulmod(y, y, r)
            let left := addmod(mulmod(A, xx, r), yy, r)
            let right := addmod(1, mulmod(D, mulmod(xx, yy, r), r), r)
            let identity := and(iszero(x), eq(y, 1))
            ok := and(and(eq(left, right), iszero(identity)), and(lt(x, r), lt(y, r)))
        }
    }
}
