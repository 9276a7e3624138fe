pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";

// Binds a proof to the address the oracle credits for it (protocol.md, "Public signals"). A public
// input that appears in no constraint gets a zero term in the Groth16 key, so a proof would verify
// with any value in its place and anyone could resubmit it as their own. Num2Bits(160) puts the
// beneficiary in constraints and keeps it an Ethereum address (< 2^160); the square is a
// non-linear use that no simplification level removes.
template Beneficiary() {
    signal input beneficiary;

    component bits = Num2Bits(160);
    bits.in <== beneficiary;
    signal square <== beneficiary * beneficiary;
}
