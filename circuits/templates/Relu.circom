pragma circom 2.1.6;

// out = max(in, 0), with nonNeg = (in >= 0) a boolean pinned by the range check that produced it
// (Unpack, Rescale or Sign): one constraint per value.
template Relu(count) {
    signal input in[count];
    signal input nonNeg[count];
    signal output out[count];

    for (var i = 0; i < count; i++) {
        out[i] <== in[i] * nonNeg[i];
    }
}
