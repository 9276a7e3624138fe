pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "Sign.circom";

// floor(n / d) for d > 0, on field elements read as signed (witness computation only).
function divideFloor(n, d) {
    if (n >= 0) return n \ d;
    var m = -n;
    var q = m \ d;
    if (q * d == m) return -q;
    return -q - 1;
}

// Exact division with round half up, on `count` pairs (num[i], den[denOf[i]]) of inBits-bit
// signed inputs (range-checked by whatever produced them); the nDen denominators are each clamped
// once, however many numerators share them (a LayerNormalization row shares one root):
//   b' = max(den, 1);  out = floor((num·2^shift + floor(b'/2)) / b')
// proved as 2·num·2^shift + b' = q·2b' + r with 0 <= r < 2b', the same quotient (for b' >= 1,
// floor((2A + b')/(2b')) = floor((A + floor(b'/2))/b')). Every signal is fixed by the inputs:
// - ge = (den >= 1): the sign bit of den - 1 (Sign at inBits + 1, enough for every input), so
//   b' = ge·(den - 1) + 1 is the clamped denominator (one product);
// - r and 2b' - 1 - r each in inBits bits (2b' - 1 < 2^inBits), so 0 <= r < 2b';
// - q + 2^(bits-1) in `bits` bits; with q·b' one product, both sides are far below the field
//   size, so the equation holds over the integers and (q, r) is the unique quotient and remainder.
// nonNeg = (out >= 0) is the top bit of q's range check.
template Divide(count, nDen, denOf, inBits, shift, bits) {
    signal input num[count];
    signal input den[nDen];
    signal output out[count];
    signal output nonNeg[count];

    component ge[nDen];
    component remLow[count];
    component remHigh[count];
    component quot[count];
    signal clamped[nDen];
    signal q[count];
    signal r[count];
    signal qd[count];
    for (var j = 0; j < nDen; j++) {
        ge[j] = Sign(inBits + 1);
        ge[j].in <== den[j] - 1;
        clamped[j] <== ge[j].nonNeg * (den[j] - 1) + 1;
    }
    for (var i = 0; i < count; i++) {
        var b = clamped[denOf[i]];
        var n = num[i] * (1 << (shift + 1)) + b;
        q[i] <-- divideFloor(n, 2 * b);
        r[i] <-- n - q[i] * 2 * b;
        qd[i] <== q[i] * b;
        n === 2 * qd[i] + r[i];

        remLow[i] = Num2Bits(inBits);
        remLow[i].in <== r[i];
        remHigh[i] = Num2Bits(inBits);
        remHigh[i].in <== 2 * b - 1 - r[i];
        quot[i] = Num2Bits(bits);
        quot[i].in <== q[i] + (1 << (bits - 1));
        out[i] <== q[i];
        nonNeg[i] <== quot[i].out[bits - 1];
    }
}
