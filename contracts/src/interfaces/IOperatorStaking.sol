// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IOperatorStaking
/// @notice ETH stakes of the operators who sign attestations, the stake each signature locks, and
///         the fees they earn. An operator's weight (its chance to sit on a request's committee) is
///         its active stake while that is at least MIN_STAKE and it was never slashed; totalWeight
///         is their sum. Each signature locks the request's value at risk out of the signer's free
///         stake (stake minus locks) until the result is final, disputed or voided, so an operator
///         can never back more value at once than it has staked; only free stake can start
///         unbonding, and unbonding stake stays slashable until withdrawn. Only the oracle locks,
///         settles and slashes; slashed ETH goes to the oracle, which splits it (IInferenceOracle).
interface IOperatorStaking {
    /// @param stake Active stake: the operator's weight while at least MIN_STAKE.
    /// @param locked Part of `stake` backing attestations not yet final; never more than `stake`.
    /// @param raisedAt Block of the last registration or stake increase: only an operator whose
    ///        stake was last raised before a request's block can hold a seat on its committees (no
    ///        stake added once the draw's seed could be known buys a seat).
    /// @param slashed Set forever by a slash; a slashed operator's signature never counts.
    /// @param account The operator's address, which is also its signing key.
    /// @param rewards Earned fees, withdrawable at any time and never slashed.
    /// @param unbonding Stake on its way out, still slashable.
    /// @param unbondingEnd When `unbonding` can be withdrawn.
    /// @dev Three slots; the first holds all that locking and settling a signature touch.
    struct Operator {
        uint88 stake;
        uint88 locked;
        uint40 raisedAt;
        bool slashed;
        address account;
        uint88 rewards;
        uint88 unbonding;
        uint40 unbondingEnd;
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
    /// @notice `signer` is not a registered, unslashed operator with at least MIN_STAKE.
    error SignerNotActive(address signer);
    /// @notice `signer`'s free stake (stake minus what its pending signatures lock) cannot back `amount`.
    error InsufficientFreeStake(address signer, uint256 free, uint256 amount);
    /// @notice (x, y) is not a Baby Jubjub public key: off the curve, unreduced or the identity.
    error InvalidEncryptionKey(uint256 x, uint256 y);

    event OperatorRegistered(address indexed account, uint32 indexed index, uint256 stake);
    event StakeAdded(address indexed account, uint256 amount, uint256 stake);
    event UnstakeRequested(address indexed account, uint256 amount, uint256 unbonding, uint256 unbondingEnd);
    event StakeWithdrawn(address indexed account, uint256 amount);
    event OperatorSlashed(address indexed account, uint256 amount);
    event RewardsWithdrawn(address indexed account, uint256 amount);
    /// @notice An attestation fee share credited to the operator at `index` (OperatorRegistered names
    ///         its account; withdrawn with withdrawRewards). By index: settling reads nothing more.
    event RewardsCredited(uint32 indexed index, uint256 amount);
    /// @notice `account` published the Baby Jubjub public key users encrypt private inputs to.
    event EncryptionKeySet(address indexed account, uint256 x, uint256 y);

    /// @notice Registers the caller as an operator with `msg.value` (at least MIN_STAKE) as stake.
    function register() external payable;

    /// @notice Adds `msg.value` to the caller's active stake.
    function addStake() external payable;

    /// @notice Moves `amount` of free active stake into unbonding; the unbonding clock restarts for all of it.
    function requestUnstake(uint256 amount) external;

    /// @notice Sends the caller's unbonded stake to it once the unbonding period is over.
    function withdrawStake() external;

    /// @notice Sends the caller's earned fees to it.
    function withdrawRewards() external;

    /// @notice Publishes (x, y), a Baby Jubjub public key, as the key users encrypt private inputs
    ///         to for the caller (docs/privacy.md); replaces any earlier key. Only a registered,
    ///         unslashed operator may publish one.
    function setEncryptionKey(uint256 x, uint256 y) external;

    /// @notice Locks `amount` of each signer's free stake. Reverts SignerNotActive or
    ///         InsufficientFreeStake. Returns, per signer, index | stake << 32 | raisedAt << 120, what
    ///         the oracle needs to check committee seats without another call. Only the oracle may call it.
    function lock(address[] calldata signers, uint256 amount) external returns (uint256[] memory seats);

    /// @notice Releases `amount` from each unslashed operator at `indices` and, when at least
    ///         `quorum` (and at least one) are unslashed, splits msg.value equally between them (the
    ///         first gets the rounding remainder); otherwise sends msg.value back. Returns how many
    ///         are unslashed. Only the oracle may call it.
    function settle(uint32[] calldata indices, uint256 amount, uint256 quorum)
        external
        payable
        returns (uint256 unslashed);

    /// @notice Takes all of `account`'s stake (active and unbonding), clears its locks, marks it
    ///         slashed and sends the ETH to the oracle. Only the oracle may call it. Returns 0 if
    ///         there is nothing to take.
    function slash(address account) external returns (uint256 amount);

    /// @notice slash for every operator at `indices`; returns the total taken.
    function slashAt(uint32[] calldata indices) external returns (uint256 amount);

    /// @notice The minimum active stake for an operator's signatures to count.
    function MIN_STAKE() external view returns (uint256);

    /// @notice Seconds between requestUnstake and withdrawStake.
    function UNBONDING_PERIOD() external view returns (uint256);

    /// @notice The only address allowed to lock, settle and slash.
    function ORACLE() external view returns (address);

    /// @notice The most operators that can register (indexes fit 24 bits).
    function MAX_OPERATORS() external view returns (uint32);

    /// @notice Number of registered operators; indexes run from 1 to this.
    function operatorCount() external view returns (uint32);

    /// @notice Sum of all active and unbonding stake; the contract's balance is this plus all rewards.
    function totalStaked() external view returns (uint256);

    /// @notice Sum of the weights: active stake of unslashed operators with at least MIN_STAKE.
    function totalWeight() external view returns (uint256);

    /// @notice Sum of every operator's locked stake.
    function totalLocked() external view returns (uint256);

    /// @notice The index of `account`, 0 if it never registered.
    function indexOf(address account) external view returns (uint32);

    /// @notice The operator registered at `index` (zero fields if none).
    function getOperatorAt(uint32 index) external view returns (Operator memory operator);

    /// @notice The operator record of `account` (zero fields if none).
    function getOperator(address account) external view returns (Operator memory operator);

    /// @notice The encryption key `account` published, (0, 0) if none.
    function encryptionKeyOf(address account) external view returns (uint256 x, uint256 y);

    /// @notice Whether `account`'s signature counts now: registered, not slashed, stake >= MIN_STAKE.
    function isActive(address account) external view returns (bool);

    /// @notice `account`'s weight: its stake if active, else 0.
    function weightOf(address account) external view returns (uint256);

    /// @notice For each index, the operator's address and whether it has been slashed.
    function accountsAt(uint32[] calldata indices)
        external
        view
        returns (address[] memory accounts, bool[] memory slashed);
}
