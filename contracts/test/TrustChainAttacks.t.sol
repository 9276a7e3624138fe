// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";
import {SQUARE_PROOF_BENEFICIARY} from "./utils/SquareFixture.sol";

/// @dev The trust-chain attacks on the previous registry (model ids first come, first served, with a
///      caller-supplied verifier), replayed against the registry-derived ids. Against the previous
///      contracts each of these succeeded: an attacker registered the victim's id first with a
///      verifier that accepted the honest proof and could later be switched to accept anything,
///      then fulfilled with junk and "disputed" honest attesters into slashing, and the owner's own
///      registration reverted; a verifier built for the wrong signal count let a lie become final.
contract TrustChainAttacksTest is VeridictTest {
    address internal attacker = makeAddr("attacker");
    address internal victim = makeAddr("victim");

    function _victimDefinition() internal pure returns (IModelRegistry.ModelDefinition memory definition) {
        definition = _squareDefinition();
        definition.onnxHash = keccak256("victim model.onnx");
    }

    function test_FrontRunnerGetsItsOwnIdAndCannotMakeJunkFinal() public {
        // The attacker sends the victim's registration first, byte for byte.
        vm.prank(attacker);
        bytes32 copied = registry.registerModel(_victimDefinition(), squareKey, FEE, "ipfs://victim");
        vm.prank(victim);
        bytes32 victimModel = registry.registerModel(_victimDefinition(), squareKey, FEE, "ipfs://victim");
        assertNotEq(copied, victimModel);
        assertEq(registry.getModel(victimModel).owner, victim);

        // Honest operators attest the right output of a request for the victim's model.
        IInferenceOracle.Request memory attested =
            _request(victimModel, squareInput, _options(IInferenceOracle.Mode.ATTESTED, 2), FEE);
        IInferenceOracle.AttestationRecord memory record = _attest(attested, squareOutput, 2);
        uint256[] memory signers = _firstEntitled(attested, 2);
        // A junk "dispute" fails: the registry's verifier checks the registered key; no one can switch it.
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, attested.id));
        oracle.disputeWithProof(attested, record, squareInput, _words(999), SQUARE_PROOF_BENEFICIARY, squareProof);
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, attested.id));
        oracle.disputeWithProof(attested, record, squareInput, _words(999), SQUARE_PROOF_BENEFICIARY, hex"00");
        for (uint256 i; i < signers.length; ++i) {
            assertFalse(staking.getOperator(operators[signers[i]]).slashed);
        }
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(attested, record, squareOutput);
        assertTrue(oracle.isResult(attested.id, squareOutput), "the honest attestation is final");

        // A junk ZK fulfilment fails on both listings; the honest proof is final.
        for (uint256 i; i < 2; ++i) {
            bytes32 modelId = i == 0 ? victimModel : copied;
            IInferenceOracle.Request memory zk =
                _request(modelId, squareInput, _options(IInferenceOracle.Mode.ZK, 0), FEE);
            vm.prank(attacker);
            vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, zk.id));
            oracle.fulfillWithProof(zk, _none(), squareInput, _words(12_345), SQUARE_PROOF_BENEFICIARY, squareProof);
            vm.prank(fulfiller);
            oracle.fulfillWithProof(zk, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
            (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(zk.id);
            assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
            assertEq(outputHash, _hashWords(squareOutput) & ~bytes32(uint256(0xff)));
            assertTrue(oracle.isResult(zk.id, squareOutput));
        }
    }

    /// @dev A request commits to its model's registry index: a request for the attacker's listing
    ///      cannot be passed off as one for the victim's (or the other way round).
    function test_RevertWhen_ARequestIsPassedOffAsAnotherModels() public {
        vm.prank(attacker);
        bytes32 copied = registry.registerModel(_victimDefinition(), squareKey, FEE, "");
        vm.prank(victim);
        bytes32 victimModel = registry.registerModel(_victimDefinition(), squareKey, FEE, "");
        IInferenceOracle.Request memory request =
            _request(copied, squareInput, _options(IInferenceOracle.Mode.ZK, 0), FEE);
        IInferenceOracle.Request memory forged = abi.decode(abi.encode(request), (IInferenceOracle.Request));
        forged.modelId = victimModel;
        forged.modelIndex = registry.getModelTerms(victimModel).index;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestMismatch.selector, request.id));
        oracle.fulfillWithProof(forged, _none(), squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
    }

    function test_AKeyForAnotherSignalCountCannotBeRegisteredSoALieStaysDisputable() public {
        // The attack's model: 2 output words (4 signals with the beneficiary) registered with a 3-signal key.
        IModelRegistry.ModelDefinition memory wrongCount = _victimDefinition();
        wrongCount.outputValues = 8;
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.PublicSignalCountMismatch.selector, 4, 3));
        registry.registerModel(wrongCount, squareKey, FEE, "");

        // With the right count, a lie attested by two operators is overturned by the honest proof.
        vm.prank(victim);
        bytes32 modelId = registry.registerModel(_victimDefinition(), squareKey, FEE, "");
        IInferenceOracle.Request memory request =
            _request(modelId, squareInput, _options(IInferenceOracle.Mode.ATTESTED, 2), FEE);
        uint256[] memory lie = _words(999);
        IInferenceOracle.AttestationRecord memory record = _attest(request, lie, 2);
        uint256[] memory signers = _firstEntitled(request, 2);
        vm.prank(disputer);
        oracle.disputeWithProof(request, record, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        (, bytes32 outputHash) = oracle.getResult(request.id);
        assertEq(outputHash, _hashWords(squareOutput) & ~bytes32(uint256(0xff)));
        assertTrue(staking.getOperator(operators[signers[0]]).slashed);
        assertTrue(staking.getOperator(operators[signers[1]]).slashed);
    }
}
