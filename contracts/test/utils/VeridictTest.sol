// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

import {InferenceOracle} from "../../src/InferenceOracle.sol";
import {ModelRegistry} from "../../src/ModelRegistry.sol";
import {OperatorStaking} from "../../src/OperatorStaking.sol";
import {IInferenceOracle} from "../../src/interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";

/// @dev Deploys the protocol the way contracts/script/deploy.ts does, registers two models and six
///      staked operators, and loads the real Groth16 fixture (out = in * in + 3, in = 7).
abstract contract VeridictTest is Test {
    uint256 internal constant MIN_STAKE = 1 ether;
    uint256 internal constant UNBONDING_PERIOD = 7 days;
    uint256 internal constant CHALLENGE_WINDOW = 1 days;
    uint96 internal constant FEE = 0.01 ether;
    /// @dev The most one slash pays a disputer, reporter or requester.
    uint256 internal constant MAX_BOUNTY = 0.5 ether;
    uint256 internal constant OPERATOR_COUNT = 6;
    string internal constant FIXTURE = "contracts/test/fixtures/square/fixture.json";

    /// @dev The fixture's phase 1: a single-party ptau (test only), stated as insecure.
    bytes32 internal constant SQUARE_PTAU = keccak256("veridict.test.square-ptau");

    /// @dev 1 input value of 16 bits and 1 output value of 32 bits: one word each, proved (Groth16).
    bytes32 internal squareModel;
    /// @dev 40 inputs of 8 bits (2 words), 10 outputs of 16 bits (1 word): no proof system, ATTESTED only.
    bytes32 internal largeModel;

    ModelRegistry internal registry;
    OperatorStaking internal staking;
    InferenceOracle internal oracle;

    address internal treasury = makeAddr("treasury");
    address internal modelOwner = makeAddr("modelOwner");
    address internal requester = makeAddr("requester");
    address internal fulfiller = makeAddr("fulfiller");
    address internal disputer = makeAddr("disputer");

    /// @dev Sorted by address, as submitAttestations wants the signatures.
    address[] internal operators;
    uint256[] internal operatorKeys;

    uint256[] internal squareInput;
    uint256[] internal squareOutput;
    bytes internal squareProof;
    bytes internal squareKey;
    uint256[] internal largeInput;
    uint256[] internal largeOutput;

    function setUp() public virtual {
        registry = new ModelRegistry();
        address predictedOracle = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        staking = new OperatorStaking(predictedOracle, MIN_STAKE, UNBONDING_PERIOD);
        oracle = new InferenceOracle(registry, staking, treasury, CHALLENGE_WINDOW, MAX_BOUNTY);
        _loadFixture();

        vm.startPrank(modelOwner);
        squareModel = registry.registerModel(_squareDefinition(), squareKey, FEE, "ipfs://square-plus-three");
        largeModel = registry.registerModel(_largeDefinition(), "", FEE, "ipfs://large");
        vm.stopPrank();

        for (uint256 i; i < OPERATOR_COUNT; ++i) {
            (address account, uint256 key) = makeAddrAndKey(string.concat("operator", vm.toString(i)));
            operators.push(account);
            operatorKeys.push(key);
        }
        _sortOperators();
        for (uint256 i; i < OPERATOR_COUNT; ++i) {
            vm.deal(operators[i], 10 ether);
            vm.prank(operators[i]);
            staking.register{value: 2 ether}();
        }

        largeInput = new uint256[](2);
        largeInput[0] = 0x8e8d8c8b8a898887868584838281807f7e7d7c7b7a79787776757473727170;
        largeInput[1] = 0x91908f;
        largeOutput = new uint256[](1);
        largeOutput[0] = 0x12345678;

        vm.deal(requester, 100 ether);
        vm.deal(disputer, 1 ether);
        vm.warp(1_700_000_000);
    }

    function _squareDefinition() internal pure returns (IModelRegistry.ModelDefinition memory) {
        return IModelRegistry.ModelDefinition({
            onnxHash: keccak256("veridict.test.square-plus-three.onnx"),
            quantizationHash: keccak256("veridict.test.square-plus-three.quantization"),
            proofSystem: IModelRegistry.ProofSystem.Groth16,
            inputValues: 1,
            inputBits: 16,
            outputValues: 1,
            outputBits: 32,
            setup: IModelRegistry.SetupRecord({ptauHash: SQUARE_PTAU, contributions: 1, insecure: true})
        });
    }

    /// @dev The same square circuit under PLONK (contracts/test/fixtures/plonk/square.json): its model id and proof.
    function _registerSquarePlonk() internal returns (bytes32 modelId, bytes memory proof) {
        string memory json = vm.readFile("contracts/test/fixtures/plonk/square.json");
        IModelRegistry.ModelDefinition memory definition = _squareDefinition();
        definition.proofSystem = IModelRegistry.ProofSystem.Plonk;
        definition.setup.contributions = 0;
        vm.prank(modelOwner);
        modelId = registry.registerModel(definition, vm.parseJsonBytes(json, ".encodedVerificationKey"), FEE, "");
        proof = vm.parseJsonBytes(json, ".encodedProof");
    }

    function _largeDefinition() internal pure returns (IModelRegistry.ModelDefinition memory) {
        return _attestedOnlyDefinition("veridict.test.large", 40, 8, 10, 16);
    }

    /// @dev A model without a proof system (ATTESTED only) named `name`, with the given packing.
    function _attestedOnlyDefinition(
        string memory name,
        uint32 inputValues,
        uint8 inputBits,
        uint32 outputValues,
        uint8 outputBits
    ) internal pure returns (IModelRegistry.ModelDefinition memory) {
        return IModelRegistry.ModelDefinition({
            onnxHash: keccak256(abi.encodePacked(name, ".onnx")),
            quantizationHash: keccak256(abi.encodePacked(name, ".quantization")),
            proofSystem: IModelRegistry.ProofSystem.None,
            inputValues: inputValues,
            inputBits: inputBits,
            outputValues: outputValues,
            outputBits: outputBits,
            setup: IModelRegistry.SetupRecord({ptauHash: bytes32(0), contributions: 0, insecure: false})
        });
    }

    function _loadFixture() internal {
        string memory json = vm.readFile(FIXTURE);
        uint256[] memory a = vm.parseJsonUintArray(json, ".a");
        uint256[] memory b0 = vm.parseJsonUintArray(json, ".b[0]");
        uint256[] memory b1 = vm.parseJsonUintArray(json, ".b[1]");
        uint256[] memory c = vm.parseJsonUintArray(json, ".c");
        squareInput = vm.parseJsonUintArray(json, ".inputWords");
        squareOutput = vm.parseJsonUintArray(json, ".outputWords");
        squareProof = abi.encode([a[0], a[1]], [[b0[0], b0[1]], [b1[0], b1[1]]], [c[0], c[1]]);
        squareKey = vm.parseJsonBytes(json, ".verificationKey");
    }

    function _sortOperators() private {
        for (uint256 i = 1; i < OPERATOR_COUNT; ++i) {
            for (uint256 j = i; j > 0 && operators[j] < operators[j - 1]; --j) {
                (operators[j], operators[j - 1]) = (operators[j - 1], operators[j]);
                (operatorKeys[j], operatorKeys[j - 1]) = (operatorKeys[j - 1], operatorKeys[j]);
            }
        }
    }

    function _deadline() internal view returns (uint64) {
        return uint64(block.timestamp + 3 days);
    }

    function _requestSquare(IInferenceOracle.Mode mode, uint8 quorum) internal returns (uint256) {
        return _requestSquare(mode, quorum, address(0), 0);
    }

    function _requestSquare(IInferenceOracle.Mode mode, uint8 quorum, address callback, uint32 gasLimit)
        internal
        returns (uint256)
    {
        vm.prank(requester);
        return
            oracle.requestInference{value: FEE}(
                squareModel, squareInput, mode, quorum, callback, gasLimit, _deadline()
            );
    }

    function _requestLarge(uint8 quorum) internal returns (uint256) {
        vm.prank(requester);
        return oracle.requestInference{value: FEE}(
            largeModel, largeInput, IInferenceOracle.Mode.ATTESTED, quorum, address(0), 0, _deadline()
        );
    }

    function _hashWords(uint256[] memory words) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(words));
    }

    function _words(uint256 word) internal pure returns (uint256[] memory words) {
        words = new uint256[](1);
        words[0] = word;
    }

    function _sign(uint256 key, IInferenceOracle.Attestation memory attestation) internal view returns (bytes memory) {
        return _signWith(oracle, key, attestation);
    }

    function _signWith(InferenceOracle target, uint256 key, IInferenceOracle.Attestation memory attestation)
        internal
        view
        returns (bytes memory)
    {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, target.hashAttestation(attestation));
        return abi.encodePacked(r, s, v);
    }

    function _attestation(uint256 requestId, bytes32 modelId, uint256[] memory inputWords, uint256[] memory outputWords)
        internal
        pure
        returns (IInferenceOracle.Attestation memory)
    {
        return IInferenceOracle.Attestation({
            requestId: requestId,
            modelId: modelId,
            inputHash: keccak256(abi.encodePacked(inputWords)),
            outputHash: keccak256(abi.encodePacked(outputWords))
        });
    }

    /// @dev Signatures of the first `count` operators (ascending addresses) over the output.
    function _signatures(
        uint256 requestId,
        bytes32 modelId,
        uint256[] memory inputWords,
        uint256[] memory outputWords,
        uint256 count
    ) internal view returns (bytes[] memory) {
        return _signaturesFrom(requestId, modelId, inputWords, outputWords, 0, count);
    }

    /// @dev Signatures of operators first..first+count-1 (ascending addresses) over the output.
    function _signaturesFrom(
        uint256 requestId,
        bytes32 modelId,
        uint256[] memory inputWords,
        uint256[] memory outputWords,
        uint256 first,
        uint256 count
    ) internal view returns (bytes[] memory signatures) {
        IInferenceOracle.Attestation memory attestation = _attestation(requestId, modelId, inputWords, outputWords);
        signatures = new bytes[](count);
        for (uint256 i; i < count; ++i) {
            signatures[i] = _sign(operatorKeys[first + i], attestation);
        }
    }

    /// @dev `reporter` commits to the equivocation report, and the chain moves on one block.
    function _commitEquivocation(
        address reporter,
        IInferenceOracle.Attestation memory first,
        bytes memory firstSignature,
        IInferenceOracle.Attestation memory second,
        bytes memory secondSignature
    ) internal {
        vm.prank(reporter);
        oracle.commitEquivocation(keccak256(abi.encode(reporter, first, firstSignature, second, secondSignature)));
        vm.roll(block.number + 1);
    }

    /// @dev Commits, then reveals the report from `reporter` in the next block.
    function _reportEquivocation(
        address reporter,
        IInferenceOracle.Attestation memory first,
        bytes memory firstSignature,
        IInferenceOracle.Attestation memory second,
        bytes memory secondSignature
    ) internal {
        _commitEquivocation(reporter, first, firstSignature, second, secondSignature);
        vm.prank(reporter);
        oracle.reportEquivocation(first, firstSignature, second, secondSignature);
    }

    function _attestSquare(uint256 requestId, uint256[] memory outputWords, uint256 count) internal {
        oracle.submitAttestations(
            requestId, outputWords, _signatures(requestId, squareModel, squareInput, outputWords, count)
        );
    }
}
