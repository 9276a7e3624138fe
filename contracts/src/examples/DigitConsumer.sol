// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {InferenceConsumer} from "../InferenceConsumer.sol";
import {IInferenceOracle} from "../interfaces/IInferenceOracle.sol";
import {WordPacking} from "../libraries/WordPacking.sol";

/// @title DigitConsumer
/// @notice Example consumer: asks a handwritten-digit classifier (10 output scores) to classify an
///         image and records the digit with the highest score. Each request names its user as the
///         oracle's payer: refunds (an expired request, unused callback gas) are the user's to
///         withdraw from the oracle (claimRefund ends an expired request).
contract DigitConsumer is InferenceConsumer {
    error UnexpectedOutputLength(uint256 expected, uint256 received);

    event DigitRequested(uint256 indexed requestId, address indexed requester);
    event DigitClassified(uint256 indexed requestId, address indexed requester, uint8 digit, int256 score);

    uint256 public constant CLASS_COUNT = 10;

    bytes32 public immutable MODEL_ID;
    uint8 public immutable OUTPUT_BITS;
    IInferenceOracle.Mode public immutable MODE;
    uint8 public immutable QUORUM;
    uint32 public immutable CALLBACK_GAS_LIMIT;

    mapping(uint256 requestId => address requester) public requesterOf;
    /// @notice The classified digit plus one, 0 while unknown.
    mapping(uint256 requestId => uint8 digitPlusOne) private _digits;
    mapping(address requester => uint8 digit) public latestDigitOf;

    /// @param setupRequirement What the model's setup must be (checked once: a registered setup never changes).
    constructor(
        IInferenceOracle oracle,
        bytes32 modelId,
        uint8 outputBits,
        IInferenceOracle.Mode mode,
        uint8 quorum,
        uint32 callbackGasLimit,
        SetupRequirement memory setupRequirement
    ) InferenceConsumer(oracle) {
        _requireSetup(modelId, setupRequirement);
        MODEL_ID = modelId;
        OUTPUT_BITS = outputBits;
        MODE = mode;
        QUORUM = quorum;
        CALLBACK_GAS_LIMIT = callbackGasLimit;
    }

    /// @notice Asks for the digit in `imageWords` (the packed model input). msg.value pays the fee
    ///         and CALLBACK_GAS_LIMIT * callbackGasPrice for the callback's gas, whose unused part the
    ///         oracle credits back to the caller. Attestations lock the fee as value at risk.
    function classify(uint256[] calldata imageWords, uint64 deadline, uint64 callbackGasPrice)
        external
        payable
        returns (uint256 requestId)
    {
        requestId = _requestInference(MODEL_ID, imageWords, _options(deadline, callbackGasPrice), msg.value, msg.sender);
        requesterOf[requestId] = msg.sender;
        emit DigitRequested(requestId, msg.sender);
    }

    /// @notice What `classify` must be sent now with this callback gas price: the model's fee plus the
    ///         prepaid callback gas (what the callback does not use comes back to the caller).
    function quote(uint64 callbackGasPrice) external view returns (uint256) {
        return _quoteFee(MODEL_ID, _options(0, callbackGasPrice));
    }

    function _options(uint64 deadline, uint64 callbackGasPrice)
        private
        view
        returns (IInferenceOracle.RequestOptions memory)
    {
        return IInferenceOracle.RequestOptions({
            mode: MODE,
            quorum: QUORUM,
            callback: address(this),
            callbackGasLimit: CALLBACK_GAS_LIMIT,
            callbackGasPrice: callbackGasPrice,
            deadline: deadline,
            valueAtRisk: 0,
            payer: msg.sender
        });
    }

    function digitOf(uint256 requestId) external view returns (bool known, uint8 digit) {
        uint8 stored = _digits[requestId];
        return (stored != 0, stored == 0 ? 0 : stored - 1);
    }

    /// @notice The index of the highest of 10 packed scores (the first one on a tie, as ONNX ArgMax).
    function argmax(uint256[] memory outputWords, uint8 bits) public pure returns (uint8 digit, int256 score) {
        score = WordPacking.valueAt(outputWords, 0, bits);
        for (uint256 i = 1; i < CLASS_COUNT; ++i) {
            int256 value = WordPacking.valueAt(outputWords, i, bits);
            if (value > score) (digit, score) = (uint8(i), value);
        }
    }

    function _onInferenceResult(uint256 requestId, uint256[] calldata outputWords) internal override {
        uint256 expected = WordPacking.wordCount(CLASS_COUNT, OUTPUT_BITS);
        if (outputWords.length != expected) revert UnexpectedOutputLength(expected, outputWords.length);
        (uint8 digit, int256 score) = argmax(outputWords, OUTPUT_BITS);
        _digits[requestId] = digit + 1;
        address requester = requesterOf[requestId];
        latestDigitOf[requester] = digit;
        emit DigitClassified(requestId, requester, digit, score);
    }
}
