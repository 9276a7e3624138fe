// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {console2} from "forge-std/console2.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";

import {IInferenceOracle} from "../../src/interfaces/IInferenceOracle.sol";
import {IOperatorStaking} from "../../src/interfaces/IOperatorStaking.sol";
import {VeridictTest} from "../utils/VeridictTest.sol";
import {OracleHandler} from "./OracleHandler.sol";

/// @dev The handler never reverts (it catches what the protocol refuses and checks it was due), so
///      a revert is a bug in the handler's model and fails the run.
/// forge-config: default.invariant.fail-on-revert = true
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
        // Weighted: requests, attestations and finalizations need one another, and committees
        // are drawn and rounds pass only as blocks go by.
        bytes4[] memory selectors = new bytes4[](27);
        selectors[0] = OracleHandler.request.selector;
        selectors[1] = OracleHandler.request.selector;
        selectors[2] = OracleHandler.request.selector;
        selectors[3] = OracleHandler.attest.selector;
        selectors[4] = OracleHandler.attest.selector;
        selectors[5] = OracleHandler.attest.selector;
        selectors[6] = OracleHandler.attest.selector;
        selectors[7] = OracleHandler.fulfil.selector;
        selectors[8] = OracleHandler.dispute.selector;
        selectors[9] = OracleHandler.finalize.selector;
        selectors[10] = OracleHandler.finalize.selector;
        selectors[11] = OracleHandler.equivocate.selector;
        selectors[12] = OracleHandler.refund.selector;
        selectors[13] = OracleHandler.withdraw.selector;
        selectors[14] = OracleHandler.withdrawRewards.selector;
        selectors[15] = OracleHandler.requestUnstake.selector;
        selectors[16] = OracleHandler.withdrawStake.selector;
        selectors[17] = OracleHandler.addStake.selector;
        selectors[18] = OracleHandler.join.selector;
        selectors[19] = OracleHandler.warp.selector;
        selectors[20] = OracleHandler.warp.selector;
        selectors[21] = OracleHandler.roll.selector;
        selectors[22] = OracleHandler.roll.selector;
        selectors[23] = OracleHandler.roll.selector;
        selectors[24] = OracleHandler.fulfil.selector;
        selectors[25] = OracleHandler.dispute.selector;
        selectors[26] = OracleHandler.finalizeBatch.selector;
        targetSelector(StdInvariant.FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev Every call did what the model of the protocol says it must (succeeded or was refused,
    ///      left the expected status, slashed exactly the expected operators).
    function invariant_EveryCallFollowsTheModel() public view {
        string memory violation = handler.violation();
        assertEq(bytes(violation).length, 0, violation);
        for (uint256 i; i < handler.requestCount(); ++i) {
            uint256 requestId = handler.requestIds(i);
            (IInferenceOracle.Status status,) = oracle.getRequestState(requestId);
            assertEq(uint8(status), uint8(handler.ghostStatus(requestId)), "status");
        }
    }

    /// @dev staking balance == stakes + rewards; oracle balance == the payments (fee and prepaid
    ///      callback gas) of open requests + every withdrawable balance.
    function invariant_EveryWeiIsAccounted() public view {
        uint256 rewards;
        for (uint256 i; i < handler.operatorCount(); ++i) {
            rewards += staking.getOperator(handler.operators(i)).rewards;
        }
        assertEq(address(staking).balance, staking.totalStaked() + rewards, "staking");

        uint256 escrowed;
        for (uint256 i; i < handler.requestCount(); ++i) {
            uint256 requestId = handler.requestIds(i);
            (IInferenceOracle.Status status,) = oracle.getRequestState(requestId);
            if (status == IInferenceOracle.Status.Requested || status == IInferenceOracle.Status.Attested) {
                escrowed += handler.paymentOf(requestId);
            }
        }
        uint256 balances;
        for (uint256 i; i < handler.accountCount(); ++i) {
            balances += oracle.balanceOf(handler.accounts(i));
        }
        assertEq(address(oracle).balance, escrowed + balances, "oracle");
    }

    function invariant_NoRequestIsFinalOrDeliveredTwice() public view {
        for (uint256 i; i < handler.requestCount(); ++i) {
            uint256 requestId = handler.requestIds(i);
            (IInferenceOracle.Status status, bytes32 hash) = oracle.getRequestState(requestId);
            bool isFinal = status == IInferenceOracle.Status.Fulfilled || status == IInferenceOracle.Status.Finalized;
            assertEq(handler.finalTransitions(requestId), isFinal ? 1 : 0, "final transitions");
            uint256 deliveries = handler.CONSUMER().deliveries(requestId);
            if (handler.requestOf(requestId).callback != address(0)) {
                assertEq(deliveries, isFinal ? 1 : 0, "deliveries");
                if (isFinal) {
                    bytes32 delivered = handler.CONSUMER().deliveredHash(requestId);
                    assertEq(delivered & ~bytes32(uint256(0xff)), hash, "the final result was delivered");
                }
            } else {
                assertEq(deliveries, 0, "no callback");
            }
        }
    }

    function invariant_SlashedOperatorsSignatureNeverCounts() public view {
        assertFalse(handler.slashedSignatureCounted(), "a slashed signer's attestation was accepted");
        for (uint256 i; i < handler.operatorCount(); ++i) {
            address account = handler.operators(i);
            IOperatorStaking.Operator memory operator = staking.getOperator(account);
            if (!operator.slashed) continue;
            assertFalse(staking.isActive(account));
            assertEq(staking.weightOf(account), 0);
            assertEq(uint256(operator.stake) + operator.unbonding, 0);
            assertEq(operator.locked, 0, "a slashed operator has nothing locked");
            assertLe(operator.rewards, handler.rewardsWhenSlashed(account), "rewarded after slash");
        }
    }

    function invariant_LockedStakeNeverExceedsStake() public view {
        for (uint256 i; i < handler.operatorCount(); ++i) {
            IOperatorStaking.Operator memory operator = staking.getOperator(handler.operators(i));
            assertLe(operator.locked, operator.stake, "locked > stake");
        }
    }

    /// @dev totalLocked == the sum of the operators' locks == the value at risk of every pending
    ///      attestation times its unslashed signers.
    function invariant_TotalLockedIsWhatPendingAttestationsLock() public view {
        uint256 locked;
        for (uint256 i; i < handler.operatorCount(); ++i) {
            locked += staking.getOperator(handler.operators(i)).locked;
        }
        assertEq(staking.totalLocked(), locked, "totalLocked != sum of locks");

        uint256 atRisk;
        for (uint256 i; i < handler.requestCount(); ++i) {
            uint256 requestId = handler.requestIds(i);
            (IInferenceOracle.Status status,) = oracle.getRequestState(requestId);
            if (status != IInferenceOracle.Status.Attested) continue;
            address[] memory signers = handler.signersOf(requestId);
            uint256 valueAtRisk = handler.requestOf(requestId).valueAtRisk;
            for (uint256 j; j < signers.length; ++j) {
                if (!staking.getOperator(signers[j]).slashed) atRisk += valueAtRisk;
            }
        }
        assertEq(staking.totalLocked(), atRisk, "totalLocked != value at risk of pending attestations");
    }

    function invariant_TotalWeightIsTheSumOfWeights() public view {
        uint256 weights;
        uint256 byRule;
        for (uint256 i; i < handler.operatorCount(); ++i) {
            address account = handler.operators(i);
            IOperatorStaking.Operator memory operator = staking.getOperator(account);
            weights += staking.weightOf(account);
            if (!operator.slashed && operator.stake >= MIN_STAKE) byRule += operator.stake;
        }
        assertEq(staking.totalWeight(), weights, "totalWeight != sum of weightOf");
        assertEq(staking.totalWeight(), byRule, "totalWeight != active stake of unslashed operators");
    }

    /// @dev Only signers the oracle accepted earn, exactly their share of the fees of the
    ///      attestations finalized with their signature, and never more than those fees.
    function invariant_FeesGoOnlyToEntitledSigners() public view {
        assertFalse(handler.unentitledSignatureCounted(), "an unentitled signer's attestation was accepted");
        for (uint256 i; i < handler.operatorCount(); ++i) {
            address account = handler.operators(i);
            uint256 earned = staking.getOperator(account).rewards + handler.withdrawnRewards(account);
            assertEq(earned, handler.expectedRewards(account), "rewards differ from the fee shares earned");
            assertLe(earned, handler.signedFees(account), "rewards exceed the fees of attestations signed");
        }
    }

    /// @dev How often each action went ahead (forge test -vv shows it), so a run that exercises
    ///      nothing is seen.
    function afterInvariant() public view {
        bytes32[22] memory actions = [
            bytes32("request"),
            "attest",
            "attest batch",
            "fulfil",
            "prove attested",
            "overturn",
            "dispute",
            "finalize",
            "void",
            "finalizeBatch",
            "batch item finalized",
            "batch item voided",
            "batch item skipped",
            "batch spoiled",
            "equivocate",
            "refund",
            "withdraw",
            "withdrawRewards",
            "requestUnstake",
            "withdrawStake",
            "addStake",
            "join"
        ];
        for (uint256 i; i < actions.length; ++i) {
            console2.log(_name(actions[i]), handler.successes(actions[i]));
        }
    }

    function _name(bytes32 action) internal pure returns (string memory name) {
        uint256 length;
        while (length < 32 && action[length] != 0) ++length;
        bytes memory text = new bytes(length);
        for (uint256 i; i < length; ++i) {
            text[i] = action[i];
        }
        return string(text);
    }
}
