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
        vm.prank(requester);
        uint256 attested = oracle.requestInference{value: FEE}(
            victimModel, squareInput, IInferenceOracle.Mode.ATTESTED, 2, address(0), 0, _deadline()
        );
        oracle.submitAttestations(
            attested, squareOutput, _signatures(attested, victimModel, squareInput, squareOutput, 2)
        );
        // A junk "dispute" fails: the registry's verifier checks the registered key; no one can switch it.
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, attested));
        oracle.disputeWithProof(attested, squareInput, _words(999), SQUARE_PROOF_BENEFICIARY, squareProof);
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, attested));
        oracle.disputeWithProof(attested, squareInput, _words(999), SQUARE_PROOF_BENEFICIARY, hex"00");
        assertFalse(staking.getOperator(operators[0]).slashed);

        // A junk ZK fulfilment fails on both listings; the honest proof is final.
        for (uint256 i; i < 2; ++i) {
            bytes32 modelId = i == 0 ? victimModel : copied;
            vm.prank(requester);
            uint256 zk = oracle.requestInference{value: FEE}(
                modelId, squareInput, IInferenceOracle.Mode.ZK, 0, address(0), 0, _deadline()
            );
            vm.prank(attacker);
            vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidProof.selector, zk));
            oracle.fulfillWithProof(zk, squareInput, _words(12_345), SQUARE_PROOF_BENEFICIARY, squareProof);
            vm.prank(fulfiller);
            oracle.fulfillWithProof(zk, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
            (IInferenceOracle.Status status, bytes32 outputHash) = oracle.getResult(zk);
            assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
            assertEq(outputHash, _hashWords(squareOutput));
        }
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
        vm.prank(requester);
        uint256 requestId = oracle.requestInference{value: FEE}(
            modelId, squareInput, IInferenceOracle.Mode.ATTESTED, 2, address(0), 0, _deadline()
        );
        uint256[] memory lie = _words(999);
        oracle.submitAttestations(requestId, lie, _signatures(requestId, modelId, squareInput, lie, 2));
        vm.prank(disputer);
        oracle.disputeWithProof(requestId, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        (, bytes32 outputHash) = oracle.getResult(requestId);
        assertEq(outputHash, _hashWords(squareOutput));
        assertTrue(staking.getOperator(operators[0]).slashed);
        assertTrue(staking.getOperator(operators[1]).slashed);
    }
}
