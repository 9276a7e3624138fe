// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

import {OperatorStaking} from "../src/OperatorStaking.sol";
import {IOperatorStaking} from "../src/interfaces/IOperatorStaking.sol";

/// @dev This test contract plays the oracle: it locks, settles and slashes, and receives slashed
///      stake and unpaid fees.
contract OperatorStakingTest is Test {
    uint256 internal constant MIN_STAKE = 1 ether;
    uint256 internal constant UNBONDING_PERIOD = 7 days;

    OperatorStaking internal staking;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    uint256 internal received;

    receive() external payable {
        received += msg.value;
    }

    function setUp() public {
        staking = new OperatorStaking(address(this), MIN_STAKE, UNBONDING_PERIOD);
        vm.deal(alice, 100 ether);
        vm.deal(bob, 100 ether);
        vm.deal(carol, 100 ether);
        vm.roll(100);
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

    function _indices(uint32 a) internal pure returns (uint32[] memory indices) {
        indices = new uint32[](1);
        indices[0] = a;
    }

    function _signers(address a, address b) internal pure returns (address[] memory signers) {
        signers = new address[](2);
        signers[0] = a;
        signers[1] = b;
    }

    function _signers(address a) internal pure returns (address[] memory signers) {
        signers = new address[](1);
        signers[0] = a;
    }

    function test_RevertWhen_ConfigurationIsInvalid() public {
        vm.expectRevert(IOperatorStaking.InvalidConfiguration.selector);
        new OperatorStaking(address(0), MIN_STAKE, UNBONDING_PERIOD);
        vm.expectRevert(IOperatorStaking.InvalidConfiguration.selector);
        new OperatorStaking(address(this), 0, UNBONDING_PERIOD);
        vm.expectRevert(IOperatorStaking.InvalidConfiguration.selector);
        new OperatorStaking(address(this), MIN_STAKE, 0);
        vm.expectRevert(IOperatorStaking.InvalidConfiguration.selector);
        new OperatorStaking(address(this), uint256(type(uint88).max) + 1, UNBONDING_PERIOD);
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
        assertEq(staking.totalWeight(), 3 ether);
        assertEq(staking.totalLocked(), 0);
        assertEq(address(staking).balance, 3 ether);
        IOperatorStaking.Operator memory operator = staking.getOperatorAt(1);
        assertEq(operator.account, alice);
        assertEq(operator.stake, 2 ether);
        assertEq(operator.locked, 0);
        assertEq(operator.raisedAt, block.number);
        assertFalse(operator.slashed);
        assertTrue(staking.isActive(alice));
        assertEq(staking.weightOf(alice), 2 ether);
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
        assertEq(staking.totalWeight(), 1.5 ether);
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

    function test_RevertWhen_AddedStakeDoesNotFit88Bits() public {
        _register(alice, MIN_STAKE);
        uint256 amount = uint256(type(uint88).max) - MIN_STAKE + 1;
        vm.deal(alice, amount);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.StakeTooLarge.selector, amount + MIN_STAKE));
        vm.prank(alice);
        staking.addStake{value: amount}();
    }

    /// @dev raisedAt is the block of the last registration or stake increase: unstaking, locking
    ///      and settling leave it alone.
    function test_RaisedAtFollowsRegistrationAndAddedStakeOnly() public {
        _register(alice, 3 ether);
        assertEq(staking.getOperator(alice).raisedAt, 100);

        vm.roll(150);
        vm.prank(alice);
        staking.requestUnstake(1 ether);
        staking.lock(_signers(alice), 0.5 ether);
        staking.settle(_indices(1), 0.5 ether, 1);
        assertEq(staking.getOperator(alice).raisedAt, 100, "unstaking, locking and settling raise nothing");

        vm.roll(200);
        vm.prank(alice);
        staking.addStake{value: 1}();
        assertEq(staking.getOperator(alice).raisedAt, 200, "adding stake moves raisedAt to this block");
        assertEq(staking.getOperatorAt(1).raisedAt, 200);
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
        assertEq(staking.totalWeight(), 1 ether, "unbonding stake weighs nothing");
        assertEq(staking.totalStaked(), 3 ether, "unbonding stake is still staked");

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
        assertEq(staking.weightOf(alice), 0);
        assertEq(staking.totalWeight(), 0);
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

    /// @dev Locked stake backs pending attestations: only the free part can start unbonding.
    function test_RequestUnstakeOnlyFromFreeStake() public {
        _register(alice, 3 ether);
        staking.lock(_signers(alice), 2 ether);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.InsufficientStake.selector, 1 ether + 1, 1 ether));
        staking.requestUnstake(1 ether + 1);
        staking.requestUnstake(1 ether);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.InsufficientStake.selector, 1, 0));
        staking.requestUnstake(1);
        vm.stopPrank();
        IOperatorStaking.Operator memory operator = staking.getOperator(alice);
        assertEq(operator.stake, 2 ether);
        assertEq(operator.locked, 2 ether);
        assertEq(operator.unbonding, 1 ether);

        // Released by settlement, the stake is free again.
        staking.settle(_indices(1), 2 ether, 1);
        vm.prank(alice);
        staking.requestUnstake(2 ether);
        assertEq(staking.getOperator(alice).stake, 0);
        assertEq(staking.getOperator(alice).unbonding, 3 ether);
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
        staking.lock(_signers(alice), 0.5 ether);
        vm.expectEmit(address(staking));
        emit IOperatorStaking.OperatorSlashed(alice, 3 ether);
        uint256 amount = staking.slash(alice);

        assertEq(amount, 3 ether);
        assertEq(received, 3 ether);
        assertEq(staking.totalStaked(), 0);
        assertEq(staking.totalWeight(), 0);
        assertEq(staking.totalLocked(), 0, "a slash clears the operator's locks");
        assertEq(address(staking).balance, 0);
        IOperatorStaking.Operator memory operator = staking.getOperator(alice);
        assertTrue(operator.slashed);
        assertEq(operator.stake, 0);
        assertEq(operator.locked, 0);
        assertEq(operator.unbonding, 0);
        assertFalse(staking.isActive(alice));
        assertEq(staking.weightOf(alice), 0);
        assertEq(staking.slash(alice), 0);
        assertEq(received, 3 ether, "a second slash sends nothing");
    }

    function test_SlashOfAnUnknownOperatorTakesNothing() public {
        assertEq(staking.slash(alice), 0);
        assertEq(received, 0);
    }

    function test_RevertWhen_StrangerSlashes() public {
        _register(alice, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.CallerNotOracle.selector, bob));
        vm.prank(bob);
        staking.slash(alice);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.CallerNotOracle.selector, bob));
        vm.prank(bob);
        staking.slashAt(_indices(1));
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

    function test_SlashAtTakesEveryOperatorAtTheIndices() public {
        _register(alice, 2 ether);
        _register(bob, 3 ether);
        _register(carol, 4 ether);
        vm.prank(bob);
        staking.requestUnstake(1 ether);
        staking.lock(_signers(alice, bob), 1 ether);
        staking.lock(_signers(carol), 1 ether);
        assertEq(staking.totalLocked(), 3 ether);

        vm.expectEmit(address(staking));
        emit IOperatorStaking.OperatorSlashed(alice, 2 ether);
        vm.expectEmit(address(staking));
        emit IOperatorStaking.OperatorSlashed(bob, 3 ether);
        uint256 amount = staking.slashAt(_indices(1, 2));

        assertEq(amount, 5 ether, "active and unbonding stake of both");
        assertEq(received, 5 ether, "sent to the oracle at once");
        assertEq(staking.totalStaked(), 4 ether);
        assertEq(staking.totalWeight(), 4 ether);
        assertEq(staking.totalLocked(), 1 ether, "only carol's lock is left");
        assertTrue(staking.getOperator(alice).slashed);
        assertTrue(staking.getOperator(bob).slashed);
        assertEq(staking.getOperator(bob).unbonding, 0);
        assertFalse(staking.getOperator(carol).slashed);
        assertEq(address(staking).balance, 4 ether);
    }

    function test_SlashAtSkipsTheSlashedAndSendsNothingWhenNothingIsLeft() public {
        _register(alice, 2 ether);
        _register(bob, 3 ether);
        staking.slash(alice);
        assertEq(received, 2 ether);
        assertEq(staking.slashAt(_indices(1, 2)), 3 ether, "alice is not slashed twice");
        assertEq(received, 5 ether);
        assertEq(staking.slashAt(_indices(1, 2)), 0);
        assertEq(staking.slashAt(_indices(7)), 0, "an unknown index holds nothing");
        assertEq(received, 5 ether);
    }

    function test_LockTakesFreeStakeAndReturnsSeats() public {
        _register(alice, 2 ether);
        vm.roll(120);
        _register(bob, 3 ether);
        uint256[] memory seats = staking.lock(_signers(alice, bob), 0.5 ether);
        assertEq(seats.length, 2);
        assertEq(seats[0], uint256(1) | (uint256(2 ether) << 32) | (uint256(100) << 120));
        assertEq(seats[1], uint256(2) | (uint256(3 ether) << 32) | (uint256(120) << 120));
        assertEq(staking.getOperator(alice).locked, 0.5 ether);
        assertEq(staking.getOperator(bob).locked, 0.5 ether);
        assertEq(staking.totalLocked(), 1 ether);

        staking.lock(_signers(alice), 1.5 ether);
        assertEq(staking.getOperator(alice).locked, 2 ether, "all of alice's stake backs attestations");
        assertEq(staking.totalLocked(), 2.5 ether);
        assertEq(staking.totalWeight(), 5 ether, "locking changes no weight");
        assertEq(staking.totalStaked(), 5 ether);
    }

    function test_RevertWhen_LockExceedsFreeStake() public {
        _register(alice, 2 ether);
        _register(bob, 3 ether);
        staking.lock(_signers(bob), 1.5 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorStaking.InsufficientFreeStake.selector, bob, 1.5 ether, 1.6 ether)
        );
        staking.lock(_signers(alice, bob), 1.6 ether);
        assertEq(staking.getOperator(alice).locked, 0, "the reverted lock left alice alone");
        assertEq(staking.totalLocked(), 1.5 ether);

        vm.prank(alice);
        staking.requestUnstake(0.5 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorStaking.InsufficientFreeStake.selector, alice, 1.5 ether, 1.5 ether + 1)
        );
        staking.lock(_signers(alice), 1.5 ether + 1);
    }

    function test_RevertWhen_LockingAnInactiveSigner() public {
        _register(alice, 2 ether);
        _register(bob, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, carol));
        staking.lock(_signers(alice, carol), 0);

        vm.prank(bob);
        staking.requestUnstake(1);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, bob));
        staking.lock(_signers(bob), 0);

        staking.slash(alice);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.SignerNotActive.selector, alice));
        staking.lock(_signers(alice), 0);
    }

    function test_RevertWhen_StrangerLocksOrSettles() public {
        _register(alice, 2 ether);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.CallerNotOracle.selector, bob));
        vm.prank(bob);
        staking.lock(_signers(alice), 1 ether);
        staking.lock(_signers(alice), 1 ether);
        vm.deal(bob, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.CallerNotOracle.selector, bob));
        vm.prank(bob);
        staking.settle{value: 1}(_indices(1), 1 ether, 1);
        assertEq(staking.getOperator(alice).locked, 1 ether);
    }

    function test_SettleReleasesLocksAndSplitsTheFeeBetweenUnslashedOperators() public {
        _register(alice, 1 ether);
        _register(bob, 1 ether);
        staking.lock(_signers(alice, bob), 0.5 ether);
        vm.expectEmit(address(staking));
        emit IOperatorStaking.RewardsCredited(1, 51);
        vm.expectEmit(address(staking));
        emit IOperatorStaking.RewardsCredited(2, 50);
        uint256 unslashed = staking.settle{value: 101}(_indices(1, 2), 0.5 ether, 2);
        assertEq(unslashed, 2);
        assertEq(staking.getOperator(alice).rewards, 51);
        assertEq(staking.getOperator(bob).rewards, 50);
        assertEq(staking.getOperator(alice).locked, 0);
        assertEq(staking.getOperator(bob).locked, 0);
        assertEq(staking.totalLocked(), 0);
        assertEq(received, 0);

        uint256 before = bob.balance;
        vm.expectEmit(address(staking));
        emit IOperatorStaking.RewardsWithdrawn(bob, 50);
        vm.prank(bob);
        staking.withdrawRewards();
        assertEq(bob.balance - before, 50);
        assertEq(address(staking).balance, 2 ether + 51);
    }

    function test_SettleSkipsSlashedOperators() public {
        _register(alice, 1 ether);
        _register(bob, 1 ether);
        _register(carol, 1 ether);
        staking.lock(_signers(alice, bob), 0.25 ether);
        staking.lock(_signers(carol), 0.25 ether);
        staking.slash(alice);
        uint32[] memory indices = new uint32[](3);
        (indices[0], indices[1], indices[2]) = (1, 2, 3);
        assertEq(staking.settle{value: 101}(indices, 0.25 ether, 2), 2);
        assertEq(staking.getOperator(alice).rewards, 0);
        assertEq(staking.getOperator(bob).rewards, 51, "the first unslashed gets the remainder");
        assertEq(staking.getOperator(carol).rewards, 50);
        assertEq(staking.getOperator(bob).locked, 0);
        assertEq(staking.getOperator(carol).locked, 0);
        assertEq(staking.totalLocked(), 0);
    }

    function test_SettleShortOfQuorumReleasesLocksAndSendsTheFeeBack() public {
        _register(alice, 1 ether);
        _register(bob, 1 ether);
        staking.lock(_signers(alice, bob), 0.5 ether);
        staking.slash(alice);
        uint256 before = received;
        assertEq(staking.settle{value: 100}(_indices(1, 2), 0.5 ether, 2), 1);
        assertEq(received - before, 100);
        assertEq(staking.getOperator(bob).rewards, 0);
        assertEq(staking.getOperator(bob).locked, 0, "the unslashed signer's lock is released all the same");
        assertEq(staking.totalLocked(), 0);
    }

    function test_SettleWithEveryoneSlashedSendsTheFeeBackEvenWithoutQuorum() public {
        _register(alice, 1 ether);
        staking.lock(_signers(alice), 0.5 ether);
        staking.slash(alice);
        assertEq(staking.settle{value: 100}(_indices(1), 0.5 ether, 0), 0);
        assertEq(received, 1 ether + 100);
        assertEq(address(staking).balance, 0);
    }

    /// @dev A proof of the attested output releases the locks with no fee and no quorum to meet.
    function test_SettleWithoutValueOnlyReleases() public {
        _register(alice, 1 ether);
        _register(bob, 1 ether);
        staking.lock(_signers(alice, bob), 0.5 ether);
        assertEq(staking.settle(_indices(1, 2), 0.5 ether, type(uint256).max), 2);
        assertEq(staking.totalLocked(), 0);
        assertEq(staking.getOperator(alice).rewards, 0);
        assertEq(received, 0);
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
        staking.settle{value: 7}(_indices(1), 0, 1);
        staking.slash(alice);
        uint256 before = alice.balance;
        vm.prank(alice);
        staking.withdrawRewards();
        assertEq(alice.balance - before, 7);
        assertEq(address(staking).balance, 0);
    }

    function test_WeightOfAndAccountsAt() public {
        _register(alice, 1 ether);
        _register(bob, 1 ether);
        vm.prank(bob);
        staking.requestUnstake(1);
        assertEq(staking.weightOf(alice), 1 ether);
        assertEq(staking.weightOf(bob), 0, "below the minimum stake");
        assertEq(staking.weightOf(makeAddr("nobody")), 0);
        assertFalse(staking.isActive(makeAddr("nobody")));

        staking.slash(alice);
        assertEq(staking.weightOf(alice), 0);
        (address[] memory found, bool[] memory slashed) = staking.accountsAt(_indices(1, 2));
        assertEq(found[0], alice);
        assertEq(found[1], bob);
        assertTrue(slashed[0]);
        assertFalse(slashed[1]);
        (found, slashed) = staking.accountsAt(_indices(9));
        assertEq(found[0], address(0));
        assertFalse(slashed[0]);
    }

    /// @dev totalWeight is the active stake of unslashed operators holding at least MIN_STAKE.
    function test_TotalWeightFollowsActiveStake() public {
        _register(alice, 2 ether);
        _register(bob, 1 ether);
        assertEq(staking.totalWeight(), 3 ether);

        vm.prank(bob);
        staking.requestUnstake(1);
        assertEq(staking.totalWeight(), 2 ether, "bob fell below the minimum: none of his stake weighs");
        vm.prank(bob);
        staking.addStake{value: 2}();
        assertEq(staking.totalWeight(), 3 ether + 1, "back above the minimum: all of it weighs");

        vm.prank(alice);
        staking.addStake{value: 1 ether}();
        assertEq(staking.totalWeight(), 4 ether + 1);

        staking.lock(_signers(alice), 1 ether);
        assertEq(staking.totalWeight(), 4 ether + 1, "locked stake still weighs");

        staking.slash(alice);
        assertEq(staking.totalWeight(), 1 ether + 1);
        staking.slash(bob);
        assertEq(staking.totalWeight(), 0);
    }

    function testFuzz_StakeAccounting(uint88 stake, uint88 unstake, uint88 extra, uint88 locked) public {
        stake = uint88(bound(stake, MIN_STAKE, 50 ether));
        extra = uint88(bound(extra, 1, 40 ether));
        locked = uint88(bound(locked, 0, uint256(stake) + extra));
        unstake = uint88(bound(unstake, 1, uint256(stake) + extra));
        _register(alice, stake);
        vm.prank(alice);
        staking.addStake{value: extra}();
        staking.lock(_signers(alice), locked);
        uint256 free = uint256(stake) + extra - locked;
        if (unstake > free) {
            vm.expectRevert(abi.encodeWithSelector(IOperatorStaking.InsufficientStake.selector, unstake, free));
        }
        vm.prank(alice);
        staking.requestUnstake(unstake);
        IOperatorStaking.Operator memory operator = staking.getOperator(alice);
        assertEq(uint256(operator.stake) + operator.unbonding, uint256(stake) + extra);
        assertLe(operator.locked, operator.stake, "never more locked than staked");
        assertEq(staking.totalLocked(), locked);
        assertEq(staking.totalStaked(), address(staking).balance);
        assertEq(staking.isActive(alice), operator.stake >= MIN_STAKE);
        assertEq(staking.totalWeight(), operator.stake >= MIN_STAKE ? operator.stake : 0);
        assertEq(staking.weightOf(alice), staking.totalWeight());
    }
}
