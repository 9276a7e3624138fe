pragma circom 2.1.6;

// Linear with its weights and biases as signals, for a model compiled with --private-weights:
// out[r] = bias[r] + sum of weight[t] * in[index[t]] for t in [offsets[r], offsets[r+1]). Only the
// sparsity pattern (offsets, index) is compiled in. Each product of two signals costs one
// multiplication constraint. The main template pins every weight and bias to the model's with its
// weight commitment (InputCommitment of all of them === the constant compiled in), so this is the
// map the compiler quantized, and the Rescale that follows range-checks its outputs as after Linear.
template PrivateLinear(nIn, nOut, nnz, offsets, index) {
    signal input in[nIn];
    signal input weight[nnz];
    signal input bias[nOut];
    signal output out[nOut];

    signal product[nnz];
    for (var r = 0; r < nOut; r++) {
        var acc = bias[r];
        for (var t = offsets[r]; t < offsets[r + 1]; t++) {
            product[t] <== weight[t] * in[index[t]];
            acc += product[t];
        }
        out[r] <== acc;
    }
}
