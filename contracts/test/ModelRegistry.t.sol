// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test, console} from "forge-std/Test.sol";

import {ModelRegistry} from "../src/ModelRegistry.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {IProofVerifier} from "../src/interfaces/IProofVerifier.sol";

contract ModelRegistryTest is Test {
    string internal constant FIXTURE = "contracts/test/fixtures/square/fixture.json";
    /// @dev powersOfTau28_hez_final_14.ptau: a listed ceremony file.
    bytes32 internal constant HERMEZ_14 = 0xeeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4;

    ModelRegistry internal registry;
    address internal owner = makeAddr("owner");
    address internal stranger = makeAddr("stranger");
    bytes internal key;

    function setUp() public {
        registry = new ModelRegistry();
        key = vm.parseJsonBytes(vm.readFile(FIXTURE), ".verificationKey");
    }

    /// @dev The square fixture's definition: 1 input of 16 bits, 1 output of 32 bits, Groth16.
    function _definition() internal pure returns (IModelRegistry.ModelDefinition memory) {
        return IModelRegistry.ModelDefinition({
            onnxHash: keccak256("square.onnx"),
            quantizationHash: keccak256("square.quantization"),
            parametersRoot: keccak256("square.parameters"),
            stageCount: 2,
            proofSystem: IModelRegistry.ProofSystem.Groth16,
            inputValues: 1,
            inputBits: 16,
            privateInput: false,
            outputValues: 1,
            outputBits: 32,
            setup: IModelRegistry.SetupRecord({ptauHash: HERMEZ_14, contributions: 3, insecure: false})
        });
    }

    function _attestedOnly() internal pure returns (IModelRegistry.ModelDefinition memory definition) {
        definition = _definition();
        definition.proofSystem = IModelRegistry.ProofSystem.None;
        definition.inputValues = 196;
        definition.inputBits = 8;
        definition.outputValues = 10;
        definition.outputBits = 16;
        definition.setup = IModelRegistry.SetupRecord({ptauHash: bytes32(0), contributions: 0, insecure: false});
    }

    function _register() internal returns (bytes32 modelId) {
        vm.prank(owner);
        return registry.registerModel(_definition(), key, 1 ether, "ipfs://manifest");
    }

    function test_RegisterModelDerivesItsIdAndStoresEverything() public {
        IModelRegistry.ModelDefinition memory definition = _definition();
        bytes32 definitionHash = registry.computeDefinitionHash(definition, key);
        bytes32 expectedId = keccak256(abi.encode(definitionHash, owner));
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelRegistered(
            expectedId,
            definitionHash,
            owner,
            1,
            definition,
            vm.computeCreate2Address(keccak256(key), keccak256(_keyCreationCode(key)), address(registry)),
            true,
            1 ether,
            "ipfs://manifest"
        );
        bytes32 modelId = _register();
        assertEq(modelId, expectedId);
        assertEq(registry.computeModelId(definitionHash, owner), modelId);

        IModelRegistry.Model memory model = registry.getModel(modelId);
        assertEq(model.owner, owner);
        assertEq(model.definitionHash, definitionHash);
        assertEq(model.onnxHash, definition.onnxHash);
        assertEq(model.quantizationHash, definition.quantizationHash);
        assertEq(model.parametersRoot, definition.parametersRoot);
        assertEq(model.stageCount, 2);
        (bytes32 parametersRoot, uint32 stageCount) = registry.getTraceParameters(modelId);
        assertEq(parametersRoot, definition.parametersRoot);
        assertEq(stageCount, 2);
        assertEq(uint8(model.proofSystem), uint8(IModelRegistry.ProofSystem.Groth16));
        assertEq(model.verifier, address(registry.GROTH16_VERIFIER()));
        assertEq(model.setup.ptauHash, HERMEZ_14);
        assertEq(model.setup.contributions, 3);
        assertFalse(model.setup.insecure);
        assertTrue(model.listedCeremony);
        assertEq(model.metadataURI, "ipfs://manifest");
        assertEq(model.terms.index, 1);
        assertEq(model.terms.fee, 1 ether);
        assertEq(model.terms.inputValues, 1);
        assertEq(model.terms.outputBits, 32);
        assertTrue(model.terms.hasVerifier);
        assertEq(uint8(model.terms.status), uint8(IModelRegistry.ModelStatus.Active));
        assertEq(registry.getVerificationKey(modelId), key);
        assertEq(model.verificationKey.code, abi.encodePacked(bytes1(0), key));

        (bytes32 atId, IModelRegistry.ModelTerms memory terms, address verifier, address keyContract) =
            registry.getModelAt(1);
        assertEq(atId, modelId);
        assertEq(terms.index, 1);
        assertEq(verifier, model.verifier);
        assertEq(keyContract, model.verificationKey);
    }

    /// @dev The same vector is asserted by sdk/src/encoding/modelDefinition.test.ts (viem's abi encoding).
    function test_DefinitionHashMatchesTheSdkVector() public view {
        assertEq(
            registry.computeDefinitionHash(_definition(), key),
            0xebe011e931a690b56d338e939d6c13df326e033450f4ecab8fb83c569178826c
        );
    }

    function test_SameArtifactsSameIdForTheSameOwner() public {
        bytes32 first = _register();
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelAlreadyRegistered.selector, first));
        registry.registerModel(_definition(), key, 2 ether, "ipfs://other-metadata");
        assertEq(registry.computeModelId(registry.computeDefinitionHash(_definition(), key), owner), first);
    }

    /// forge-config: default.fuzz.runs = 512
    function testFuzz_AnyChangeToTheArtifactsGivesANewDefinition(uint8 field, uint256 salt) public view {
        IModelRegistry.ModelDefinition memory changed = _definition();
        bytes memory changedKey = key;
        field = uint8(bound(field, 0, 13));
        if (field == 0) changed.onnxHash = keccak256(abi.encode(salt));
        else if (field == 1) changed.quantizationHash = keccak256(abi.encode(salt));
        else if (field == 2) changed.proofSystem = IModelRegistry.ProofSystem.Plonk;
        else if (field == 3) changedKey[uint256(bound(salt, 0, key.length - 1))] ^= bytes1(uint8(bound(salt, 1, 255)));
        else if (field == 4) changed.inputValues = uint32(bound(salt, 2, type(uint32).max));
        else if (field == 5) changed.inputBits = uint8(bound(salt, 17, 248));
        else if (field == 6) changed.outputValues = uint32(bound(salt, 2, type(uint32).max));
        else if (field == 7) changed.outputBits = uint8(bound(salt, 2, 31));
        else if (field == 8) changed.setup.ptauHash = keccak256(abi.encode(salt));
        else if (field == 9) changed.setup.contributions = uint16(bound(salt, 4, type(uint16).max));
        else if (field == 10) changed.parametersRoot = keccak256(abi.encode(salt, "parameters"));
        else if (field == 11) changed.stageCount = uint32(bound(salt, 3, type(uint32).max));
        else if (field == 12) changed.privateInput = true;
        else changed.setup.insecure = true;
        assertNotEq(registry.computeDefinitionHash(changed, changedKey), registry.computeDefinitionHash(_definition(), key));
    }

    /// @dev The attack on the old registry: a front-runner registered the victim's id first with a
    ///      verifier it could later switch to accept anything, and the owner's registration reverted.
    ///      Now the id is derived: a copy sent by the attacker is the attacker's own listing of the
    ///      same definition (same key, same verifier), and the owner's registration still goes through.
    function test_FrontRunningARegistrationCannotTakeTheOwnersId() public {
        vm.prank(stranger);
        bytes32 copied = registry.registerModel(_definition(), key, type(uint80).max, "ipfs://evil");
        bytes32 ownerId = _register();
        assertNotEq(copied, ownerId);
        assertEq(registry.getModel(ownerId).owner, owner);
        assertEq(registry.getModel(ownerId).terms.fee, 1 ether);
        assertEq(registry.getModel(ownerId).metadataURI, "ipfs://manifest");
        // Both listings verify with exactly the same key and verifier.
        assertEq(registry.getModel(copied).definitionHash, registry.getModel(ownerId).definitionHash);
        assertEq(registry.getModel(copied).verificationKey, registry.getModel(ownerId).verificationKey);
        assertEq(registry.getModel(copied).verifier, registry.getModel(ownerId).verifier);
    }

    function test_OwnerActionsNeverChangeWhatVerifies() public {
        bytes32 modelId = _register();
        IModelRegistry.Model memory before = registry.getModel(modelId);
        vm.startPrank(owner);
        registry.setFee(modelId, 5 ether);
        registry.setMetadataURI(modelId, "ipfs://new");
        registry.registerVersion(modelId, _attestedOnly(), "", 0, "");
        registry.deprecateModel(modelId);
        registry.transferModelOwnership(modelId, stranger);
        vm.stopPrank();
        IModelRegistry.Model memory afterwards = registry.getModel(modelId);
        assertEq(afterwards.definitionHash, before.definitionHash);
        assertEq(afterwards.verificationKey, before.verificationKey);
        assertEq(afterwards.verifier, before.verifier);
        assertEq(uint8(afterwards.proofSystem), uint8(before.proofSystem));
        assertEq(afterwards.setup.ptauHash, before.setup.ptauHash);
        assertEq(registry.getVerificationKey(modelId), key);
    }

    function test_EqualKeysShareOneKeyContract() public {
        bytes32 first = _register();
        IModelRegistry.ModelDefinition memory other = _definition();
        other.onnxHash = keccak256("another onnx with the same circuit");
        vm.prank(owner);
        bytes32 second = registry.registerModel(other, key, 0, "");
        assertEq(registry.getModel(first).verificationKey, registry.getModel(second).verificationKey);
    }

    function test_UnlistedAndInsecureSetupsAreRecordedAsSuch() public {
        IModelRegistry.ModelDefinition memory definition = _definition();
        definition.setup = IModelRegistry.SetupRecord({ptauHash: keccak256("dev ptau"), contributions: 1, insecure: true});
        vm.prank(owner);
        bytes32 modelId = registry.registerModel(definition, key, 0, "");
        IModelRegistry.Model memory model = registry.getModel(modelId);
        assertFalse(model.listedCeremony);
        assertTrue(model.setup.insecure);
        assertEq(model.setup.contributions, 1);
    }

    function test_EveryListedCeremonyFileIsRecognised() public view {
        assertTrue(registry.isListedCeremony(0xd6a8fb3a04feb600096c3b791f936a578c4e664d262e4aa24beed1b7a9a96aa5));
        assertTrue(registry.isListedCeremony(HERMEZ_14));
        assertTrue(registry.isListedCeremony(0x55c77ce8562366c91e7cda394cf7b7c15a06c12d8c905e8b36ba9cf5e13eb37d));
        assertFalse(registry.isListedCeremony(bytes32(0)));
        assertFalse(registry.isListedCeremony(keccak256("dev ptau")));
    }

    function test_RegisterAttestedOnlyModel() public {
        vm.prank(owner);
        bytes32 modelId = registry.registerModel(_attestedOnly(), "", 0, "");
        IModelRegistry.Model memory model = registry.getModel(modelId);
        assertFalse(model.terms.hasVerifier);
        assertEq(model.verifier, address(0));
        assertEq(model.verificationKey, address(0));
        assertEq(registry.getVerificationKey(modelId), "");
    }

    /// @dev The attack on the old registry: an adapter built for 3 signals set hasVerifier on a
    ///      2-signal model and rejected every real proof, so a lie could not be disputed.
    function test_RevertWhen_KeyTakesAnotherSignalCount() public {
        IModelRegistry.ModelDefinition memory definition = _definition();
        definition.outputValues = 8; // 8 outputs of 32 bits: 2 words, so 4 public signals with the beneficiary.
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.PublicSignalCountMismatch.selector, 4, 3));
        registry.registerModel(definition, key, 0, "");
    }

    function test_RevertWhen_KeyIsMalformed() public {
        bytes memory truncated = new bytes(key.length - 32);
        vm.expectRevert(abi.encodeWithSelector(IProofVerifier.InvalidVerificationKey.selector, truncated.length));
        registry.registerModel(_definition(), truncated, 0, "");
    }

    function test_RevertWhen_ProvedModelHasNoKey() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.VerificationKeyNotExpected.selector, IModelRegistry.ProofSystem.Groth16, 0
            )
        );
        registry.registerModel(_definition(), "", 0, "");
    }

    function test_RegisterPlonkModelWithItsUniversalSetup() public {
        string memory json = vm.readFile("contracts/test/fixtures/plonk/square.json");
        bytes memory plonkKey = vm.parseJsonBytes(json, ".encodedVerificationKey");
        IModelRegistry.ModelDefinition memory definition = _definition();
        definition.proofSystem = IModelRegistry.ProofSystem.Plonk;
        definition.setup.contributions = 0;
        vm.prank(owner);
        bytes32 modelId = registry.registerModel(definition, plonkKey, 0, "");
        IModelRegistry.Model memory model = registry.getModel(modelId);
        assertEq(model.verifier, address(registry.PLONK_VERIFIER()));
        assertEq(registry.getVerificationKey(modelId), plonkKey);
        assertTrue(model.listedCeremony);
    }

    function test_RevertWhen_PlonkModelClaimsAPhase2OrCarriesAGroth16Key() public {
        IModelRegistry.ModelDefinition memory definition = _definition();
        definition.proofSystem = IModelRegistry.ProofSystem.Plonk;
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.InvalidSetupRecord.selector, IModelRegistry.ProofSystem.Plonk, HERMEZ_14, 3
            )
        );
        registry.registerModel(definition, key, 0, "");
        definition.setup.contributions = 0;
        vm.expectRevert(abi.encodeWithSelector(IProofVerifier.InvalidVerificationKey.selector, key.length));
        registry.registerModel(definition, key, 0, "");
    }

    function test_RevertWhen_AttestedOnlyModelCarriesAKeyOrASetup() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.VerificationKeyNotExpected.selector, IModelRegistry.ProofSystem.None, key.length
            )
        );
        registry.registerModel(_attestedOnly(), key, 0, "");
        IModelRegistry.ModelDefinition memory definition = _attestedOnly();
        definition.setup.insecure = true;
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.InvalidSetupRecord.selector, IModelRegistry.ProofSystem.None, 0, 0)
        );
        registry.registerModel(definition, "", 0, "");
    }

    function test_RevertWhen_Groth16SetupHasNoContributionOrNoPtau() public {
        IModelRegistry.ModelDefinition memory definition = _definition();
        definition.setup.contributions = 0;
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.InvalidSetupRecord.selector, IModelRegistry.ProofSystem.Groth16, HERMEZ_14, 0
            )
        );
        registry.registerModel(definition, key, 0, "");
        definition.setup = IModelRegistry.SetupRecord({ptauHash: bytes32(0), contributions: 1, insecure: false});
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.InvalidSetupRecord.selector, IModelRegistry.ProofSystem.Groth16, bytes32(0), 1
            )
        );
        registry.registerModel(definition, key, 0, "");
    }

    function test_RevertWhen_AHashIsZero() public {
        IModelRegistry.ModelDefinition memory definition = _definition();
        definition.onnxHash = bytes32(0);
        vm.expectRevert(IModelRegistry.InvalidHash.selector);
        registry.registerModel(definition, key, 0, "");
    }

    /// @dev A model whose weights are not committed could not be disputed by a trace game.
    function test_RevertWhen_ParametersAreNotCommitted() public {
        IModelRegistry.ModelDefinition memory definition = _definition();
        definition.parametersRoot = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidParameters.selector, bytes32(0), uint32(2)));
        registry.registerModel(definition, key, 0, "");
        definition = _definition();
        definition.stageCount = 0;
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.InvalidParameters.selector, definition.parametersRoot, uint32(0))
        );
        registry.registerModel(definition, key, 0, "");
    }

    function test_RevertWhen_GettingTraceParametersOfAnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, bytes32(uint256(7))));
        registry.getTraceParameters(bytes32(uint256(7)));
    }

    function test_UnknownModelHasStatusNone() public view {
        assertEq(uint8(registry.getModelTerms(keccak256("unknown")).status), uint8(IModelRegistry.ModelStatus.None));
    }

    function test_RevertWhen_InputPackingIsInvalid() public {
        IModelRegistry.ModelDefinition memory definition = _attestedOnly();
        definition.inputBits = 1;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidPacking.selector, 196, 1));
        registry.registerModel(definition, "", 0, "");
        definition.inputBits = 249;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidPacking.selector, 196, 249));
        registry.registerModel(definition, "", 0, "");
        definition.inputBits = 8;
        definition.inputValues = 0;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidPacking.selector, 0, 8));
        registry.registerModel(definition, "", 0, "");
    }

    function test_RevertWhen_OutputNeedsMoreThanMaxWords() public {
        IModelRegistry.ModelDefinition memory definition = _attestedOnly();
        definition.outputBits = 248;
        definition.outputValues = 65_536;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidPacking.selector, 65_536, 248));
        registry.registerModel(definition, "", 0, "");
    }

    function test_RevertWhen_FeeDoesNotFitARequest() public {
        uint96 fee = uint96(type(uint80).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.FeeTooLarge.selector, fee, uint256(type(uint80).max)));
        registry.registerModel(_definition(), key, fee, "");
    }

    function test_RegisterVersionLinksBothWays() public {
        bytes32 modelId = _register();
        IModelRegistry.ModelDefinition memory next = _definition();
        next.quantizationHash = keccak256("square.quantization v2");
        bytes32 nextId = registry.computeModelId(registry.computeDefinitionHash(next, key), owner);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelVersionRegistered(modelId, nextId);
        vm.prank(owner);
        assertEq(registry.registerVersion(modelId, next, key, 1 ether, ""), nextId);

        assertEq(registry.getModel(modelId).nextVersion, nextId);
        assertEq(registry.getModel(nextId).previousVersion, modelId);
        assertEq(registry.getModel(nextId).owner, owner);
        assertEq(registry.getModel(nextId).terms.index, 2);
        assertEq(uint8(registry.getModel(modelId).terms.status), uint8(IModelRegistry.ModelStatus.Active));
    }

    function test_RevertWhen_StrangerRegistersAVersion() public {
        bytes32 modelId = _register();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, modelId, stranger));
        vm.prank(stranger);
        registry.registerVersion(modelId, _attestedOnly(), "", 0, "");
    }

    function test_RevertWhen_VersionOfAnUnknownModel() public {
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, unknown));
        registry.registerVersion(unknown, _attestedOnly(), "", 0, "");
    }

    function test_RevertWhen_ASecondNextVersionIsRegistered() public {
        bytes32 modelId = _register();
        vm.startPrank(owner);
        bytes32 next = registry.registerVersion(modelId, _attestedOnly(), "", 0, "");
        IModelRegistry.ModelDefinition memory another = _attestedOnly();
        another.onnxHash = keccak256("v2 bis");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NextVersionAlreadyRegistered.selector, modelId, next));
        registry.registerVersion(modelId, another, "", 0, "");
        vm.stopPrank();
    }

    function test_DeprecateModel() public {
        bytes32 modelId = _register();
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelDeprecated(modelId);
        vm.prank(owner);
        registry.deprecateModel(modelId);
        assertEq(uint8(registry.getModelTerms(modelId).status), uint8(IModelRegistry.ModelStatus.Deprecated));
    }

    function test_RevertWhen_DeprecatingTwice() public {
        bytes32 modelId = _register();
        vm.startPrank(owner);
        registry.deprecateModel(modelId);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelAlreadyDeprecated.selector, modelId));
        registry.deprecateModel(modelId);
        vm.stopPrank();
    }

    function test_RevertWhen_StrangerDeprecates() public {
        bytes32 modelId = _register();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, modelId, stranger));
        vm.prank(stranger);
        registry.deprecateModel(modelId);
    }

    function test_SetFee() public {
        bytes32 modelId = _register();
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelFeeUpdated(modelId, 2 ether);
        vm.prank(owner);
        registry.setFee(modelId, 2 ether);
        assertEq(registry.getModelTerms(modelId).fee, 2 ether);
    }

    function test_RevertWhen_SetFeeTooLarge() public {
        bytes32 modelId = _register();
        uint96 fee = uint96(type(uint80).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.FeeTooLarge.selector, fee, uint256(type(uint80).max)));
        vm.prank(owner);
        registry.setFee(modelId, fee);
    }

    function test_RevertWhen_StrangerSetsFee() public {
        bytes32 modelId = _register();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, modelId, stranger));
        vm.prank(stranger);
        registry.setFee(modelId, 0);
    }

    function test_SetMetadataURI() public {
        bytes32 modelId = _register();
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelMetadataUpdated(modelId, "ipfs://new");
        vm.prank(owner);
        registry.setMetadataURI(modelId, "ipfs://new");
        assertEq(registry.getModel(modelId).metadataURI, "ipfs://new");
    }

    function test_RevertWhen_StrangerSetsMetadata() public {
        bytes32 modelId = _register();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, modelId, stranger));
        vm.prank(stranger);
        registry.setMetadataURI(modelId, "ipfs://evil");
    }

    function test_TransferOwnership() public {
        bytes32 modelId = _register();
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelOwnershipTransferred(modelId, owner, stranger);
        vm.prank(owner);
        registry.transferModelOwnership(modelId, stranger);
        assertEq(registry.getModel(modelId).owner, stranger);

        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, modelId, owner));
        vm.prank(owner);
        registry.setFee(modelId, 0);
    }

    function test_RevertWhen_TransferToZero() public {
        bytes32 modelId = _register();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidOwner.selector, address(0)));
        vm.prank(owner);
        registry.transferModelOwnership(modelId, address(0));
    }

    function test_RevertWhen_GettingAnUnknownModel() public {
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, unknown));
        registry.getModel(unknown);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, unknown));
        registry.getVerificationKey(unknown);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIndexNotFound.selector, 1));
        registry.getModelAt(1);
    }

    function testFuzz_PackingValidation(uint32 values, uint8 bits) public {
        IModelRegistry.ModelDefinition memory definition = _attestedOnly();
        definition.outputValues = values;
        definition.outputBits = bits;
        bool valid = values != 0 && bits >= 2 && bits <= 248
            && (uint256(values) + 248 / bits - 1) / (248 / bits) <= type(uint16).max;
        if (!valid) vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidPacking.selector, values, bits));
        registry.registerModel(definition, "", 0, "");
    }

    function test_GasRegisterModel() public {
        vm.prank(owner);
        uint256 before = gasleft();
        registry.registerModel(_definition(), key, 1 ether, "ipfs://manifest");
        uint256 proved = before - gasleft();
        IModelRegistry.ModelDefinition memory other = _definition();
        other.onnxHash = keccak256("same key, new model");
        vm.prank(owner);
        before = gasleft();
        registry.registerModel(other, key, 1 ether, "ipfs://manifest");
        uint256 sharedKey = before - gasleft();
        vm.prank(owner);
        before = gasleft();
        registry.registerModel(_attestedOnly(), "", 1 ether, "ipfs://manifest");
        uint256 attested = before - gasleft();
        console.log("registerModel, Groth16 with 3 signals (key contract created): %d gas", proved);
        console.log("registerModel, Groth16, key already stored:                   %d gas", sharedKey);
        console.log("registerModel, attested only:                                 %d gas", attested);
    }

    function _keyCreationCode(bytes memory verificationKey) internal pure returns (bytes memory) {
        return abi.encodePacked(hex"61", uint16(verificationKey.length + 1), hex"80600a3d393df300", verificationKey);
    }
}
