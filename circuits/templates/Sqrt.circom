pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "Sign.circom";

// floor(sqrt(x)) for 0 <= x < 2^(2·bits) (witness computation only): one bit at a time from the top.
function sqrtFloor(x, bits) {
    var y = 0;
    for (var j = bits - 1; j >= 0; j--) {
        var c = y + (1 << j);
        if (c * c <= x) y = c;
    }
    return y;
}

// Integer square root on `count` inputs of inBits signed bits (range-checked by whatever produced
// them): out = floor(sqrt(max(in, 0)·2^shift)), with out in [0, 2^(bits-1)). Every signal is
// fixed by `in`:
// - pos = (in >= 0)·in, the sign bit from a Sign check at inBits (one product);
// - out in bits - 1 bits (so out >= 0), out² one product;
// - x - out² and out² + 2·out - x (= (out + 1)² - 1 - x) each in wBits bits, so
//   out² <= x < (out + 1)²: all values far below the field size, so these hold over the
//   integers and out is the unique integer square root.
template Sqrt(count, inBits, shift, bits, wBits) {
    signal input in[count];
    signal output out[count];

    component sign[count];
    component outBits[count];
    component below[count];
    component above[count];
    signal pos[count];
    signal y[count];
    signal sq[count];
    for (var i = 0; i < count; i++) {
        sign[i] = Sign(inBits);
        sign[i].in <== in[i];
        pos[i] <== sign[i].nonNeg * in[i];
        var x = pos[i] * (1 << shift);

        y[i] <-- sqrtFloor(x, bits - 1);
        outBits[i] = Num2Bits(bits - 1);
        outBits[i].in <== y[i];
        sq[i] <== y[i] * y[i];
        below[i] = Num2Bits(wBits);
        below[i].in <== x - sq[i];
        above[i] = Num2Bits(wBits);
        above[i].in <== sq[i] + 2 * y[i] - x;
        out[i] <== y[i];
    }
}
