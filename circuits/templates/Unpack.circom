pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";

// Unpacks public input words into signed values (design.md, "Packing"): word j holds
// k = 248 \ bits values u = q + 2^(bits-1), little-endian. Num2Bits on each word both splits it
// and range-checks every value (and forces unused high bits to zero). nonNeg[i] is the top bit of
// u, i.e. q >= 0, reused by a following Relu.
template Unpack(count, bits) {
    var k = 248 \ bits;
    var nWords = (count + k - 1) \ k;
    signal input words[nWords];
    signal output values[count];
    signal output nonNeg[count];

    component split[nWords];
    for (var j = 0; j < nWords; j++) {
        var n = count - j * k < k ? count - j * k : k;
        split[j] = Num2Bits(n * bits);
        split[j].in <== words[j];
        for (var i = 0; i < n; i++) {
            var u = 0;
            for (var t = 0; t < bits; t++) {
                u += split[j].out[i * bits + t] * (1 << t);
            }
            values[j * k + i] <== u - (1 << (bits - 1));
            nonNeg[j * k + i] <== split[j].out[i * bits + bits - 1];
        }
    }
}
