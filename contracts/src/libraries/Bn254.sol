// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Bn254
/// @notice The curve the verifiers work on (bn128 in snarkjs, alt_bn128 in the EVM precompiles):
///         its fields and the checks that a verification key's points are points, so that a key
///         with a bad point is refused at registration rather than making every verification burn
///         its gas in a failing precompile call.
library Bn254 {
    /// @notice The base field: point coordinates.
    uint256 internal constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @notice The scalar field (the group order): public signals and evaluations.
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev 3 / (9 + i), the constant of G2's curve (the twist), real and imaginary parts.
    uint256 private constant _TWIST_B_RE = 19485874751759354771024239261021720505790618469301721065564631296452457478373;
    uint256 private constant _TWIST_B_IM = 266929791119991161246907387137283842545076965332900288569378510910307636690;

    /// @notice Whether (x, y) is on y^2 = x^3 + 3 with both coordinates below p, or, where
    ///         `infinityAllowed`, is (0, 0), the precompiles' point at infinity.
    function isG1(uint256 x, uint256 y, bool infinityAllowed) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            let onCurve := eq(mulmod(y, y, P), addmod(mulmod(x, mulmod(x, x, P), P), 3, P))
            let atInfinity := and(infinityAllowed, iszero(or(x, y)))
            ok := and(or(onCurve, atInfinity), and(lt(x, P), lt(y, P)))
        }
    }

    /// @notice Whether (x_im, x_re, y_im, y_re), in the pairing precompile's order, is on the twist
    ///         y^2 = x^3 + 3 / (9 + i) over Fp2 = Fp[i] / (i^2 + 1), every coordinate below p. (The
    ///         subgroup check is left to the pairing precompile.)
    function isOnTwist(uint256 xIm, uint256 xRe, uint256 yIm, uint256 yRe) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            ok := and(and(lt(xIm, P), lt(xRe, P)), and(lt(yIm, P), lt(yRe, P)))
            let squareRe := addmod(mulmod(xRe, xRe, P), sub(P, mulmod(xIm, xIm, P)), P)
            let squareIm := mulmod(2, mulmod(xRe, xIm, P), P)
            let cubeRe := addmod(mulmod(squareRe, xRe, P), sub(P, mulmod(squareIm, xIm, P)), P)
            let cubeIm := addmod(mulmod(squareRe, xIm, P), mulmod(squareIm, xRe, P), P)
            let ySquareRe := addmod(mulmod(yRe, yRe, P), sub(P, mulmod(yIm, yIm, P)), P)
            ok := and(ok, eq(ySquareRe, addmod(cubeRe, _TWIST_B_RE, P)))
            ok := and(ok, eq(mulmod(2, mulmod(yRe, yIm, P), P), addmod(cubeIm, _TWIST_B_IM, P)))
        }
    }
}
