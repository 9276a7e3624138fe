// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IProofVerifier} from "./IProofVerifier.sol";

/// @title IModelRegistry
/// @notice Models that can be requested. The registry computes a model's id itself from what
///         defines the model (its ONNX file, quantization, proof system, verification key, packing
///         and setup record) and its owner, and stores the verification key where the proof
///         system's verifier reads it. Nothing about an id's verification can change after
///         registration; its owner may only set its fee and metadata, deprecate it, name a next
///         version and hand it on.
interface IModelRegistry {
    enum ModelStatus {
        None,
        Active,
        Deprecated
    }

    /// @notice How results of a model are proved. None: the model has no circuit (ATTESTED only).
    enum ProofSystem {
        None,
        Groth16,
        Plonk
    }

    /// @notice Where a model's setup came from, as its registrant states it (a phase-2 transcript
    ///         anyone can check off-chain against the verification key).
    /// @param ptauHash First 32 bytes of the blake2b-512 hash of the powers-of-tau file.
    /// @param contributions Phase-2 contributions (Groth16: at least 1, the beacon not counted; PLONK: 0).
    /// @param insecure Set up over a single-party dev powers of tau: whoever made it can forge proofs.
    struct SetupRecord {
        bytes32 ptauHash;
        uint16 contributions;
        bool insecure;
    }

    /// @notice What defines a model; hashed with keccak256(verificationKey) into its definition hash.
    /// @param parametersRoot Merkle root of the integer model's stages (each stage's header and
    ///        rows of weights, docs/disputes.md): what a trace dispute's one step opens. Non-zero.
    /// @param stageCount The integer model's number of stages (at least 1): the leaves under parametersRoot.
    /// @param inputBits Bit width b of each input value (2..248); floor(248 / b) values per word,
    ///        at most MAX_WORDS words per tensor. Likewise outputBits.
    /// @param privateInput The circuit keeps the input words private and shows one Poseidon
    ///        commitment of them (with a salt) as its first public signal instead: requests carry
    ///        that commitment as their only input word and are served with proofs only.
    struct ModelDefinition {
        bytes32 onnxHash;
        bytes32 quantizationHash;
        bytes32 parametersRoot;
        uint32 stageCount;
        ProofSystem proofSystem;
        uint32 inputValues;
        uint8 inputBits;
        bool privateInput;
        uint32 outputValues;
        uint8 outputBits;
        SetupRecord setup;
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
        bool privateInput;
    }

    /// @notice A registered model.
    /// @param verifier The proof system's verifier (pinned by the registry); zero for ProofSystem.None.
    /// @param verificationKey The contract whose code holds the key (0x00, then the key); zero for None.
    /// @param listedCeremony Whether setup.ptauHash is a public ceremony file the registry lists.
    struct Model {
        ModelTerms terms;
        ProofSystem proofSystem;
        address verifier;
        address verificationKey;
        bytes32 definitionHash;
        bytes32 onnxHash;
        bytes32 quantizationHash;
        bytes32 parametersRoot;
        uint32 stageCount;
        SetupRecord setup;
        bool listedCeremony;
        address owner;
        bytes32 previousVersion;
        bytes32 nextVersion;
        string metadataURI;
    }

    error ModelAlreadyRegistered(bytes32 modelId);
    error ModelNotFound(bytes32 modelId);
    error ModelIndexNotFound(uint32 index);
    error NotModelOwner(bytes32 modelId, address caller);
    error InvalidPacking(uint256 values, uint256 bits);
    error FeeTooLarge(uint256 fee, uint256 maxFee);
    error ModelAlreadyDeprecated(bytes32 modelId);
    error NextVersionAlreadyRegistered(bytes32 modelId, bytes32 nextVersion);
    error InvalidOwner(address owner);
    error InvalidHash();
    /// @notice A definition without its parameter commitment: every model binds its weights.
    error InvalidParameters(bytes32 parametersRoot, uint32 stageCount);
    /// @notice A model without a proof system came with a key or a setup record, or one with a proof system without.
    error VerificationKeyNotExpected(ProofSystem proofSystem, uint256 keyLength);
    error PublicSignalCountMismatch(uint256 expected, uint256 keyCount);
    error InvalidSetupRecord(ProofSystem proofSystem, bytes32 ptauHash, uint16 contributions);
    error KeyStorageFailed(bytes32 keyHash);
    /// @notice A private-input model needs a circuit: only a proof can show a result for an input no one sees.
    error PrivateInputWithoutProofSystem();

    event ModelRegistered(
        bytes32 indexed modelId,
        bytes32 indexed definitionHash,
        address indexed owner,
        uint32 index,
        ModelDefinition definition,
        address verificationKey,
        bool listedCeremony,
        uint96 fee,
        string metadataURI
    );
    event ModelVersionRegistered(bytes32 indexed previousModelId, bytes32 indexed modelId);
    event ModelDeprecated(bytes32 indexed modelId);
    event ModelFeeUpdated(bytes32 indexed modelId, uint96 fee);
    event ModelMetadataUpdated(bytes32 indexed modelId, string metadataURI);
    event ModelOwnershipTransferred(bytes32 indexed modelId, address indexed previousOwner, address indexed newOwner);

    /// @notice Registers a model with the caller as owner; returns its id, keccak256(abi.encode(
    ///         definitionHash, msg.sender)). Anyone may register any artifacts: the same
    ///         artifacts registered by the same account always give the same id, and a copy of
    ///         someone's registration sent by another account registers a listing of its own.
    /// @param verificationKey The key's encoding for the proof system's verifier; empty for ProofSystem.None.
    function registerModel(
        ModelDefinition calldata definition,
        bytes calldata verificationKey,
        uint96 fee,
        string calldata metadataURI
    ) external returns (bytes32 modelId);

    /// @notice Registers a model as the next version of `previousModelId`; only its owner may.
    ///         The previous version stays requestable until its owner deprecates it.
    function registerVersion(
        bytes32 previousModelId,
        ModelDefinition calldata definition,
        bytes calldata verificationKey,
        uint96 fee,
        string calldata metadataURI
    ) external returns (bytes32 modelId);

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

    /// @notice keccak256 of the type string that heads a definition's encoding.
    function DEFINITION_TYPEHASH() external view returns (bytes32);

    /// @notice The verifier of Groth16 models, created with the registry.
    function GROTH16_VERIFIER() external view returns (IProofVerifier);

    /// @notice The verifier of PLONK models, created with the registry.
    function PLONK_VERIFIER() external view returns (IProofVerifier);

    /// @notice The verifier the registry pins for `proofSystem` (zero for None).
    function verifierOf(ProofSystem proofSystem) external view returns (address);

    /// @notice Number of registered models; indexes run from 1 to this.
    function modelCount() external view returns (uint32);

    /// @notice Everything about `modelId`; reverts ModelNotFound if unknown.
    function getModel(bytes32 modelId) external view returns (Model memory model);

    /// @notice The terms of `modelId` (status None if unknown); what requestInference reads.
    function getModelTerms(bytes32 modelId) external view returns (ModelTerms memory terms);

    /// @notice The id, terms, verifier and key contract of the model at `index`; what fulfilment reads.
    function getModelAt(uint32 index)
        external
        view
        returns (bytes32 modelId, ModelTerms memory terms, address verifier, address verificationKey);

    /// @notice The id, verifier and key contract of the model at `index`: what a proof check reads.
    function getVerifierAt(uint32 index)
        external
        view
        returns (bytes32 modelId, address verifier, address verificationKey);

    /// @notice What a trace dispute over `modelId`'s results opens against: its parameter root and stage count.
    function getTraceParameters(bytes32 modelId) external view returns (bytes32 parametersRoot, uint32 stageCount);

    /// @notice The verification key of `modelId` as registered (empty for ProofSystem.None).
    function getVerificationKey(bytes32 modelId) external view returns (bytes memory verificationKey);

    /// @notice The definition hash the registry computes for these artifacts.
    function computeDefinitionHash(ModelDefinition calldata definition, bytes calldata verificationKey)
        external
        pure
        returns (bytes32);

    /// @notice The id `owner`'s registration of `definitionHash` gets.
    function computeModelId(bytes32 definitionHash, address owner) external pure returns (bytes32);

    /// @notice Whether `ptauHash` (first 32 bytes of a blake2b-512) is a public ceremony file the registry lists.
    function isListedCeremony(bytes32 ptauHash) external pure returns (bool);
}
