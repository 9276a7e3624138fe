pragma circom 2.1.6;

// A sparse affine map with constant integer weights: out[r] = bias[r] + sum of
// weight[t] * in[index[t]] for t in [offsets[r], offsets[r+1]). Gemm, MatMul, Conv, AveragePool,
// GlobalAveragePool, BatchNormalization and Add/Sub/Mul/Div by constants all lower to it.
// Weights are circuit constants, so this costs no multiplication constraints; the outputs are
// linear combinations that the following Rescale range-checks.
template Linear(nIn, nOut, nnz, offsets, index, weight, bias) {
    signal input in[nIn];
    signal output out[nOut];

    for (var r = 0; r < nOut; r++) {
        var acc = bias[r];
        for (var t = offsets[r]; t < offsets[r + 1]; t++) {
            acc += weight[t] * in[index[t]];
        }
        out[r] <== acc;
    }
}
