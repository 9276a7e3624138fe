pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "Rescale.circom";
include "Sign.circom";

// A smooth function by range decomposition and one quadratic per segment, on `count` inputs of
// inBits signed bits (range-checked by whatever produced them):
//   u = clamp(in, lo, hi) - lo with hi = lo + segments·2^segmentBits - 1;  k = u >> segmentBits;
//   t = u - k·2^segmentBits;  out = floor((c0[k] + c1[k]·t + c2[k]·t² + 2^(shift-1)) / 2^shift).
// Every signal is fixed by `in`:
// - geLo = (in >= lo) and leHi = (in <= hi): the sign bits of in - lo and hi - in (Sign at cmpBits,
//   enough for every input), so each is the true comparison; then u = lo-clamped (in - lo) if
//   leHi, else hi - lo: one product each.
// - u's segmentBits + kBits bits (Num2Bits: each boolean, summing to u) give k (high bits) and t
//   (low bits); u < segments·2^segmentBits already follows from the clamp.
// - sel is one-hot at k: boolean, summing to 1, Σ i·sel[i] = k; so c0[k], c1[k], c2[k] are linear
//   combinations of it, and k >= segments has no witness.
// - t², c1[k]·t and c2[k]·t² are one product each, then Rescale (remainder in [0, 2^shift), out in
//   `bits` signed bits, exactly one pair). nonNeg = (out >= 0), from the Rescale's top bit.
template Piecewise(count, cmpBits, lo, segmentBits, kBits, segments, c0, c1, c2, shift, bits) {
    signal input in[count];
    signal output out[count];
    signal output nonNeg[count];

    var span = segments * (1 << segmentBits) - 1;
    component geLo[count];
    component leHi[count];
    component split[count];
    component rescale[count];
    signal above[count];
    signal u[count];
    signal sel[count][segments];
    signal t2[count];
    signal p1[count];
    signal p2[count];
    for (var i = 0; i < count; i++) {
        geLo[i] = Sign(cmpBits);
        geLo[i].in <== in[i] - lo;
        leHi[i] = Sign(cmpBits);
        leHi[i].in <== lo + span - in[i];
        above[i] <== geLo[i].nonNeg * (in[i] - lo);
        u[i] <== leHi[i].nonNeg * (above[i] - span) + span;

        split[i] = Num2Bits(segmentBits + kBits);
        split[i].in <== u[i];
        var t = 0;
        for (var j = 0; j < segmentBits; j++) t += split[i].out[j] * (1 << j);
        var k = 0;
        for (var j = 0; j < kBits; j++) k += split[i].out[segmentBits + j] * (1 << j);

        var ones = 0;
        var index = 0;
        var a0 = 0;
        var a1 = 0;
        var a2 = 0;
        for (var s = 0; s < segments; s++) {
            sel[i][s] <-- s == k ? 1 : 0;
            sel[i][s] * (sel[i][s] - 1) === 0;
            ones += sel[i][s];
            index += s * sel[i][s];
            a0 += c0[s] * sel[i][s];
            a1 += c1[s] * sel[i][s];
            a2 += c2[s] * sel[i][s];
        }
        ones === 1;
        index === k;

        t2[i] <== t * t;
        p1[i] <== a1 * t;
        p2[i] <== a2 * t2[i];
        rescale[i] = Rescale(shift, bits);
        rescale[i].in <== a0 + p1[i] + p2[i];
        out[i] <== rescale[i].out;
        nonNeg[i] <== rescale[i].nonNeg;
    }
}
