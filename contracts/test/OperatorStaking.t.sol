// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

import {OperatorStaking} from "../src/OperatorStaking.sol";
import {IOperatorStaking} from "../src/interfaces/IOperatorStaking.sol";

/// @dev This test contract plays the oracle.
contract OperatorStakingTest is Test {
    uint256 internal constant MIN_STAKE = 1 ether;
    uint256 internal constant UNBONDING_PERIOD = 7 days;

    OperatorStaking internal staking;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    uint256 internal received;

    receive() external payable {
        received += msg.value;
    }

    function setUp() public {
        staking = new OperatorStaking(address(this), MIN_STAKE, UNBONDING_PERIOD);
        vm.deal(alice, 100 ether);
        vm.deal(bob, 100 ether);
    }

    function _register(address account, uint256 amount) internal {
        vm.prank(account);
        staking.register{value: amount}();
    }

    function _indices(uint32 a, uint32 b) internal pure returns (uint32[] memory indices) {
        indices = new uint32[](2);
        indices[0] = a;
        indices[1] = b;
    }

    function test_RevertWhen_ConfigurationIsInvalid() public {
        vm.expectRevert(IOperatorStaking.InvalidConfiguration.selector);
        new OperatorStaking(address(0), MIN_STAKE, UNBONDING_PERIOD);
        vm.expectRevert(IOperatorStaking.InvalidConfiguration.selector);
        new OperatorStaking(address(this), 0, UNBONDING_PERIOD);
        vm.expectRevert(IOperatorStaking.InvalidConfiguration.selector);
        new OperatorStaking(address(this), MIN_STAKE, 0);
    }

    function test_RegisterAssignsIndexesAndStake() public {
        vm.expectEmit(address(staking));
        emit IOperatorStaking.OperatorRegistered(alice, 1, 2 ether);
        _register(alice, 2 ether);
        _register(bob, 1 ether);

        assertEq(staking.indexOf(alice), 1);
        assertEq(staking.indexOf(bob), 2);
        assertEq(staking.operatorCount(), 2);
        assertEq(staking.totalStaked(), 3 ether);
        assertEq(address(staking).balance, 3 ether);
        IOperatorStaking.Operator memory operator = staking.getOperatorAt(1);
        assertEq(operator.account, alice);
        assertEq(operator.stake, 2 ether);
        assertFalse(operator.slashed);
        assertTrue(staking.isActive(alice));
    }

    function test_RevertWhen_StakeIsBelowMinimum() public {
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.StakeBelowMinimum.selector, MIN_STAKE - 1, MIN_STAKE));
        _register(alice, MIN_STAKE - 1);
    }

    function test_RevertWhen_RegisteringTwice() public {
        _register(alice, MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.OperatorAlreadyRegistered.selector, alice));
        _register(alice, MIN_STAKE);
    }

    function test_RevertWhen_StakeDoesNotFit88Bits() public {
        uint256 amount = uint256(type(uint88).max) + 1;
        vm.deal(alice, amount);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.StakeTooLarge.selector, amount));
        _register(alice, amount);
    }

    function test_AddStake() public {
        _register(alice, MIN_STAKE);
        vm.expectEmit(address(staking));
        emit IOperatorStaking.StakeAdded(alice, 0.5 ether, 1.5 ether);
        vm.prank(alice);
        staking.addStake{value: 0.5 ether}();
        assertEq(staking.getOperator(alice).stake, 1.5 ether);
        assertEq(staking.totalStaked(), 1.5 ether);
    }

    function test_RevertWhen_AddStakeUnregisteredOrZero() public {
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.OperatorNotRegistered.selector, alice));
        vm.prank(alice);
        staking.addStake{value: 1}();
        _register(alice, MIN_STAKE);
        vm.expectRevert(IOperatorStaking.ZeroAmount.selector);
        vm.prank(alice);
        staking.addStake();
    }

    function test_UnstakeThenWithdrawAfterUnbonding() public {
        _register(alice, 3 ether);
        uint256 end = block.timestamp + UNBONDING_PERIOD;
        vm.expectEmit(address(staking));
        emit IOperatorStaking.UnstakeRequested(alice, 2 ether, 2 ether, end);
        vm.prank(alice);
        staking.requestUnstake(2 ether);
        assertTrue(staking.isActive(alice));
        assertEq(staking.getOperator(alice).unbonding, 2 ether);

        vm.warp(end - 1);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.UnbondingNotFinished.selector, end));
        vm.prank(alice);
        staking.withdrawStake();

        vm.warp(end);
        uint256 before = alice.balance;
        vm.expectEmit(address(staking));
        emit IOperatorStaking.StakeWithdrawn(alice, 2 ether);
        vm.prank(alice);
        staking.withdrawStake();
        assertEq(alice.balance - before, 2 ether);
        assertEq(staking.totalStaked(), 1 ether);
        assertEq(address(staking).balance, 1 ether);
    }

    function test_UnstakingBelowMinimumDeactivates() public {
        _register(alice, 1 ether);
        vm.prank(alice);
        staking.requestUnstake(1);
        assertFalse(staking.isActive(alice));
    }

    function test_ASecondUnstakeRestartsTheClock() public {
        _register(alice, 3 ether);
        vm.prank(alice);
        staking.requestUnstake(1 ether);
        vm.warp(block.timestamp + UNBONDING_PERIOD - 1);
        vm.prank(alice);
        staking.requestUnstake(1 ether);
        IOperatorStaking.Operator memory operator = staking.getOperator(alice);
        assertEq(operator.unbonding, 2 ether);
        assertEq(operator.unbondingEnd, block.timestamp + UNBONDING_PERIOD);
    }

    function test_RevertWhen_UnstakeIsZeroOrTooMuch() public {
        _register(alice, 1 ether);
        vm.startPrank(alice);
        vm.expectRevert(IOperatorStaking.ZeroAmount.selector);
        staking.requestUnstake(0);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.InsufficientStake.selector, 2 ether, 1 ether));
        staking.requestUnstake(2 ether);
        vm.stopPrank();
    }

    function test_RevertWhen_WithdrawingWithNothingUnbonding() public {
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.OperatorNotRegistered.selector, alice));
        vm.prank(alice);
        staking.withdrawStake();
        _register(alice, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.NothingUnbonding.selector, alice));
        vm.prank(alice);
        staking.withdrawStake();
    }

    function test_SlashTakesActiveAndUnbondingStake() public {
        _register(alice, 3 ether);
        vm.prank(alice);
        staking.requestUnstake(1 ether);
        vm.expectEmit(address(staking));
        emit IOperatorStaking.OperatorSlashed(alice, 3 ether);
        uint256 amount = staking.slash(alice);

        assertEq(amount, 3 ether);
        assertEq(received, 3 ether);
        assertEq(staking.totalStaked(), 0);
        assertEq(address(staking).balance, 0);
        IOperatorStaking.Operator memory operator = staking.getOperator(alice);
        assertTrue(operator.slashed);
        assertEq(operator.stake, 0);
        assertEq(operator.unbonding, 0);
        assertFalse(staking.isActive(alice));
        assertEq(staking.slash(alice), 0);
    }

    function test_SlashOfAnUnknownOperatorTakesNothing() public {
        assertEq(staking.slash(alice), 0);
    }

    function test_RevertWhen_StrangerSlashes() public {
        _register(alice, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.CallerNotOracle.selector, bob));
        vm.prank(bob);
        staking.slash(alice);
    }

    function test_RevertWhen_SlashedOperatorStakesOrUnstakes() public {
        _register(alice, 1 ether);
        staking.slash(alice);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.OperatorIsSlashed.selector, alice));
        staking.addStake{value: 1 ether}();
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.OperatorIsSlashed.selector, alice));
        staking.requestUnstake(1);
        vm.stopPrank();
    }

    function test_CreditRewardsSplitsBetweenUnslashedOperators() public {
        _register(alice, 1 ether);
        _register(bob, 1 ether);
        uint256 unslashed = staking.creditRewards{value: 101}(_indices(1, 2), 2);
        assertEq(unslashed, 2);
        assertEq(staking.getOperator(alice).rewards, 51);
        assertEq(staking.getOperator(bob).rewards, 50);

        uint256 before = bob.balance;
        vm.expectEmit(address(staking));
        emit IOperatorStaking.RewardsWithdrawn(bob, 50);
        vm.prank(bob);
        staking.withdrawRewards();
        assertEq(bob.balance - before, 50);
        assertEq(address(staking).balance, 2 ether + 51);
    }

    function test_CreditRewardsSkipsSlashedOperators() public {
        _register(alice, 1 ether);
        _register(bob, 1 ether);
        staking.slash(alice);
        assertEq(staking.creditRewards{value: 100}(_indices(1, 2), 1), 1);
        assertEq(staking.getOperator(alice).rewards, 0);
        assertEq(staking.getOperator(bob).rewards, 100);
    }

    function test_CreditRewardsShortOfQuorumSendsTheFeeBack() public {
        _register(alice, 1 ether);
        _register(bob, 1 ether);
        staking.slash(alice);
        uint256 before = received;
        assertEq(staking.creditRewards{value: 100}(_indices(1, 2), 2), 1);
        assertEq(received - before, 100);
        assertEq(staking.getOperator(bob).rewards, 0);
    }

    function test_RevertWhen_StrangerCreditsRewards() public {
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.CallerNotOracle.selector, bob));
        vm.prank(bob);
        staking.creditRewards(_indices(1, 2), 1);
    }

    function test_RevertWhen_WithdrawingNoRewards() public {
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.OperatorNotRegistered.selector, alice));
        vm.prank(alice);
        staking.withdrawRewards();
        _register(alice, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.NoRewards.selector, alice));
        vm.prank(alice);
        staking.withdrawRewards();
    }

    function test_SlashedOperatorKeepsEarnedRewards() public {
        _register(alice, 1 ether);
        uint32[] memory indices = new uint32[](1);
        indices[0] = 1;
        staking.creditRewards{value: 7}(indices, 1);
        staking.slash(alice);
        vm.prank(alice);
        staking.withdrawRewards();
        assertEq(address(staking).balance, 0);
    }

    function test_ActiveIndicesAndAccountsAt() public {
        _register(alice, 1 ether);
        _register(bob, 1 ether);
        vm.prank(bob);
        staking.requestUnstake(1);
        address[] memory accounts = new address[](3);
        accounts[0] = alice;
        accounts[1] = bob;
        accounts[2] = makeAddr("nobody");
        uint32[] memory indices = staking.activeIndices(accounts);
        assertEq(indices[0], 1);
        assertEq(indices[1], 0);
        assertEq(indices[2], 0);

        staking.slash(alice);
        (address[] memory found, bool[] memory slashed) = staking.accountsAt(_indices(1, 2));
        assertEq(found[0], alice);
        assertEq(found[1], bob);
        assertTrue(slashed[0]);
        assertFalse(slashed[1]);
    }

    function testFuzz_StakeAccounting(uint88 stake, uint88 unstake, uint88 extra) public {
        stake = uint88(bound(stake, MIN_STAKE, 50 ether));
        extra = uint88(bound(extra, 1, 40 ether));
        unstake = uint88(bound(unstake, 1, uint256(stake) + extra));
        _register(alice, stake);
        vm.startPrank(alice);
        staking.addStake{value: extra}();
        staking.requestUnstake(unstake);
        vm.stopPrank();
        IOperatorStaking.Operator memory operator = staking.getOperator(alice);
        assertEq(uint256(operator.stake) + operator.unbonding, uint256(stake) + extra);
        assertEq(staking.totalStaked(), address(staking).balance);
        assertEq(staking.isActive(alice), operator.stake >= MIN_STAKE);
    }
}
