// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IOperatorStaking
/// @notice ETH stakes of the operators who sign attestations, and the fees they earn. Stake leaves
///         only after an unbonding period longer than the oracle's challenge window, so it can be
///         slashed for any attestation it backed. Only the oracle slashes; the slashed ETH goes to
///         the oracle, which splits it between the beneficiaries (see IInferenceOracle). Fees of
///         finalized attestations are credited here, next to the stake, and withdrawn at any time.
interface IOperatorStaking {
    /// @param stake Active stake; signatures count while it is at least MIN_STAKE.
    /// @param rewards Earned fees, withdrawable at any time and never slashed.
    /// @param slashed Set forever by a slash; a slashed operator's signature never counts.
    /// @param unbondingEnd When `unbonding` can be withdrawn.
    /// @param account The operator's address, which is also its signing key.
    /// @param unbonding Stake on its way out, still slashable.
    /// @dev Two slots; the first holds all that submitting and finalizing an attestation touch.
    struct Operator {
        uint88 stake;
        uint88 rewards;
        bool slashed;
        uint40 unbondingEnd;
        address account;
        uint88 unbonding;
    }

    error InvalidConfiguration();
    error CallerNotOracle(address caller);
    error OperatorAlreadyRegistered(address account);
    error OperatorNotRegistered(address account);
    error OperatorIsSlashed(address account);
    error OperatorLimitReached(uint256 limit);
    error StakeBelowMinimum(uint256 stake, uint256 minimum);
    error StakeTooLarge(uint256 stake);
    error ZeroAmount();
    error InsufficientStake(uint256 requested, uint256 available);
    error NothingUnbonding(address account);
    error UnbondingNotFinished(uint256 unbondingEnd);
    error NoRewards(address account);
    error EtherTransferFailed(address to, uint256 amount);

    event OperatorRegistered(address indexed account, uint32 indexed index, uint256 stake);
    event StakeAdded(address indexed account, uint256 amount, uint256 stake);
    event UnstakeRequested(address indexed account, uint256 amount, uint256 unbonding, uint256 unbondingEnd);
    event StakeWithdrawn(address indexed account, uint256 amount);
    event OperatorSlashed(address indexed account, uint256 amount);
    event RewardsWithdrawn(address indexed account, uint256 amount);
    /// @notice An attestation fee share credited to the operator at `index` (OperatorRegistered names
    ///         its account; withdrawn with withdrawRewards). By index: finalize reads nothing more.
    event RewardsCredited(uint32 indexed index, uint256 amount);

    /// @notice Registers the caller as an operator with `msg.value` (at least MIN_STAKE) as stake.
    function register() external payable;

    /// @notice Adds `msg.value` to the caller's active stake.
    function addStake() external payable;

    /// @notice Moves `amount` of active stake into unbonding; the unbonding clock restarts for all of it.
    function requestUnstake(uint256 amount) external;

    /// @notice Sends the caller's unbonded stake to it once the unbonding period is over.
    function withdrawStake() external;

    /// @notice Sends the caller's earned fees to it.
    function withdrawRewards() external;

    /// @notice Splits msg.value equally between the unslashed operators at `indices` (the first gets
    ///         the rounding remainder) and returns how many there are. If fewer than `quorum`, pays no
    ///         one and sends msg.value back. Only the oracle may call it.
    function creditRewards(uint32[] calldata indices, uint256 quorum) external payable returns (uint256 unslashed);

    /// @notice Takes all of `account`'s stake (active and unbonding), marks it slashed and sends the
    ///         ETH to the oracle. Only the oracle may call it. Returns 0 if there is nothing to take.
    function slash(address account) external returns (uint256 amount);

    /// @notice The minimum active stake for an operator's signatures to count.
    function MIN_STAKE() external view returns (uint256);

    /// @notice Seconds between requestUnstake and withdrawStake.
    function UNBONDING_PERIOD() external view returns (uint256);

    /// @notice The only address allowed to slash.
    function ORACLE() external view returns (address);

    /// @notice The most operators that can register (indexes fit 24 bits).
    function MAX_OPERATORS() external view returns (uint32);

    /// @notice Number of registered operators; indexes run from 1 to this.
    function operatorCount() external view returns (uint32);

    /// @notice Sum of all active and unbonding stake; the contract's balance is this plus all rewards.
    function totalStaked() external view returns (uint256);

    /// @notice The index of `account`, 0 if it never registered.
    function indexOf(address account) external view returns (uint32);

    /// @notice The operator registered at `index` (zero fields if none).
    function getOperatorAt(uint32 index) external view returns (Operator memory operator);

    /// @notice The operator record of `account` (zero fields if none).
    function getOperator(address account) external view returns (Operator memory operator);

    /// @notice Whether `account`'s signature counts now: registered, not slashed, stake >= MIN_STAKE.
    function isActive(address account) external view returns (bool);

    /// @notice For each account, its index if active, else 0.
    function activeIndices(address[] calldata accounts) external view returns (uint32[] memory indices);

    /// @notice For each index, the operator's address and whether it has been slashed.
    function accountsAt(uint32[] calldata indices)
        external
        view
        returns (address[] memory accounts, bool[] memory slashed);
}
