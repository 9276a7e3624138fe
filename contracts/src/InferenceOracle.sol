// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IInferenceOracle} from "./interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IOperatorStaking} from "./interfaces/IOperatorStaking.sol";
import {IProofVerifier} from "./interfaces/IProofVerifier.sol";
import {WordPacking} from "./libraries/WordPacking.sol";

/// @title InferenceOracle
/// @notice Requests for model outputs, delivered with a proof (final at once) or with the EIP-712
///         signatures of staked operators (final after CHALLENGE_WINDOW unless a proof of another
///         output overturns it). The contract's balance is always the fees of requests without a
///         final result plus every account's withdrawable balance.
contract InferenceOracle is IInferenceOracle {
    uint256 public constant MAX_SIGNERS = 8;
    uint256 public constant MAX_CALLBACK_GAS_LIMIT = 5_000_000;
    uint256 public constant DISPUTER_SHARE_BPS = 5_000;
    uint256 public constant REQUESTER_SHARE_BPS = 2_500;
    bytes32 public constant ATTESTATION_TYPEHASH =
        keccak256("Attestation(uint256 requestId,bytes32 modelId,bytes32 inputHash,bytes32 outputHash)");

    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant _NAME_HASH = keccak256("Veridict");
    bytes32 private constant _VERSION_HASH = keccak256("1");
    uint256 private constant _BPS = 10_000;
    uint256 private constant _MAX_CHALLENGE_WINDOW = 365 days;
    /// @dev secp256k1n / 2: signatures with a larger s are the malleated twin of a valid one.
    uint256 private constant _HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    /// @dev Gas kept aside between the callback gas check and the call itself.
    uint256 private constant _CALLBACK_GAS_MARGIN = 5_000;
    /// @dev Packed attestation: bits 0-31 challenge end, 32-47 output word count, then one 24-bit
    ///      operator index per signer (0 = no signer).
    uint256 private constant _SIGNERS_SHIFT = 48;
    uint256 private constant _INDEX_BITS = 24;
    uint256 private constant _INDEX_MASK = (1 << 24) - 1;
    /// @dev The proof check's gas: the largest verification (a Groth16 pairing check plus one
    ///      elliptic-curve multiplication per signal, or PLONK's) with room to spare.
    uint256 private constant _VERIFY_GAS_BASE = 400_000;
    uint256 private constant _VERIFY_GAS_PER_SIGNAL = 10_000;

    IModelRegistry public immutable REGISTRY;
    IOperatorStaking public immutable STAKING;
    address public immutable TREASURY;
    uint256 public immutable CHALLENGE_WINDOW;
    uint256 public immutable MAX_BOUNTY;
    uint256 private immutable _CACHED_CHAIN_ID;
    bytes32 private immutable _CACHED_DOMAIN_SEPARATOR;

    uint256 public nextRequestId;
    mapping(address account => uint256 amount) public balanceOf;
    mapping(uint256 requestId => Request) private _requests;
    mapping(uint256 requestId => uint256 packed) private _attestations;
    mapping(uint256 requestId => mapping(uint256 index => uint256 word)) private _outputWords;
    mapping(bytes32 commitment => uint256 blockNumber) public equivocationCommittedAt;
    bool private transient _locked;

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    /// @param staking Must name this contract as its oracle and unbond for longer than `challengeWindow`.
    /// @param maxBounty The most one slash pays a disputer, a reporter or a requester (nonzero).
    constructor(
        IModelRegistry registry,
        IOperatorStaking staking,
        address treasury,
        uint256 challengeWindow,
        uint256 maxBounty
    ) {
        if (treasury == address(0)) revert InvalidTreasury();
        if (maxBounty == 0) revert InvalidMaxBounty(maxBounty);
        if (challengeWindow == 0 || challengeWindow > _MAX_CHALLENGE_WINDOW) {
            revert InvalidChallengeWindow(challengeWindow);
        }
        address stakingOracle = staking.ORACLE();
        if (stakingOracle != address(this)) revert StakingOracleMismatch(stakingOracle, address(this));
        uint256 unbondingPeriod = staking.UNBONDING_PERIOD();
        if (unbondingPeriod <= challengeWindow) {
            revert UnbondingNotLongerThanChallengeWindow(unbondingPeriod, challengeWindow);
        }
        REGISTRY = registry;
        STAKING = staking;
        TREASURY = treasury;
        CHALLENGE_WINDOW = challengeWindow;
        MAX_BOUNTY = maxBounty;
        _CACHED_CHAIN_ID = block.chainid;
        _CACHED_DOMAIN_SEPARATOR = _buildDomainSeparator();
        nextRequestId = 1;
    }

    /// @notice Accepts slashed stake from STAKING only.
    receive() external payable {
        if (msg.sender != address(STAKING)) revert UnexpectedEther(msg.sender);
    }

    /// @notice Asks for `modelId`'s output on `inputWords`, paying msg.value (at least the model's fee).
    function requestInference(
        bytes32 modelId,
        uint256[] calldata inputWords,
        Mode mode,
        uint8 quorum,
        address callback,
        uint32 callbackGasLimit,
        uint64 deadline
    ) external payable returns (uint256 requestId) {
        IModelRegistry.ModelTerms memory terms = REGISTRY.getModelTerms(modelId);
        if (terms.status != IModelRegistry.ModelStatus.Active) revert ModelNotRequestable(modelId, terms.status);
        if (msg.value < terms.fee) revert InsufficientFee(msg.value, terms.fee);
        if (msg.value > type(uint80).max) revert PaymentTooLarge(msg.value, type(uint80).max);
        if (mode == Mode.ZK) {
            if (!terms.hasVerifier) revert ModelHasNoVerifier(modelId);
            if (quorum != 0) revert InvalidQuorum(mode, quorum);
        } else if (quorum == 0 || quorum > MAX_SIGNERS) {
            revert InvalidQuorum(mode, quorum);
        }
        if (deadline <= block.timestamp || deadline > type(uint32).max) revert InvalidDeadline(deadline);
        if (callback == address(0)
                ? callbackGasLimit != 0
                : callbackGasLimit == 0 || callbackGasLimit > MAX_CALLBACK_GAS_LIMIT) revert InvalidCallbackGasLimit(
            callbackGasLimit, MAX_CALLBACK_GAS_LIMIT
        );
        _checkInputWords(inputWords, terms.inputValues, terms.inputBits);

        requestId = nextRequestId++;
        Request memory request = Request({
            requester: msg.sender,
            fee: uint80(msg.value),
            status: Status.Requested,
            mode: mode,
            callback: callback,
            modelIndex: terms.index,
            deadline: uint32(deadline),
            callbackGasLimit: uint24(callbackGasLimit),
            quorum: quorum,
            dataHash: keccak256(abi.encodePacked(inputWords))
        });
        _requests[requestId] = request;
        _emitRequested(requestId, modelId, request, inputWords);
    }

    /// @notice Delivers a proved result; anyone may send it and `beneficiary`, bound by the proof,
    ///         earns the fee. On an Attested request, a proof of the attested output makes it final
    ///         at once and a proof of another output disputes it.
    function fulfillWithProof(
        uint256 requestId,
        uint256[] calldata inputWords,
        uint256[] calldata outputWords,
        address beneficiary,
        bytes calldata proof
    ) external nonReentrant {
        Request memory request = _requests[requestId];
        if (request.status == Status.Attested) {
            _proveAttested(requestId, request, inputWords, outputWords, beneficiary, proof, false);
            return;
        }
        _requireOpen(requestId, request);
        _verifyProof(requestId, request, inputWords, outputWords, beneficiary, proof);
        _fulfil(requestId, request, outputWords, beneficiary);
    }

    /// @notice Submits an output signed by distinct active operators (ascending signer addresses).
    function submitAttestations(uint256 requestId, uint256[] calldata outputWords, bytes[] calldata signatures)
        external
        nonReentrant
    {
        Request memory request = _requests[requestId];
        _requireOpen(requestId, request);
        if (request.mode != Mode.ATTESTED) revert RequestNotAttestable(requestId, request.mode);
        if (signatures.length < request.quorum || signatures.length > MAX_SIGNERS) {
            revert SignatureCountOutOfRange(signatures.length, request.quorum, MAX_SIGNERS);
        }
        (bytes32 modelId, IModelRegistry.ModelTerms memory terms,,) = REGISTRY.getModelAt(request.modelIndex);
        _checkOutputWords(outputWords, terms.outputValues, terms.outputBits);

        bytes32 outputHash = keccak256(abi.encodePacked(outputWords));
        address[] memory signers = _recoverSigners(
            _hashTypedData(
                keccak256(abi.encode(ATTESTATION_TYPEHASH, requestId, modelId, request.dataHash, outputHash))
            ),
            signatures
        );
        uint256 challengeEnd = block.timestamp + CHALLENGE_WINDOW;
        uint256 packed = _packAttestation(challengeEnd, outputWords.length, signers);

        _requests[requestId].status = Status.Attested;
        _attestations[requestId] = packed;
        _storeOutput(requestId, outputWords);
        emit AttestationSubmitted(requestId, msg.sender, outputHash, outputWords, signers, uint64(challengeEnd));
    }

    /// @notice Makes an attested result final once its challenge window is over, credits the fee to
    ///         the unslashed signers and runs the callback; voids it if slashed signers leave it short
    ///         of its quorum.
    function finalize(uint256 requestId) external nonReentrant {
        Request memory request = _requests[requestId];
        _requireAttested(requestId, request.status);
        uint256 packed = _attestations[requestId];
        uint256 challengeEnd = uint32(packed);
        if (block.timestamp < challengeEnd) revert ChallengeWindowOpen(requestId, challengeEnd);

        uint256 paid = STAKING.creditRewards{value: request.fee}(_signerIndices(packed), request.quorum);
        if (paid < request.quorum) {
            _requests[requestId].status = Status.Requested;
            delete _attestations[requestId];
            emit AttestationVoided(requestId, paid, request.quorum);
            return;
        }
        _requests[requestId].status = Status.Finalized;
        uint256[] memory outputWords = _loadOutput(requestId, uint16(packed >> 32));
        emit ResultFinalized(requestId, keccak256(abi.encodePacked(outputWords)), paid);
        _deliver(requestId, request, outputWords);
    }

    /// @notice Overturns an attested result during its challenge window with a proof of a different
    ///         output; `beneficiary`, bound by the proof, earns the bounty.
    function disputeWithProof(
        uint256 requestId,
        uint256[] calldata inputWords,
        uint256[] calldata outputWords,
        address beneficiary,
        bytes calldata proof
    ) external nonReentrant {
        Request memory request = _requests[requestId];
        _requireAttested(requestId, request.status);
        _proveAttested(requestId, request, inputWords, outputWords, beneficiary, proof, true);
    }

    /// @notice Commits to an equivocation report; reveal it with reportEquivocation in a later block.
    function commitEquivocation(bytes32 commitment) external {
        if (equivocationCommittedAt[commitment] != 0) revert EquivocationAlreadyCommitted(commitment);
        equivocationCommittedAt[commitment] = block.number;
        emit EquivocationCommitted(commitment, block.number);
    }

    /// @notice Slashes an operator that signed two attestations of the same request, model and input
    ///         with different outputs.
    function reportEquivocation(
        Attestation calldata first,
        bytes calldata firstSignature,
        Attestation calldata second,
        bytes calldata secondSignature
    ) external nonReentrant {
        if (
            first.requestId != second.requestId || first.modelId != second.modelId
                || first.inputHash != second.inputHash
        ) revert AttestationSubjectMismatch();
        if (first.outputHash == second.outputHash) revert SameOutput(first.outputHash);
        _takeCommitment(keccak256(abi.encode(msg.sender, first, firstSignature, second, secondSignature)));
        address operator = _recover(_hashAttestation(first), firstSignature);
        if (operator == address(0)) revert InvalidSignature(0);
        address secondSigner = _recover(_hashAttestation(second), secondSignature);
        if (secondSigner == address(0)) revert InvalidSignature(1);
        if (operator != secondSigner) revert SignerMismatch(operator, secondSigner);

        uint256 slashed = STAKING.slash(operator);
        if (slashed == 0) revert NothingToSlash(operator);
        address requester = first.requestId == 0 ? address(0) : _requests[first.requestId].requester;
        _distributeSlash(first.requestId, slashed, msg.sender, requester);
        emit EquivocationReported(
            operator,
            msg.sender,
            first.requestId,
            first.modelId,
            first.inputHash,
            first.outputHash,
            second.outputHash,
            slashed
        );
    }

    /// @notice Credits the fee of an expired request with no result back to its requester.
    function refund(uint256 requestId) external nonReentrant {
        Request storage request = _requests[requestId];
        Status status = request.status;
        if (status == Status.None) revert RequestNotFound(requestId);
        if (status != Status.Requested) revert RequestNotPending(requestId, status);
        if (block.timestamp <= request.deadline) revert RequestNotExpired(requestId, request.deadline);

        request.status = Status.Refunded;
        balanceOf[request.requester] += request.fee;
        emit RequestRefunded(requestId, request.requester, request.fee);
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

    /// @notice The EIP-712 digest an operator signs for `attestation`.
    function hashAttestation(Attestation calldata attestation) external view returns (bytes32 digest) {
        return _hashAttestation(attestation);
    }

    /// @notice The stored request; reverts RequestNotFound if unknown.
    function getRequest(uint256 requestId) external view returns (Request memory request) {
        request = _requests[requestId];
        if (request.status == Status.None) revert RequestNotFound(requestId);
    }

    /// @notice The status and output hash of a final result (Fulfilled or Finalized); reverts otherwise.
    function getResult(uint256 requestId) external view returns (Status status, bytes32 outputHash) {
        Request storage request = _requests[requestId];
        status = request.status;
        if (status == Status.Fulfilled) return (status, request.dataHash);
        if (status == Status.Finalized) {
            return (status, keccak256(abi.encodePacked(_loadOutput(requestId, uint16(_attestations[requestId] >> 32)))));
        }
        if (status == Status.None) revert RequestNotFound(requestId);
        revert ResultNotFinal(requestId, status);
    }

    /// @notice The latest attestation of `requestId`: when its window ends and who signed it.
    function getAttestation(uint256 requestId) external view returns (uint64 challengeEnd, address[] memory signers) {
        uint256 packed = _attestations[requestId];
        if (packed == 0) return (0, new address[](0));
        (signers,) = STAKING.accountsAt(_signerIndices(packed));
        return (uint32(packed), signers);
    }

    /// @dev The caller's commitment to this report, made in an earlier block, is used up.
    function _takeCommitment(bytes32 commitment) private {
        uint256 committedAt = equivocationCommittedAt[commitment];
        if (committedAt == 0) revert EquivocationNotCommitted(commitment);
        if (committedAt >= block.number) revert EquivocationRevealTooEarly(commitment, committedAt);
        delete equivocationCommittedAt[commitment];
    }

    /// @notice The most gas the proof check may use: a malformed proof cannot burn more.
    function verificationGasLimit(uint256 publicSignals) public pure returns (uint256) {
        return _VERIFY_GAS_BASE + _VERIFY_GAS_PER_SIGNAL * publicSignals;
    }

    /// @dev Makes a proved output final: the fee to the proof's beneficiary, the callback run.
    function _fulfil(uint256 requestId, Request memory request, uint256[] calldata outputWords, address beneficiary)
        private
    {
        bytes32 outputHash = keccak256(abi.encodePacked(outputWords));
        Request storage stored = _requests[requestId];
        stored.status = Status.Fulfilled;
        stored.dataHash = outputHash;
        balanceOf[beneficiary] += request.fee;
        emit ResultFulfilled(requestId, beneficiary, outputHash, outputWords);
        _deliver(requestId, request, outputWords);
    }

    /// @dev A proof for an Attested request. The attested output: final at once, the fee to the
    ///      prover, no signer paid or slashed (`disputeOnly` refuses it). Another output, within the
    ///      window: a dispute (_overturn).
    function _proveAttested(
        uint256 requestId,
        Request memory request,
        uint256[] calldata inputWords,
        uint256[] calldata outputWords,
        address beneficiary,
        bytes calldata proof,
        bool disputeOnly
    ) private {
        uint256 packed = _attestations[requestId];
        bytes32 attestedHash = keccak256(abi.encodePacked(_loadOutput(requestId, uint16(packed >> 32))));
        bool attestedOutput = keccak256(abi.encodePacked(outputWords)) == attestedHash;
        if (attestedOutput && disputeOnly) revert OutputNotDifferent(requestId, attestedHash);
        if (!attestedOutput && block.timestamp >= uint32(packed)) {
            revert ChallengeWindowClosed(requestId, uint32(packed));
        }
        _verifyProof(requestId, request, inputWords, outputWords, beneficiary, proof);
        delete _attestations[requestId];
        if (attestedOutput) _fulfil(requestId, request, outputWords, beneficiary);
        else _overturn(requestId, request, outputWords, beneficiary, packed, attestedHash);
    }

    /// @dev A proven output replaces an attested one: every signer slashed, the fee refunded to the
    ///      requester, the bounty to the proof's beneficiary, the proven output delivered.
    function _overturn(
        uint256 requestId,
        Request memory request,
        uint256[] calldata outputWords,
        address beneficiary,
        uint256 packed,
        bytes32 attestedHash
    ) private {
        bytes32 provenHash = keccak256(abi.encodePacked(outputWords));
        Request storage stored = _requests[requestId];
        stored.status = Status.Fulfilled;
        stored.dataHash = provenHash;
        balanceOf[request.requester] += request.fee;
        (address[] memory signers,) = STAKING.accountsAt(_signerIndices(packed));
        uint256 slashed;
        for (uint256 i; i < signers.length; ++i) {
            slashed += STAKING.slash(signers[i]);
        }
        _distributeSlash(requestId, slashed, beneficiary, request.requester);
        emit AttestationDisputed(requestId, beneficiary, attestedHash, provenHash, outputWords, slashed);
        _deliver(requestId, request, outputWords);
    }

    function _emitRequested(uint256 requestId, bytes32 modelId, Request memory request, uint256[] calldata inputWords)
        private
    {
        emit InferenceRequested(
            requestId,
            modelId,
            request.requester,
            request.mode,
            request.quorum,
            request.callback,
            request.callbackGasLimit,
            request.deadline,
            request.fee,
            inputWords
        );
    }

    function _requireOpen(uint256 requestId, Request memory request) private view {
        if (request.status != Status.Requested) {
            if (request.status == Status.None) revert RequestNotFound(requestId);
            revert RequestNotPending(requestId, request.status);
        }
        if (block.timestamp > request.deadline) revert RequestExpired(requestId, request.deadline);
    }

    function _requireAttested(uint256 requestId, Status status) private pure {
        if (status != Status.Attested) {
            if (status == Status.None) revert RequestNotFound(requestId);
            revert RequestNotAttested(requestId, status);
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

    function _checkOutputWords(uint256[] calldata words, uint256 values, uint256 bits) private pure {
        uint256 expected = WordPacking.wordCount(values, bits);
        if (words.length != expected) revert OutputWordCountMismatch(expected, words.length);
        uint256 index = WordPacking.firstWordOutOfRange(words, values, bits);
        if (index != expected) {
            revert OutputWordOutOfRange(index, words[index], WordPacking.payloadBits(index, values, bits));
        }
    }

    /// @dev Public signals are the input words, the output words, then the beneficiary; the input
    ///      words must be the ones whose hash the request stored. The registry pins the verifier and
    ///      the key; the check gets at most verificationGasLimit, so a malformed proof (which makes a
    ///      precompile fail and burn the gas it was given) cannot burn the caller's whole limit.
    function _verifyProof(
        uint256 requestId,
        Request memory request,
        uint256[] calldata inputWords,
        uint256[] calldata outputWords,
        address beneficiary,
        bytes calldata proof
    ) private view {
        if (beneficiary == address(0)) revert InvalidBeneficiary();
        (bytes32 modelId, address verifier, address verificationKey) = REGISTRY.getVerifierAt(request.modelIndex);
        if (verifier == address(0)) revert ModelHasNoVerifier(modelId);
        bytes32 suppliedHash = keccak256(abi.encodePacked(inputWords));
        if (suppliedHash != request.dataHash) revert InputHashMismatch(requestId, request.dataHash, suppliedHash);
        // The output words need no range check here: the key takes exactly the model's signal count
        // and the circuit packs range-checked values, so the words of a valid proof are in range.
        uint256[] memory signals = _publicSignals(inputWords, outputWords, beneficiary);
        if (!IProofVerifier(verifier).verify{gas: verificationGasLimit(signals.length)}(verificationKey, signals, proof)) {
            revert InvalidProof(requestId);
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
        emit SlashDistributed(
            requestId, reporter, reporterShare, requester, requesterShare, TREASURY, treasuryShare
        );
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }

    /// @dev Runs the callback with exactly the requested gas. It reverts if the caller left too
    ///      little gas for that (so no one can starve a callback into failing); a callback that
    ///      reverts or runs out of gas only emits CallbackFailed, the result stays final.
    function _deliver(uint256 requestId, Request memory request, uint256[] memory outputWords) private {
        address callback = request.callback;
        if (callback == address(0)) return;
        if (callback.code.length == 0) {
            emit CallbackFailed(requestId, callback);
            return;
        }
        bytes memory data = abi.encodeCall(IInferenceConsumer.onInferenceResult, (requestId, outputWords));
        uint256 gasLimit = request.callbackGasLimit;
        uint256 available = gasleft();
        // EIP-150 passes on at most 63/64 of what is left at the call.
        if (
            available < _CALLBACK_GAS_MARGIN
                || available - _CALLBACK_GAS_MARGIN - (available - _CALLBACK_GAS_MARGIN) / 64 <= gasLimit
        ) {
            revert InsufficientGasForCallback(gasLimit);
        }
        bool success;
        assembly ("memory-safe") {
            // No return data is copied: a callback cannot make delivery pay for a huge return.
            success := call(gasLimit, callback, 0, add(data, 0x20), mload(data), 0, 0)
        }
        if (!success) emit CallbackFailed(requestId, callback);
    }

    function _storeOutput(uint256 requestId, uint256[] calldata words) private {
        mapping(uint256 => uint256) storage stored = _outputWords[requestId];
        for (uint256 i; i < words.length; ++i) {
            stored[i] = words[i];
        }
    }

    function _loadOutput(uint256 requestId, uint256 count) private view returns (uint256[] memory words) {
        mapping(uint256 => uint256) storage stored = _outputWords[requestId];
        words = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            words[i] = stored[i];
        }
    }

    /// @dev Every signer must be an active operator now; its index is what the attestation keeps.
    function _packAttestation(uint256 challengeEnd, uint256 outputWordCount, address[] memory signers)
        private
        view
        returns (uint256 packed)
    {
        uint32[] memory indices = STAKING.activeIndices(signers);
        packed = challengeEnd | (outputWordCount << 32);
        for (uint256 i; i < signers.length; ++i) {
            if (indices[i] == 0) revert SignerNotActive(signers[i]);
            packed |= uint256(indices[i]) << (_SIGNERS_SHIFT + _INDEX_BITS * i);
        }
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

    function _hashAttestation(Attestation calldata attestation) private view returns (bytes32) {
        return _hashTypedData(
            keccak256(
                abi.encode(
                    ATTESTATION_TYPEHASH,
                    attestation.requestId,
                    attestation.modelId,
                    attestation.inputHash,
                    attestation.outputHash
                )
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
