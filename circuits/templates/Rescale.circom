pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";

// Divides an accumulator by 2^shift, rounding half up: in + 2^(shift-1) = out * 2^shift + r with
// 0 <= r < 2^shift and out in [-2^(bits-1), 2^(bits-1)). One Num2Bits(shift + bits) over
// in + 2^(shift-1) + 2^(shift+bits-1) proves both ranges at once: its low `shift` bits are r, its
// high `bits` bits are out + 2^(bits-1). Given `in`, exactly one (out, r) passes, so `out` is fully
// constrained and cannot wrap modulo the field (shift + bits < 253). nonNeg = (out >= 0) is the
// top bit, which Relu reuses.
template Rescale(shift, bits) {
    signal input in;
    signal output out;
    signal output nonNeg;

    var half = shift > 0 ? 1 << (shift - 1) : 0;
    component split = Num2Bits(shift + bits);
    split.in <== in + half + (1 << (shift + bits - 1));

    var y = 0;
    for (var t = 0; t < bits; t++) {
        y += split.out[shift + t] * (1 << t);
    }
    out <== y - (1 << (bits - 1));
    nonNeg <== split.out[shift + bits - 1];
}
