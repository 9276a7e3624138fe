// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IInferenceOracle} from "./interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IOperatorStaking} from "./interfaces/IOperatorStaking.sol";
import {IProofVerifier} from "./interfaces/IProofVerifier.sol";
import {Bn254} from "./libraries/Bn254.sol";
import {WordPacking} from "./libraries/WordPacking.sol";
import {ITraceDisputes} from "./interfaces/ITraceDisputes.sol";

/// @title InferenceOracle
/// @notice Requests for model outputs, delivered with a proof (final at once) or with the EIP-712
///         signatures of staked operators (final after CHALLENGE_WINDOW unless a proof of another
///         output, or a trace game in TRACE_DISPUTES, overturns it). The contract's balance is always the fees of requests without a
///         final result plus every account's withdrawable balance.
contract InferenceOracle is IInferenceOracle {
    uint256 public constant MAX_SIGNERS = 8;
    uint256 public constant MAX_CALLBACK_GAS_LIMIT = 5_000_000;
    uint256 public constant DISPUTER_SHARE_BPS = 5_000;
    uint256 public constant REQUESTER_SHARE_BPS = 2_500;
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(uint256 requestId,bytes32 modelId,bytes32 inputHash,bytes32 outputHash,bytes32 traceRoot)"
    );
    bytes32 public constant ATTESTATION_BATCH_TYPEHASH = keccak256(
        "AttestationBatch(Attestation[] attestations)Attestation(uint256 requestId,bytes32 modelId,bytes32 inputHash,bytes32 outputHash,bytes32 traceRoot)"
    );

    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant _NAME_HASH = keccak256("Veridict");
    bytes32 private constant _VERSION_HASH = keccak256("1");
    uint256 private constant _BPS = 10_000;
    uint256 private constant _MAX_CHALLENGE_WINDOW = 365 days;
    /// @dev blockhash reaches 256 blocks back: a round's seed block must stay within reach for the round.
    uint256 private constant _MAX_ROUND_BLOCKS = 256;
    /// @dev secp256k1n / 2: signatures with a larger s are the malleated twin of a valid one.
    uint256 private constant _HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    /// @dev Gas kept aside between the callback gas check and the call itself.
    uint256 private constant _CALLBACK_GAS_MARGIN = 5_000;
    /// @dev AttestationRecord.packed: bits 0-31 challenge end, then one 24-bit operator index per signer.
    uint256 private constant _SIGNERS_SHIFT = 32;
    uint256 private constant _INDEX_BITS = 24;
    uint256 private constant _INDEX_MASK = (1 << 24) - 1;
    uint256 private constant _STATUS_MASK = 0xff;
    /// @dev The proof check's gas: the largest verification (a Groth16 pairing check plus one
    ///      elliptic-curve multiplication per signal, or PLONK's) with room to spare.
    uint256 private constant _VERIFY_GAS_BASE = 400_000;
    uint256 private constant _VERIFY_GAS_PER_SIGNAL = 10_000;

    IModelRegistry public immutable REGISTRY;
    IOperatorStaking public immutable STAKING;
    address public immutable TREASURY;
    uint256 public immutable CHALLENGE_WINDOW;
    uint256 public immutable ROUND_BLOCKS;
    uint256 public immutable MAX_BOUNTY;
    address public immutable TRACE_DISPUTES;
    uint256 private immutable _CACHED_CHAIN_ID;
    bytes32 private immutable _CACHED_DOMAIN_SEPARATOR;

    uint256 public nextRequestId;
    mapping(address account => uint256 amount) public balanceOf;
    /// @dev One word per request: a 248-bit hash with the Status in the lowest byte.
    mapping(uint256 requestId => bytes32 word) private _states;
    mapping(bytes32 commitment => uint256 blockNumber) public equivocationCommittedAt;
    mapping(uint256 requestId => uint256 games) public openTraceGames;
    bool private transient _locked;

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    /// @param staking Must name this contract as its oracle and unbond for longer than `challengeWindow`.
    /// @param roundBlocks Blocks per committee round (1..256): the committee's exclusive window.
    /// @param maxBounty The most one slash pays a disputer, a reporter or a requester (nonzero).
    /// @param traceDisputes The trace games (TraceDisputes), deployed first naming this oracle.
    ///        Staking must unbond for longer than the challenge window plus its longest game.
    constructor(
        IModelRegistry registry,
        IOperatorStaking staking,
        ITraceDisputes traceDisputes,
        address treasury,
        uint256 challengeWindow,
        uint256 roundBlocks,
        uint256 maxBounty
    ) {
        if (treasury == address(0)) revert InvalidTreasury();
        if (maxBounty == 0) revert InvalidMaxBounty(maxBounty);
        if (challengeWindow == 0 || challengeWindow > _MAX_CHALLENGE_WINDOW) {
            revert InvalidChallengeWindow(challengeWindow);
        }
        if (roundBlocks == 0 || roundBlocks > _MAX_ROUND_BLOCKS) revert InvalidRoundBlocks(roundBlocks);
        address stakingOracle = staking.ORACLE();
        if (stakingOracle != address(this)) revert StakingOracleMismatch(stakingOracle, address(this));
        uint256 unbondingPeriod = staking.UNBONDING_PERIOD();
        if (unbondingPeriod <= challengeWindow) {
            revert UnbondingNotLongerThanChallengeWindow(unbondingPeriod, challengeWindow);
        }
        address disputesOracle = address(traceDisputes.ORACLE());
        if (disputesOracle != address(this)) revert TraceDisputesOracleMismatch(disputesOracle, address(this));
        // Signers' stake must stay slashable until the last game a window can start has ended.
        uint256 maxGameDuration = traceDisputes.maxGameDuration();
        if (unbondingPeriod <= challengeWindow + maxGameDuration) {
            revert UnbondingNotLongerThanDisputes(unbondingPeriod, challengeWindow, maxGameDuration);
        }
        TRACE_DISPUTES = address(traceDisputes);
        REGISTRY = registry;
        STAKING = staking;
        TREASURY = treasury;
        CHALLENGE_WINDOW = challengeWindow;
        ROUND_BLOCKS = roundBlocks;
        MAX_BOUNTY = maxBounty;
        _CACHED_CHAIN_ID = block.chainid;
        _CACHED_DOMAIN_SEPARATOR = _buildDomainSeparator();
        nextRequestId = 1;
    }

    /// @notice Accepts slashed stake and unpaid fees from STAKING only.
    receive() external payable {
        if (msg.sender != address(STAKING)) revert UnexpectedEther(msg.sender);
    }

    /// @inheritdoc IInferenceOracle
    function requestInference(bytes32 modelId, uint256[] calldata inputWords, RequestOptions calldata options)
        external
        payable
        returns (uint256 requestId)
    {
        IModelRegistry.ModelTerms memory terms = REGISTRY.getModelTerms(modelId);
        if (terms.status != IModelRegistry.ModelStatus.Active) revert ModelNotRequestable(modelId, terms.status);
        if (options.callback == address(0)
                ? options.callbackGasLimit != 0 || options.callbackGasPrice != 0
                : options.callbackGasLimit == 0 || options.callbackGasLimit > MAX_CALLBACK_GAS_LIMIT) {
            revert InvalidCallbackGasLimit(options.callbackGasLimit, MAX_CALLBACK_GAS_LIMIT);
        }
        uint256 prepaid = uint256(options.callbackGasLimit) * options.callbackGasPrice;
        if (msg.value < terms.fee + prepaid) revert InsufficientFee(msg.value, terms.fee + prepaid);
        uint256 fee = msg.value - prepaid;
        if (fee > type(uint96).max) revert PaymentTooLarge(msg.value, type(uint96).max);
        uint256 valueAtRisk = options.valueAtRisk;
        uint256 totalWeight;
        if (options.mode == Mode.ZK) {
            if (!terms.hasVerifier) revert ModelHasNoVerifier(modelId);
            if (options.quorum != 0) revert InvalidQuorum(options.mode, options.quorum);
            if (valueAtRisk != 0) revert InvalidValueAtRisk(valueAtRisk, fee);
        } else {
            if (terms.privateInput) revert PrivateInputRequiresZk(modelId);
            if (options.quorum == 0 || options.quorum > MAX_SIGNERS) {
                revert InvalidQuorum(options.mode, options.quorum);
            }
            if (valueAtRisk == 0) valueAtRisk = fee;
            else if (valueAtRisk < fee) revert InvalidValueAtRisk(valueAtRisk, fee);
            totalWeight = STAKING.totalWeight();
            if (totalWeight == 0 && !terms.hasVerifier) revert NoActiveOperators();
        }
        if (options.deadline <= block.timestamp || options.deadline > type(uint32).max) {
            revert InvalidDeadline(options.deadline);
        }
        if (terms.privateInput) _checkInputCommitment(inputWords);
        else _checkInputWords(inputWords, terms.inputValues, terms.inputBits);

        requestId = nextRequestId++;
        Request memory request = Request({
            id: requestId,
            modelId: modelId,
            inputHash: _hashWords(inputWords),
            requester: msg.sender,
            payer: options.payer == address(0) ? msg.sender : options.payer,
            fee: uint96(fee),
            callback: options.callback,
            callbackGasLimit: options.callbackGasLimit,
            callbackGasPrice: options.callbackGasPrice,
            deadline: uint32(options.deadline),
            mode: options.mode,
            quorum: options.quorum,
            provable: terms.hasVerifier,
            modelIndex: terms.index,
            outputValues: terms.outputValues,
            outputBits: terms.outputBits,
            blockNumber: uint64(block.number),
            valueAtRisk: uint96(valueAtRisk),
            totalWeight: uint128(totalWeight)
        });
        _states[requestId] = _word(keccak256(abi.encode(request)), Status.Requested);
        emit InferenceRequested(requestId, modelId, msg.sender, request, inputWords);
    }

    /// @inheritdoc IInferenceOracle
    function fulfillWithProof(
        Request calldata request,
        AttestationRecord calldata attested,
        uint256[] calldata inputWords,
        uint256[] calldata outputWords,
        address beneficiary,
        bytes calldata proof
    ) external nonReentrant {
        if (_statusOf(request.id) == Status.Attested) {
            _proveAttested(request, attested, inputWords, outputWords, beneficiary, proof, false);
            return;
        }
        _requireOpen(request);
        _verifyProof(request, inputWords, outputWords, beneficiary, proof);
        _fulfil(request, outputWords, beneficiary);
    }

    /// @inheritdoc IInferenceOracle
    function submitAttestations(AttestedResult[] calldata results, bytes[] calldata signatures) external nonReentrant {
        uint256 count = results.length;
        if (count == 0) revert EmptyBatch();
        bytes32[] memory requestHashes = new bytes32[](count);
        bytes32[] memory outputHashes = new bytes32[](count);
        bytes32[] memory items = new bytes32[](count);
        uint256 valueAtRisk;
        uint256 previous;
        for (uint256 i; i < count; ++i) {
            Request calldata request = results[i].request;
            // Ascending ids: a request listed twice would lock its value at risk twice.
            if (request.id <= previous) revert BatchNotAscending(i, request.id, previous);
            previous = request.id;
            requestHashes[i] = _requireOpen(request);
            if (request.mode != Mode.ATTESTED) revert RequestNotAttestable(request.id, request.mode);
            if (signatures.length != request.quorum) {
                revert SignatureCountOutOfRange(signatures.length, request.quorum, request.quorum);
            }
            uint256[] calldata outputWords = results[i].outputWords;
            _checkOutputWords(outputWords, request.outputValues, request.outputBits);
            outputHashes[i] = _hashWords(outputWords);
            bytes32 traceRoot = results[i].traceRoot;
            if (traceRoot == bytes32(0)) revert TraceRootMissing(request.id);
            items[i] = keccak256(
                abi.encode(
                    ATTESTATION_TYPEHASH, request.id, request.modelId, request.inputHash, outputHashes[i], traceRoot
                )
            );
            valueAtRisk += request.valueAtRisk;
        }
        address[] memory signers = _recoverSigners(_hashBatch(items), signatures);
        // Each signer locks every result's value at risk; this also checks that each is active.
        uint256[] memory seats = STAKING.lock(signers, valueAtRisk);
        uint256 challengeEnd = block.timestamp + CHALLENGE_WINDOW;
        for (uint256 i; i < count; ++i) {
            _attest(results[i], requestHashes[i], outputHashes[i], signers, seats, challengeEnd);
        }
    }

    /// @inheritdoc IInferenceOracle
    function finalize(Request calldata request, AttestationRecord calldata attested, uint256[] calldata outputWords)
        external
        nonReentrant
    {
        _finalize(request, attested, outputWords);
    }

    /// @inheritdoc IInferenceOracle
    function finalizeBatch(Finalization[] calldata items) external nonReentrant returns (uint256 settled) {
        for (uint256 i; i < items.length; ++i) {
            Finalization calldata item = items[i];
            // Finalized, proved, disputed or voided meanwhile (by someone else, or by an earlier item
            // of this batch): skipped, so a front-run item cannot sink the batch. An unknown request
            // is not skipped: _finalize reverts RequestNotFound, as finalize does.
            Status status = _statusOf(item.request.id);
            if (status != Status.Attested && status != Status.None) continue;
            if (openTraceGames[item.request.id] != 0) continue;
            _finalize(item.request, item.attested, item.outputWords);
            ++settled;
        }
    }

    /// @dev Makes an attested result final once its window is over (fee to the unslashed signers,
    ///      locks released, callback run), or voids it at any time when slashed signers leave it
    ///      short of its quorum.
    function _finalize(Request calldata request, AttestationRecord calldata attested, uint256[] calldata outputWords)
        private
    {
        bytes32 requestHash = _requireAttested(request, attested);
        uint256 games = openTraceGames[request.id];
        if (games != 0) revert TraceGamesOpen(request.id, games);
        bytes32 outputHash = _hashWords(outputWords);
        if (outputHash != attested.outputHash) revert OutputHashMismatch(request.id, attested.outputHash, outputHash);
        uint32[] memory indices = _signerIndices(attested.packed);
        uint256 challengeEnd = uint32(attested.packed);
        if (block.timestamp < challengeEnd && _unslashed(indices) >= request.quorum) {
            revert ChallengeWindowOpen(request.id, challengeEnd);
        }
        uint256 paid = STAKING.settle{value: request.fee}(indices, request.valueAtRisk, request.quorum);
        if (paid < request.quorum) {
            _states[request.id] = _word(requestHash, Status.Requested);
            emit AttestationVoided(request.id, paid, request.quorum);
            return;
        }
        _states[request.id] = _word(outputHash, Status.Finalized);
        emit ResultFinalized(request.id, outputHash, paid);
        _deliver(request, outputWords);
    }

    /// @inheritdoc IInferenceOracle
    function disputeWithProof(
        Request calldata request,
        AttestationRecord calldata attested,
        uint256[] calldata inputWords,
        uint256[] calldata outputWords,
        address beneficiary,
        bytes calldata proof
    ) external nonReentrant {
        _proveAttested(request, attested, inputWords, outputWords, beneficiary, proof, true);
    }

    /// @inheritdoc IInferenceOracle
    function openTraceGame(Request calldata request, AttestationRecord calldata attested) external {
        if (msg.sender != TRACE_DISPUTES) revert NotTraceDisputes(msg.sender);
        _requireAttested(request, attested);
        uint256 challengeEnd = uint32(attested.packed);
        if (block.timestamp >= challengeEnd) revert ChallengeWindowClosed(request.id, challengeEnd);
        ++openTraceGames[request.id];
    }

    /// @inheritdoc IInferenceOracle
    function closeTraceGame(
        Request calldata request,
        AttestationRecord calldata attested,
        address challenger,
        bool attestersLost
    ) external nonReentrant returns (bool current) {
        if (msg.sender != TRACE_DISPUTES) revert NotTraceDisputes(msg.sender);
        --openTraceGames[request.id];
        bytes32 recordHash =
            keccak256(abi.encode(_hashRequest(request), attested.outputHash, attested.traceRoot, attested.packed));
        current = _states[request.id] == _word(recordHash, Status.Attested);
        if (!current || !attestersLost) return current;
        uint256 slashed = STAKING.slashAt(_signerIndices(attested.packed));
        _distributeSlash(request.id, slashed, challenger, request.payer);
        // The request is open again, for as long as a fresh challenge window at least.
        Request memory reopened = request;
        uint256 deadline = block.timestamp + CHALLENGE_WINDOW;
        if (deadline > reopened.deadline) reopened.deadline = uint32(deadline);
        _states[request.id] = _word(keccak256(abi.encode(reopened)), Status.Requested);
        emit AttestationOverturnedByTrace(
            request.id, challenger, attested.outputHash, attested.traceRoot, slashed, reopened
        );
    }

    /// @inheritdoc IInferenceOracle
    function commitEquivocation(bytes32 commitment) external {
        if (equivocationCommittedAt[commitment] != 0) revert EquivocationAlreadyCommitted(commitment);
        equivocationCommittedAt[commitment] = block.number;
        emit EquivocationCommitted(commitment, block.number);
    }

    /// @inheritdoc IInferenceOracle
    function reportEquivocation(SignedAttestation calldata first, SignedAttestation calldata second)
        external
        nonReentrant
    {
        Attestation calldata a = first.attestation;
        Attestation calldata b = second.attestation;
        if (a.requestId != b.requestId || a.modelId != b.modelId || a.inputHash != b.inputHash) {
            revert AttestationSubjectMismatch();
        }
        // Two outputs, or one output from two traces: the run is deterministic, so one of them is false.
        if (a.outputHash == b.outputHash && a.traceRoot == b.traceRoot) revert SameOutput(a.outputHash);
        _takeCommitment(keccak256(abi.encode(msg.sender, first, second)));
        address operator = _recover(_signedDigest(first), first.signature);
        if (operator == address(0)) revert InvalidSignature(0);
        address secondSigner = _recover(_signedDigest(second), second.signature);
        if (secondSigner == address(0)) revert InvalidSignature(1);
        if (operator != secondSigner) revert SignerMismatch(operator, secondSigner);

        uint256 slashed = STAKING.slash(operator);
        if (slashed == 0) revert NothingToSlash(operator);
        // The oracle keeps no requester address, only the request's hash: the requester's share of
        // an equivocation goes to the treasury with the rest (a dispute still pays the requester).
        _distributeSlash(a.requestId, slashed, msg.sender, address(0));
        emit EquivocationReported(
            operator, msg.sender, a.requestId, a.modelId, a.inputHash, a.outputHash, b.outputHash, slashed
        );
    }

    /// @inheritdoc IInferenceOracle
    function refund(Request calldata request) external nonReentrant {
        _requireState(request.id, Status.Requested, _hashRequest(request));
        if (block.timestamp <= request.deadline) revert RequestNotExpired(request.id, request.deadline);
        uint256 amount = request.fee + uint256(request.callbackGasLimit) * request.callbackGasPrice;
        _states[request.id] = _word(0, Status.Refunded);
        balanceOf[request.payer] += amount;
        emit RequestRefunded(request.id, request.payer, amount);
    }

    /// @notice Sends the caller's whole balance to `to`.
    function withdraw(address payable to) external nonReentrant {
        uint256 amount = balanceOf[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        balanceOf[msg.sender] = 0;
        emit Withdrawn(msg.sender, to, amount);
        (bool success,) = to.call{value: amount}("");
        if (!success) revert EtherTransferFailed(to, amount);
    }

    /// @notice The EIP-712 domain separator (name "Veridict", version "1", this chain, this contract).
    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        return block.chainid == _CACHED_CHAIN_ID ? _CACHED_DOMAIN_SEPARATOR : _buildDomainSeparator();
    }

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
        )
    {
        return (hex"0f", "Veridict", "1", block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    /// @inheritdoc IInferenceOracle
    function hashAttestation(Attestation calldata attestation) external view returns (bytes32 digest) {
        return _hashTypedData(_attestationStructHash(attestation));
    }

    /// @inheritdoc IInferenceOracle
    function hashAttestationBatch(Attestation[] calldata attestations) external view returns (bytes32 digest) {
        bytes32[] memory items = new bytes32[](attestations.length);
        for (uint256 i; i < attestations.length; ++i) {
            items[i] = _attestationStructHash(attestations[i]);
        }
        return _hashBatch(items);
    }

    /// @inheritdoc IInferenceOracle
    function getRequestState(uint256 requestId) external view returns (Status status, bytes32 hash) {
        bytes32 word = _states[requestId];
        status = Status(uint8(uint256(word) & _STATUS_MASK));
        if (status == Status.None) revert RequestNotFound(requestId);
        hash = word & ~bytes32(_STATUS_MASK);
    }

    /// @inheritdoc IInferenceOracle
    function getResult(uint256 requestId) external view returns (Status status, bytes32 outputHash) {
        bytes32 word = _states[requestId];
        status = Status(uint8(uint256(word) & _STATUS_MASK));
        if (status == Status.Fulfilled || status == Status.Finalized) return (status, word & ~bytes32(_STATUS_MASK));
        if (status == Status.None) revert RequestNotFound(requestId);
        revert ResultNotFinal(requestId, status);
    }

    /// @inheritdoc IInferenceOracle
    function isResult(uint256 requestId, uint256[] calldata outputWords) external view returns (bool) {
        bytes32 word = _states[requestId];
        Status status = Status(uint8(uint256(word) & _STATUS_MASK));
        return
            (status == Status.Fulfilled || status == Status.Finalized) && word == _word(_hashWords(outputWords), status);
    }

    /// @inheritdoc IInferenceOracle
    function committeeRound(Request calldata request)
        public
        view
        returns (bool drawn, uint256 round, bytes32 seed, bool open)
    {
        uint256 firstBlock = uint256(request.blockNumber) + 2;
        if (block.number < firstBlock) return (false, 0, bytes32(0), false);
        round = (block.number - firstBlock) / ROUND_BLOCKS;
        bytes32 seedHash = blockhash(firstBlock - 1 + round * ROUND_BLOCKS);
        if (seedHash != bytes32(0)) seed = keccak256(abi.encode(seedHash, request.id));
        return (true, round, seed, request.provable && round != 0);
    }

    /// @inheritdoc IInferenceOracle
    function isEntitled(Request calldata request, address operator) external view returns (bool) {
        IOperatorStaking.Operator memory record = STAKING.getOperator(operator);
        if (record.slashed || record.stake < STAKING.MIN_STAKE()) return false;
        (bool drawn,, bytes32 seed, bool open) = committeeRound(request);
        if (!drawn) return false;
        return open || _holdsSeat(request, seed, operator, record.stake, record.raisedAt);
    }

    /// @notice The committee's expected size for `quorum`: 2 * quorum + 1 seats, so that a quorum is
    ///         less than half of it and an honest majority of the committee's stake can reach it.
    function committeeSize(uint256 quorum) public pure returns (uint256) {
        return 2 * quorum + 1;
    }

    /// @notice The most gas the proof check may use: a malformed proof cannot burn more.
    function verificationGasLimit(uint256 publicSignals) public pure returns (uint256) {
        return _VERIFY_GAS_BASE + _VERIFY_GAS_PER_SIGNAL * publicSignals;
    }

    /// @dev Records one result of a batch as Attested, once every signer's seat is checked.
    function _attest(
        AttestedResult calldata result,
        bytes32 requestHash,
        bytes32 outputHash,
        address[] memory signers,
        uint256[] memory seats,
        uint256 challengeEnd
    ) private {
        uint256 requestId = result.request.id;
        uint256 packed = _seatSigners(result.request, signers, seats) | challengeEnd;
        _states[requestId] =
            _word(keccak256(abi.encode(requestHash, outputHash, result.traceRoot, packed)), Status.Attested);
        emit AttestationSubmitted(
            requestId,
            msg.sender,
            AttestationRecord({outputHash: outputHash, traceRoot: result.traceRoot, packed: packed}),
            result.outputWords,
            signers,
            uint64(challengeEnd)
        );
    }

    /// @dev Each signer must hold a seat on the request's committee this round, unless the round is
    ///      open; returns the signers' indices packed for the AttestationRecord (challenge end not set).
    function _seatSigners(Request calldata request, address[] memory signers, uint256[] memory seats)
        private
        view
        returns (uint256 packed)
    {
        (bool drawn,, bytes32 seed, bool open) = committeeRound(request);
        if (!drawn) revert CommitteeNotDrawn(request.id, uint256(request.blockNumber) + 2);
        for (uint256 i; i < signers.length; ++i) {
            uint256 seat = seats[i];
            if (!open && !_holdsSeat(request, seed, signers[i], uint88(seat >> 32), uint40(seat >> 120))) {
                revert SignerNotEntitled(request.id, signers[i]);
            }
            packed |= (seat & _INDEX_MASK) << (_SIGNERS_SHIFT + _INDEX_BITS * i);
        }
    }

    /// @dev Sortition: each operator holds a seat with probability committeeSize * stake / totalWeight
    ///      (capped at 1), independently, from the round's seed, provided its stake was last raised
    ///      before the request's block (when the seed was unknown to everyone). Splitting stake between accounts never adds
    ///      expected seats beyond its share.
    function _holdsSeat(Request calldata request, bytes32 seed, address operator, uint256 stake, uint256 raisedAt)
        private
        pure
        returns (bool)
    {
        if (seed == bytes32(0) || raisedAt >= request.blockNumber || request.totalWeight == 0) return false;
        uint256 draw = uint256(keccak256(abi.encode(seed, operator))) % request.totalWeight;
        return draw < committeeSize(request.quorum) * stake;
    }

    /// @dev The caller's commitment to this report, made in an earlier block, is used up.
    function _takeCommitment(bytes32 commitment) private {
        uint256 committedAt = equivocationCommittedAt[commitment];
        if (committedAt == 0) revert EquivocationNotCommitted(commitment);
        if (committedAt >= block.number) revert EquivocationRevealTooEarly(commitment, committedAt);
        delete equivocationCommittedAt[commitment];
    }

    /// @dev Makes a proved output final: the fee to the proof's beneficiary, the callback run.
    function _fulfil(Request calldata request, uint256[] calldata outputWords, address beneficiary) private {
        bytes32 outputHash = _hashWords(outputWords);
        _states[request.id] = _word(outputHash, Status.Fulfilled);
        balanceOf[beneficiary] += request.fee;
        emit ResultFulfilled(request.id, beneficiary, outputHash, outputWords);
        _deliver(request, outputWords);
    }

    /// @dev A proof for an Attested request. The attested output: final at once, the fee to the
    ///      prover, the signers' locks released, none paid or slashed (`disputeOnly` refuses it).
    ///      Another output, within the window: a dispute (_overturn).
    function _proveAttested(
        Request calldata request,
        AttestationRecord calldata attested,
        uint256[] calldata inputWords,
        uint256[] calldata outputWords,
        address beneficiary,
        bytes calldata proof,
        bool disputeOnly
    ) private {
        _requireAttested(request, attested);
        bool attestedOutput = _hashWords(outputWords) == attested.outputHash;
        if (attestedOutput && disputeOnly) revert OutputNotDifferent(request.id, attested.outputHash);
        uint256 challengeEnd = uint32(attested.packed);
        if (!attestedOutput && block.timestamp >= challengeEnd) revert ChallengeWindowClosed(request.id, challengeEnd);
        _verifyProof(request, inputWords, outputWords, beneficiary, proof);
        uint32[] memory indices = _signerIndices(attested.packed);
        if (attestedOutput) {
            STAKING.settle(indices, request.valueAtRisk, type(uint256).max);
            _fulfil(request, outputWords, beneficiary);
        } else {
            _overturn(request, attested.outputHash, indices, outputWords, beneficiary);
        }
    }

    /// @dev A proven output replaces an attested one: every signer slashed (its locks cleared), the
    ///      fee refunded to the payer, the bounty to the proof's beneficiary, the proven output delivered.
    function _overturn(
        Request calldata request,
        bytes32 attestedHash,
        uint32[] memory indices,
        uint256[] calldata outputWords,
        address beneficiary
    ) private {
        bytes32 provenHash = _hashWords(outputWords);
        _states[request.id] = _word(provenHash, Status.Fulfilled);
        balanceOf[request.payer] += request.fee;
        uint256 slashed = STAKING.slashAt(indices);
        _distributeSlash(request.id, slashed, beneficiary, request.payer);
        emit AttestationDisputed(request.id, beneficiary, attestedHash, provenHash, outputWords, slashed);
        _deliver(request, outputWords);
    }

    function _word(bytes32 hash, Status status) private pure returns (bytes32) {
        return (hash & ~bytes32(_STATUS_MASK)) | bytes32(uint256(status));
    }

    function _statusOf(uint256 requestId) private view returns (Status) {
        return Status(uint8(uint256(_states[requestId]) & _STATUS_MASK));
    }

    /// @dev The request's word must hold `status` and `hash`.
    function _requireState(uint256 requestId, Status status, bytes32 hash) private view {
        bytes32 word = _states[requestId];
        Status actual = Status(uint8(uint256(word) & _STATUS_MASK));
        if (actual != status) {
            if (actual == Status.None) revert RequestNotFound(requestId);
            if (status == Status.Attested) revert RequestNotAttested(requestId, actual);
            revert RequestNotPending(requestId, actual);
        }
        if (word != _word(hash, status)) revert RequestMismatch(requestId);
    }

    /// @dev A Requested request, as committed, before its deadline; returns its hash.
    function _requireOpen(Request calldata request) private view returns (bytes32 requestHash) {
        requestHash = _hashRequest(request);
        _requireState(request.id, Status.Requested, requestHash);
        if (block.timestamp > request.deadline) revert RequestExpired(request.id, request.deadline);
    }

    /// @dev An Attested request with this record; returns the request's hash.
    function _requireAttested(Request calldata request, AttestationRecord calldata attested)
        private
        view
        returns (bytes32 requestHash)
    {
        requestHash = _hashRequest(request);
        _requireState(
            request.id,
            Status.Attested,
            keccak256(abi.encode(requestHash, attested.outputHash, attested.traceRoot, attested.packed))
        );
    }

    /// @dev keccak256(abi.encode(request)) read straight from calldata: every member of Request is a
    ///      static type, so its ABI encoding is its 19 calldata words (0x260 bytes; a change to
    ///      Request changes that, or no stored hash matches and every test fails). Only a clean
    ///      encoding can match the stored hash (requestInference hashes the ABI encoding), and the
    ///      members read later are the words hashed here.
    function _hashRequest(Request calldata request) private pure returns (bytes32 requestHash) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, request, 0x260)
            requestHash := keccak256(ptr, 0x260)
        }
    }

    /// @dev keccak256(abi.encodePacked(words)): the packed encoding of uint256 words is their calldata.
    function _hashWords(uint256[] calldata words) private pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let size := shl(5, words.length)
            calldatacopy(ptr, words.offset, size)
            hash := keccak256(ptr, size)
        }
    }

    function _unslashed(uint32[] memory indices) private view returns (uint256 count) {
        (, bool[] memory slashed) = STAKING.accountsAt(indices);
        for (uint256 i; i < slashed.length; ++i) {
            if (!slashed[i]) ++count;
        }
    }

    function _checkInputWords(uint256[] calldata words, uint256 values, uint256 bits) private pure {
        uint256 expected = WordPacking.wordCount(values, bits);
        if (words.length != expected) revert InputWordCountMismatch(expected, words.length);
        uint256 index = WordPacking.firstWordOutOfRange(words, values, bits);
        if (index != expected) {
            revert InputWordOutOfRange(index, words[index], WordPacking.payloadBits(index, values, bits));
        }
    }

    /// @dev A private request's input is one commitment: a field element, or no proof could ever match it.
    function _checkInputCommitment(uint256[] calldata words) private pure {
        if (words.length != 1) revert InputWordCountMismatch(1, words.length);
        if (words[0] >= Bn254.R) revert InputCommitmentOutOfField(words[0]);
    }

    function _checkOutputWords(uint256[] calldata words, uint256 values, uint256 bits) private pure {
        uint256 expected = WordPacking.wordCount(values, bits);
        if (words.length != expected) revert OutputWordCountMismatch(expected, words.length);
        uint256 index = WordPacking.firstWordOutOfRange(words, values, bits);
        if (index != expected) {
            revert OutputWordOutOfRange(index, words[index], WordPacking.payloadBits(index, values, bits));
        }
    }

    /// @dev Public signals are the input words (a private request's one word is its input
    ///      commitment), the output words, then the beneficiary; the input words must be the ones
    ///      the request committed to. The registry pins the verifier and the
    ///      key; the check gets at most verificationGasLimit, so a malformed proof (which makes a
    ///      precompile fail and burn the gas it was given) cannot burn the caller's whole limit.
    function _verifyProof(
        Request calldata request,
        uint256[] calldata inputWords,
        uint256[] calldata outputWords,
        address beneficiary,
        bytes calldata proof
    ) private view {
        if (beneficiary == address(0)) revert InvalidBeneficiary();
        if (!request.provable) revert ModelHasNoVerifier(request.modelId);
        (, address verifier, address verificationKey) = REGISTRY.getVerifierAt(request.modelIndex);
        bytes32 suppliedHash = _hashWords(inputWords);
        if (suppliedHash != request.inputHash) revert InputHashMismatch(request.id, request.inputHash, suppliedHash);
        // The output words need no range check here: the key takes exactly the model's signal count
        // and the circuit packs range-checked values, so the words of a valid proof are in range.
        uint256[] memory signals = _publicSignals(inputWords, outputWords, beneficiary);
        if (!IProofVerifier(verifier).verify{gas: verificationGasLimit(signals.length)}(
                verificationKey, signals, proof
            )) {
            revert InvalidProof(request.id);
        }
    }

    /// @dev The input words, the output words, then the beneficiary.
    function _publicSignals(uint256[] calldata inputWords, uint256[] calldata outputWords, address beneficiary)
        private
        pure
        returns (uint256[] memory signals)
    {
        uint256 inputCount = inputWords.length;
        signals = new uint256[](inputCount + outputWords.length + 1);
        for (uint256 i; i < inputCount; ++i) {
            signals[i] = inputWords[i];
        }
        for (uint256 i; i < outputWords.length; ++i) {
            signals[inputCount + i] = outputWords[i];
        }
        signals[signals.length - 1] = uint160(beneficiary);
    }

    function _recoverSigners(bytes32 digest, bytes[] calldata signatures)
        private
        pure
        returns (address[] memory signers)
    {
        signers = new address[](signatures.length);
        address previous;
        for (uint256 i; i < signatures.length; ++i) {
            address signer = _recover(digest, signatures[i]);
            if (signer == address(0)) revert InvalidSignature(i);
            if (signer == previous) revert DuplicateSigner(signer);
            if (signer < previous) revert SignersNotAscending(i, signer, previous);
            signers[i] = signer;
            previous = signer;
        }
    }

    /// @dev 65-byte (r, s, v) signatures only, low s, v in {27, 28}; anything else recovers no one.
    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address) {
        if (signature.length != 65) return address(0);
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := calldataload(signature.offset)
            s := calldataload(add(signature.offset, 0x20))
            v := byte(0, calldataload(add(signature.offset, 0x40)))
        }
        if (uint256(s) > _HALF_CURVE_ORDER || (v != 27 && v != 28)) return address(0);
        return ecrecover(digest, v, r, s);
    }

    /// @dev The reporter and the requester get their shares, each capped at MAX_BOUNTY; the treasury
    ///      the rest, rounding dust included.
    function _distributeSlash(uint256 requestId, uint256 amount, address reporter, address requester) private {
        if (amount == 0) return;
        uint256 reporterShare = _min(amount * DISPUTER_SHARE_BPS / _BPS, MAX_BOUNTY);
        uint256 requesterShare = requester == address(0) ? 0 : _min(amount * REQUESTER_SHARE_BPS / _BPS, MAX_BOUNTY);
        uint256 treasuryShare = amount - reporterShare - requesterShare;
        balanceOf[reporter] += reporterShare;
        if (requesterShare != 0) balanceOf[requester] += requesterShare;
        balanceOf[TREASURY] += treasuryShare;
        emit SlashDistributed(requestId, reporter, reporterShare, requester, requesterShare, TREASURY, treasuryShare);
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }

    function _signerIndices(uint256 packed) private pure returns (uint32[] memory indices) {
        uint256 signers = packed >> _SIGNERS_SHIFT;
        uint256 count;
        while (count < MAX_SIGNERS && (signers >> (_INDEX_BITS * count)) & _INDEX_MASK != 0) ++count;
        indices = new uint32[](count);
        for (uint256 i; i < count; ++i) {
            indices[i] = uint32((signers >> (_INDEX_BITS * i)) & _INDEX_MASK);
        }
    }

    /// @dev Runs the callback with exactly the requested gas and settles its prepaid gas: what it
    ///      used, at the declared price, to the caller who delivered it; the rest to the payer.
    ///      It reverts if the caller left too little gas for the callback (so no one can starve it
    ///      into failing); a callback that reverts or runs out of gas only emits CallbackFailed, and
    ///      the result stays final.
    function _deliver(Request calldata request, uint256[] calldata outputWords) private {
        address callback = request.callback;
        if (callback == address(0)) return;
        uint256 gasLimit = request.callbackGasLimit;
        uint256 gasUsed;
        if (callback.code.length == 0) {
            emit CallbackFailed(request.id, callback);
        } else {
            bytes memory data = abi.encodeCall(IInferenceConsumer.onInferenceResult, (request.id, outputWords));
            uint256 available = gasleft();
            // EIP-150 passes on at most 63/64 of what is left at the call.
            if (
                available < _CALLBACK_GAS_MARGIN
                    || available - _CALLBACK_GAS_MARGIN - (available - _CALLBACK_GAS_MARGIN) / 64 <= gasLimit
            ) {
                revert InsufficientGasForCallback(gasLimit);
            }
            bool success;
            uint256 before = gasleft();
            assembly ("memory-safe") {
                // No return data is copied: a callback cannot make delivery pay for a huge return.
                success := call(gasLimit, callback, 0, add(data, 0x20), mload(data), 0, 0)
            }
            gasUsed = before - gasleft();
            if (gasUsed > gasLimit) gasUsed = gasLimit;
            if (!success) emit CallbackFailed(request.id, callback);
        }
        uint256 price = request.callbackGasPrice;
        uint256 paid = gasUsed * price;
        uint256 refunded = gasLimit * price - paid;
        if (paid != 0) balanceOf[msg.sender] += paid;
        if (refunded != 0) balanceOf[request.payer] += refunded;
        emit CallbackSettled(request.id, msg.sender, gasUsed, paid, refunded);
    }

    /// @dev The digest a SignedAttestation's signature is over: the attestation alone, or the batch
    ///      it is part of.
    function _signedDigest(SignedAttestation calldata signed) private view returns (bytes32) {
        bytes32 item = _attestationStructHash(signed.attestation);
        if (signed.batch.length == 0) return _hashTypedData(item);
        if (signed.index >= signed.batch.length || signed.batch[signed.index] != item) revert NotInBatch(signed.index);
        return _hashBatch(signed.batch);
    }

    /// @dev EIP-712 digest of an AttestationBatch whose attestations have these struct hashes.
    function _hashBatch(bytes32[] memory items) private view returns (bytes32) {
        return _hashTypedData(keccak256(abi.encode(ATTESTATION_BATCH_TYPEHASH, keccak256(abi.encodePacked(items)))));
    }

    function _attestationStructHash(Attestation calldata attestation) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                ATTESTATION_TYPEHASH,
                attestation.requestId,
                attestation.modelId,
                attestation.inputHash,
                attestation.outputHash,
                attestation.traceRoot
            )
        );
    }

    function _hashTypedData(bytes32 structHash) private view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", DOMAIN_SEPARATOR(), structHash));
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(_DOMAIN_TYPEHASH, _NAME_HASH, _VERSION_HASH, block.chainid, address(this)));
    }
}
