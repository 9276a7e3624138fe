// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {InferenceConsumer} from "../../src/InferenceConsumer.sol";
import {IInferenceOracle} from "../../src/interfaces/IInferenceOracle.sol";

/// @dev A consumer that pays for its requests itself (payer = this contract) from its own balance,
///      so the oracle credits refunds to it: what `_withdrawRefunds` is for.
contract SelfPayingConsumer is InferenceConsumer {
    uint256[] public lastOutput;

    constructor(IInferenceOracle oracle) payable InferenceConsumer(oracle) {}

    function request(bytes32 modelId, uint256[] calldata inputWords, uint64 deadline) external returns (uint256) {
        IInferenceOracle.RequestOptions memory options = IInferenceOracle.RequestOptions({
            mode: IInferenceOracle.Mode.ZK,
            quorum: 0,
            callback: address(this),
            callbackGasLimit: 100_000,
            callbackGasPrice: 1 gwei,
            deadline: deadline,
            valueAtRisk: 0,
            payer: address(this)
        });
        return _requestInference(modelId, inputWords, options, _quoteFee(modelId, options), address(this));
    }

    function withdrawRefunds(address payable to) external returns (uint256) {
        return _withdrawRefunds(to);
    }

    function _onInferenceResult(uint256, uint256[] calldata outputWords) internal override {
        lastOutput = outputWords;
    }
}
