pragma circom 2.1.6;

// All Veridict op templates; generated model circuits include this file.
include "Unpack.circom";
include "Pack.circom";
include "Beneficiary.circom";
include "InputCommitment.circom";
include "Linear.circom";
include "PrivateLinear.circom";
include "Rescale.circom";
include "Sign.circom";
include "Relu.circom";
include "LeakyRelu.circom";
include "MaxPool.circom";
include "ArgMax.circom";
include "Piecewise.circom";
include "Divide.circom";
include "Sqrt.circom";
