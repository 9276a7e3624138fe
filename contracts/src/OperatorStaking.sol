// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IOperatorStaking} from "./interfaces/IOperatorStaking.sol";
import {BabyJubjub} from "./libraries/BabyJubjub.sol";

/// @title OperatorStaking
/// @notice ETH stakes, locks and earned fees of attesting operators. The contract's balance is
///         always totalStaked plus every operator's rewards: each wei is some operator's active stake,
///         unbonding stake or reward until it is withdrawn or slashed (sent to the oracle, which
///         splits it). No operator's locked stake ever exceeds its active stake. Operators are kept
///         by index, the compact id the oracle stores for each signer of a pending attestation.
contract OperatorStaking is IOperatorStaking {
    uint32 public constant MAX_OPERATORS = type(uint24).max;

    uint256 public immutable MIN_STAKE;
    uint256 public immutable UNBONDING_PERIOD;
    address public immutable ORACLE;

    mapping(uint32 index => Operator) private _operators;
    mapping(address account => uint32 index) public indexOf;
    uint32 public operatorCount;
    uint256 public totalStaked;
    uint256 public totalWeight;
    uint256 public totalLocked;
    mapping(address account => uint256[2] point) private _encryptionKeys;

    modifier onlyOracle() {
        if (msg.sender != ORACLE) revert CallerNotOracle(msg.sender);
        _;
    }

    /// @param oracle The InferenceOracle, deployed right after this contract (its address is known
    ///        in advance); the oracle checks at construction that it is the one named here.
    constructor(address oracle, uint256 minStake, uint256 unbondingPeriod) {
        if (oracle == address(0) || minStake == 0 || minStake > type(uint88).max || unbondingPeriod == 0) {
            revert InvalidConfiguration();
        }
        ORACLE = oracle;
        MIN_STAKE = minStake;
        UNBONDING_PERIOD = unbondingPeriod;
    }

    /// @notice Registers the caller as an operator with `msg.value` (at least MIN_STAKE) as stake.
    function register() external payable {
        if (indexOf[msg.sender] != 0) revert OperatorAlreadyRegistered(msg.sender);
        if (msg.value < MIN_STAKE) revert StakeBelowMinimum(msg.value, MIN_STAKE);
        if (msg.value > type(uint88).max) revert StakeTooLarge(msg.value);
        if (operatorCount == MAX_OPERATORS) revert OperatorLimitReached(MAX_OPERATORS);

        uint32 index = ++operatorCount;
        indexOf[msg.sender] = index;
        _operators[index] = Operator({
            stake: uint88(msg.value),
            locked: 0,
            raisedAt: uint40(block.number),
            slashed: false,
            account: msg.sender,
            rewards: 0,
            unbonding: 0,
            unbondingEnd: 0
        });
        totalStaked += msg.value;
        totalWeight += msg.value;
        emit OperatorRegistered(msg.sender, index, msg.value);
    }

    /// @notice Adds `msg.value` to the caller's active stake.
    function addStake() external payable {
        Operator storage operator = _unslashedOperator(msg.sender);
        if (msg.value == 0) revert ZeroAmount();
        uint256 before = operator.stake;
        uint256 stake = before + msg.value;
        if (stake > type(uint88).max) revert StakeTooLarge(stake);
        operator.stake = uint88(stake);
        operator.raisedAt = uint40(block.number);
        totalStaked += msg.value;
        totalWeight = totalWeight - _weight(before) + _weight(stake);
        emit StakeAdded(msg.sender, msg.value, stake);
    }

    /// @inheritdoc IOperatorStaking
    function setEncryptionKey(uint256 x, uint256 y) external {
        _unslashedOperator(msg.sender);
        if (!BabyJubjub.isPublicKey(x, y)) revert InvalidEncryptionKey(x, y);
        _encryptionKeys[msg.sender] = [x, y];
        emit EncryptionKeySet(msg.sender, x, y);
    }

    /// @notice Moves `amount` of free active stake into unbonding; the unbonding clock restarts for all of it.
    function requestUnstake(uint256 amount) external {
        Operator storage operator = _unslashedOperator(msg.sender);
        if (amount == 0) revert ZeroAmount();
        uint256 before = operator.stake;
        uint256 free = before - operator.locked;
        if (amount > free) revert InsufficientStake(amount, free);
        operator.stake = uint88(before - amount);
        totalWeight = totalWeight - _weight(before) + _weight(before - amount);
        uint256 unbonding = operator.unbonding + amount;
        uint256 unbondingEnd = block.timestamp + UNBONDING_PERIOD;
        operator.unbonding = uint88(unbonding);
        operator.unbondingEnd = uint40(unbondingEnd);
        emit UnstakeRequested(msg.sender, amount, unbonding, unbondingEnd);
    }

    /// @notice Sends the caller's unbonded stake to it once the unbonding period is over.
    function withdrawStake() external {
        Operator storage operator = _registered(msg.sender);
        uint256 amount = operator.unbonding;
        if (amount == 0) revert NothingUnbonding(msg.sender);
        if (block.timestamp < operator.unbondingEnd) revert UnbondingNotFinished(operator.unbondingEnd);

        operator.unbonding = 0;
        totalStaked -= amount;
        emit StakeWithdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    /// @notice Sends the caller's earned fees to it.
    function withdrawRewards() external {
        Operator storage operator = _registered(msg.sender);
        uint256 amount = operator.rewards;
        if (amount == 0) revert NoRewards(msg.sender);
        operator.rewards = 0;
        emit RewardsWithdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    /// @inheritdoc IOperatorStaking
    function lock(address[] calldata signers, uint256 amount) external onlyOracle returns (uint256[] memory seats) {
        seats = new uint256[](signers.length);
        for (uint256 i; i < signers.length; ++i) {
            address signer = signers[i];
            uint32 index = indexOf[signer];
            Operator storage operator = _operators[index];
            uint256 stake = operator.stake;
            if (index == 0 || operator.slashed || stake < MIN_STAKE) revert SignerNotActive(signer);
            uint256 locked = operator.locked;
            if (stake - locked < amount) revert InsufficientFreeStake(signer, stake - locked, amount);
            operator.locked = uint88(locked + amount);
            seats[i] = uint256(index) | (stake << 32) | (uint256(operator.raisedAt) << 120);
        }
        totalLocked += amount * signers.length;
    }

    /// @inheritdoc IOperatorStaking
    function settle(uint32[] calldata indices, uint256 amount, uint256 quorum)
        external
        payable
        onlyOracle
        returns (uint256 unslashed)
    {
        for (uint256 i; i < indices.length; ++i) {
            Operator storage operator = _operators[indices[i]];
            if (operator.slashed) continue;
            operator.locked -= uint88(amount);
            ++unslashed;
        }
        totalLocked -= amount * unslashed;
        if (unslashed < quorum || unslashed == 0) {
            if (msg.value != 0) _send(ORACLE, msg.value);
            return unslashed;
        }
        if (msg.value == 0) return unslashed;
        uint256 share = msg.value / unslashed;
        uint256 remainder = msg.value - share * unslashed;
        for (uint256 i; i < indices.length; ++i) {
            Operator storage operator = _operators[indices[i]];
            if (operator.slashed) continue;
            // Cannot overflow in practice: all the ETH there is fits 88 bits.
            operator.rewards += uint88(share + remainder);
            emit RewardsCredited(indices[i], share + remainder);
            remainder = 0;
        }
    }

    /// @inheritdoc IOperatorStaking
    function slash(address account) external onlyOracle returns (uint256 amount) {
        uint32 index = indexOf[account];
        if (index == 0) return 0;
        amount = _slash(index);
        if (amount != 0) _send(ORACLE, amount);
    }

    /// @inheritdoc IOperatorStaking
    function slashAt(uint32[] calldata indices) external onlyOracle returns (uint256 amount) {
        for (uint256 i; i < indices.length; ++i) {
            amount += _slash(indices[i]);
        }
        if (amount != 0) _send(ORACLE, amount);
    }

    /// @notice The operator registered at `index` (zero fields if none).
    function getOperatorAt(uint32 index) external view returns (Operator memory operator) {
        return _operators[index];
    }

    /// @notice The operator record of `account` (zero fields if none).
    function getOperator(address account) external view returns (Operator memory operator) {
        uint32 index = indexOf[account];
        if (index != 0) operator = _operators[index];
    }

    /// @inheritdoc IOperatorStaking
    function encryptionKeyOf(address account) external view returns (uint256 x, uint256 y) {
        uint256[2] storage point = _encryptionKeys[account];
        return (point[0], point[1]);
    }

    /// @notice Whether `account`'s signature counts now: registered, not slashed, stake >= MIN_STAKE.
    function isActive(address account) external view returns (bool) {
        return weightOf(account) != 0;
    }

    /// @notice `account`'s weight: its stake if active, else 0.
    function weightOf(address account) public view returns (uint256) {
        uint32 index = indexOf[account];
        if (index == 0) return 0;
        Operator storage operator = _operators[index];
        return operator.slashed ? 0 : _weight(operator.stake);
    }

    /// @notice For each index, the operator's address and whether it has been slashed.
    function accountsAt(uint32[] calldata indices)
        external
        view
        returns (address[] memory accounts, bool[] memory slashed)
    {
        accounts = new address[](indices.length);
        slashed = new bool[](indices.length);
        for (uint256 i; i < indices.length; ++i) {
            Operator storage operator = _operators[indices[i]];
            accounts[i] = operator.account;
            slashed[i] = operator.slashed;
        }
    }

    /// @dev Takes the stake of the operator at `index`; the caller sends the ETH on.
    function _slash(uint32 index) private returns (uint256 amount) {
        Operator storage operator = _operators[index];
        uint256 stake = operator.stake;
        amount = stake + operator.unbonding;
        if (operator.slashed || amount == 0) return 0;

        operator.slashed = true;
        totalLocked -= operator.locked;
        totalWeight -= _weight(stake);
        operator.stake = 0;
        operator.locked = 0;
        operator.unbonding = 0;
        totalStaked -= amount;
        emit OperatorSlashed(operator.account, amount);
    }

    function _weight(uint256 stake) private view returns (uint256) {
        return stake < MIN_STAKE ? 0 : stake;
    }

    function _registered(address account) private view returns (Operator storage operator) {
        uint32 index = indexOf[account];
        if (index == 0) revert OperatorNotRegistered(account);
        operator = _operators[index];
    }

    function _unslashedOperator(address account) private view returns (Operator storage operator) {
        operator = _registered(account);
        if (operator.slashed) revert OperatorIsSlashed(account);
    }

    function _send(address to, uint256 amount) private {
        (bool success,) = to.call{value: amount}("");
        if (!success) revert EtherTransferFailed(to, amount);
    }
}
