// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test, Vm} from "forge-std/Test.sol";

import {InferenceOracle} from "../../src/InferenceOracle.sol";
import {ModelRegistry} from "../../src/ModelRegistry.sol";
import {OperatorStaking} from "../../src/OperatorStaking.sol";
import {TraceDisputes} from "../../src/dispute/TraceDisputes.sol";
import {IInferenceOracle} from "../../src/interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";

/// @dev Deploys the protocol the way contracts/script/deploy.ts does, registers two models and six
///      staked operators, and loads the real Groth16 fixture (out = in * in + 3, in = 7).
abstract contract VeridictTest is Test {
    uint256 internal constant MIN_STAKE = 1 ether;
    uint256 internal constant UNBONDING_PERIOD = 7 days;
    uint256 internal constant CHALLENGE_WINDOW = 1 days;
    /// @dev Blocks per committee round: round 0 (the committee's exclusive round) starts two blocks
    ///      after the request.
    uint256 internal constant ROUND_BLOCKS = 10;
    uint96 internal constant FEE = 0.01 ether;
    /// @dev The most one slash pays a disputer, reporter or requester.
    uint256 internal constant MAX_BOUNTY = 0.5 ether;
    uint256 internal constant TRACE_BOND = 0.2 ether;
    uint256 internal constant TRACE_MOVE_PERIOD = 1 hours;
    uint256 internal constant OPERATOR_COUNT = 6;
    string internal constant FIXTURE = "contracts/test/fixtures/square/fixture.json";
    /// @dev The same model with its input private: the proof shows a Poseidon commitment of `in` and a salt.
    string internal constant PRIVATE_FIXTURE = "contracts/test/fixtures/square/private/fixture.json";

    /// @dev The fixture's phase 1: a single-party ptau (test only), stated as insecure.
    bytes32 internal constant SQUARE_PTAU = keccak256("veridict.test.square-ptau");

    /// @dev 1 input value of 16 bits and 1 output value of 32 bits: one word each, proved (Groth16).
    bytes32 internal squareModel;
    /// @dev 40 inputs of 8 bits (2 words), 10 outputs of 16 bits (1 word): no proof system, ATTESTED only.
    bytes32 internal largeModel;

    ModelRegistry internal registry;
    OperatorStaking internal staking;
    InferenceOracle internal oracle;
    TraceDisputes internal traceDisputes;

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

    /// @dev Registered by _registerPrivateSquare only: the private square model, its request's one
    ///      input word (the commitment), its output and a proof bound to SQUARE_PROOF_BENEFICIARY.
    bytes32 internal privateSquareModel;
    uint256[] internal squareCommitment;
    uint256[] internal privateSquareOutput;
    bytes internal privateSquareProof;
    bytes internal privateSquareKey;

    function setUp() public virtual {
        registry = new ModelRegistry();
        (oracle, staking, traceDisputes) = _newProtocol(UNBONDING_PERIOD, CHALLENGE_WINDOW);
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
        vm.roll(1_000);
    }

    function _squareDefinition() internal pure returns (IModelRegistry.ModelDefinition memory) {
        return IModelRegistry.ModelDefinition({
            onnxHash: keccak256("veridict.test.square-plus-three.onnx"),
            quantizationHash: keccak256("veridict.test.square-plus-three.quantization"),
            parametersRoot: keccak256("veridict.test.square-plus-three.parameters"),
            stageCount: 2,
            proofSystem: IModelRegistry.ProofSystem.Groth16,
            inputValues: 1,
            inputBits: 16,
            privateInput: false,
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
            parametersRoot: keccak256(abi.encodePacked(name, ".parameters")),
            stageCount: 3,
            proofSystem: IModelRegistry.ProofSystem.None,
            inputValues: inputValues,
            inputBits: inputBits,
            privateInput: false,
            outputValues: outputValues,
            outputBits: outputBits,
            setup: IModelRegistry.SetupRecord({ptauHash: bytes32(0), contributions: 0, insecure: false})
        });
    }

    function _loadFixture() internal {
        string memory json = vm.readFile(FIXTURE);
        squareInput = vm.parseJsonUintArray(json, ".inputWords");
        squareOutput = vm.parseJsonUintArray(json, ".outputWords");
        squareProof = _proofOf(json);
        squareKey = vm.parseJsonBytes(json, ".verificationKey");
    }

    /// @dev Registers the private-input square model as modelOwner and loads its proof.
    function _registerPrivateSquare() internal {
        string memory json = vm.readFile(PRIVATE_FIXTURE);
        squareCommitment = vm.parseJsonUintArray(json, ".inputWords");
        privateSquareOutput = vm.parseJsonUintArray(json, ".outputWords");
        privateSquareProof = _proofOf(json);
        privateSquareKey = vm.parseJsonBytes(json, ".verificationKey");
        vm.prank(modelOwner);
        privateSquareModel =
            registry.registerModel(_privateSquareDefinition(), privateSquareKey, FEE, "ipfs://square-private");
    }

    function _privateSquareDefinition() internal pure returns (IModelRegistry.ModelDefinition memory definition) {
        definition = _squareDefinition();
        definition.onnxHash = keccak256("veridict.test.square-plus-three-private.onnx");
        definition.privateInput = true;
    }

    /// @dev A Groth16 fixture's proof as the verifier takes it.
    function _proofOf(string memory json) private pure returns (bytes memory) {
        uint256[] memory a = vm.parseJsonUintArray(json, ".a");
        uint256[] memory b0 = vm.parseJsonUintArray(json, ".b[0]");
        uint256[] memory b1 = vm.parseJsonUintArray(json, ".b[1]");
        uint256[] memory c = vm.parseJsonUintArray(json, ".c");
        return abi.encode([a[0], a[1]], [[b0[0], b0[1]], [b1[0], b1[1]]], [c[0], c[1]]);
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

    /// @dev Options with no callback; ATTESTED requests lock the fee (valueAtRisk 0 means the fee).
    function _options(IInferenceOracle.Mode mode, uint8 quorum)
        internal
        view
        returns (IInferenceOracle.RequestOptions memory)
    {
        return IInferenceOracle.RequestOptions({
            mode: mode,
            quorum: quorum,
            callback: address(0),
            callbackGasLimit: 0,
            callbackGasPrice: 0,
            deadline: _deadline(),
            valueAtRisk: 0,
            payer: address(0)
        });
    }

    /// @dev Requests from `requester`, paying `payment`; returns the request as InferenceRequested emitted it.
    function _request(
        bytes32 modelId,
        uint256[] memory inputWords,
        IInferenceOracle.RequestOptions memory options,
        uint256 payment
    ) internal returns (IInferenceOracle.Request memory request) {
        vm.recordLogs();
        vm.prank(requester);
        uint256 id = oracle.requestInference{value: payment}(modelId, inputWords, options);
        request = _requestFromLogs(vm.getRecordedLogs());
        assertEq(request.id, id, "the event names the returned id");
    }

    /// @dev The Request of the last InferenceRequested among `logs`.
    function _requestFromLogs(Vm.Log[] memory logs) internal pure returns (IInferenceOracle.Request memory request) {
        bool found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IInferenceOracle.InferenceRequested.selector) {
                (request,) = abi.decode(logs[i].data, (IInferenceOracle.Request, uint256[]));
                found = true;
            }
        }
        require(found, "no InferenceRequested");
    }

    function _requestSquare(IInferenceOracle.Mode mode, uint8 quorum)
        internal
        returns (IInferenceOracle.Request memory)
    {
        return _requestSquare(mode, quorum, address(0), 0);
    }

    /// @dev A callback with `gasLimit` at a zero gas price (no prepayment).
    function _requestSquare(IInferenceOracle.Mode mode, uint8 quorum, address callback, uint32 gasLimit)
        internal
        returns (IInferenceOracle.Request memory)
    {
        IInferenceOracle.RequestOptions memory options = _options(mode, quorum);
        options.callback = callback;
        options.callbackGasLimit = gasLimit;
        return _request(squareModel, squareInput, options, FEE);
    }

    function _requestLarge(uint8 quorum) internal returns (IInferenceOracle.Request memory) {
        return _request(largeModel, largeInput, _options(IInferenceOracle.Mode.ATTESTED, quorum), FEE);
    }

    /// @dev The CallbackSettled of `requestId` among `logs`: gas used, paid, refunded.
    function _callbackSettled(Vm.Log[] memory logs, uint256 requestId, address deliverer)
        internal
        pure
        returns (uint256 gasUsed, uint256 paid, uint256 refunded)
    {
        bool found;
        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].topics[0] == IInferenceOracle.CallbackSettled.selector
                    && uint256(logs[i].topics[1]) == requestId
            ) {
                assertEq(address(uint160(uint256(logs[i].topics[2]))), deliverer, "the deliverer is msg.sender");
                (gasUsed, paid, refunded) = abi.decode(logs[i].data, (uint256, uint256, uint256));
                found = true;
            }
        }
        require(found, "no CallbackSettled");
    }

    /// @dev Staking, trace games and an oracle naming each other, deployed in the order deployVeridict
    ///      uses: staking and the games first, naming the oracle's address to come.
    function _newProtocol(uint256 unbondingPeriod, uint256 challengeWindow)
        internal
        returns (InferenceOracle newOracle, OperatorStaking newStaking, TraceDisputes newGames)
    {
        address predictedOracle = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 2);
        newStaking = new OperatorStaking(predictedOracle, MIN_STAKE, unbondingPeriod);
        newGames = new TraceDisputes(IInferenceOracle(predictedOracle), registry, TRACE_BOND, TRACE_MOVE_PERIOD);
        newOracle =
            new InferenceOracle(registry, newStaking, newGames, treasury, challengeWindow, ROUND_BLOCKS, MAX_BOUNTY);
    }

    /// @dev No attestation: the record a Requested request takes.
    function _none() internal pure returns (IInferenceOracle.AttestationRecord memory) {
        return IInferenceOracle.AttestationRecord({outputHash: bytes32(0), traceRoot: bytes32(0), packed: 0});
    }

    /// @dev Moves to the first block of the request's exclusive round (its committee drawn).
    function _draw(IInferenceOracle.Request memory request) internal {
        if (block.number < request.blockNumber + 2) vm.roll(request.blockNumber + 2);
    }

    /// @dev Positions (in `operators`) of the operators entitled to sign `request` now, ascending.
    function _entitled(IInferenceOracle.Request memory request) internal view returns (uint256[] memory positions) {
        uint256[] memory all = new uint256[](OPERATOR_COUNT);
        uint256 count;
        for (uint256 i; i < OPERATOR_COUNT; ++i) {
            if (oracle.isEntitled(request, operators[i])) all[count++] = i;
        }
        positions = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            positions[i] = all[i];
        }
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

    /// @dev `key`'s signature over the batch of `attestations` (what submitAttestations checks).
    function _signBatch(uint256 key, IInferenceOracle.Attestation[] memory attestations)
        internal
        view
        returns (bytes memory)
    {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, oracle.hashAttestationBatch(attestations));
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
            outputHash: keccak256(abi.encodePacked(outputWords)),
            traceRoot: _traceOf(outputWords)
        });
    }

    /// @dev The trace root the tests' operators sign with `outputWords`: one per output, so that
    ///      signers of one output sign one trace (the trace games' own tests use real traces).
    function _traceOf(uint256[] memory outputWords) internal pure returns (bytes32) {
        return keccak256(abi.encode("veridict.test.trace", outputWords));
    }

    /// @dev The Attestation of `request` with `outputWords`.
    function _attestationOf(IInferenceOracle.Request memory request, uint256[] memory outputWords)
        internal
        pure
        returns (IInferenceOracle.Attestation memory)
    {
        return IInferenceOracle.Attestation({
            requestId: request.id,
            modelId: request.modelId,
            inputHash: request.inputHash,
            outputHash: keccak256(abi.encodePacked(outputWords)),
            traceRoot: _traceOf(outputWords)
        });
    }

    /// @dev A batch of one result.
    function _results(IInferenceOracle.Request memory request, uint256[] memory outputWords)
        internal
        pure
        returns (IInferenceOracle.AttestedResult[] memory results)
    {
        results = new IInferenceOracle.AttestedResult[](1);
        results[0] = IInferenceOracle.AttestedResult({request: request, outputWords: outputWords, traceRoot: _traceOf(outputWords)});
    }

    /// @dev Signatures over a batch of one result by the operators at `positions` (ascending).
    function _signaturesAt(
        IInferenceOracle.Request memory request,
        uint256[] memory outputWords,
        uint256[] memory positions
    ) internal view returns (bytes[] memory signatures) {
        IInferenceOracle.Attestation[] memory batch = new IInferenceOracle.Attestation[](1);
        batch[0] = _attestationOf(request, outputWords);
        signatures = new bytes[](positions.length);
        for (uint256 i; i < positions.length; ++i) {
            signatures[i] = _signBatch(operatorKeys[positions[i]], batch);
        }
    }

    /// @dev Signatures by the first `count` operators entitled to sign `request` now.
    function _signatures(IInferenceOracle.Request memory request, uint256[] memory outputWords, uint256 count)
        internal
        view
        returns (bytes[] memory)
    {
        return _signaturesAt(request, outputWords, _firstEntitled(request, count));
    }

    /// @dev The first `count` entitled positions; fails the test if the committee has fewer.
    function _firstEntitled(IInferenceOracle.Request memory request, uint256 count)
        internal
        view
        returns (uint256[] memory positions)
    {
        uint256[] memory entitled = _entitled(request);
        require(entitled.length >= count, "too few entitled operators");
        positions = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            positions[i] = entitled[i];
        }
    }

    /// @dev Submits `outputWords` for `request` signed by its first `count` entitled operators (the
    ///      committee drawn first); returns the record finalize and disputes take.
    function _attest(IInferenceOracle.Request memory request, uint256[] memory outputWords, uint256 count)
        internal
        returns (IInferenceOracle.AttestationRecord memory)
    {
        _draw(request);
        return _submit(request, outputWords, _signatures(request, outputWords, count));
    }

    /// @dev Submits one result with these signatures; returns its record.
    function _submit(IInferenceOracle.Request memory request, uint256[] memory outputWords, bytes[] memory signatures)
        internal
        returns (IInferenceOracle.AttestationRecord memory record)
    {
        vm.recordLogs();
        oracle.submitAttestations(_results(request, outputWords), signatures);
        record = _recordFromLogs(vm.getRecordedLogs(), request.id);
    }

    /// @dev The AttestationRecord AttestationSubmitted emitted for `requestId` among `logs`.
    function _recordFromLogs(Vm.Log[] memory logs, uint256 requestId)
        internal
        pure
        returns (IInferenceOracle.AttestationRecord memory record)
    {
        bool found;
        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].topics[0] == IInferenceOracle.AttestationSubmitted.selector
                    && uint256(logs[i].topics[1]) == requestId
            ) {
                (record,,,) =
                    abi.decode(logs[i].data, (IInferenceOracle.AttestationRecord, uint256[], address[], uint64));
                found = true;
            }
        }
        require(found, "no AttestationSubmitted");
    }

    /// @dev A signature over `attestation` alone (as off-chain attestations are signed).
    function _signedAlone(uint256 key, IInferenceOracle.Attestation memory attestation)
        internal
        view
        returns (IInferenceOracle.SignedAttestation memory)
    {
        return IInferenceOracle.SignedAttestation({
            attestation: attestation, batch: new bytes32[](0), index: 0, signature: _sign(key, attestation)
        });
    }

    /// @dev `key`'s signature over a batch of `attestations`, as evidence for the one at `index`.
    function _signedInBatch(uint256 key, IInferenceOracle.Attestation[] memory attestations, uint256 index)
        internal
        view
        returns (IInferenceOracle.SignedAttestation memory)
    {
        bytes32[] memory items = new bytes32[](attestations.length);
        for (uint256 i; i < attestations.length; ++i) {
            items[i] = keccak256(
                abi.encode(
                    oracle.ATTESTATION_TYPEHASH(),
                    attestations[i].requestId,
                    attestations[i].modelId,
                    attestations[i].inputHash,
                    attestations[i].outputHash,
                    attestations[i].traceRoot
                )
            );
        }
        return IInferenceOracle.SignedAttestation({
            attestation: attestations[index], batch: items, index: index, signature: _signBatch(key, attestations)
        });
    }

    /// @dev `reporter` commits to the equivocation report, and the chain moves on one block.
    function _commitEquivocation(
        address reporter,
        IInferenceOracle.SignedAttestation memory first,
        IInferenceOracle.SignedAttestation memory second
    ) internal {
        vm.prank(reporter);
        oracle.commitEquivocation(keccak256(abi.encode(reporter, first, second)));
        vm.roll(block.number + 1);
    }

    /// @dev Commits, then reveals the report from `reporter` in the next block.
    function _reportEquivocation(
        address reporter,
        IInferenceOracle.SignedAttestation memory first,
        IInferenceOracle.SignedAttestation memory second
    ) internal {
        _commitEquivocation(reporter, first, second);
        vm.prank(reporter);
        oracle.reportEquivocation(first, second);
    }

    function _attestSquare(IInferenceOracle.Request memory request, uint256[] memory outputWords, uint256 count)
        internal
        returns (IInferenceOracle.AttestationRecord memory)
    {
        return _attest(request, outputWords, count);
    }
}
