// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

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
    ///      Attested -> Requested when slashed signers leave it short of its quorum, or when a trace
    ///      game (TRACE_DISPUTES) finds its trace wrong (its deadline then extended);
    ///      Requested -> Refunded after the deadline. The status is the lowest byte of the one word
    ///      the oracle stores per request.
    enum Status {
        None,
        Requested,
        Attested,
        Fulfilled,
        Finalized,
        Refunded
    }

    /// @notice What a request commits to. The oracle stores one word per request, a hash of this
    ///         struct (then of its attestation, then of its result); every later call passes the
    ///         struct back and is checked against that hash. InferenceRequested emits it whole.
    /// @param id The request id (ids start at 1).
    /// @param inputHash keccak256 of the packed input words.
    /// @param requester Who sent the request (msg.sender): a consumer contract, or a user.
    /// @param payer Who is credited every refund of the request: an expired payment, unused callback
    ///        gas, the fee of an overturned attestation and the requester's share of its slash. A
    ///        consumer contract names its user here, so nothing is left stranded in the contract.
    /// @param fee What the request pays for its result: the payment less the callback prepayment.
    /// @param callbackGasPrice Wei per gas the requester prepaid for its callback (callbackGasLimit of it).
    /// @param provable The model has a verifier: a proof serves or disputes the request, and after the
    ///        committee's exclusive round any active operator may attest it.
    /// @param outputValues The model's output packing, so that submitting an attestation needs no
    ///        registry read to range-check the words.
    /// @param blockNumber The request's block: committees are drawn from later block hashes.
    /// @param valueAtRisk Stake each signature locks until the result is final (at least `fee`).
    /// @param totalWeight STAKING.totalWeight() at the request: the committees' denominator.
    struct Request {
        uint256 id;
        bytes32 modelId;
        bytes32 inputHash;
        address requester;
        address payer;
        uint96 fee;
        address callback;
        uint32 callbackGasLimit;
        uint64 callbackGasPrice;
        uint32 deadline;
        Mode mode;
        uint8 quorum;
        bool provable;
        uint32 modelIndex;
        uint32 outputValues;
        uint8 outputBits;
        uint64 blockNumber;
        uint96 valueAtRisk;
        uint128 totalWeight;
    }

    /// @notice What a requester chooses besides the model and the input.
    /// @param mode ZK: served by a proof only. ATTESTED: by `quorum` operator signatures (or a proof).
    /// @param quorum Signatures needed (1..MAX_SIGNERS) in ATTESTED mode; 0 in ZK mode.
    /// @param callback Contract whose onInferenceResult receives the final result; zero for none.
    /// @param callbackGasLimit Gas the callback gets (1..MAX_CALLBACK_GAS_LIMIT when a callback is set).
    /// @param callbackGasPrice Wei per callback gas paid to whoever delivers the result; the payment
    ///        must include callbackGasLimit * callbackGasPrice, and what the callback does not use is
    ///        credited back to the requester.
    /// @param deadline Last timestamp at which a result can be delivered; after it the payment is refundable.
    /// @param valueAtRisk ATTESTED: stake each signer locks until the result is final, at least the
    ///        fee; 0 means the fee. ZK: 0.
    /// @param payer Credited every refund of the request (Request.payer); zero means msg.sender.
    struct RequestOptions {
        Mode mode;
        uint8 quorum;
        address callback;
        uint32 callbackGasLimit;
        uint64 callbackGasPrice;
        uint64 deadline;
        uint96 valueAtRisk;
        address payer;
    }

    /// @notice An attestation as the oracle keeps it between submission and finality, emitted by
    ///         AttestationSubmitted and passed back to finalize, fulfillWithProof and disputeWithProof.
    /// @param outputHash keccak256 of the attested output words.
    /// @param traceRoot The signed trace root (docs/disputes.md): what a trace dispute bisects.
    /// @param packed Bits 0-31: the end of the challenge window; then one 24-bit operator index per signer.
    struct AttestationRecord {
        bytes32 outputHash;
        bytes32 traceRoot;
        uint256 packed;
    }

    /// @notice One result of a batch: the request as committed, the attested output words and the
    ///         trace root of the run that produced them (non-zero).
    struct AttestedResult {
        Request request;
        uint256[] outputWords;
        bytes32 traceRoot;
    }

    /// @notice One attested result to finalize in a batch (finalizeBatch).
    struct Finalization {
        Request request;
        AttestationRecord attested;
        uint256[] outputWords;
    }

    /// @notice The EIP-712 struct operators sign: hashes are keccak256(abi.encodePacked(words)).
    ///         Off-chain attestations use requestId 0. On-chain, operators sign an
    ///         AttestationBatch(Attestation[] attestations) of one or more of them.
    struct Attestation {
        uint256 requestId;
        bytes32 modelId;
        bytes32 inputHash;
        bytes32 outputHash;
        bytes32 traceRoot;
    }

    /// @notice An attestation and the signature over it, as evidence of an equivocation.
    /// @param batch Empty if `signature` is over the Attestation alone; otherwise the EIP-712 struct
    ///        hashes of the signed batch's attestations, of which batch[index] is this one's.
    struct SignedAttestation {
        Attestation attestation;
        bytes32[] batch;
        uint256 index;
        bytes signature;
    }

    error InvalidTreasury();
    error InvalidChallengeWindow(uint256 challengeWindow);
    error InvalidRoundBlocks(uint256 roundBlocks);
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
    /// @notice A ZK request declared a value at risk, or an ATTESTED one less than its fee.
    error InvalidValueAtRisk(uint256 valueAtRisk, uint256 fee);
    /// @notice A model without a verifier is served by committees only, and there is no stake to draw one from.
    error NoActiveOperators();
    error InputWordCountMismatch(uint256 expected, uint256 received);
    error OutputWordCountMismatch(uint256 expected, uint256 received);
    error InputWordOutOfRange(uint256 index, uint256 word, uint256 bits);
    /// @notice A private-input model is served with proofs only: no committee can check an input it never sees.
    error PrivateInputRequiresZk(bytes32 modelId);
    /// @notice A private request's one input word, the input commitment, must be a field element of the proof system.
    error InputCommitmentOutOfField(uint256 commitment);
    error OutputWordOutOfRange(uint256 index, uint256 word, uint256 bits);

    error RequestNotFound(uint256 requestId);
    /// @notice The Request (or AttestationRecord) passed in is not what `requestId` committed to.
    error RequestMismatch(uint256 requestId);
    error RequestNotPending(uint256 requestId, Status status);
    error RequestNotAttested(uint256 requestId, Status status);
    error RequestNotAttestable(uint256 requestId, Mode mode);
    error RequestExpired(uint256 requestId, uint256 deadline);
    error RequestNotExpired(uint256 requestId, uint256 deadline);
    error ResultNotFinal(uint256 requestId, Status status);
    error InputHashMismatch(uint256 requestId, bytes32 expected, bytes32 received);
    error OutputHashMismatch(uint256 requestId, bytes32 expected, bytes32 received);
    error InvalidProof(uint256 requestId);

    error EmptyBatch();
    /// @notice A batch lists its requests by strictly ascending id; entry `index` does not follow `previous`.
    error BatchNotAscending(uint256 index, uint256 requestId, uint256 previous);
    error SignatureCountOutOfRange(uint256 count, uint256 quorum, uint256 max);
    error InvalidSignature(uint256 index);
    error DuplicateSigner(address signer);
    error SignersNotAscending(uint256 index, address signer, address previous);
    /// @notice The committee of `requestId` is drawn from the hash of the block after the request's,
    ///         which is not known before block `drawnAt`.
    error CommitteeNotDrawn(uint256 requestId, uint256 drawnAt);
    /// @notice `signer` holds no seat on `requestId`'s committee for this round (or its stake was
    ///         raised after the request), and the request is not open to every operator.
    error SignerNotEntitled(uint256 requestId, address signer);
    error ChallengeWindowOpen(uint256 requestId, uint256 challengeEnd);
    error ChallengeWindowClosed(uint256 requestId, uint256 challengeEnd);
    error OutputNotDifferent(uint256 requestId, bytes32 outputHash);

    error AttestationSubjectMismatch();
    error SameOutput(bytes32 outputHash);
    error SignerMismatch(address first, address second);
    error NotInBatch(uint256 index);
    error NothingToSlash(address operator);
    error EquivocationNotCommitted(bytes32 commitment);
    error EquivocationAlreadyCommitted(bytes32 commitment);
    error EquivocationRevealTooEarly(bytes32 commitment, uint256 committedAt);
    error InvalidBeneficiary();
    error InvalidMaxBounty(uint256 maxBounty);

    error NothingToWithdraw(address account);
    error EtherTransferFailed(address to, uint256 amount);
    error InsufficientGasForCallback(uint256 callbackGasLimit);
    error TraceRootMissing(uint256 requestId);
    error NotTraceDisputes(address caller);
    /// @notice Trace games on the attestation are still open: it cannot finalize before they end.
    error TraceGamesOpen(uint256 requestId, uint256 games);
    error TraceDisputesOracleMismatch(address disputesOracle, address oracle);
    error UnbondingNotLongerThanDisputes(uint256 unbondingPeriod, uint256 challengeWindow, uint256 maxGameDuration);

    /// @notice Everything a node needs to serve the request, and everything later calls pass back.
    event InferenceRequested(
        uint256 indexed requestId,
        bytes32 indexed modelId,
        address indexed requester,
        Request request,
        uint256[] inputWords
    );
    /// @param fulfiller The beneficiary the proof binds, who is paid the fee (whoever sent it).
    event ResultFulfilled(
        uint256 indexed requestId, address indexed fulfiller, bytes32 outputHash, uint256[] outputWords
    );
    /// @param record What finalize, fulfillWithProof and disputeWithProof take back.
    event AttestationSubmitted(
        uint256 indexed requestId,
        address indexed submitter,
        AttestationRecord record,
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
    /// @notice A trace game found the attested trace wrong: its signers were slashed and the request
    ///         reopened with `request`, whose deadline is extended (every later call passes this one).
    event AttestationOverturnedByTrace(
        uint256 indexed requestId,
        address indexed challenger,
        bytes32 outputHash,
        bytes32 traceRoot,
        uint256 slashed,
        Request request
    );
    /// @param requestId The request concerned; 0 for an equivocation over off-chain attestations.
    /// @param payer The request's payer, who gets the requester's share (none for an equivocation).
    event SlashDistributed(
        uint256 indexed requestId,
        address indexed reporter,
        uint256 reporterShare,
        address indexed payer,
        uint256 requesterShare,
        address treasury,
        uint256 treasuryShare
    );
    event RequestRefunded(uint256 indexed requestId, address indexed payer, uint256 amount);
    event CallbackFailed(uint256 indexed requestId, address indexed callback);
    /// @notice The callback's prepaid gas settled: `paid` to the deliverer for `gasUsed`, `refunded`
    ///         credited back to the requester.
    event CallbackSettled(
        uint256 indexed requestId, address indexed deliverer, uint256 gasUsed, uint256 paid, uint256 refunded
    );
    event Withdrawn(address indexed account, address indexed to, uint256 amount);

    /// @notice Asks for `modelId`'s output on `inputWords`, paying msg.value: at least the model's
    ///         fee plus callbackGasLimit * callbackGasPrice. For a private-input model `inputWords`
    ///         is one word, the Poseidon commitment of the input and a salt (docs/privacy.md), and
    ///         the mode must be ZK: the input itself never reaches the chain.
    function requestInference(bytes32 modelId, uint256[] calldata inputWords, RequestOptions calldata options)
        external
        payable
        returns (uint256 requestId);

    /// @notice Delivers a proved result; anyone may send it and `beneficiary`, which the proof binds
    ///         (the last public signal), earns the fee. A request that is Attested takes a proof too
    ///         (pass its `attested` record; zero for a Requested one): of the attested output, it is
    ///         final at once; of another output within the window, it is a dispute.
    /// @param proof The proof system's encoding (docs/protocol.md): for Groth16, abi.encode(uint256[2] a,
    ///        uint256[2][2] b, uint256[2] c) as snarkjs's soliditycalldata orders them.
    function fulfillWithProof(
        Request calldata request,
        AttestationRecord calldata attested,
        uint256[] calldata inputWords,
        uint256[] calldata outputWords,
        address beneficiary,
        bytes calldata proof
    ) external;

    /// @notice Submits results attested by the same signers, by strictly ascending request id:
    ///         each signs the EIP-712 AttestationBatch of the results' Attestations, in order (65-byte signatures, signers
    ///         in ascending address order, exactly each request's quorum). During a request's
    ///         exclusive round only its committee's seats count; after it, a provable request takes
    ///         any active operator, a model without a verifier the next round's committee. Each
    ///         signature locks the request's value at risk. Each result is final after CHALLENGE_WINDOW.
    function submitAttestations(AttestedResult[] calldata results, bytes[] calldata signatures) external;

    /// @notice Makes an attested result final once its challenge window is over: credits the fee to
    ///         the unslashed signers (in STAKING, withdrawn with withdrawRewards), releases their
    ///         locks and runs the callback. Voids it instead, at any time, if slashed signers leave
    ///         it short of its quorum: the request is open again.
    function finalize(Request calldata request, AttestationRecord calldata attested, uint256[] calldata outputWords)
        external;

    /// @notice finalize for several results in one transaction, in the order given: each item is
    ///         settled exactly as finalize settles it (fee to its unslashed signers, locks released,
    ///         callback run and its prepaid gas paid to the caller; or voided). An item that is no
    ///         longer Attested (finalized, proved, disputed or voided meanwhile, or listed earlier in
    ///         the batch) is skipped, so a front-run item cannot sink the batch; any other failure
    ///         (an unknown request, a record or request that is not the committed one, output words
    ///         that are not the attested ones, an open challenge window, too little gas for a
    ///         callback) reverts the whole batch with finalize's error.
    /// @return settled How many items were finalized or voided (the rest were skipped).
    function finalizeBatch(Finalization[] calldata items) external returns (uint256 settled);

    /// @notice Overturns an attested result during its challenge window with a proof of a different
    ///         output: every signer is slashed, the payer is refunded, the proven output is final,
    ///         and `beneficiary` (bound by the proof) earns the bounty.
    function disputeWithProof(
        Request calldata request,
        AttestationRecord calldata attested,
        uint256[] calldata inputWords,
        uint256[] calldata outputWords,
        address beneficiary,
        bytes calldata proof
    ) external;

    /// @notice Commits to an equivocation report: keccak256(abi.encode(reporter, first, second)).
    ///         Reveal it with reportEquivocation from `reporter` in a later block; a copy of the
    ///         reveal cannot take its bounty.
    function commitEquivocation(bytes32 commitment) external;

    /// @notice Slashes an operator that signed two attestations of the same request, model and input
    ///         with different outputs (alone or in batches); the caller must have committed to this
    ///         report in an earlier block.
    function reportEquivocation(SignedAttestation calldata first, SignedAttestation calldata second) external;

    /// @notice Credits the payment of an expired request with no result back to its payer.
    function refund(Request calldata request) external;

    /// @notice Sends the caller's whole balance to `to`.
    function withdraw(address payable to) external;

    /// @notice Called by TRACE_DISPUTES when a game starts: the record must be the request's current
    ///         attestation and its window open. Finalization waits until every game has ended.
    function openTraceGame(Request calldata request, AttestationRecord calldata attested) external;

    /// @notice Called by TRACE_DISPUTES when a game ends. If the attesters lost and the record is
    ///         still current, every signer is slashed (the challenger paid as a disputer), and the
    ///         request reopens with its deadline extended. Returns whether the record was current.
    function closeTraceGame(
        Request calldata request,
        AttestationRecord calldata attested,
        address challenger,
        bool attestersLost
    ) external returns (bool current);

    /// @notice The trace dispute games over attestations, created with this oracle.
    function TRACE_DISPUTES() external view returns (address);

    /// @notice Open trace games over `requestId`'s attestation.
    function openTraceGames(uint256 requestId) external view returns (uint256);

    /// @notice The registry models are read from.
    function REGISTRY() external view returns (IModelRegistry);

    /// @notice The operators' stakes.
    function STAKING() external view returns (IOperatorStaking);

    /// @notice Receives the slashed stake that goes to no one else.
    function TREASURY() external view returns (address);

    /// @notice Seconds during which an attested result can be disputed.
    function CHALLENGE_WINDOW() external view returns (uint256);

    /// @notice Blocks per committee round; round 0, the committee's exclusive round, starts with
    ///         the second block after the request.
    function ROUND_BLOCKS() external view returns (uint256);

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

    /// @notice keccak256("Attestation(uint256 requestId,bytes32 modelId,bytes32 inputHash,bytes32 outputHash,bytes32 traceRoot)").
    function ATTESTATION_TYPEHASH() external view returns (bytes32);

    /// @notice keccak256 of "AttestationBatch(Attestation[] attestations)" followed by the Attestation type.
    function ATTESTATION_BATCH_TYPEHASH() external view returns (bytes32);

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

    /// @notice The EIP-712 digest an operator signs for `attestation` alone (off-chain attestations).
    function hashAttestation(Attestation calldata attestation) external view returns (bytes32 digest);

    /// @notice The EIP-712 digest operators sign for a batch of attestations (on-chain submissions).
    function hashAttestationBatch(Attestation[] calldata attestations) external view returns (bytes32 digest);

    /// @notice The id the next request will get (ids start at 1; 0 is for off-chain attestations).
    function nextRequestId() external view returns (uint256);

    /// @notice The stored word of `requestId`: its status and the 248-bit hash (lowest byte cleared)
    ///         of its Request while Requested, of its Request and AttestationRecord while Attested,
    ///         of its output words once final. Reverts RequestNotFound if unknown.
    function getRequestState(uint256 requestId) external view returns (Status status, bytes32 hash);

    /// @notice The status and the keccak256 of the output words, lowest byte cleared, of a final
    ///         result (Fulfilled or Finalized); reverts otherwise. The words are in the
    ///         ResultFulfilled, AttestationSubmitted or AttestationDisputed event; check them with isResult.
    function getResult(uint256 requestId) external view returns (Status status, bytes32 outputHash);

    /// @notice Whether `outputWords` are `requestId`'s final result.
    function isResult(uint256 requestId, uint256[] calldata outputWords) external view returns (bool);

    /// @notice `requestId`'s committee round now: whether it is drawn yet, its number, its seed
    ///         (zero when not drawn or too old), and whether the request is open to every active operator.
    function committeeRound(Request calldata request)
        external
        view
        returns (bool drawn, uint256 round, bytes32 seed, bool open);

    /// @notice Whether `operator`'s signature counts for `request` now (seat or open round, stake
    ///         not raised since the request, active); free stake is checked on submission.
    function isEntitled(Request calldata request, address operator) external view returns (bool);

    /// @notice The expected committee size for `quorum` (2 * quorum + 1): each operator holds a seat
    ///         with probability committeeSize * stake / totalWeight, capped at 1.
    function committeeSize(uint256 quorum) external pure returns (uint256);

    /// @notice What `account` can withdraw.
    function balanceOf(address account) external view returns (uint256);
}
