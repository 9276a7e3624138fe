// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IModelRegistry} from "./IModelRegistry.sol";
import {IOperatorStaking} from "./IOperatorStaking.sol";

/// @title IInferenceOracle
/// @notice Requests for model outputs and their delivery, either proved (ZK, final at once) or
///         attested by staked operators (final after a challenge window, overturned and slashed by a
///         proof of a different output). Payments are pulled: withdraw here for fees earned by
///         proofs, refunds and slashing rewards; operators' attestation fees are credited in STAKING.
///
///         Slashed stake is split: DISPUTER_SHARE_BPS to whoever proved the fraud (the beneficiary
///         of the dispute's proof, or the equivocation reporter) and REQUESTER_SHARE_BPS to the
///         requester of the request concerned (none for off-chain attestations), each capped at
///         MAX_BOUNTY, so that a liar who disputes or reports itself recovers little; the rest,
///         rounding dust included, goes to TREASURY.
///
///         Every reward is bound to its earner: a proof's last public signal is its beneficiary,
///         which the circuit constrains, so a copied proof still pays the prover; an equivocation
///         report is revealed only after its reporter committed to it in an earlier block.
interface IInferenceOracle {
    enum Mode {
        ZK,
        ATTESTED
    }

    /// @dev Requested -> Fulfilled (proof) | Attested -> Finalized | Attested -> Fulfilled (a proof:
    ///      of the attested output, final at once; of another output, a dispute);
    ///      Attested -> Requested when slashed signers leave it short of its quorum;
    ///      Requested -> Refunded after the deadline.
    enum Status {
        None,
        Requested,
        Attested,
        Fulfilled,
        Finalized,
        Refunded
    }

    /// @notice A request as stored: three slots, the input kept as its hash only.
    /// @param dataHash keccak256 of the input words while the request waits for a final result.
    ///        When a proof makes the result final (Fulfilled) the input hash is no longer needed and
    ///        its slot takes keccak256 of the output words instead: a proved fulfilment then writes
    ///        no fresh storage slot. Use getResult for the output hash of any final result.
    struct Request {
        address requester;
        uint80 fee;
        Status status;
        Mode mode;
        address callback;
        uint32 modelIndex;
        uint32 deadline;
        uint24 callbackGasLimit;
        uint8 quorum;
        bytes32 dataHash;
    }

    /// @notice The EIP-712 struct operators sign: hashes are keccak256(abi.encodePacked(words)).
    ///         Off-chain attestations use requestId 0.
    struct Attestation {
        uint256 requestId;
        bytes32 modelId;
        bytes32 inputHash;
        bytes32 outputHash;
    }

    error InvalidTreasury();
    error InvalidChallengeWindow(uint256 challengeWindow);
    error StakingOracleMismatch(address stakingOracle, address oracle);
    error UnbondingNotLongerThanChallengeWindow(uint256 unbondingPeriod, uint256 challengeWindow);
    error Reentrancy();
    error UnexpectedEther(address sender);

    error ModelNotRequestable(bytes32 modelId, IModelRegistry.ModelStatus status);
    error ModelHasNoVerifier(bytes32 modelId);
    error InsufficientFee(uint256 paid, uint256 fee);
    error PaymentTooLarge(uint256 paid, uint256 max);
    error InvalidQuorum(Mode mode, uint256 quorum);
    error InvalidDeadline(uint256 deadline);
    error InvalidCallbackGasLimit(uint256 callbackGasLimit, uint256 max);
    error InputWordCountMismatch(uint256 expected, uint256 received);
    error OutputWordCountMismatch(uint256 expected, uint256 received);
    error InputWordOutOfRange(uint256 index, uint256 word, uint256 bits);
    error OutputWordOutOfRange(uint256 index, uint256 word, uint256 bits);

    error RequestNotFound(uint256 requestId);
    error RequestNotPending(uint256 requestId, Status status);
    error RequestNotAttested(uint256 requestId, Status status);
    error RequestNotAttestable(uint256 requestId, Mode mode);
    error RequestExpired(uint256 requestId, uint256 deadline);
    error RequestNotExpired(uint256 requestId, uint256 deadline);
    error ResultNotFinal(uint256 requestId, Status status);
    error InputHashMismatch(uint256 requestId, bytes32 expected, bytes32 received);
    error InvalidProof(uint256 requestId);

    error SignatureCountOutOfRange(uint256 count, uint256 quorum, uint256 max);
    error InvalidSignature(uint256 index);
    error DuplicateSigner(address signer);
    error SignersNotAscending(uint256 index, address signer, address previous);
    error SignerNotActive(address signer);
    error ChallengeWindowOpen(uint256 requestId, uint256 challengeEnd);
    error ChallengeWindowClosed(uint256 requestId, uint256 challengeEnd);
    error OutputNotDifferent(uint256 requestId, bytes32 outputHash);

    error AttestationSubjectMismatch();
    error SameOutput(bytes32 outputHash);
    error SignerMismatch(address first, address second);
    error NothingToSlash(address operator);
    error EquivocationNotCommitted(bytes32 commitment);
    error EquivocationAlreadyCommitted(bytes32 commitment);
    error EquivocationRevealTooEarly(bytes32 commitment, uint256 committedAt);
    error InvalidBeneficiary();
    error InvalidMaxBounty(uint256 maxBounty);

    error NothingToWithdraw(address account);
    error EtherTransferFailed(address to, uint256 amount);
    error InsufficientGasForCallback(uint256 callbackGasLimit);

    /// @notice Everything a node needs to serve the request, without another look-up.
    event InferenceRequested(
        uint256 indexed requestId,
        bytes32 indexed modelId,
        address indexed requester,
        Mode mode,
        uint8 quorum,
        address callback,
        uint32 callbackGasLimit,
        uint64 deadline,
        uint256 fee,
        uint256[] inputWords
    );
    /// @param fulfiller The beneficiary the proof binds, who is paid the fee (whoever sent it).
    event ResultFulfilled(
        uint256 indexed requestId, address indexed fulfiller, bytes32 outputHash, uint256[] outputWords
    );
    event AttestationSubmitted(
        uint256 indexed requestId,
        address indexed submitter,
        bytes32 outputHash,
        uint256[] outputWords,
        address[] signers,
        uint64 challengeEnd
    );
    event ResultFinalized(uint256 indexed requestId, bytes32 outputHash, uint256 paidSigners);
    event AttestationVoided(uint256 indexed requestId, uint256 unslashedSigners, uint256 quorum);
    /// @param disputer The beneficiary the dispute's proof binds, who is paid the bounty.
    event AttestationDisputed(
        uint256 indexed requestId,
        address indexed disputer,
        bytes32 attestedOutputHash,
        bytes32 provenOutputHash,
        uint256[] outputWords,
        uint256 slashed
    );
    event EquivocationReported(
        address indexed operator,
        address indexed reporter,
        uint256 indexed requestId,
        bytes32 modelId,
        bytes32 inputHash,
        bytes32 firstOutputHash,
        bytes32 secondOutputHash,
        uint256 slashed
    );
    event EquivocationCommitted(bytes32 indexed commitment, uint256 blockNumber);
    /// @param requestId The request concerned; 0 for an equivocation over off-chain attestations.
    event SlashDistributed(
        uint256 indexed requestId,
        address indexed reporter,
        uint256 reporterShare,
        address indexed requester,
        uint256 requesterShare,
        address treasury,
        uint256 treasuryShare
    );
    event RequestRefunded(uint256 indexed requestId, address indexed requester, uint256 amount);
    event CallbackFailed(uint256 indexed requestId, address indexed callback);
    event Withdrawn(address indexed account, address indexed to, uint256 amount);

    /// @notice Asks for `modelId`'s output on `inputWords`, paying msg.value (at least the model's fee).
    /// @param mode ZK: served by a proof only. ATTESTED: by `quorum` operator signatures (or a proof).
    /// @param quorum Distinct active operators needed (1..MAX_SIGNERS) in ATTESTED mode; 0 in ZK mode.
    /// @param callback Contract whose onInferenceResult receives the final result; zero for none.
    /// @param callbackGasLimit Gas the callback gets (1..MAX_CALLBACK_GAS_LIMIT when a callback is set).
    /// @param deadline Last timestamp at which a result can be delivered; after it the fee is refundable.
    function requestInference(
        bytes32 modelId,
        uint256[] calldata inputWords,
        Mode mode,
        uint8 quorum,
        address callback,
        uint32 callbackGasLimit,
        uint64 deadline
    ) external payable returns (uint256 requestId);

    /// @notice Delivers a proved result; anyone may send it and `beneficiary`, which the proof binds
    ///         (the last public signal), earns the fee. A request that is Attested takes a proof too:
    ///         of the attested output, it is final at once; of another output, it is a dispute
    ///         (disputeWithProof).
    /// @param proof The proof system's encoding (docs/protocol.md): for Groth16, abi.encode(uint256[2] a,
    ///        uint256[2][2] b, uint256[2] c) as snarkjs's soliditycalldata orders them.
    function fulfillWithProof(
        uint256 requestId,
        uint256[] calldata inputWords,
        uint256[] calldata outputWords,
        address beneficiary,
        bytes calldata proof
    ) external;

    /// @notice Submits an output signed by distinct active operators (65-byte signatures, signers
    ///         in ascending address order). The result is final after CHALLENGE_WINDOW.
    function submitAttestations(uint256 requestId, uint256[] calldata outputWords, bytes[] calldata signatures) external;

    /// @notice Makes an attested result final once its challenge window is over, credits the fee to
    ///         the unslashed signers (in STAKING, withdrawn with withdrawRewards) and runs the
    ///         callback; voids it instead if slashed signers leave it short of its quorum.
    function finalize(uint256 requestId) external;

    /// @notice Overturns an attested result during its challenge window with a proof of a different
    ///         output: every signer is slashed, the requester is refunded, the proven output is final,
    ///         and `beneficiary` (bound by the proof) earns the bounty.
    function disputeWithProof(
        uint256 requestId,
        uint256[] calldata inputWords,
        uint256[] calldata outputWords,
        address beneficiary,
        bytes calldata proof
    ) external;

    /// @notice Commits to an equivocation report: keccak256(abi.encode(reporter, first,
    ///         firstSignature, second, secondSignature)). Reveal it with reportEquivocation from
    ///         `reporter` in a later block; a copy of the reveal cannot take its bounty.
    function commitEquivocation(bytes32 commitment) external;

    /// @notice Slashes an operator that signed two attestations of the same request, model and input
    ///         with different outputs; the caller must have committed to this report in an earlier block.
    function reportEquivocation(
        Attestation calldata first,
        bytes calldata firstSignature,
        Attestation calldata second,
        bytes calldata secondSignature
    ) external;

    /// @notice Credits the fee of an expired request with no result back to its requester.
    function refund(uint256 requestId) external;

    /// @notice Sends the caller's whole balance to `to`.
    function withdraw(address payable to) external;

    /// @notice The registry models are read from.
    function REGISTRY() external view returns (IModelRegistry);

    /// @notice The operators' stakes.
    function STAKING() external view returns (IOperatorStaking);

    /// @notice Receives the slashed stake that goes to no one else.
    function TREASURY() external view returns (address);

    /// @notice Seconds during which an attested result can be disputed.
    function CHALLENGE_WINDOW() external view returns (uint256);

    /// @notice The most signatures one attestation can carry.
    function MAX_SIGNERS() external view returns (uint256);

    /// @notice The most gas a request may give its callback.
    function MAX_CALLBACK_GAS_LIMIT() external view returns (uint256);

    /// @notice Share of slashed stake, in basis points, for the disputer or reporter (at most MAX_BOUNTY).
    function DISPUTER_SHARE_BPS() external view returns (uint256);

    /// @notice The most a disputer, a reporter or a requester receives from one slash: enough to pay
    ///         for proving, little enough that a self-dispute or self-report recovers little.
    function MAX_BOUNTY() external view returns (uint256);

    /// @notice The block in which `commitment` was committed (0 if none).
    function equivocationCommittedAt(bytes32 commitment) external view returns (uint256);

    /// @notice The most gas the proof check may use: a malformed proof cannot burn more.
    function verificationGasLimit(uint256 publicSignals) external pure returns (uint256);

    /// @notice Share of slashed stake, in basis points, for the requester of the request concerned (at most MAX_BOUNTY).
    function REQUESTER_SHARE_BPS() external view returns (uint256);

    /// @notice keccak256("Attestation(uint256 requestId,bytes32 modelId,bytes32 inputHash,bytes32 outputHash)").
    function ATTESTATION_TYPEHASH() external view returns (bytes32);

    /// @notice The EIP-712 domain separator (name "Veridict", version "1", this chain, this contract).
    function DOMAIN_SEPARATOR() external view returns (bytes32);

    /// @notice EIP-5267 description of the EIP-712 domain.
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        );

    /// @notice The EIP-712 digest an operator signs for `attestation`.
    function hashAttestation(Attestation calldata attestation) external view returns (bytes32 digest);

    /// @notice The id the next request will get (ids start at 1; 0 is for off-chain attestations).
    function nextRequestId() external view returns (uint256);

    /// @notice The stored request; reverts RequestNotFound if unknown.
    function getRequest(uint256 requestId) external view returns (Request memory request);

    /// @notice The status and keccak256 of the output words of a final result (Fulfilled or
    ///         Finalized); reverts otherwise. The words are in the ResultFulfilled, ResultFinalized's
    ///         AttestationSubmitted or AttestationDisputed event; a consumer whose callback failed can
    ///         be handed them and check them against this hash (InferenceConsumer.deliverResult).
    function getResult(uint256 requestId) external view returns (Status status, bytes32 outputHash);

    /// @notice The pending attestation of `requestId`: when its window ends and who signed it (none
    ///         once it is finalized by a proof, disputed or voided).
    function getAttestation(uint256 requestId) external view returns (uint64 challengeEnd, address[] memory signers);

    /// @notice What `account` can withdraw.
    function balanceOf(address account) external view returns (uint256);
}
