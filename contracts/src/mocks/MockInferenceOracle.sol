// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {IInferenceOracle} from "../interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/// @title MockInferenceOracle
/// @notice A stand-in for InferenceOracle (and its registry) in a consumer's own tests: no proofs,
///         no operators. A test registers a model's terms with `setModel`, its contract requests as
///         it would from the real oracle (same `requestInference`, fee and callback prepayment
///         rules, the same `Request` struct and `InferenceRequested` event), and the test delivers
///         any output it wants with `fulfill`, which calls the consumer's `onInferenceResult` with the
///         requested gas as the oracle does (a failing callback is recorded, not reverted, and can
///         be retried with `deliverResult`). Refunds after the deadline, `isResult`, `getResult`,
///         the status `getRequestState` returns, `balanceOf` and `withdraw` behave as the oracle's. Cast it
///         to `IInferenceOracle` to pass it where the consumer expects the oracle; `REGISTRY()` is
///         the mock itself (`getModel`, `getModelTerms`).
///
///         Not for deployment: anyone may fulfil any request with any output.
contract MockInferenceOracle {
    event InferenceRequested(
        uint256 indexed requestId,
        bytes32 indexed modelId,
        address indexed requester,
        IInferenceOracle.Request request,
        uint256[] inputWords
    );
    event ResultFulfilled(
        uint256 indexed requestId, address indexed fulfiller, bytes32 outputHash, uint256[] outputWords
    );
    event CallbackFailed(uint256 indexed requestId, address indexed callback);
    event RequestRefunded(uint256 indexed requestId, address indexed payer, uint256 amount);
    event Withdrawn(address indexed account, address indexed to, uint256 amount);

    error ModelNotRequestable(bytes32 modelId, IModelRegistry.ModelStatus status);
    error InsufficientFee(uint256 paid, uint256 fee);
    error InvalidDeadline(uint256 deadline);
    error UnknownRequest(uint256 requestId);
    error RequestNotOpen(uint256 requestId, IInferenceOracle.Status status);
    error RequestExpired(uint256 requestId, uint256 deadline);
    error RequestNotExpired(uint256 requestId, uint256 deadline);
    error RequestMismatch(uint256 requestId);
    error NothingToWithdraw(address account);
    error EtherTransferFailed(address to, uint256 amount);

    uint256 public nextRequestId = 1;
    mapping(address account => uint256) public balanceOf;

    mapping(bytes32 modelId => IModelRegistry.Model) private _models;
    mapping(uint256 requestId => IInferenceOracle.Request) private _requests;
    mapping(uint256 requestId => IInferenceOracle.Status) private _status;
    mapping(uint256 requestId => bytes32) private _outputHash;

    /// @notice Registers (or replaces) a model: its fee and output packing; a proof system and setup
    ///         record only matter to consumers that check them (InferenceConsumer._requireSetup).
    function setModel(bytes32 modelId, IModelRegistry.Model calldata model) external {
        _models[modelId] = model;
    }

    /// @notice A model's terms with sensible test defaults: active, `fee`, `outputValues` of `outputBits`.
    function setModel(bytes32 modelId, uint96 fee, uint32 outputValues, uint8 outputBits) external {
        IModelRegistry.Model storage model = _models[modelId];
        model.terms.fee = fee;
        model.terms.outputValues = outputValues;
        model.terms.outputBits = outputBits;
        model.terms.status = IModelRegistry.ModelStatus.Active;
    }

    /// @notice As InferenceOracle.requestInference: the payment must cover the model's fee plus the
    ///         callback's prepaid gas; the deadline must be in the future.
    function requestInference(
        bytes32 modelId,
        uint256[] calldata inputWords,
        IInferenceOracle.RequestOptions calldata options
    ) external payable returns (uint256 requestId) {
        IModelRegistry.ModelTerms memory terms = _models[modelId].terms;
        if (terms.status != IModelRegistry.ModelStatus.Active) revert ModelNotRequestable(modelId, terms.status);
        uint256 prepaid = uint256(options.callbackGasLimit) * options.callbackGasPrice;
        if (msg.value < terms.fee + prepaid) revert InsufficientFee(msg.value, terms.fee + prepaid);
        if (options.deadline <= block.timestamp || options.deadline > type(uint32).max) {
            revert InvalidDeadline(options.deadline);
        }
        requestId = nextRequestId++;
        IInferenceOracle.Request storage request = _requests[requestId];
        request.id = requestId;
        request.modelId = modelId;
        request.inputHash = keccak256(abi.encodePacked(inputWords));
        request.requester = msg.sender;
        request.payer = options.payer == address(0) ? msg.sender : options.payer;
        request.fee = uint96(msg.value - prepaid);
        request.callback = options.callback;
        request.callbackGasLimit = options.callbackGasLimit;
        request.callbackGasPrice = options.callbackGasPrice;
        request.deadline = uint32(options.deadline);
        request.mode = options.mode;
        request.quorum = options.quorum;
        request.provable = terms.hasVerifier;
        request.outputValues = terms.outputValues;
        request.outputBits = terms.outputBits;
        request.blockNumber = uint64(block.number);
        request.valueAtRisk = options.valueAtRisk;
        _status[requestId] = IInferenceOracle.Status.Requested;
        emit InferenceRequested(requestId, modelId, msg.sender, request, inputWords);
    }

    /// @notice Makes `outputWords` the final result of an open request and calls its callback with
    ///         the requested gas (as the oracle does after a proof or a finalized attestation). The
    ///         caller is paid the fee and the gas the callback used; the payer gets the rest back.
    function fulfill(uint256 requestId, uint256[] calldata outputWords) external {
        IInferenceOracle.Request memory request = _requests[requestId];
        if (request.id == 0) revert UnknownRequest(requestId);
        IInferenceOracle.Status status = _status[requestId];
        if (status != IInferenceOracle.Status.Requested) revert RequestNotOpen(requestId, status);
        if (block.timestamp > request.deadline) revert RequestExpired(requestId, request.deadline);
        bytes32 outputHash = keccak256(abi.encodePacked(outputWords));
        _status[requestId] = IInferenceOracle.Status.Fulfilled;
        _outputHash[requestId] = outputHash;
        balanceOf[msg.sender] += request.fee;
        emit ResultFulfilled(requestId, msg.sender, outputHash, outputWords);
        uint256 gasUsed;
        if (request.callback != address(0)) {
            uint256 before = gasleft();
            try IInferenceConsumer(request.callback).onInferenceResult{gas: request.callbackGasLimit}(
                requestId, outputWords
            ) {} catch {
                emit CallbackFailed(requestId, request.callback);
            }
            gasUsed = before - gasleft();
            if (gasUsed > request.callbackGasLimit) gasUsed = request.callbackGasLimit;
        }
        uint256 price = request.callbackGasPrice;
        balanceOf[msg.sender] += gasUsed * price;
        balanceOf[request.payer] += (uint256(request.callbackGasLimit) - gasUsed) * price;
    }

    /// @notice As the oracle: credits an expired request's payment to its payer.
    function refund(IInferenceOracle.Request calldata request) external {
        if (keccak256(abi.encode(request)) != keccak256(abi.encode(_requests[request.id]))) {
            revert RequestMismatch(request.id);
        }
        IInferenceOracle.Status status = _status[request.id];
        if (status != IInferenceOracle.Status.Requested) revert RequestNotOpen(request.id, status);
        if (block.timestamp <= request.deadline) revert RequestNotExpired(request.id, request.deadline);
        _status[request.id] = IInferenceOracle.Status.Refunded;
        uint256 amount = request.fee + uint256(request.callbackGasLimit) * request.callbackGasPrice;
        balanceOf[request.payer] += amount;
        emit RequestRefunded(request.id, request.payer, amount);
    }

    /// @notice Sends the caller's balance to `to`.
    function withdraw(address payable to) external {
        uint256 amount = balanceOf[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        balanceOf[msg.sender] = 0;
        emit Withdrawn(msg.sender, to, amount);
        (bool success,) = to.call{value: amount}("");
        if (!success) revert EtherTransferFailed(to, amount);
    }

    /// @notice The request as InferenceRequested emitted it (what refund and claimRefund take).
    function getRequest(uint256 requestId) external view returns (IInferenceOracle.Request memory) {
        return _requests[requestId];
    }

    function getRequestState(uint256 requestId) external view returns (IInferenceOracle.Status status, bytes32 hash) {
        status = _status[requestId];
        hash = status == IInferenceOracle.Status.Fulfilled ? _outputHash[requestId] : keccak256(abi.encode(_requests[requestId]));
    }

    function getResult(uint256 requestId) external view returns (IInferenceOracle.Status status, bytes32 outputHash) {
        status = _status[requestId];
        if (status == IInferenceOracle.Status.Fulfilled) outputHash = _outputHash[requestId];
    }

    function isResult(uint256 requestId, uint256[] calldata outputWords) external view returns (bool) {
        return _status[requestId] == IInferenceOracle.Status.Fulfilled
            && _outputHash[requestId] == keccak256(abi.encodePacked(outputWords));
    }

    /// @notice The mock is its own registry.
    function REGISTRY() external view returns (IModelRegistry) {
        return IModelRegistry(address(this));
    }

    function getModel(bytes32 modelId) external view returns (IModelRegistry.Model memory) {
        return _models[modelId];
    }

    function getModelTerms(bytes32 modelId) external view returns (IModelRegistry.ModelTerms memory) {
        return _models[modelId].terms;
    }
}
