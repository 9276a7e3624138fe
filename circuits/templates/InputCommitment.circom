pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";

// The commitment a private-input proof shows instead of the input words (protocol.md, "Private
// inputs"): a Poseidon chain over the salt and the words, 15 words a link, each link Poseidon of 16
// field elements (the previous link, or the salt for the first, then 15 words, the last link padded
// with zeros). The word count is fixed by the model's layout, so the padding is unambiguous. Every
// word and the salt feed the hash, and `commitment` is its output: a different input or salt gives
// another commitment (Poseidon's collision resistance), so the proof binds the committed input.
template InputCommitment(nWords) {
    signal input words[nWords];
    signal input salt;
    signal output commitment;

    var links = nWords == 0 ? 1 : (nWords + 14) \ 15;
    component link[links];
    for (var l = 0; l < links; l++) {
        link[l] = Poseidon(16);
        link[l].inputs[0] <== l == 0 ? salt : link[l - 1].out;
        for (var j = 0; j < 15; j++) {
            var w = 15 * l + j;
            if (w < nWords) link[l].inputs[1 + j] <== words[w];
            else link[l].inputs[1 + j] <== 0;
        }
    }
    commitment <== link[links - 1].out;
}
