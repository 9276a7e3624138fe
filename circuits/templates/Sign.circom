pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";

// nonNeg = (in >= 0) for an `in` already known to lie in [-2^(bits-1), 2^(bits-1)): the top bit of
// in + 2^(bits-1). Used where a Relu follows a stage that did not produce a sign bit.
template Sign(bits) {
    signal input in;
    signal output nonNeg;

    component split = Num2Bits(bits);
    split.in <== in + (1 << (bits - 1));
    nonNeg <== split.out[bits - 1];
}
