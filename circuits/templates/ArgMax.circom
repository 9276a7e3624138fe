pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";

// out = index of the first maximum of in[0..n), each in in [-2^(bits-1), 2^(bits-1)).
// A one-hot vector picks the winner m = in[out]; then for every j, m - in[j] - [j < out] >= 0 is
// range-checked with Num2Bits(bits + 1): the winner is at least every value and strictly greater
// than every value before it, which only the first maximum satisfies.
template ArgMax(n, bits) {
    signal input in[n];
    signal output out;

    // Witness hint only; soundness comes from the constraints below. circom compares field
    // elements as signed values in (-p/2, p/2], so this finds the first maximum.
    var best = 0;
    for (var i = 1; i < n; i++) {
        if (in[i] > in[best]) {
            best = i;
        }
    }
    signal oneHot[n];
    signal picked[n];
    var total = 0;
    var index = 0;
    var m = 0;
    for (var i = 0; i < n; i++) {
        // Pinned: boolean here, sums to one below, and the range checks force the first maximum.
        oneHot[i] <-- i == best ? 1 : 0;
        oneHot[i] * (oneHot[i] - 1) === 0;
        picked[i] <== oneHot[i] * in[i];
        total += oneHot[i];
        index += i * oneHot[i];
        m += picked[i];
    }
    total === 1;
    out <== index;

    component gap[n];
    var after = 1 - oneHot[0];
    for (var j = 0; j < n; j++) {
        // after = 1 exactly when the winner's index is greater than j.
        gap[j] = Num2Bits(bits + 1);
        gap[j].in <== m - in[j] - after;
        if (j + 1 < n) {
            after -= oneHot[j + 1];
        }
    }
}
