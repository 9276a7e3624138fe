// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IProofVerifier} from "./interfaces/IProofVerifier.sol";
import {KnownCeremonies} from "./libraries/KnownCeremonies.sol";
import {WordPacking} from "./libraries/WordPacking.sol";
import {Groth16Verifier} from "./verifiers/Groth16Verifier.sol";
import {PlonkVerifier} from "./verifiers/PlonkVerifier.sol";

/// @title ModelRegistry
/// @notice Models the oracle serves. The registry derives each model's id from its artifacts and
///         its owner, stores the verification key as the code of a key contract it creates, and
///         pins one verifier per proof system, created with the registry: so a model id can only
///         ever mean one circuit, one key and one verifier, whoever registered it, and nothing a
///         model's owner does afterwards changes what verifies. A model without a proof system
///         can only be served in ATTESTED mode.
contract ModelRegistry is IModelRegistry {
    uint256 public constant MAX_FEE = type(uint80).max;
    uint256 public constant MAX_WORDS = type(uint16).max;
    bytes32 public constant DEFINITION_TYPEHASH = keccak256(
        "VeridictModel(bytes32 onnxHash,bytes32 quantizationHash,bytes32 parametersRoot,uint32 stageCount,uint8 proofSystem,bytes32 verificationKeyHash,uint32 inputValues,uint8 inputBits,bool privateInput,uint32 outputValues,uint8 outputBits,bytes32 ptauHash,uint16 contributions,bool insecure)"
    );

    /// @dev Creation code prefix that returns everything after it as the runtime code:
    ///      PUSH2 size, DUP1, PUSH1 10, RETURNDATASIZE, CODECOPY, RETURNDATASIZE, RETURN.
    bytes10 private constant _KEY_CREATION_PREFIX = 0x61000080600a3d393df3;

    /// @notice The verifier of Groth16 models, created with this registry.
    IProofVerifier public immutable GROTH16_VERIFIER;

    /// @notice The verifier of PLONK models (universal setup, no per-circuit secret), created with this registry.
    IProofVerifier public immutable PLONK_VERIFIER;

    /// @dev A model, split so that fulfilment reads the terms and the verification slot only.
    struct StoredModel {
        ModelTerms terms;
        address verificationKey;
        ProofSystem proofSystem;
        uint16 contributions;
        bool insecure;
        bool listedCeremony;
        uint32 stageCount;
        bytes32 parametersRoot;
        bytes32 ptauHash;
        bytes32 definitionHash;
        bytes32 onnxHash;
        bytes32 quantizationHash;
        address owner;
        bytes32 previousVersion;
        bytes32 nextVersion;
        string metadataURI;
    }

    mapping(bytes32 modelId => StoredModel) private _models;
    mapping(uint32 index => bytes32 modelId) private _modelIdAt;
    uint32 public modelCount;

    constructor() {
        GROTH16_VERIFIER = new Groth16Verifier();
        PLONK_VERIFIER = new PlonkVerifier();
    }

    /// @notice Registers a model with the caller as owner; returns its id.
    function registerModel(
        ModelDefinition calldata definition,
        bytes calldata verificationKey,
        uint96 fee,
        string calldata metadataURI
    ) external returns (bytes32 modelId) {
        return _register(definition, verificationKey, fee, metadataURI, bytes32(0));
    }

    /// @notice Registers a model as the next version of `previousModelId`; only its owner may.
    function registerVersion(
        bytes32 previousModelId,
        ModelDefinition calldata definition,
        bytes calldata verificationKey,
        uint96 fee,
        string calldata metadataURI
    ) external returns (bytes32 modelId) {
        StoredModel storage previous = _ownedModel(previousModelId);
        if (previous.nextVersion != bytes32(0)) {
            revert NextVersionAlreadyRegistered(previousModelId, previous.nextVersion);
        }
        modelId = _register(definition, verificationKey, fee, metadataURI, previousModelId);
        previous.nextVersion = modelId;
        emit ModelVersionRegistered(previousModelId, modelId);
    }

    /// @notice Stops new requests for `modelId`; open requests can still be served.
    function deprecateModel(bytes32 modelId) external {
        StoredModel storage model = _ownedModel(modelId);
        if (model.terms.status == ModelStatus.Deprecated) revert ModelAlreadyDeprecated(modelId);
        model.terms.status = ModelStatus.Deprecated;
        emit ModelDeprecated(modelId);
    }

    /// @notice Sets the minimum payment of future requests for `modelId`.
    function setFee(bytes32 modelId, uint96 fee) external {
        StoredModel storage model = _ownedModel(modelId);
        if (fee > MAX_FEE) revert FeeTooLarge(fee, MAX_FEE);
        model.terms.fee = fee;
        emit ModelFeeUpdated(modelId, fee);
    }

    /// @notice Points `modelId` at new metadata.
    function setMetadataURI(bytes32 modelId, string calldata metadataURI) external {
        _ownedModel(modelId).metadataURI = metadataURI;
        emit ModelMetadataUpdated(modelId, metadataURI);
    }

    /// @notice Hands `modelId` to `newOwner`. The id stays: it names what was registered, not who owns it now.
    function transferModelOwnership(bytes32 modelId, address newOwner) external {
        StoredModel storage model = _ownedModel(modelId);
        if (newOwner == address(0)) revert InvalidOwner(newOwner);
        model.owner = newOwner;
        emit ModelOwnershipTransferred(modelId, msg.sender, newOwner);
    }

    /// @notice The verifier the registry pins for `proofSystem` (zero for None).
    function verifierOf(ProofSystem proofSystem) public view returns (address) {
        if (proofSystem == ProofSystem.Groth16) return address(GROTH16_VERIFIER);
        if (proofSystem == ProofSystem.Plonk) return address(PLONK_VERIFIER);
        return address(0);
    }

    /// @notice Everything about `modelId`; reverts ModelNotFound if unknown.
    function getModel(bytes32 modelId) external view returns (Model memory model) {
        StoredModel storage stored = _models[modelId];
        if (stored.terms.status == ModelStatus.None) revert ModelNotFound(modelId);
        model.terms = stored.terms;
        model.proofSystem = stored.proofSystem;
        model.verifier = verifierOf(stored.proofSystem);
        model.verificationKey = stored.verificationKey;
        model.definitionHash = stored.definitionHash;
        model.onnxHash = stored.onnxHash;
        model.quantizationHash = stored.quantizationHash;
        model.parametersRoot = stored.parametersRoot;
        model.stageCount = stored.stageCount;
        model.setup = SetupRecord({
            ptauHash: stored.ptauHash, contributions: stored.contributions, insecure: stored.insecure
        });
        model.listedCeremony = stored.listedCeremony;
        model.owner = stored.owner;
        model.previousVersion = stored.previousVersion;
        model.nextVersion = stored.nextVersion;
        model.metadataURI = stored.metadataURI;
    }

    /// @notice The terms of `modelId` (status None if unknown); what requestInference reads.
    function getModelTerms(bytes32 modelId) external view returns (ModelTerms memory terms) {
        return _models[modelId].terms;
    }

    /// @notice The id, terms, verifier and key contract of the model at `index`; what fulfilment reads.
    function getModelAt(uint32 index)
        external
        view
        returns (bytes32 modelId, ModelTerms memory terms, address verifier, address verificationKey)
    {
        modelId = _modelIdAt[index];
        if (modelId == bytes32(0)) revert ModelIndexNotFound(index);
        StoredModel storage model = _models[modelId];
        return (modelId, model.terms, verifierOf(model.proofSystem), model.verificationKey);
    }

    /// @notice The id, verifier and key contract of the model at `index`: what a proof check reads.
    function getVerifierAt(uint32 index)
        external
        view
        returns (bytes32 modelId, address verifier, address verificationKey)
    {
        modelId = _modelIdAt[index];
        if (modelId == bytes32(0)) revert ModelIndexNotFound(index);
        StoredModel storage model = _models[modelId];
        return (modelId, verifierOf(model.proofSystem), model.verificationKey);
    }

    /// @inheritdoc IModelRegistry
    function getTraceParameters(bytes32 modelId) external view returns (bytes32 parametersRoot, uint32 stageCount) {
        StoredModel storage model = _models[modelId];
        if (model.terms.status == ModelStatus.None) revert ModelNotFound(modelId);
        return (model.parametersRoot, model.stageCount);
    }

    /// @notice The verification key of `modelId` as registered (empty for ProofSystem.None).
    function getVerificationKey(bytes32 modelId) external view returns (bytes memory verificationKey) {
        StoredModel storage model = _models[modelId];
        if (model.terms.status == ModelStatus.None) revert ModelNotFound(modelId);
        address key = model.verificationKey;
        if (key == address(0)) return verificationKey;
        uint256 length = key.code.length - 1;
        verificationKey = new bytes(length);
        assembly ("memory-safe") {
            extcodecopy(key, add(verificationKey, 0x20), 1, length)
        }
    }

    /// @notice The definition hash the registry computes for these artifacts.
    function computeDefinitionHash(ModelDefinition calldata definition, bytes calldata verificationKey)
        public
        pure
        returns (bytes32)
    {
        bytes32 keyHash = verificationKey.length == 0 ? bytes32(0) : keccak256(verificationKey);
        // Two halves keep the encoder within the stack without via-IR; the result equals one abi.encode of all fields.
        return keccak256(
            bytes.concat(
                abi.encode(
                    DEFINITION_TYPEHASH,
                    definition.onnxHash,
                    definition.quantizationHash,
                    definition.parametersRoot,
                    definition.stageCount,
                    definition.proofSystem,
                    keyHash,
                    definition.inputValues
                ),
                abi.encode(
                    definition.inputBits,
                    definition.privateInput,
                    definition.outputValues,
                    definition.outputBits,
                    definition.setup.ptauHash,
                    definition.setup.contributions,
                    definition.setup.insecure
                )
            )
        );
    }

    /// @notice The id `owner`'s registration of `definitionHash` gets.
    function computeModelId(bytes32 definitionHash, address owner) public pure returns (bytes32) {
        return keccak256(abi.encode(definitionHash, owner));
    }

    /// @notice Whether `ptauHash` (first 32 bytes of a blake2b-512) is a public ceremony file the registry lists.
    function isListedCeremony(bytes32 ptauHash) external pure returns (bool) {
        return KnownCeremonies.isListed(ptauHash);
    }

    function _register(
        ModelDefinition calldata definition,
        bytes calldata verificationKey,
        uint96 fee,
        string calldata metadataURI,
        bytes32 previousVersion
    ) private returns (bytes32 modelId) {
        if (definition.onnxHash == bytes32(0) || definition.quantizationHash == bytes32(0)) revert InvalidHash();
        if (definition.parametersRoot == bytes32(0) || definition.stageCount == 0) {
            revert InvalidParameters(definition.parametersRoot, definition.stageCount);
        }
        _checkPacking(definition.inputValues, definition.inputBits);
        _checkPacking(definition.outputValues, definition.outputBits);
        if (fee > MAX_FEE) revert FeeTooLarge(fee, MAX_FEE);
        _checkProofSystem(definition, verificationKey);

        bytes32 definitionHash = computeDefinitionHash(definition, verificationKey);
        modelId = computeModelId(definitionHash, msg.sender);
        StoredModel storage model = _models[modelId];
        if (model.terms.status != ModelStatus.None) revert ModelAlreadyRegistered(modelId);

        uint32 index = ++modelCount;
        _modelIdAt[index] = modelId;
        address key = verificationKey.length == 0 ? address(0) : _storeKey(verificationKey);
        model.terms = ModelTerms({
            fee: fee,
            index: index,
            inputValues: definition.inputValues,
            inputBits: definition.inputBits,
            outputValues: definition.outputValues,
            outputBits: definition.outputBits,
            status: ModelStatus.Active,
            hasVerifier: key != address(0),
            privateInput: definition.privateInput
        });
        model.verificationKey = key;
        model.proofSystem = definition.proofSystem;
        model.contributions = definition.setup.contributions;
        model.insecure = definition.setup.insecure;
        model.listedCeremony = KnownCeremonies.isListed(definition.setup.ptauHash);
        model.ptauHash = definition.setup.ptauHash;
        model.definitionHash = definitionHash;
        model.onnxHash = definition.onnxHash;
        model.quantizationHash = definition.quantizationHash;
        model.parametersRoot = definition.parametersRoot;
        model.stageCount = definition.stageCount;
        model.owner = msg.sender;
        model.previousVersion = previousVersion;
        model.metadataURI = metadataURI;
        _emitRegistered(modelId, model, definition);
    }

    function _emitRegistered(bytes32 modelId, StoredModel storage model, ModelDefinition calldata definition) private {
        emit ModelRegistered(
            modelId,
            model.definitionHash,
            msg.sender,
            model.terms.index,
            definition,
            model.verificationKey,
            model.listedCeremony,
            model.terms.fee,
            model.metadataURI
        );
    }

    /// @dev A proof system needs a key that its verifier reads, with one public signal per input word
    ///      (one commitment for a private input), per output word, plus the beneficiary, and a setup
    ///      record; a model without one needs neither and cannot take a private input.
    function _checkProofSystem(ModelDefinition calldata definition, bytes calldata verificationKey) private view {
        ProofSystem proofSystem = definition.proofSystem;
        SetupRecord calldata setup = definition.setup;
        if (proofSystem == ProofSystem.None) {
            if (definition.privateInput) revert PrivateInputWithoutProofSystem();
            if (verificationKey.length != 0) revert VerificationKeyNotExpected(proofSystem, verificationKey.length);
            if (setup.ptauHash != bytes32(0) || setup.contributions != 0 || setup.insecure) {
                revert InvalidSetupRecord(proofSystem, setup.ptauHash, setup.contributions);
            }
            return;
        }
        address verifier = verifierOf(proofSystem);
        if (verifier == address(0) || verificationKey.length == 0) {
            revert VerificationKeyNotExpected(proofSystem, verificationKey.length);
        }
        // A Groth16 setup without a phase-2 contribution is forgeable by anyone; PLONK has no phase 2.
        bool contributionsValid = proofSystem == ProofSystem.Groth16 ? setup.contributions != 0 : setup.contributions == 0;
        if (setup.ptauHash == bytes32(0) || !contributionsValid) {
            revert InvalidSetupRecord(proofSystem, setup.ptauHash, setup.contributions);
        }
        // The input words (or their commitment), the output words and the beneficiary the proof pays.
        uint256 inputSignals =
            definition.privateInput ? 1 : WordPacking.wordCount(definition.inputValues, definition.inputBits);
        uint256 expected = inputSignals + WordPacking.wordCount(definition.outputValues, definition.outputBits) + 1;
        uint256 keyCount = IProofVerifier(verifier).publicSignalCount(verificationKey);
        if (keyCount != expected) revert PublicSignalCountMismatch(expected, keyCount);
    }

    /// @dev Stores `verificationKey` as the code of a contract created with CREATE2 under its hash,
    ///      after a 0x00 byte so that no one can call it. Equal keys share one contract; only this
    ///      registry can create at that address, so code found there is the key.
    function _storeKey(bytes calldata verificationKey) private returns (address key) {
        bytes memory creationCode = abi.encodePacked(
            _KEY_CREATION_PREFIX | bytes10(uint80(verificationKey.length + 1) << 56), bytes1(0), verificationKey
        );
        bytes32 salt = keccak256(verificationKey);
        key = address(
            uint160(
                uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, keccak256(creationCode))))
            )
        );
        if (key.code.length != 0) return key;
        address created;
        assembly ("memory-safe") {
            created := create2(0, add(creationCode, 0x20), mload(creationCode), salt)
        }
        if (created != key) revert KeyStorageFailed(salt);
    }

    function _ownedModel(bytes32 modelId) private view returns (StoredModel storage model) {
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
