pragma circom 2.1.6;

// Constrains public output words to be the packing of `values` (design.md, "Packing").
// Every value must already be range-checked to `bits` signed bits by the stage that made it,
// so each u = value + 2^(bits-1) lies in [0, 2^bits) and the packing is injective.
template Pack(count, bits) {
    var k = 248 \ bits;
    var nWords = (count + k - 1) \ k;
    signal input values[count];
    signal input words[nWords];

    for (var j = 0; j < nWords; j++) {
        var n = count - j * k < k ? count - j * k : k;
        var packed = 0;
        for (var i = 0; i < n; i++) {
            packed += (values[j * k + i] + (1 << (bits - 1))) * (1 << (bits * i));
        }
        words[j] === packed;
    }
}
