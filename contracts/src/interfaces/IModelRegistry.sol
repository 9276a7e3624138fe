// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IModelRegistry
/// @notice Models that can be requested: how their inputs and outputs are packed, what a request
///         costs, and which verifier checks their proofs. Only a model's owner changes it.
interface IModelRegistry {
    enum ModelStatus {
        None,
        Active,
        Deprecated
    }

    /// @notice What a model owner supplies at registration.
    /// @param verifier An IInferenceVerifier, or zero for a model too large for a circuit (ATTESTED only).
    /// @param inputValues Number of quantized input values.
    /// @param inputBits Bit width b of each input value (2..248); floor(248 / b) values per word,
    ///        at most MAX_WORDS words per tensor.
    /// @param outputValues Number of quantized output values.
    /// @param outputBits Bit width of each output value (2..248).
    /// @param fee Minimum payment for one request, in wei (at most type(uint80).max).
    /// @param metadataURI Where the manifest lives (e.g. ipfs://...).
    struct ModelParams {
        address verifier;
        uint32 inputValues;
        uint8 inputBits;
        uint32 outputValues;
        uint8 outputBits;
        uint96 fee;
        string metadataURI;
    }

    /// @notice The part of a model a request reads: one storage slot.
    /// @param index The model's compact id (1-based, registration order) that requests store.
    struct ModelTerms {
        uint96 fee;
        uint32 index;
        uint32 inputValues;
        uint8 inputBits;
        uint32 outputValues;
        uint8 outputBits;
        ModelStatus status;
        bool hasVerifier;
    }

    struct Model {
        ModelTerms terms;
        address verifier;
        address owner;
        bytes32 previousVersion;
        bytes32 nextVersion;
        string metadataURI;
    }

    error InvalidModelId();
    error ModelAlreadyRegistered(bytes32 modelId);
    error ModelNotFound(bytes32 modelId);
    error ModelIndexNotFound(uint32 index);
    error NotModelOwner(bytes32 modelId, address caller);
    error InvalidPacking(uint256 values, uint256 bits);
    error FeeTooLarge(uint256 fee, uint256 maxFee);
    error VerifierNotContract(address verifier);
    error ModelAlreadyDeprecated(bytes32 modelId);
    error NextVersionAlreadyRegistered(bytes32 modelId, bytes32 nextVersion);
    error InvalidOwner(address owner);

    event ModelRegistered(
        bytes32 indexed modelId,
        uint32 indexed index,
        address indexed owner,
        address verifier,
        uint32 inputValues,
        uint8 inputBits,
        uint32 outputValues,
        uint8 outputBits,
        uint96 fee,
        string metadataURI
    );
    event ModelVersionRegistered(bytes32 indexed previousModelId, bytes32 indexed modelId);
    event ModelDeprecated(bytes32 indexed modelId);
    event ModelFeeUpdated(bytes32 indexed modelId, uint96 fee);
    event ModelMetadataUpdated(bytes32 indexed modelId, string metadataURI);
    event ModelOwnershipTransferred(bytes32 indexed modelId, address indexed previousOwner, address indexed newOwner);

    /// @notice Registers `modelId` (the manifest's id) with the caller as owner.
    function registerModel(bytes32 modelId, ModelParams calldata params) external;

    /// @notice Registers `modelId` as the next version of `previousModelId`; only its owner may.
    ///         The previous version stays requestable until its owner deprecates it.
    function registerVersion(bytes32 previousModelId, bytes32 modelId, ModelParams calldata params) external;

    /// @notice Stops new requests for `modelId`; open requests can still be served.
    function deprecateModel(bytes32 modelId) external;

    /// @notice Sets the minimum payment of future requests for `modelId`.
    function setFee(bytes32 modelId, uint96 fee) external;

    /// @notice Points `modelId` at new metadata.
    function setMetadataURI(bytes32 modelId, string calldata metadataURI) external;

    /// @notice Hands `modelId` to `newOwner`.
    function transferModelOwnership(bytes32 modelId, address newOwner) external;

    /// @notice The largest fee a model may ask (what a request can hold).
    function MAX_FEE() external view returns (uint256);

    /// @notice The most words an input or output tensor may pack into.
    function MAX_WORDS() external view returns (uint256);

    /// @notice Number of registered models; indexes run from 1 to this.
    function modelCount() external view returns (uint32);

    /// @notice Everything about `modelId`; reverts ModelNotFound if unknown.
    function getModel(bytes32 modelId) external view returns (Model memory model);

    /// @notice The terms of `modelId` (status None if unknown); what requestInference reads.
    function getModelTerms(bytes32 modelId) external view returns (ModelTerms memory terms);

    /// @notice The id, terms and verifier of the model at `index`; what fulfilment reads.
    function getModelAt(uint32 index) external view returns (bytes32 modelId, ModelTerms memory terms, address verifier);
}
