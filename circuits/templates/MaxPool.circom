pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";

// out = max(a, b) for a, b in [-2^(bits-1), 2^(bits-1)). a - b + 2^bits lies in [1, 2^(bits+1)),
// so Num2Bits(bits + 1) cannot wrap and its top bit is exactly (a >= b): the sign bit of the range
// check selects the larger input.
template Max2(bits) {
    signal input a;
    signal input b;
    signal output out;

    component split = Num2Bits(bits + 1);
    split.in <== a - b + (1 << bits);
    out <== b + split.out[bits] * (a - b);
}

// Window r of the output is the maximum of in[index[t]] for t in [offsets[r], offsets[r+1]),
// folded left to right with Max2.
template MaxPool(nIn, nOut, nnz, offsets, index, bits) {
    signal input in[nIn];
    signal output out[nOut];

    component max[nnz];
    for (var r = 0; r < nOut; r++) {
        var first = offsets[r];
        if (offsets[r + 1] - first == 1) {
            out[r] <== in[index[first]];
        } else {
            for (var t = first + 1; t < offsets[r + 1]; t++) {
                max[t] = Max2(bits);
                max[t].a <== t == first + 1 ? in[index[first]] : max[t - 1].out;
                max[t].b <== in[index[t]];
            }
            out[r] <== max[offsets[r + 1] - 1].out;
        }
    }
}
