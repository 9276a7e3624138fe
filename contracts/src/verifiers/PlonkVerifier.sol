// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {Bn254} from "../libraries/Bn254.sol";

/// @title PlonkVerifier
/// @notice Verifies snarkjs 0.7 PLONK proofs on bn128 against any circuit's verification key, read
///         from the code of the registry's key contract. It computes what snarkjs's plonk_verify.js
///         and its exported verifier (templates/verifier_plonk.sol.ejs) compute: the same Keccak-256
///         transcript, the same checks on the proof and signals, the same pairing equation. The key
///         is data instead of constants, and the Lagrange evaluations run in a loop over nPublic.
/// @dev Key, 25 words: power, nPublic, k1, k2, w, then Qm, Ql, Qr, Qo, Qc, S1, S2, S3 as (x, y) with
///      (0, 0) at infinity, then X_2 as (x_im, x_re, y_im, y_re), the pairing precompile's order.
///      Proof, 24 words, snarkjs's `uint256[24] _proof`: A, B, C, Z, T1, T2, T3, Wxi, Wxiw as (x, y),
///      then eval_a, eval_b, eval_c, eval_s1, eval_s2, eval_zw.
///      One deviation from the snarkjs template: it checks commitment coordinates against the scalar
///      field r, which rejects valid points with a coordinate in [r, p); this checks them against the
///      base field p, as plonk_verify.js does. An honest proof meets the difference with probability
///      below 2^-185.
contract PlonkVerifier is IProofVerifier {
    /// @notice Bytes of an encoded key: 25 words.
    uint256 public constant KEY_LENGTH = 800;
    /// @notice Bytes of an encoded proof: 24 words.
    uint256 public constant PROOF_LENGTH = 768;
    /// @notice The largest domain power a key may have (2^28, the largest public ceremony).
    uint256 public constant MAX_POWER = 28;

    /// @dev BN254's group order: the scalar field of signals, evaluations and challenges.
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev BN254's base field: the field of point coordinates.
    uint256 internal constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// @dev [1]_2, the G2 generator, in the pairing precompile's order.
    uint256 internal constant G2_X_IM = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 internal constant G2_X_RE = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 internal constant G2_Y_IM = 4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 internal constant G2_Y_RE = 8495653923123431417604973247489272438418190587263600148770280649306958101930;

    /// @dev The key contract's code: a 0x00 (STOP) byte, then the key.
    uint256 internal constant KEY_CODE_LENGTH = 801;

    // Working memory, as offsets from its start (inline assembly takes literal constants only).
    // [0x000, 0x020): the key contract's first code byte, in the word's last byte.
    // [0x020, 0x340): the key.
    uint256 internal constant KEY_POWER = 0x020;
    uint256 internal constant KEY_N_PUBLIC = 0x040;
    uint256 internal constant KEY_K1 = 0x060;
    uint256 internal constant KEY_K2 = 0x080;
    uint256 internal constant KEY_W = 0x0a0;
    uint256 internal constant KEY_QM = 0x0c0;
    uint256 internal constant KEY_QL = 0x100;
    uint256 internal constant KEY_QR = 0x140;
    uint256 internal constant KEY_QO = 0x180;
    uint256 internal constant KEY_QC = 0x1c0;
    uint256 internal constant KEY_S1 = 0x200;
    uint256 internal constant KEY_S2 = 0x240;
    uint256 internal constant KEY_S3 = 0x280;
    uint256 internal constant KEY_X2 = 0x2c0;
    // [0x340, 0x640): the proof.
    uint256 internal constant PROOF_A = 0x340;
    uint256 internal constant PROOF_B = 0x380;
    uint256 internal constant PROOF_C = 0x3c0;
    uint256 internal constant PROOF_Z = 0x400;
    uint256 internal constant PROOF_T1 = 0x440;
    uint256 internal constant PROOF_T2 = 0x480;
    uint256 internal constant PROOF_T3 = 0x4c0;
    uint256 internal constant PROOF_WXI = 0x500;
    uint256 internal constant PROOF_WXIW = 0x540;
    uint256 internal constant PROOF_EVAL_A = 0x580;
    uint256 internal constant PROOF_EVAL_B = 0x5a0;
    uint256 internal constant PROOF_EVAL_C = 0x5c0;
    uint256 internal constant PROOF_EVAL_S1 = 0x5e0;
    uint256 internal constant PROOF_EVAL_S2 = 0x600;
    uint256 internal constant PROOF_EVAL_ZW = 0x620;
    // [0x640, 0x780): the challenges, and the evaluations at xi the verifier computes.
    uint256 internal constant BETA = 0x640;
    uint256 internal constant GAMMA = 0x660;
    uint256 internal constant ALPHA = 0x680;
    uint256 internal constant XI = 0x6a0;
    uint256 internal constant V = 0x6c0;
    uint256 internal constant U = 0x6e0;
    uint256 internal constant XI_N = 0x700;
    uint256 internal constant ZH = 0x720;
    uint256 internal constant L1 = 0x740;
    uint256 internal constant PI = 0x760;
    // [0x780, 0x900): the pairing input (-A1, X_2, B1, [1]_2); before it is filled, the point sums'
    // and the inversion's scratch.
    uint256 internal constant PAIRING = 0x780;
    uint256 internal constant PAIRING_X2 = 0x7c0;
    uint256 internal constant PAIRING_B1 = 0x840;
    uint256 internal constant PAIRING_G2 = 0x880;
    uint256 internal constant MEMORY_SIZE = 0x900;

    /// @inheritdoc IProofVerifier
    /// @dev A key contract whose code is not 0x00 followed by a well-formed key is not valid either.
    function verify(address verificationKey, uint256[] calldata publicSignals, bytes calldata proof)
        external
        view
        returns (bool valid)
    {
        if (proof.length != PROOF_LENGTH) return false;
        uint256 m = _allocate();
        if (!_readKey(m, verificationKey)) return false;
        if (!_isWellFormedKey(m + KEY_POWER) || _word(m, KEY_N_PUBLIC) != publicSignals.length) return false;
        if (!_readProof(m, proof) || !_inScalarField(publicSignals)) return false;
        _computeChallenges(m, publicSignals);
        if (!_computeLagrange(m, publicSignals)) return false;
        return _checkPairing(m);
    }

    /// @inheritdoc IProofVerifier
    /// @dev Well-formed: 25 words; 1 <= power <= 28; nPublic >= 1; k1, k2 and w below r; each G1 point
    ///      (0, 0) or on the curve and X_2 on G2's curve, every coordinate below p. With its points
    ///      checked, a key cannot make ecAdd or ecMul fail (a failing precompile call burns all the gas
    ///      it is given); only an X_2 outside G2's subgroup still fails the pairing call, after which
    ///      verify returns false on the 1/64 of the gas left.
    function publicSignalCount(bytes calldata verificationKey) external pure returns (uint256 count) {
        if (verificationKey.length != KEY_LENGTH) revert InvalidVerificationKey(verificationKey.length);
        bytes memory key = verificationKey;
        uint256 words;
        assembly ("memory-safe") {
            words := add(key, 0x20)
        }
        if (!_isWellFormedKey(words)) revert InvalidVerificationKey(verificationKey.length);
        return _word(words, 0x20);
    }

    /// @dev Whether the 25 key words at `key` (memory) follow publicSignalCount's rules.
    function _isWellFormedKey(uint256 key) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            let power := mload(key)
            ok := and(and(gt(power, 0), iszero(gt(power, MAX_POWER))), gt(mload(add(key, 0x20)), 0))
            // k1, k2, w.
            ok := and(ok, and(lt(mload(add(key, 0x40)), R), lt(mload(add(key, 0x60)), R)))
            ok := and(ok, lt(mload(add(key, 0x80)), R))
        }
        ok = ok && Bn254.isOnTwist(_word(key, 0x2a0), _word(key, 0x2c0), _word(key, 0x2e0), _word(key, 0x300));
        ok = ok && _onCurve(key + 0xa0, key + 0x2a0, true);
    }

    /// @dev Whether every point (x, y) in memory [from, to) is on y^2 = x^3 + 3 with x, y below p, or is
    ///      (0, 0), the precompiles' point at infinity, where `infinityAllowed`.
    ///      Bn254.isG1 over a memory range, in assembly: it runs on every proof's nine commitments.
    function _onCurve(uint256 from, uint256 to, bool infinityAllowed) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            ok := 1
            for { let point := from } lt(point, to) { point := add(point, 0x40) } {
                let x := mload(point)
                let y := mload(add(point, 0x20))
                let onCurve := eq(mulmod(y, y, P), addmod(mulmod(x, mulmod(x, x, P), P), 3, P))
                let atInfinity := and(infinityAllowed, iszero(or(x, y)))
                ok := and(ok, and(or(onCurve, atInfinity), and(lt(x, P), lt(y, P))))
            }
        }
    }

    /// @dev Reserves the working memory; the transcript uses the memory past it for a while.
    function _allocate() internal pure returns (uint256 m) {
        assembly ("memory-safe") {
            m := mload(0x40)
            mstore(0x40, add(m, MEMORY_SIZE))
        }
    }

    function _word(uint256 m, uint256 offset) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := mload(add(m, offset))
        }
    }

    /// @dev Copies the key contract's code to [m, m + 0x340); false unless it is 801 bytes starting with 0x00.
    function _readKey(uint256 m, address verificationKey) internal view returns (bool ok) {
        assembly ("memory-safe") {
            ok := eq(extcodesize(verificationKey), KEY_CODE_LENGTH)
            if ok {
                mstore(m, 0)
                extcodecopy(verificationKey, add(m, 0x1f), 0, KEY_CODE_LENGTH)
                ok := iszero(mload(m))
            }
        }
    }

    /// @dev Copies the proof to memory; false unless every commitment is on the curve with coordinates
    ///      below p (no commitment at infinity, as in snarkjs) and every evaluation is below r.
    function _readProof(uint256 m, bytes calldata proof) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            calldatacopy(add(m, PROOF_A), proof.offset, PROOF_LENGTH)
            ok := 1
            for { let evaluation := add(m, PROOF_EVAL_A) } lt(evaluation, add(m, BETA)) {
                evaluation := add(evaluation, 0x20)
            } { ok := and(ok, lt(mload(evaluation), R)) }
        }
        ok = ok && _onCurve(m + PROOF_A, m + PROOF_EVAL_A, false);
    }

    function _inScalarField(uint256[] calldata publicSignals) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            ok := 1
            let end := add(publicSignals.offset, shl(5, publicSignals.length))
            for { let signal := publicSignals.offset } lt(signal, end) { signal := add(signal, 0x20) } {
                ok := and(ok, lt(calldataload(signal), R))
            }
        }
    }

    /// @dev The Fiat-Shamir challenges of snarkjs's Keccak256Transcript: each is keccak256 of the
    ///      round's big-endian words, mod r; v^2..v^5 are powers of v.
    function _computeChallenges(uint256 m, uint256[] calldata publicSignals) internal pure {
        assembly ("memory-safe") {
            let transcript := add(m, MEMORY_SIZE)
            let signalBytes := shl(5, publicSignals.length)
            // beta: Qm, Ql, Qr, Qo, Qc, S1, S2, S3, the public signals, A, B, C.
            mcopy(transcript, add(m, KEY_QM), 0x200)
            calldatacopy(add(transcript, 0x200), publicSignals.offset, signalBytes)
            mcopy(add(add(transcript, 0x200), signalBytes), add(m, PROOF_A), 0xc0)
            let beta := mod(keccak256(transcript, add(0x2c0, signalBytes)), R)
            mstore(add(m, BETA), beta)
            // gamma: beta.
            mstore(transcript, beta)
            let gamma := mod(keccak256(transcript, 0x20), R)
            mstore(add(m, GAMMA), gamma)
            // alpha: beta, gamma, Z.
            mstore(add(transcript, 0x20), gamma)
            mcopy(add(transcript, 0x40), add(m, PROOF_Z), 0x40)
            let alpha := mod(keccak256(transcript, 0x80), R)
            mstore(add(m, ALPHA), alpha)
            // xi: alpha, T1, T2, T3.
            mstore(transcript, alpha)
            mcopy(add(transcript, 0x20), add(m, PROOF_T1), 0xc0)
            let xi := mod(keccak256(transcript, 0xe0), R)
            mstore(add(m, XI), xi)
            // v: xi, eval_a, eval_b, eval_c, eval_s1, eval_s2, eval_zw.
            mstore(transcript, xi)
            mcopy(add(transcript, 0x20), add(m, PROOF_EVAL_A), 0xc0)
            mstore(add(m, V), mod(keccak256(transcript, 0xe0), R))
            // u: Wxi, Wxiw, adjacent in the proof.
            mstore(add(m, U), mod(keccak256(add(m, PROOF_WXI), 0x80), R))
        }
    }

    /// @dev xi^n, Zh(xi) = xi^n - 1, L1(xi) and PI(xi) = -sum_i s_i * L_{i+1}(xi), where
    ///      L_{i+1}(xi) = w^i * Zh(xi) / (n * (xi - w^i)). The sum runs as one fraction num / den, so a
    ///      single inversion (modexp, Fermat) serves every signal. False if xi is one of the first
    ///      nPublic domain points (a zero denominator, where snarkjs fails too).
    function _computeLagrange(uint256 m, uint256[] calldata publicSignals) internal view returns (bool ok) {
        assembly ("memory-safe") {
            let xi := mload(add(m, XI))
            {
                let xiN := xi
                for { let i := mload(add(m, KEY_POWER)) } i { i := sub(i, 1) } { xiN := mulmod(xiN, xiN, R) }
                mstore(add(m, XI_N), xiN)
                mstore(add(m, ZH), addmod(xiN, sub(R, 1), R))
            }

            // num / den = sum_i s_i * w^i / (xi - w^i); den = (xi - 1) * rest.
            let num := calldataload(publicSignals.offset)
            let den := addmod(xi, sub(R, 1), R)
            let rest := 1
            {
                let wi := 1
                let end := add(publicSignals.offset, shl(5, publicSignals.length))
                for { let signal := add(publicSignals.offset, 0x20) } lt(signal, end) { signal := add(signal, 0x20) } {
                    wi := mulmod(wi, mload(add(m, KEY_W)), R)
                    let d := addmod(xi, sub(R, wi), R)
                    num := addmod(mulmod(num, d, R), mulmod(mulmod(calldataload(signal), wi, R), den, R), R)
                    den := mulmod(den, d, R)
                    rest := mulmod(rest, d, R)
                }
            }

            // inverse = (n * den)^(r - 2) mod r.
            let input := add(m, PAIRING)
            mstore(input, 0x20)
            mstore(add(input, 0x20), 0x20)
            mstore(add(input, 0x40), 0x20)
            mstore(add(input, 0x60), mulmod(shl(mload(add(m, KEY_POWER)), 1), den, R))
            mstore(add(input, 0x80), sub(R, 2))
            mstore(add(input, 0xa0), R)
            ok := and(iszero(iszero(den)), staticcall(gas(), 0x05, input, 0xc0, input, 0x20))
            let inverse := mload(input)

            let zh := mload(add(m, ZH))
            mstore(add(m, L1), mulmod(mulmod(zh, rest, R), inverse, R))
            mstore(add(m, PI), mod(sub(R, mulmod(mulmod(zh, num, R), inverse, R)), R))
        }
    }

    /// @dev e(-A1, X_2) * e(B1, [1]_2) == 1, with A1 = Wxi + u * Wxiw and B1 = xi * Wxi + u * xi * w * Wxiw
    ///      + F - E. snarkjs builds D, F and E separately; here every term goes straight into B1 (a
    ///      negated point as its scalar negated mod r), the same sum with the same 18 multiplications.
    function _checkPairing(uint256 m) internal view returns (bool ok) {
        assembly ("memory-safe") {
            // acc += s * (x, y). The product lands right after the accumulator, where ecAdd reads it.
            function mulAddXY(acc, x, y, s) -> success {
                let product := add(acc, 0x40)
                mstore(product, x)
                mstore(add(product, 0x20), y)
                mstore(add(product, 0x40), s)
                success := staticcall(gas(), 0x07, product, 0x60, product, 0x40)
                success := and(success, staticcall(gas(), 0x06, acc, 0x80, acc, 0x40))
            }

            function mulAdd(acc, point, s) -> success {
                success := mulAddXY(acc, mload(point), mload(add(point, 0x20)), s)
            }

            // -A1 = -(Wxi + u * Wxiw).
            mcopy(add(m, PAIRING), add(m, PROOF_WXI), 0x40)
            ok := mulAdd(add(m, PAIRING), add(m, PROOF_WXIW), mload(add(m, U)))
            mstore(add(m, add(PAIRING, 0x20)), mod(sub(P, mload(add(m, add(PAIRING, 0x20)))), P))

            // B1 from Qc, then D's gate terms: ab * Qm + a * Ql + b * Qr + c * Qo.
            let b1 := add(m, PAIRING_B1)
            mcopy(b1, add(m, KEY_QC), 0x40)
            {
                let a := mload(add(m, PROOF_EVAL_A))
                let b := mload(add(m, PROOF_EVAL_B))
                ok := and(ok, mulAdd(b1, add(m, KEY_QM), mulmod(a, b, R)))
                ok := and(ok, mulAdd(b1, add(m, KEY_QL), a))
                ok := and(ok, mulAdd(b1, add(m, KEY_QR), b))
                ok := and(ok, mulAdd(b1, add(m, KEY_QO), mload(add(m, PROOF_EVAL_C))))
            }
            // D's grand product term: (alpha (a + beta xi + gamma)(b + beta xi k1 + gamma)(c + beta xi k2 + gamma)
            // + alpha^2 L1 + u) * Z.
            {
                let gamma := mload(add(m, GAMMA))
                let betaXi := mulmod(mload(add(m, BETA)), mload(add(m, XI)), R)
                let s := addmod(addmod(mload(add(m, PROOF_EVAL_A)), betaXi, R), gamma, R)
                let k1Term := mulmod(betaXi, mload(add(m, KEY_K1)), R)
                s := mulmod(s, addmod(addmod(mload(add(m, PROOF_EVAL_B)), k1Term, R), gamma, R), R)
                let k2Term := mulmod(betaXi, mload(add(m, KEY_K2)), R)
                s := mulmod(s, addmod(addmod(mload(add(m, PROOF_EVAL_C)), k2Term, R), gamma, R), R)
                let alpha := mload(add(m, ALPHA))
                s := mulmod(s, alpha, R)
                s := addmod(s, mulmod(mload(add(m, L1)), mulmod(alpha, alpha, R), R), R)
                ok := and(ok, mulAdd(b1, add(m, PROOF_Z), addmod(s, mload(add(m, U)), R)))
            }
            // D's permutation term, -(alpha beta zw (a + beta s1 + gamma)(b + beta s2 + gamma)) * S3, and r0 =
            // PI - alpha^2 L1 - alpha zw (a + beta s1 + gamma)(b + beta s2 + gamma)(c + gamma), sharing the product.
            let r0
            {
                let beta := mload(add(m, BETA))
                let gamma := mload(add(m, GAMMA))
                let alpha := mload(add(m, ALPHA))
                let sa := addmod(mload(add(m, PROOF_EVAL_A)), mulmod(beta, mload(add(m, PROOF_EVAL_S1)), R), R)
                let sb := addmod(mload(add(m, PROOF_EVAL_B)), mulmod(beta, mload(add(m, PROOF_EVAL_S2)), R), R)
                let product := mulmod(addmod(sa, gamma, R), addmod(sb, gamma, R), R)
                product := mulmod(mulmod(product, alpha, R), mload(add(m, PROOF_EVAL_ZW)), R)
                ok := and(ok, mulAdd(b1, add(m, KEY_S3), sub(R, mulmod(product, beta, R))))
                r0 := addmod(mload(add(m, PI)), sub(R, mulmod(mload(add(m, L1)), mulmod(alpha, alpha, R), R)), R)
                r0 := addmod(r0, sub(R, mulmod(product, addmod(mload(add(m, PROOF_EVAL_C)), gamma, R), R)), R)
            }
            // D's quotient term: -Zh (T1 + xi^n T2 + xi^2n T3).
            {
                let zh := mload(add(m, ZH))
                let xiN := mload(add(m, XI_N))
                let zhXiN := mulmod(zh, xiN, R)
                ok := and(ok, mulAdd(b1, add(m, PROOF_T1), sub(R, zh)))
                ok := and(ok, mulAdd(b1, add(m, PROOF_T2), sub(R, zhXiN)))
                ok := and(ok, mulAdd(b1, add(m, PROOF_T3), sub(R, mulmod(zhXiN, xiN, R))))
            }
            // F's terms v A + v^2 B + v^3 C + v^4 S1 + v^5 S2, and -E = -e [1]_1 with
            // e = -r0 + v a + v^2 b + v^3 c + v^4 s1 + v^5 s2 + u zw.
            {
                let v := mload(add(m, V))
                let vi := v
                let e := addmod(sub(R, r0), mulmod(mload(add(m, U)), mload(add(m, PROOF_EVAL_ZW)), R), R)
                ok := and(ok, mulAdd(b1, add(m, PROOF_A), vi))
                e := addmod(e, mulmod(vi, mload(add(m, PROOF_EVAL_A)), R), R)
                vi := mulmod(vi, v, R)
                ok := and(ok, mulAdd(b1, add(m, PROOF_B), vi))
                e := addmod(e, mulmod(vi, mload(add(m, PROOF_EVAL_B)), R), R)
                vi := mulmod(vi, v, R)
                ok := and(ok, mulAdd(b1, add(m, PROOF_C), vi))
                e := addmod(e, mulmod(vi, mload(add(m, PROOF_EVAL_C)), R), R)
                vi := mulmod(vi, v, R)
                ok := and(ok, mulAdd(b1, add(m, KEY_S1), vi))
                e := addmod(e, mulmod(vi, mload(add(m, PROOF_EVAL_S1)), R), R)
                vi := mulmod(vi, v, R)
                ok := and(ok, mulAdd(b1, add(m, KEY_S2), vi))
                e := addmod(e, mulmod(vi, mload(add(m, PROOF_EVAL_S2)), R), R)
                ok := and(ok, mulAddXY(b1, 1, 2, sub(R, e)))
            }
            // The opening terms: xi Wxi + u xi w Wxiw.
            {
                let xi := mload(add(m, XI))
                ok := and(ok, mulAdd(b1, add(m, PROOF_WXI), xi))
                let uXiW := mulmod(mulmod(mload(add(m, U)), xi, R), mload(add(m, KEY_W)), R)
                ok := and(ok, mulAdd(b1, add(m, PROOF_WXIW), uXiW))
            }

            mcopy(add(m, PAIRING_X2), add(m, KEY_X2), 0x80)
            let g2 := add(m, PAIRING_G2)
            mstore(g2, G2_X_IM)
            mstore(add(g2, 0x20), G2_X_RE)
            mstore(add(g2, 0x40), G2_Y_IM)
            mstore(add(g2, 0x60), G2_Y_RE)
            ok := and(ok, staticcall(gas(), 0x08, add(m, PAIRING), 0x180, 0x00, 0x20))
            ok := and(ok, mload(0x00))
        }
    }
}
