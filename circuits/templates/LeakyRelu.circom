pragma circom 2.1.6;

include "Rescale.circom";

// out = in for in >= 0, else round(alpha * in / 2^shift) (half up). The negative branch is a
// Rescale of the constant product alpha * in, computed (and range-checked to negBits) for every
// value; nonNeg from the producing range check selects between the branches.
// outNonNeg = (out >= 0), for a following Relu: 1 on the positive branch, else the sign bit of
// the negative branch's range check. It is not nonNeg: with alpha < 0 a negative input gives a
// positive output.
template LeakyRelu(count, alpha, shift, negBits) {
    signal input in[count];
    signal input nonNeg[count];
    signal output out[count];
    signal output outNonNeg[count];

    component neg[count];
    for (var i = 0; i < count; i++) {
        neg[i] = Rescale(shift, negBits);
        neg[i].in <== alpha * in[i];
        out[i] <== neg[i].out + nonNeg[i] * (in[i] - neg[i].out);
        outNonNeg[i] <== nonNeg[i] + (1 - nonNeg[i]) * neg[i].nonNeg;
    }
}
