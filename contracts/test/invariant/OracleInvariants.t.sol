// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceOracle} from "../../src/interfaces/IInferenceOracle.sol";
import {IOperatorStaking} from "../../src/interfaces/IOperatorStaking.sol";
import {VeridictTest} from "../utils/VeridictTest.sol";
import {OracleHandler} from "./OracleHandler.sol";

contract OracleInvariantsTest is VeridictTest {
    OracleHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new OracleHandler(
            oracle,
            squareModel,
            largeModel,
            FEE,
            operators,
            operatorKeys,
            squareInput,
            squareOutput,
            largeInput,
            squareProof
        );
        targetContract(address(handler));
    }

    /// @dev oracle + staking balance == stakes + rewards + escrowed fees + withdrawable balances.
    function invariant_EveryWeiIsAccounted() public view {
        uint256 rewards;
        for (uint256 i; i < handler.operatorCount(); ++i) {
            rewards += staking.getOperator(handler.operators(i)).rewards;
        }
        assertEq(address(staking).balance, staking.totalStaked() + rewards, "staking");

        uint256 escrowed;
        for (uint256 i; i < handler.requestCount(); ++i) {
            IInferenceOracle.Request memory request = oracle.getRequest(handler.requestIds(i));
            if (
                request.status == IInferenceOracle.Status.Requested
                    || request.status == IInferenceOracle.Status.Attested
            ) {
                escrowed += request.fee;
            }
        }
        uint256 balances;
        for (uint256 i; i < handler.actorCount(); ++i) {
            balances += oracle.balanceOf(handler.actors(i));
        }
        assertEq(address(oracle).balance, escrowed + balances, "oracle");
    }

    function invariant_NoRequestIsFinalOrDeliveredTwice() public view {
        for (uint256 i; i < handler.requestCount(); ++i) {
            uint256 requestId = handler.requestIds(i);
            IInferenceOracle.Request memory request = oracle.getRequest(requestId);
            bool isFinal = request.status == IInferenceOracle.Status.Fulfilled
                || request.status == IInferenceOracle.Status.Finalized;
            assertEq(handler.finalTransitions(requestId), isFinal ? 1 : 0, "final transitions");
            uint256 deliveries = handler.CONSUMER().deliveries(requestId);
            if (request.callback != address(0)) assertEq(deliveries, isFinal ? 1 : 0, "deliveries");
            else assertEq(deliveries, 0, "no callback");
        }
    }

    function invariant_SlashedOperatorsSignatureNeverCounts() public view {
        assertFalse(handler.slashedSignatureCounted(), "a slashed signer's attestation was accepted");
        for (uint256 i; i < handler.operatorCount(); ++i) {
            address account = handler.operators(i);
            IOperatorStaking.Operator memory operator = staking.getOperator(account);
            if (!operator.slashed) continue;
            assertFalse(staking.isActive(account));
            assertEq(uint256(operator.stake) + operator.unbonding, 0);
            assertLe(operator.rewards, handler.rewardsWhenSlashed(account), "rewarded after slash");
        }
    }
}
