// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Test.sol";

import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {IOperatorStaking} from "../src/interfaces/IOperatorStaking.sol";
import {Bn254} from "../src/libraries/Bn254.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";
import {SQUARE_PROOF_BENEFICIARY} from "./utils/SquareFixture.sol";

/// @dev Private inputs: a model whose circuit shows a Poseidon commitment of its input instead of
///      the input words (contracts/test/fixtures/square/private, out = in * in + 3 with `in` and the
///      salt private), and the Baby Jubjub keys operators publish for delegated proving.
contract InferenceOraclePrivateTest is VeridictTest {
    /// @dev Baby Jubjub's Base8 (circomlibjs babyJub.Base8), a point of the prime-order subgroup.
    uint256 internal constant BASE8_X = 5299619240641551281634865583518297030282874472190772894086521144482721001553;
    uint256 internal constant BASE8_Y = 16950150798460657717958625567821834550301663161624707787222815936182638968203;
    /// @dev 2 * Base8 (circomlibjs babyJub.addPoint(Base8, Base8)).
    uint256 internal constant DOUBLE_BASE8_X =
        10031262171927540148667355526369034398030886437092045105752248699557385197826;
    uint256 internal constant DOUBLE_BASE8_Y =
        633281375905621697187330766174974863687049529291089048651929454608812697683;

    function setUp() public override {
        super.setUp();
        _registerPrivateSquare();
    }

    function _requestPrivate(IInferenceOracle.Mode mode, uint256[] memory inputWords)
        internal
        returns (IInferenceOracle.Request memory)
    {
        return _request(privateSquareModel, inputWords, _options(mode, 0), FEE);
    }

    function _fulfilPrivate(IInferenceOracle.Request memory request) internal {
        vm.prank(fulfiller);
        oracle.fulfillWithProof(request, _none(), squareCommitment, privateSquareOutput, SQUARE_PROOF_BENEFICIARY, privateSquareProof);
    }

    // ---- registry ----

    function test_PrivateInputIsPartOfTheModelId() public view {
        IModelRegistry.ModelDefinition memory asPublic = _privateSquareDefinition();
        asPublic.privateInput = false;
        assertNotEq(
            registry.computeDefinitionHash(asPublic, privateSquareKey),
            registry.computeDefinitionHash(_privateSquareDefinition(), privateSquareKey),
            "the same key read as a public-input circuit is another model"
        );
        IModelRegistry.Model memory model = registry.getModel(privateSquareModel);
        assertTrue(model.terms.privateInput);
        assertTrue(registry.getModelTerms(privateSquareModel).privateInput);
        assertFalse(registry.getModelTerms(squareModel).privateInput);
    }

    /// @dev A private input shows one signal whatever its word count: a 40-value input of 8 bits
    ///      (2 words) takes the 3-signal key privately, and is refused it publicly.
    function test_APrivateInputCountsOneSignal() public {
        IModelRegistry.ModelDefinition memory definition = _privateSquareDefinition();
        definition.inputValues = 40;
        definition.inputBits = 8;
        vm.prank(modelOwner);
        bytes32 wide = registry.registerModel(definition, privateSquareKey, FEE, "");
        assertEq(registry.getModelTerms(wide).inputValues, 40);

        definition.privateInput = false;
        vm.prank(modelOwner);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.PublicSignalCountMismatch.selector, 4, 3));
        registry.registerModel(definition, privateSquareKey, FEE, "");
    }

    function test_RevertWhen_PrivateInputWithoutProofSystem() public {
        IModelRegistry.ModelDefinition memory definition = _largeDefinition();
        definition.privateInput = true;
        vm.prank(modelOwner);
        vm.expectRevert(IModelRegistry.PrivateInputWithoutProofSystem.selector);
        registry.registerModel(definition, "", FEE, "");
    }

    // ---- requests and fulfilment ----

    function test_FulfilsAPrivateRequestWithAProof() public {
        IInferenceOracle.Request memory request = _requestPrivate(IInferenceOracle.Mode.ZK, squareCommitment);
        assertEq(request.inputHash, _hashWords(squareCommitment), "the request holds the commitment, nothing else");
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.ResultFulfilled(request.id, fulfiller, _hashWords(privateSquareOutput), privateSquareOutput);
        _fulfilPrivate(request);
        assertTrue(oracle.isResult(request.id, privateSquareOutput));
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), FEE);
    }

    /// @dev The request event carries the commitment as its only input word.
    function test_TheRequestEventCarriesOnlyTheCommitment() public {
        vm.recordLogs();
        vm.prank(requester);
        oracle.requestInference{value: FEE}(privateSquareModel, squareCommitment, _options(IInferenceOracle.Mode.ZK, 0));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        (, uint256[] memory inputWords) = abi.decode(logs[0].data, (IInferenceOracle.Request, uint256[]));
        assertEq(inputWords.length, 1);
        assertEq(inputWords[0], squareCommitment[0]);
    }

    function test_RevertWhen_PrivateRequestIsAttested() public {
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.PrivateInputRequiresZk.selector, privateSquareModel));
        oracle.requestInference{value: FEE}(privateSquareModel, squareCommitment, _options(IInferenceOracle.Mode.ATTESTED, 1));
    }

    function test_RevertWhen_PrivateRequestCarriesWordsBesideTheCommitment() public {
        uint256[] memory two = new uint256[](2);
        (two[0], two[1]) = (squareCommitment[0], 7);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InputWordCountMismatch.selector, 1, 2));
        oracle.requestInference{value: FEE}(privateSquareModel, two, _options(IInferenceOracle.Mode.ZK, 0));
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InputWordCountMismatch.selector, 1, 0));
        oracle.requestInference{value: FEE}(privateSquareModel, new uint256[](0), _options(IInferenceOracle.Mode.ZK, 0));
    }

    function testFuzz_RevertWhen_CommitmentIsNotAFieldElement(uint256 word) public {
        word = bound(word, Bn254.R, type(uint256).max);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InputCommitmentOutOfField.selector, word));
        oracle.requestInference{value: FEE}(privateSquareModel, _words(word), _options(IInferenceOracle.Mode.ZK, 0));
    }

    /// @dev A proof for one committed input does not serve a request for another commitment.
    function test_RevertWhen_TheProofIsForAnotherCommitment() public {
        uint256[] memory other = _words(squareCommitment[0] + 1);
        IInferenceOracle.Request memory request = _requestPrivate(IInferenceOracle.Mode.ZK, other);
        vm.startPrank(fulfiller);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.InputHashMismatch.selector, request.id, _hashWords(other), _hashWords(squareCommitment)
            )
        );
        oracle.fulfillWithProof(request, _none(), squareCommitment, privateSquareOutput, SQUARE_PROOF_BENEFICIARY, privateSquareProof);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, request.id));
        oracle.fulfillWithProof(request, _none(), other, privateSquareOutput, SQUARE_PROOF_BENEFICIARY, privateSquareProof);
        vm.stopPrank();
    }

    function test_RevertWhen_ThePrivateOutputIsChanged() public {
        IInferenceOracle.Request memory request = _requestPrivate(IInferenceOracle.Mode.ZK, squareCommitment);
        vm.prank(fulfiller);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, request.id));
        oracle.fulfillWithProof(
            request, _none(), squareCommitment, _words(privateSquareOutput[0] + 1), SQUARE_PROOF_BENEFICIARY, privateSquareProof
        );
    }

    // ---- operators' encryption keys ----

    function test_AnOperatorPublishesAndReplacesItsEncryptionKey() public {
        address operator = operators[0];
        (uint256 x, uint256 y) = staking.encryptionKeyOf(operator);
        assertEq(x, 0);
        assertEq(y, 0);
        vm.expectEmit(address(staking));
        emit IOperatorStaking.EncryptionKeySet(operator, BASE8_X, BASE8_Y);
        vm.prank(operator);
        staking.setEncryptionKey(BASE8_X, BASE8_Y);
        (x, y) = staking.encryptionKeyOf(operator);
        assertEq(x, BASE8_X);
        assertEq(y, BASE8_Y);

        vm.prank(operator);
        staking.setEncryptionKey(DOUBLE_BASE8_X, DOUBLE_BASE8_Y);
        (x, y) = staking.encryptionKeyOf(operator);
        assertEq(x, DOUBLE_BASE8_X);
        assertEq(y, DOUBLE_BASE8_Y);
    }

    function test_RevertWhen_TheEncryptionKeyIsNotAPoint() public {
        vm.startPrank(operators[0]);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.InvalidEncryptionKey.selector, BASE8_X, BASE8_Y + 1));
        staking.setEncryptionKey(BASE8_X, BASE8_Y + 1);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.InvalidEncryptionKey.selector, 0, 1));
        staking.setEncryptionKey(0, 1);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.InvalidEncryptionKey.selector, 0, 0));
        staking.setEncryptionKey(0, 0);
        // The same point with an unreduced coordinate would hash and compare differently off-chain.
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorStaking.InvalidEncryptionKey.selector, BASE8_X + Bn254.R, BASE8_Y)
        );
        staking.setEncryptionKey(BASE8_X + Bn254.R, BASE8_Y);
        vm.stopPrank();
    }

    function test_RevertWhen_ANonOperatorPublishesAKey() public {
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.OperatorNotRegistered.selector, stranger));
        staking.setEncryptionKey(BASE8_X, BASE8_Y);
    }

    function test_RevertWhen_ASlashedOperatorPublishesAKey() public {
        address operator = operators[1];
        vm.prank(address(oracle));
        staking.slash(operator);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.OperatorIsSlashed.selector, operator));
        staking.setEncryptionKey(BASE8_X, BASE8_Y);
    }
}
