pragma circom 2.1.6;

// out = max(in, 0), with nonNeg = (in >= 0) a boolean pinned by the range check that produced it
// (Unpack, Rescale, Sign or LeakyRelu), or the constant 1 where every input is known to be >= 0
// (after another Relu): one constraint per value. The input's nonNeg is not the sign of out (a
// zeroed negative value is >= 0): the generated circuit treats every output as non-negative.
template Relu(count) {
    signal input in[count];
    signal input nonNeg[count];
    signal output out[count];

    for (var i = 0; i < count; i++) {
        out[i] <== in[i] * nonNeg[i];
    }
}
