// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {WordPacking} from "./libraries/WordPacking.sol";

/// @title ModelRegistry
/// @notice Models the oracle serves. A model id is the manifest's id, which commits to the ONNX
///         file, the quantization and the verification key; so the verifier and the packing of a
///         model never change: a new circuit is a new version with a new id. A model registered
///         without a verifier can only be served in ATTESTED mode.
contract ModelRegistry is IModelRegistry {
    uint256 public constant MAX_FEE = type(uint80).max;
    uint256 public constant MAX_WORDS = type(uint16).max;

    mapping(bytes32 modelId => Model) private _models;
    mapping(uint32 index => bytes32 modelId) private _modelIdAt;
    uint32 public modelCount;

    /// @notice Registers `modelId` with the caller as owner.
    function registerModel(bytes32 modelId, ModelParams calldata params) external {
        _register(modelId, params, bytes32(0));
    }

    /// @notice Registers `modelId` as the next version of `previousModelId`; only its owner may.
    function registerVersion(bytes32 previousModelId, bytes32 modelId, ModelParams calldata params) external {
        Model storage previous = _ownedModel(previousModelId);
        if (previous.nextVersion != bytes32(0)) {
            revert NextVersionAlreadyRegistered(previousModelId, previous.nextVersion);
        }
        previous.nextVersion = modelId;
        _register(modelId, params, previousModelId);
        emit ModelVersionRegistered(previousModelId, modelId);
    }

    /// @notice Stops new requests for `modelId`; open requests can still be served.
    function deprecateModel(bytes32 modelId) external {
        Model storage model = _ownedModel(modelId);
        if (model.terms.status == ModelStatus.Deprecated) revert ModelAlreadyDeprecated(modelId);
        model.terms.status = ModelStatus.Deprecated;
        emit ModelDeprecated(modelId);
    }

    /// @notice Sets the minimum payment of future requests for `modelId`.
    function setFee(bytes32 modelId, uint96 fee) external {
        Model storage model = _ownedModel(modelId);
        if (fee > MAX_FEE) revert FeeTooLarge(fee, MAX_FEE);
        model.terms.fee = fee;
        emit ModelFeeUpdated(modelId, fee);
    }

    /// @notice Points `modelId` at new metadata.
    function setMetadataURI(bytes32 modelId, string calldata metadataURI) external {
        _ownedModel(modelId).metadataURI = metadataURI;
        emit ModelMetadataUpdated(modelId, metadataURI);
    }

    /// @notice Hands `modelId` to `newOwner`.
    function transferModelOwnership(bytes32 modelId, address newOwner) external {
        Model storage model = _ownedModel(modelId);
        if (newOwner == address(0)) revert InvalidOwner(newOwner);
        model.owner = newOwner;
        emit ModelOwnershipTransferred(modelId, msg.sender, newOwner);
    }

    /// @notice Everything about `modelId`; reverts ModelNotFound if unknown.
    function getModel(bytes32 modelId) external view returns (Model memory model) {
        model = _models[modelId];
        if (model.terms.status == ModelStatus.None) revert ModelNotFound(modelId);
    }

    /// @notice The terms of `modelId` (status None if unknown); what requestInference reads.
    function getModelTerms(bytes32 modelId) external view returns (ModelTerms memory terms) {
        return _models[modelId].terms;
    }

    /// @notice The id, terms and verifier of the model at `index`; what fulfilment reads.
    function getModelAt(uint32 index)
        external
        view
        returns (bytes32 modelId, ModelTerms memory terms, address verifier)
    {
        modelId = _modelIdAt[index];
        if (modelId == bytes32(0)) revert ModelIndexNotFound(index);
        Model storage model = _models[modelId];
        return (modelId, model.terms, model.verifier);
    }

    function _register(bytes32 modelId, ModelParams calldata params, bytes32 previousVersion) private {
        if (modelId == bytes32(0)) revert InvalidModelId();
        if (_models[modelId].terms.status != ModelStatus.None) revert ModelAlreadyRegistered(modelId);
        _checkPacking(params.inputValues, params.inputBits);
        _checkPacking(params.outputValues, params.outputBits);
        if (params.fee > MAX_FEE) revert FeeTooLarge(params.fee, MAX_FEE);
        if (params.verifier != address(0) && params.verifier.code.length == 0) {
            revert VerifierNotContract(params.verifier);
        }

        uint32 index = ++modelCount;
        _modelIdAt[index] = modelId;
        _models[modelId] = Model({
            terms: ModelTerms({
                fee: params.fee,
                index: index,
                inputValues: params.inputValues,
                inputBits: params.inputBits,
                outputValues: params.outputValues,
                outputBits: params.outputBits,
                status: ModelStatus.Active,
                hasVerifier: params.verifier != address(0)
            }),
            verifier: params.verifier,
            owner: msg.sender,
            previousVersion: previousVersion,
            nextVersion: bytes32(0),
            metadataURI: params.metadataURI
        });
        emit ModelRegistered(
            modelId,
            index,
            msg.sender,
            params.verifier,
            params.inputValues,
            params.inputBits,
            params.outputValues,
            params.outputBits,
            params.fee,
            params.metadataURI
        );
    }

    function _ownedModel(bytes32 modelId) private view returns (Model storage model) {
        model = _models[modelId];
        if (model.terms.status == ModelStatus.None) revert ModelNotFound(modelId);
        if (model.owner != msg.sender) revert NotModelOwner(modelId, msg.sender);
    }

    /// @dev A tensor may take at most MAX_WORDS words: the oracle keeps the output word count in 16 bits.
    function _checkPacking(uint32 values, uint8 bits) private pure {
        if (values == 0 || bits < 2 || bits > WordPacking.WORD_PAYLOAD_BITS) revert InvalidPacking(values, bits);
        if (WordPacking.wordCount(values, bits) > MAX_WORDS) revert InvalidPacking(values, bits);
    }
}
