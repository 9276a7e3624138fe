// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

import {ModelRegistry} from "../src/ModelRegistry.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {VerifierStub} from "./utils/VerifierStub.sol";

contract ModelRegistryTest is Test {
    bytes32 internal constant MODEL = keccak256("model");
    bytes32 internal constant NEXT = keccak256("model v2");

    ModelRegistry internal registry;
    address internal owner = makeAddr("owner");
    address internal stranger = makeAddr("stranger");
    address internal verifier = address(new VerifierStub());

    function setUp() public {
        registry = new ModelRegistry();
    }

    function _params() internal view returns (IModelRegistry.ModelParams memory) {
        return IModelRegistry.ModelParams({
            verifier: verifier,
            inputValues: 196,
            inputBits: 8,
            outputValues: 10,
            outputBits: 16,
            fee: 1 ether,
            metadataURI: "ipfs://manifest"
        });
    }

    function _register() internal {
        vm.prank(owner);
        registry.registerModel(MODEL, _params());
    }

    function test_RegisterModelStoresTermsAndEmits() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelRegistered(MODEL, 1, owner, verifier, 196, 8, 10, 16, 1 ether, "ipfs://manifest");
        _register();

        IModelRegistry.Model memory model = registry.getModel(MODEL);
        assertEq(model.owner, owner);
        assertEq(model.verifier, verifier);
        assertEq(model.metadataURI, "ipfs://manifest");
        assertEq(model.previousVersion, bytes32(0));
        assertEq(model.terms.index, 1);
        assertEq(model.terms.fee, 1 ether);
        assertEq(model.terms.inputValues, 196);
        assertEq(model.terms.inputBits, 8);
        assertEq(model.terms.outputValues, 10);
        assertEq(model.terms.outputBits, 16);
        assertTrue(model.terms.hasVerifier);
        assertEq(uint8(model.terms.status), uint8(IModelRegistry.ModelStatus.Active));
        assertEq(registry.modelCount(), 1);

        (bytes32 modelId, IModelRegistry.ModelTerms memory terms, address storedVerifier) = registry.getModelAt(1);
        assertEq(modelId, MODEL);
        assertEq(terms.index, 1);
        assertEq(storedVerifier, verifier);
        assertEq(registry.getModelTerms(MODEL).fee, 1 ether);
    }

    function test_RegisterModelWithoutVerifier() public {
        IModelRegistry.ModelParams memory params = _params();
        params.verifier = address(0);
        registry.registerModel(MODEL, params);
        assertFalse(registry.getModelTerms(MODEL).hasVerifier);
    }

    function test_UnknownModelHasStatusNone() public view {
        assertEq(uint8(registry.getModelTerms(MODEL).status), uint8(IModelRegistry.ModelStatus.None));
    }

    function test_RevertWhen_ModelIdIsZero() public {
        vm.expectRevert(IModelRegistry.InvalidModelId.selector);
        registry.registerModel(bytes32(0), _params());
    }

    function test_RevertWhen_ModelIsAlreadyRegistered() public {
        _register();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelAlreadyRegistered.selector, MODEL));
        registry.registerModel(MODEL, _params());
    }

    function test_RevertWhen_InputPackingIsInvalid() public {
        IModelRegistry.ModelParams memory params = _params();
        params.inputBits = 1;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidPacking.selector, 196, 1));
        registry.registerModel(MODEL, params);
        params.inputBits = 249;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidPacking.selector, 196, 249));
        registry.registerModel(MODEL, params);
        params.inputBits = 8;
        params.inputValues = 0;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidPacking.selector, 0, 8));
        registry.registerModel(MODEL, params);
    }

    function test_RevertWhen_OutputNeedsMoreThanMaxWords() public {
        IModelRegistry.ModelParams memory params = _params();
        params.outputBits = 248;
        params.outputValues = 65_536;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidPacking.selector, 65_536, 248));
        registry.registerModel(MODEL, params);
    }

    function test_RevertWhen_FeeDoesNotFitARequest() public {
        IModelRegistry.ModelParams memory params = _params();
        params.fee = uint96(type(uint80).max) + 1;
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.FeeTooLarge.selector, params.fee, uint256(type(uint80).max))
        );
        registry.registerModel(MODEL, params);
    }

    function test_RevertWhen_VerifierHasNoCode() public {
        IModelRegistry.ModelParams memory params = _params();
        params.verifier = makeAddr("eoa");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.VerifierNotContract.selector, params.verifier));
        registry.registerModel(MODEL, params);
    }

    function test_RegisterVersionLinksBothWays() public {
        _register();
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelVersionRegistered(MODEL, NEXT);
        vm.prank(owner);
        registry.registerVersion(MODEL, NEXT, _params());

        assertEq(registry.getModel(MODEL).nextVersion, NEXT);
        assertEq(registry.getModel(NEXT).previousVersion, MODEL);
        assertEq(registry.getModel(NEXT).owner, owner);
        assertEq(registry.getModel(NEXT).terms.index, 2);
        assertEq(uint8(registry.getModel(MODEL).terms.status), uint8(IModelRegistry.ModelStatus.Active));
    }

    function test_RevertWhen_StrangerRegistersAVersion() public {
        _register();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, MODEL, stranger));
        vm.prank(stranger);
        registry.registerVersion(MODEL, NEXT, _params());
    }

    function test_RevertWhen_VersionOfAnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, MODEL));
        registry.registerVersion(MODEL, NEXT, _params());
    }

    function test_RevertWhen_ASecondNextVersionIsRegistered() public {
        _register();
        vm.startPrank(owner);
        registry.registerVersion(MODEL, NEXT, _params());
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NextVersionAlreadyRegistered.selector, MODEL, NEXT));
        registry.registerVersion(MODEL, keccak256("model v2 bis"), _params());
        vm.stopPrank();
    }

    function test_DeprecateModel() public {
        _register();
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelDeprecated(MODEL);
        vm.prank(owner);
        registry.deprecateModel(MODEL);
        assertEq(uint8(registry.getModelTerms(MODEL).status), uint8(IModelRegistry.ModelStatus.Deprecated));
    }

    function test_RevertWhen_DeprecatingTwice() public {
        _register();
        vm.startPrank(owner);
        registry.deprecateModel(MODEL);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelAlreadyDeprecated.selector, MODEL));
        registry.deprecateModel(MODEL);
        vm.stopPrank();
    }

    function test_RevertWhen_StrangerDeprecates() public {
        _register();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, MODEL, stranger));
        vm.prank(stranger);
        registry.deprecateModel(MODEL);
    }

    function test_SetFee() public {
        _register();
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelFeeUpdated(MODEL, 2 ether);
        vm.prank(owner);
        registry.setFee(MODEL, 2 ether);
        assertEq(registry.getModelTerms(MODEL).fee, 2 ether);
    }

    function test_RevertWhen_SetFeeTooLarge() public {
        _register();
        uint96 fee = uint96(type(uint80).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.FeeTooLarge.selector, fee, uint256(type(uint80).max)));
        vm.prank(owner);
        registry.setFee(MODEL, fee);
    }

    function test_RevertWhen_StrangerSetsFee() public {
        _register();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, MODEL, stranger));
        vm.prank(stranger);
        registry.setFee(MODEL, 0);
    }

    function test_SetMetadataURI() public {
        _register();
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelMetadataUpdated(MODEL, "ipfs://new");
        vm.prank(owner);
        registry.setMetadataURI(MODEL, "ipfs://new");
        assertEq(registry.getModel(MODEL).metadataURI, "ipfs://new");
    }

    function test_RevertWhen_StrangerSetsMetadata() public {
        _register();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, MODEL, stranger));
        vm.prank(stranger);
        registry.setMetadataURI(MODEL, "ipfs://evil");
    }

    function test_TransferOwnership() public {
        _register();
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelOwnershipTransferred(MODEL, owner, stranger);
        vm.prank(owner);
        registry.transferModelOwnership(MODEL, stranger);
        assertEq(registry.getModel(MODEL).owner, stranger);

        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, MODEL, owner));
        vm.prank(owner);
        registry.setFee(MODEL, 0);
    }

    function test_RevertWhen_TransferToZero() public {
        _register();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidOwner.selector, address(0)));
        vm.prank(owner);
        registry.transferModelOwnership(MODEL, address(0));
    }

    function test_RevertWhen_GettingAnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, MODEL));
        registry.getModel(MODEL);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIndexNotFound.selector, 1));
        registry.getModelAt(1);
    }

    function testFuzz_PackingValidation(uint32 values, uint8 bits) public {
        IModelRegistry.ModelParams memory params = _params();
        params.outputValues = values;
        params.outputBits = bits;
        bool valid = values != 0 && bits >= 2 && bits <= 248
            && (uint256(values) + 248 / bits - 1) / (248 / bits) <= type(uint16).max;
        if (!valid) vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidPacking.selector, values, bits));
        registry.registerModel(MODEL, params);
    }
}
