// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test, Vm} from "forge-std/Test.sol";

import {InferenceOracle} from "../../src/InferenceOracle.sol";
import {OperatorStaking} from "../../src/OperatorStaking.sol";
import {IInferenceOracle} from "../../src/interfaces/IInferenceOracle.sol";
import {IOperatorStaking} from "../../src/interfaces/IOperatorStaking.sol";
import {CountingConsumer} from "./CountingConsumer.sol";
import {SQUARE_PROOF_BENEFICIARY} from "../utils/SquareFixture.sol";

/// @dev Drives the oracle through random sequences of requests (random modes, quorums, callbacks
///      with prepaid gas, values at risk, a few invalid options), committee draws (vm.roll), batched
///      honest and lying attestations by entitled, unentitled and slashed signers, finalizations and
///      voids, proofs, disputes, equivocation reports, refunds, withdrawals and stake moves. It keeps
///      the Request structs and AttestationRecords the events carry (every later call takes them
///      back) and a model of what each call must do: whether it must succeed, the status it leaves,
///      who is slashed and what each operator earns. Any departure from the model is recorded in
///      `violation`, which an invariant checks; the other invariants compare the ghost state with
///      the contracts'.
contract OracleHandler is Test {
    InferenceOracle internal immutable ORACLE;
    OperatorStaking internal immutable STAKING;
    CountingConsumer public immutable CONSUMER;
    bytes32 internal immutable SQUARE_MODEL;
    bytes32 internal immutable LARGE_MODEL;
    uint96 internal immutable FEE;
    uint256 internal immutable MIN_STAKE;
    uint256 internal immutable ROUND_BLOCKS;
    uint256 internal constant MAX_OPERATORS = 8;
    uint32 internal constant CALLBACK_GAS_LIMIT = 100_000;
    uint256 internal constant LARGE_OUTPUT = 0x12345678;

    address[] public operators;
    uint256[] internal _keys;
    /// @dev Requesters, deliverers and reporters.
    address[] public actors;
    /// @dev Every account the oracle may credit.
    address[] public accounts;
    uint256[] public requestIds;
    uint256[] internal _squareInput;
    uint256[] internal _squareOutput;
    uint256[] internal _largeInput;
    bytes internal _proof;

    /// @dev What each request committed to, as InferenceRequested emitted it.
    mapping(uint256 requestId => IInferenceOracle.Request) internal _requests;
    /// @dev The pending attestation's record, output and signers, as AttestationSubmitted emitted them.
    mapping(uint256 requestId => IInferenceOracle.AttestationRecord) internal _records;
    mapping(uint256 requestId => uint256[]) internal _attestedOutputs;
    mapping(uint256 requestId => address[]) internal _signers;

    /// @dev The status the model expects the oracle to hold.
    mapping(uint256 requestId => IInferenceOracle.Status) public ghostStatus;
    mapping(uint256 requestId => uint256) public finalTransitions;
    mapping(address operator => bool) public ghostSlashed;
    mapping(address operator => uint256) public rewardsWhenSlashed;
    /// @dev Fee shares the model expects each operator to have been credited, in all.
    mapping(address operator => uint256) public expectedRewards;
    mapping(address operator => uint256) public withdrawnRewards;
    /// @dev The fees of every attestation the oracle accepted with the operator's signature.
    mapping(address operator => uint256) public signedFees;
    bool public slashedSignatureCounted;
    bool public unentitledSignatureCounted;
    /// @dev The first departure from the model, empty while there is none.
    string public violation;
    mapping(bytes32 action => uint256) public successes;

    enum Expiry {
        Any,
        Live,
        Expired
    }

    struct Batch {
        IInferenceOracle.Request[] requests;
        uint256[][] outputs;
        uint256[] signers;
        uint256 count;
        uint256 valueAtRisk;
    }

    constructor(
        InferenceOracle oracle,
        bytes32 squareModel,
        bytes32 largeModel,
        uint96 fee,
        address[] memory operatorAccounts,
        uint256[] memory operatorKeys,
        uint256[] memory squareInput,
        uint256[] memory squareOutput,
        uint256[] memory largeInput,
        bytes memory proof
    ) {
        ORACLE = oracle;
        STAKING = OperatorStaking(address(oracle.STAKING()));
        CONSUMER = new CountingConsumer();
        SQUARE_MODEL = squareModel;
        LARGE_MODEL = largeModel;
        FEE = fee;
        MIN_STAKE = STAKING.MIN_STAKE();
        ROUND_BLOCKS = oracle.ROUND_BLOCKS();
        operators = operatorAccounts;
        _keys = operatorKeys;
        _squareInput = squareInput;
        _squareOutput = squareOutput;
        _largeInput = largeInput;
        _proof = proof;
        for (uint256 i; i < 3; ++i) {
            actors.push(makeAddr(string.concat("actor", vm.toString(i))));
            accounts.push(actors[i]);
        }
        accounts.push(oracle.TREASURY());
        // Whoever sends a proof, the fixture's proofs pay their beneficiary.
        accounts.push(SQUARE_PROOF_BENEFICIARY);
        accounts.push(address(CONSUMER));
        accounts.push(address(this));
    }

    // ----------------------------------------------------------------- views for the invariants

    function operatorCount() external view returns (uint256) {
        return operators.length;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function accountCount() external view returns (uint256) {
        return accounts.length;
    }

    function requestCount() external view returns (uint256) {
        return requestIds.length;
    }

    function requestOf(uint256 requestId) external view returns (IInferenceOracle.Request memory) {
        return _requests[requestId];
    }

    function recordOf(uint256 requestId) external view returns (IInferenceOracle.AttestationRecord memory) {
        return _records[requestId];
    }

    function signersOf(uint256 requestId) external view returns (address[] memory) {
        return _signers[requestId];
    }

    /// @dev What the requester paid: the fee and the prepaid callback gas.
    function paymentOf(uint256 requestId) public view returns (uint256) {
        IInferenceOracle.Request storage r = _requests[requestId];
        return uint256(r.fee) + uint256(r.callbackGasLimit) * r.callbackGasPrice;
    }

    // ----------------------------------------------------------------------------------- actions

    /// @dev A request with random options; about one in sixteen is invalid and must be refused.
    function request(uint256 actorSeed, uint256 kind, uint256 optionSeed, uint256 extra) external {
        address actor = actors[actorSeed % 3];
        kind %= 3;
        // The fuzzer favours small and edge values: every option draws on hashed bits.
        optionSeed = uint256(keccak256(abi.encode(optionSeed, extra)));
        IInferenceOracle.RequestOptions memory options;
        options.mode = kind == 0 ? IInferenceOracle.Mode.ZK : IInferenceOracle.Mode.ATTESTED;
        options.quorum = kind == 0 ? 0 : uint8(1 + optionSeed % 4);
        if ((optionSeed >> 8) % 2 == 1) {
            options.callback = address(CONSUMER);
            options.callbackGasLimit = CALLBACK_GAS_LIMIT;
            options.callbackGasPrice = uint64((optionSeed >> 16) % 50 gwei);
        }
        options.deadline = uint64(block.timestamp + 6 hours + (optionSeed >> 80) % 4 days);
        // Half the requests name another actor as their payer, who then gets their refunds.
        if ((optionSeed >> 200) % 2 == 1) options.payer = actors[(actorSeed % 3 + 1) % 3];
        uint256 prepaid = uint256(options.callbackGasLimit) * options.callbackGasPrice;
        uint256 fee = FEE + extra % 0.05 ether;
        if (kind != 0) {
            uint256 choice = (optionSeed >> 120) % 3;
            if (choice == 1) options.valueAtRisk = uint96(fee);
            else if (choice == 2) options.valueAtRisk = uint96(fee + (optionSeed >> 128) % 0.5 ether);
        }
        uint256 payment = fee + prepaid;
        bool valid = true;
        if ((optionSeed >> 200) % 16 == 0) {
            valid = false;
            uint256 fault = (optionSeed >> 204) % 4;
            if (fault == 0) payment = FEE + prepaid - 1 - (optionSeed >> 208) % FEE;
            else if (fault == 1) options.valueAtRisk = kind == 0 ? 1 : uint96(fee - 1);
            else if (fault == 2) (options.callback, options.callbackGasPrice) = (address(0), 1);
            else options.deadline = uint64(block.timestamp);
        }
        bool expectOk = valid && !(kind == 2 && STAKING.totalWeight() == 0);
        uint256 totalWeight = kind == 0 ? 0 : STAKING.totalWeight();

        bytes32 modelId = kind == 2 ? LARGE_MODEL : SQUARE_MODEL;
        uint256[] memory input = kind == 2 ? _largeInput : _squareInput;
        vm.deal(actor, payment);
        vm.recordLogs();
        vm.prank(actor);
        try ORACLE.requestInference{value: payment}(modelId, input, options) returns (uint256 requestId) {
            IInferenceOracle.Request memory r = _requestFromLogs(vm.getRecordedLogs(), requestId);
            if (!expectOk) _violate("an invalid request was accepted", "");
            if (
                r.requester != actor || r.payer != (options.payer == address(0) ? actor : options.payer)
                    || r.fee != payment - prepaid || r.blockNumber != block.number || r.totalWeight != totalWeight
                    || r.callbackGasPrice != options.callbackGasPrice
                    || r.valueAtRisk != (kind == 0 ? 0 : options.valueAtRisk == 0 ? r.fee : options.valueAtRisk)
                    || r.provable != (kind != 2) || r.quorum != options.quorum || r.deadline != options.deadline
            ) {
                _violate("InferenceRequested does not carry what was requested", "");
            }
            _requests[requestId] = r;
            ghostStatus[requestId] = IInferenceOracle.Status.Requested;
            requestIds.push(requestId);
            ++successes["request"];
        } catch (bytes memory reason) {
            vm.getRecordedLogs();
            if (expectOk) _violate("a valid request was refused", reason);
        }
    }

    /// @dev Signs a batch of pending requests with the same signers and submits it. Three calls in
    ///      four choose signers the way an honest node does (entitled, with free stake for the whole
    ///      batch, exactly the quorum), one in three of those spoiled by an unentitled or slashed
    ///      signer; the fourth takes any subset of the operators. Each result is honest or a lie per
    ///      `lieMask`.
    function attest(uint256 requestSeed, uint256 signerSeed, uint256 lieMask, uint256 batchSize, uint256 actorSeed)
        external
    {
        if (requestIds.length == 0) return;
        Batch memory batch;
        batch.requests = new IInferenceOracle.Request[](4);
        batch.outputs = new uint256[][](4);
        batch.requests[0] = _requests[_find(requestSeed, IInferenceOracle.Status.Requested, true, false, Expiry.Live)];
        batch.count = 1;
        batch.valueAtRisk = batch.requests[0].valueAtRisk;
        signerSeed = uint256(keccak256(abi.encode(signerSeed)));
        lieMask = uint256(keccak256(abi.encode(lieMask, signerSeed)));
        uint256 how = signerSeed % 4;
        if (how == 0) {
            batch.signers = _subset(signerSeed >> 8);
        } else {
            batch.signers = _honestSigners(batch.requests[0], batch.valueAtRisk);
            if (batch.signers.length == batch.requests[0].quorum) {
                _extendBatch(batch, requestSeed, batchSize % 4);
                if (how == 1) batch.signers = _spoil(batch.signers, batch.requests[0], signerSeed >> 8);
            }
        }
        for (uint256 i; i < batch.count; ++i) {
            bool lie = (lieMask >> i) & 1 == 1;
            batch.outputs[i] =
                batch.requests[i].modelId == LARGE_MODEL ? _words(lie ? LARGE_OUTPUT + 1 : LARGE_OUTPUT) : _lieOr(lie);
        }
        _submitBatch(batch, actors[actorSeed % 3]);
    }

    /// @dev A proof of the square model's true output, from any actor: serves a Requested request,
    ///      makes an honest attestation final at once, overturns a lie within its window.
    function fulfil(uint256 requestSeed, uint256 actorSeed) external {
        if (requestIds.length == 0) return;
        uint256 requestId = _find(
            requestSeed,
            actorSeed % 2 == 0 ? IInferenceOracle.Status.Requested : IInferenceOracle.Status.Attested,
            false,
            true,
            actorSeed % 2 == 0 ? Expiry.Live : Expiry.Any
        );
        IInferenceOracle.Request memory r = _requests[requestId];
        if (r.modelId != SQUARE_MODEL) return;
        IInferenceOracle.Status status = ghostStatus[requestId];
        bool attested = status == IInferenceOracle.Status.Attested;
        bool honest = attested && _records[requestId].outputHash == _hash(_squareOutput);
        bool expectOk = status == IInferenceOracle.Status.Requested
            ? block.timestamp <= r.deadline
            : attested && (honest || block.timestamp < _challengeEnd(requestId));
        IInferenceOracle.AttestationRecord memory record = attested ? _records[requestId] : _none();
        vm.prank(actors[actorSeed % 3]);
        try ORACLE.fulfillWithProof(r, record, _squareInput, _squareOutput, SQUARE_PROOF_BENEFICIARY, _proof) {
            if (!expectOk) _violate("fulfillWithProof succeeded against the model", "");
            if (attested && !honest) _slashSigners(requestId);
            _final(requestId, IInferenceOracle.Status.Fulfilled);
            ++successes[attested ? (honest ? bytes32("prove attested") : bytes32("overturn")) : bytes32("fulfil")];
        } catch (bytes memory reason) {
            if (expectOk) _violate("fulfillWithProof refused", reason);
        }
        _checkSlashes();
    }

    function dispute(uint256 requestSeed, uint256 actorSeed) external {
        if (requestIds.length == 0) return;
        uint256 requestId = _find(requestSeed, IInferenceOracle.Status.Attested, false, true, Expiry.Any);
        IInferenceOracle.Request memory r = _requests[requestId];
        if (r.modelId != SQUARE_MODEL) return;
        bool attested = ghostStatus[requestId] == IInferenceOracle.Status.Attested;
        bool expectOk = attested && _records[requestId].outputHash != _hash(_squareOutput)
            && block.timestamp < _challengeEnd(requestId);
        IInferenceOracle.AttestationRecord memory record = attested ? _records[requestId] : _none();
        vm.prank(actors[actorSeed % 3]);
        try ORACLE.disputeWithProof(r, record, _squareInput, _squareOutput, SQUARE_PROOF_BENEFICIARY, _proof) {
            if (!expectOk) _violate("disputeWithProof succeeded against the model", "");
            _slashSigners(requestId);
            _final(requestId, IInferenceOracle.Status.Fulfilled);
            ++successes["dispute"];
        } catch (bytes memory reason) {
            if (expectOk) _violate("disputeWithProof refused", reason);
        }
        _checkSlashes();
    }

    /// @dev After the window, pays the unslashed signers; at any time, voids an attestation whose
    ///      slashed signers leave it short of its quorum. Half the calls first wait for the window to end.
    function finalize(uint256 requestSeed, uint256 actorSeed) external {
        if (requestIds.length == 0) return;
        uint256 requestId = _find(requestSeed, IInferenceOracle.Status.Attested, false, false, Expiry.Any);
        IInferenceOracle.Request memory r = _requests[requestId];
        bool attested = ghostStatus[requestId] == IInferenceOracle.Status.Attested;
        if (attested && actorSeed % 2 == 0 && block.timestamp < _challengeEnd(requestId)) {
            vm.warp(_challengeEnd(requestId));
        }
        address[] memory signers = _signers[requestId];
        uint256 unslashed;
        for (uint256 i; attested && i < signers.length; ++i) {
            if (!ghostSlashed[signers[i]]) ++unslashed;
        }
        bool voids = attested && unslashed < r.quorum;
        bool expectOk = attested && (voids || block.timestamp >= _challengeEnd(requestId));
        IInferenceOracle.AttestationRecord memory record = attested ? _records[requestId] : _none();
        uint256[] memory output = attested ? _attestedOutputs[requestId] : _squareOutput;
        vm.prank(actors[actorSeed % 3]);
        try ORACLE.finalize(r, record, output) {
            if (!expectOk) _violate("finalize succeeded against the model", "");
            if (voids) {
                ghostStatus[requestId] = IInferenceOracle.Status.Requested;
                delete _records[requestId];
                delete _attestedOutputs[requestId];
                delete _signers[requestId];
                ++successes["void"];
            } else {
                _payShares(signers, r.fee, unslashed);
                _final(requestId, IInferenceOracle.Status.Finalized);
                ++successes["finalize"];
            }
        } catch (bytes memory reason) {
            if (expectOk) _violate("finalize refused", reason);
        }
        _checkSlashes();
    }

    /// @dev finalize for one to four items at once: Attested results (seven in eight, as _find
    ///      draws them; other states too), one in eight listed again after the one before it. Half
    ///      the calls first wait for the latest of their windows to end; one in eight spoils the
    ///      record of an item (the oracle must then revert RequestMismatch when it reaches it while
    ///      Attested). The model walks the items in order: one no longer Attested when reached
    ///      (before the batch or by an earlier item) is skipped; an Attested one is voided if its
    ///      slashed signers leave it short of its quorum, finalized if its window is over, and
    ///      otherwise reverts the whole batch.
    function finalizeBatch(uint256 requestSeed, uint256 actorSeed, uint256 shapeSeed) external {
        if (requestIds.length == 0) return;
        shapeSeed = uint256(keccak256(abi.encode(shapeSeed, "finalizeBatch")));
        uint256 count = 1 + shapeSeed % 4;
        IInferenceOracle.Finalization[] memory items = new IInferenceOracle.Finalization[](count);
        uint256[] memory ids = new uint256[](count);
        uint256 latestEnd;
        for (uint256 i; i < count; ++i) {
            uint256 requestId = i != 0 && (shapeSeed >> (8 + 3 * i)) % 8 == 0
                ? ids[i - 1]
                : _find(
                    uint256(keccak256(abi.encode(requestSeed, i))),
                    IInferenceOracle.Status.Attested,
                    false,
                    false,
                    Expiry.Any
                );
            ids[i] = requestId;
            bool attested = ghostStatus[requestId] == IInferenceOracle.Status.Attested;
            items[i] = IInferenceOracle.Finalization({
                request: _requests[requestId],
                attested: attested ? _records[requestId] : _none(),
                outputWords: attested ? _attestedOutputs[requestId] : _squareOutput
            });
            if (attested && _challengeEnd(requestId) > latestEnd) latestEnd = _challengeEnd(requestId);
        }
        uint256 spoiled = type(uint256).max;
        if ((shapeSeed >> 40) % 8 == 0) {
            spoiled = (shapeSeed >> 48) % count;
            items[spoiled].attested.packed ^= uint256(1) << 255;
        }
        if (actorSeed % 2 == 0 && block.timestamp < latestEnd) vm.warp(latestEnd);

        // The model: 0 skipped, 1 voided, 2 finalized; expectOk false if an item must revert the batch.
        uint256[] memory outcome = new uint256[](count);
        uint256[] memory unslashed = new uint256[](count);
        uint256 expectSettled;
        bool expectOk = true;
        for (uint256 i; i < count && expectOk; ++i) {
            uint256 requestId = ids[i];
            bool attested = ghostStatus[requestId] == IInferenceOracle.Status.Attested;
            for (uint256 j; j < i; ++j) {
                if (ids[j] == requestId && outcome[j] != 0) attested = false;
            }
            if (!attested) continue;
            address[] memory signers = _signers[requestId];
            for (uint256 k; k < signers.length; ++k) {
                if (!ghostSlashed[signers[k]]) ++unslashed[i];
            }
            if (i == spoiled) expectOk = false;
            else if (unslashed[i] < _requests[requestId].quorum) outcome[i] = 1;
            else if (block.timestamp >= _challengeEnd(requestId)) outcome[i] = 2;
            else expectOk = false;
            if (outcome[i] != 0) ++expectSettled;
        }

        vm.prank(actors[actorSeed % 3]);
        try ORACLE.finalizeBatch(items) returns (uint256 settled) {
            if (!expectOk) _violate("finalizeBatch succeeded against the model", "");
            if (settled != expectSettled) _violate("finalizeBatch settled another count than the model", "");
            for (uint256 i; i < count; ++i) {
                uint256 requestId = ids[i];
                if (outcome[i] == 1) {
                    ghostStatus[requestId] = IInferenceOracle.Status.Requested;
                    delete _records[requestId];
                    delete _attestedOutputs[requestId];
                    delete _signers[requestId];
                    ++successes["batch item voided"];
                } else if (outcome[i] == 2) {
                    _payShares(_signers[requestId], _requests[requestId].fee, unslashed[i]);
                    _final(requestId, IInferenceOracle.Status.Finalized);
                    ++successes["batch item finalized"];
                } else {
                    ++successes["batch item skipped"];
                }
            }
            ++successes["finalizeBatch"];
        } catch (bytes memory reason) {
            if (expectOk) {
                _violate("finalizeBatch refused", reason);
            } else if (
                spoiled != type(uint256).max
                    && keccak256(reason)
                        == keccak256(abi.encodeWithSelector(IInferenceOracle.RequestMismatch.selector, ids[spoiled]))
            ) {
                ++successes["batch spoiled"];
            }
        }
        _checkSlashes();
    }

    /// @dev Two signatures by one operator over different outputs of one subject: an off-chain one
    ///      (request 0) or a tracked request's, the first alone or in a batch of two. Only one call in
    ///      four goes ahead, so slashing does not crowd out everything else.
    function equivocate(uint256 operatorSeed, uint256 actorSeed, uint256 subjectSeed) external {
        subjectSeed = uint256(keccak256(abi.encode(subjectSeed)));
        if (subjectSeed % 4 != 0) return;
        uint256 index = operatorSeed % operators.length;
        address operator = operators[index];
        IInferenceOracle.Attestation memory a = IInferenceOracle.Attestation({
            requestId: 0,
            modelId: SQUARE_MODEL,
            inputHash: keccak256(abi.encodePacked(_squareInput)),
            outputHash: keccak256("one"),
            traceRoot: keccak256("one's trace")
        });
        if ((subjectSeed >> 2) % 2 == 1 && requestIds.length != 0) {
            IInferenceOracle.Request storage r = _requests[requestIds[(subjectSeed >> 3) % requestIds.length]];
            (a.requestId, a.modelId, a.inputHash) = (r.id, r.modelId, r.inputHash);
        }
        IInferenceOracle.Attestation memory b = IInferenceOracle.Attestation({
            requestId: a.requestId,
            modelId: a.modelId,
            inputHash: a.inputHash,
            outputHash: keccak256("other"),
            traceRoot: keccak256("other's trace")
        });
        IInferenceOracle.SignedAttestation memory first = (subjectSeed >> 1) % 2 == 0
            ? _signedAlone(_keys[index], a)
            : _signedInBatch(_keys[index], a, subjectSeed >> 128);
        IInferenceOracle.SignedAttestation memory second = _signedAlone(_keys[index], b);
        address reporter = actors[actorSeed % 3];
        // Commit, then reveal in a later block, as the oracle demands.
        bytes32 commitment = keccak256(abi.encode(reporter, first, second));
        if (ORACLE.equivocationCommittedAt(commitment) == 0) {
            vm.prank(reporter);
            ORACLE.commitEquivocation(commitment);
        }
        vm.roll(block.number + 1);
        IOperatorStaking.Operator memory before = STAKING.getOperator(operator);
        bool expectOk = !before.slashed && uint256(before.stake) + before.unbonding != 0;
        vm.prank(reporter);
        try ORACLE.reportEquivocation(first, second) {
            if (!expectOk) _violate("reportEquivocation succeeded against the model", "");
            _expectSlashed(operator);
            ++successes["equivocate"];
        } catch (bytes memory reason) {
            if (expectOk) _violate("reportEquivocation refused", reason);
        }
        _checkSlashes();
    }

    function refund(uint256 requestSeed, uint256 actorSeed) external {
        if (requestIds.length == 0) return;
        uint256 requestId = _find(requestSeed, IInferenceOracle.Status.Requested, false, false, Expiry.Expired);
        IInferenceOracle.Request memory r = _requests[requestId];
        bool expectOk = ghostStatus[requestId] == IInferenceOracle.Status.Requested && block.timestamp > r.deadline;
        uint256 before = ORACLE.balanceOf(r.payer);
        vm.prank(actors[actorSeed % 3]);
        try ORACLE.refund(r) {
            if (!expectOk) _violate("refund succeeded against the model", "");
            if (ORACLE.balanceOf(r.payer) != before + paymentOf(requestId)) {
                _violate("refund did not credit the whole payment", "");
            }
            ghostStatus[requestId] = IInferenceOracle.Status.Refunded;
            ++successes["refund"];
        } catch (bytes memory reason) {
            if (expectOk) _violate("refund refused", reason);
        }
    }

    function withdraw(uint256 accountSeed) external {
        // Actors, the treasury and the proof's beneficiary: the accounts that can take ETH.
        address account = accounts[accountSeed % 5];
        uint256 balance = ORACLE.balanceOf(account);
        vm.prank(account);
        try ORACLE.withdraw(payable(account)) {
            if (balance == 0) _violate("withdraw of nothing succeeded", "");
            ++successes["withdraw"];
        } catch (bytes memory reason) {
            if (balance != 0) _violate("withdraw refused", reason);
        }
    }

    function withdrawRewards(uint256 operatorSeed) external {
        address operator = operators[operatorSeed % operators.length];
        uint256 rewards = STAKING.getOperator(operator).rewards;
        vm.prank(operator);
        try STAKING.withdrawRewards() {
            if (rewards == 0) _violate("withdrawRewards of nothing succeeded", "");
            withdrawnRewards[operator] += rewards;
            ++successes["withdrawRewards"];
        } catch (bytes memory reason) {
            if (rewards != 0) _violate("withdrawRewards refused", reason);
        }
    }

    /// @dev Unstakes part of the free stake; one call in four asks for more than is free, which
    ///      must be refused (locked stake cannot leave).
    function requestUnstake(uint256 operatorSeed, uint256 amount, uint256 overSeed) external {
        address operator = operators[operatorSeed % operators.length];
        IOperatorStaking.Operator memory before = STAKING.getOperator(operator);
        uint256 free = uint256(before.stake) - before.locked;
        if (overSeed % 4 == 0) amount = free + 1 + amount % 1 ether;
        else if (free == 0) return;
        else amount = 1 + amount % free;
        bool expectOk = !before.slashed && amount <= free;
        vm.prank(operator);
        try STAKING.requestUnstake(amount) {
            if (!expectOk) _violate("requestUnstake beyond the free stake succeeded", "");
            ++successes["requestUnstake"];
        } catch (bytes memory reason) {
            if (expectOk) _violate("requestUnstake refused", reason);
        }
    }

    /// @dev Half the calls first wait for the unbonding to end.
    function withdrawStake(uint256 operatorSeed, bool wait) external {
        address operator = operators[operatorSeed % operators.length];
        IOperatorStaking.Operator memory before = STAKING.getOperator(operator);
        if (wait && block.timestamp < before.unbondingEnd) vm.warp(before.unbondingEnd);
        bool expectOk = before.unbonding != 0 && block.timestamp >= before.unbondingEnd;
        vm.prank(operator);
        try STAKING.withdrawStake() {
            if (!expectOk) _violate("withdrawStake succeeded against the model", "");
            ++successes["withdrawStake"];
        } catch (bytes memory reason) {
            if (expectOk) _violate("withdrawStake refused", reason);
        }
    }

    /// @dev Raising stake also forfeits the operator's seats on earlier requests' committees.
    function addStake(uint256 operatorSeed, uint256 amount) external {
        address operator = operators[operatorSeed % operators.length];
        amount = 1 + amount % 2 ether;
        bool expectOk = !STAKING.getOperator(operator).slashed;
        vm.deal(operator, amount);
        vm.prank(operator);
        try STAKING.addStake{value: amount}() {
            if (!expectOk) _violate("addStake by a slashed operator succeeded", "");
            ++successes["addStake"];
        } catch (bytes memory reason) {
            if (expectOk) _violate("addStake refused", reason);
        }
    }

    /// @dev A new operator joins, so slashing does not empty the set.
    function join(uint256 stake) external {
        if (operators.length >= MAX_OPERATORS) return;
        uint256 key = uint256(keccak256(abi.encode("veridict.invariant.operator", operators.length)));
        address account = vm.addr(key);
        stake = MIN_STAKE + stake % (2 * MIN_STAKE);
        vm.deal(account, stake);
        vm.prank(account);
        STAKING.register{value: stake}();
        operators.push(account);
        _keys.push(key);
        ++successes["join"];
    }

    /// @dev Seven warps in eight stay within a few hours, so requests live long enough to be served.
    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + 1 + seconds_ % (seconds_ % 8 == 0 ? 3 days : 3 hours));
    }

    /// @dev Moves the chain on: committees are drawn, rounds pass.
    function roll(uint256 blocks) external {
        vm.roll(block.number + 1 + blocks % 25);
    }

    // ---------------------------------------------------------------------------------- internals

    /// @dev Seven calls in eight, the first request from a point drawn from `seed` on (wrapping)
    ///      in `status`, ATTESTED if `attestedOnly`, of the square model if `squareOnly`, past or
    ///      before its deadline as `expiry` says; otherwise,
    ///      or if there is none, the request at that point. Calls on requests in any state still
    ///      test that the oracle refuses what it must.
    function _find(uint256 seed, IInferenceOracle.Status status, bool attestedOnly, bool squareOnly, Expiry expiry)
        internal
        view
        returns (uint256)
    {
        seed = uint256(keccak256(abi.encode(seed, "find")));
        uint256 count = requestIds.length;
        uint256 start = seed % count;
        if ((seed >> 128) % 8 == 0) return requestIds[start];
        for (uint256 k; k < count; ++k) {
            uint256 requestId = requestIds[(start + k) % count];
            IInferenceOracle.Request storage r = _requests[requestId];
            if (
                ghostStatus[requestId] == status && (!attestedOnly || r.mode == IInferenceOracle.Mode.ATTESTED)
                    && (!squareOnly || r.modelId == SQUARE_MODEL)
                    && (expiry == Expiry.Any || (block.timestamp > r.deadline) == (expiry == Expiry.Expired))
            ) return requestId;
        }
        return requestIds[start];
    }

    function _submitBatch(Batch memory batch, address submitter) internal {
        // The oracle takes a batch by ascending request id.
        for (uint256 i = 1; i < batch.count; ++i) {
            for (uint256 j = i; j > 0 && batch.requests[j].id < batch.requests[j - 1].id; --j) {
                (batch.requests[j], batch.requests[j - 1]) = (batch.requests[j - 1], batch.requests[j]);
                (batch.outputs[j], batch.outputs[j - 1]) = (batch.outputs[j - 1], batch.outputs[j]);
            }
        }
        IInferenceOracle.AttestedResult[] memory results = new IInferenceOracle.AttestedResult[](batch.count);
        IInferenceOracle.Attestation[] memory attestations = new IInferenceOracle.Attestation[](batch.count);
        for (uint256 i; i < batch.count; ++i) {
            results[i] = IInferenceOracle.AttestedResult({
                request: batch.requests[i], outputWords: batch.outputs[i], traceRoot: _traceOf(batch.outputs[i])
            });
            attestations[i] = IInferenceOracle.Attestation({
                requestId: batch.requests[i].id,
                modelId: batch.requests[i].modelId,
                inputHash: batch.requests[i].inputHash,
                outputHash: _hash(batch.outputs[i]),
                traceRoot: _traceOf(batch.outputs[i])
            });
        }
        bytes32 digest = ORACLE.hashAttestationBatch(attestations);
        bytes[] memory signatures = new bytes[](batch.signers.length);
        for (uint256 i; i < batch.signers.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keys[batch.signers[i]], digest);
            signatures[i] = abi.encodePacked(r, s, v);
        }
        (bool expectOk, bool slashedSigner, bool unentitledSigner) = _expectAttestation(batch);
        vm.recordLogs();
        vm.prank(submitter);
        try ORACLE.submitAttestations(results, signatures) {
            Vm.Log[] memory logs = vm.getRecordedLogs();
            if (slashedSigner) slashedSignatureCounted = true;
            if (unentitledSigner) unentitledSignatureCounted = true;
            if (!expectOk) _violate("submitAttestations succeeded against the model", "");
            for (uint256 i; i < batch.count; ++i) {
                _recordAttestation(logs, batch.requests[i], batch.outputs[i], batch.signers);
            }
            ++successes[batch.count == 1 ? bytes32("attest") : bytes32("attest batch")];
        } catch (bytes memory reason) {
            vm.getRecordedLogs();
            if (expectOk) _violate("submitAttestations refused", reason);
        }
    }

    function _recordAttestation(
        Vm.Log[] memory logs,
        IInferenceOracle.Request memory r,
        uint256[] memory output,
        uint256[] memory positions
    ) internal {
        (IInferenceOracle.AttestationRecord memory record, address[] memory signers) = _recordFromLogs(logs, r.id);
        if (record.outputHash != _hash(output) || signers.length != positions.length) {
            _violate("AttestationSubmitted does not carry what was submitted", "");
        }
        for (uint256 i; i < signers.length && i < positions.length; ++i) {
            if (signers[i] != operators[positions[i]]) _violate("AttestationSubmitted names other signers", "");
            signedFees[signers[i]] += r.fee;
        }
        _records[r.id] = record;
        _attestedOutputs[r.id] = output;
        _signers[r.id] = signers;
        ghostStatus[r.id] = IInferenceOracle.Status.Attested;
    }

    /// @dev Whether the batch must be accepted: every request pending, ATTESTED, before its deadline,
    ///      its committee drawn and its quorum matched; every signer active, entitled to every request
    ///      by the sortition rule, with free stake for the batch's value at risk.
    function _expectAttestation(Batch memory batch)
        internal
        view
        returns (bool ok, bool slashedSigner, bool unentitledSigner)
    {
        ok = true;
        for (uint256 i; i < batch.count; ++i) {
            IInferenceOracle.Request memory r = batch.requests[i];
            if (
                ghostStatus[r.id] != IInferenceOracle.Status.Requested || r.mode != IInferenceOracle.Mode.ATTESTED
                    || block.timestamp > r.deadline || block.number < r.blockNumber + 2
                    || batch.signers.length != r.quorum
            ) ok = false;
        }
        for (uint256 j; j < batch.signers.length; ++j) {
            address signer = operators[batch.signers[j]];
            IOperatorStaking.Operator memory op = STAKING.getOperator(signer);
            if (op.slashed) slashedSigner = true;
            if (op.slashed || op.stake < MIN_STAKE || op.stake - op.locked < batch.valueAtRisk) ok = false;
            if (j != 0 && operators[batch.signers[j - 1]] >= signer) ok = false;
            for (uint256 i; i < batch.count; ++i) {
                if (!_entitledByRule(batch.requests[i], signer)) {
                    unentitledSigner = true;
                    ok = false;
                }
            }
        }
    }

    /// @dev The sortition rule, written out from the specification (independently of the oracle's
    ///      isEntitled, which must agree): an active operator holds a seat in round r if
    ///      keccak(seed, operator) % totalWeight < (2 * quorum + 1) * stake and its stake was last
    ///      raised before the request's block; from round 1 a provable request is open to all.
    function _entitledByRule(IInferenceOracle.Request memory r, address operator) internal view returns (bool) {
        IOperatorStaking.Operator memory op = STAKING.getOperator(operator);
        if (STAKING.indexOf(operator) == 0 || op.slashed || op.stake < MIN_STAKE) return false;
        uint256 firstBlock = uint256(r.blockNumber) + 2;
        if (block.number < firstBlock) return false;
        uint256 round = (block.number - firstBlock) / ROUND_BLOCKS;
        if (r.provable && round != 0) return true;
        bytes32 blockHash = blockhash(firstBlock - 1 + round * ROUND_BLOCKS);
        if (blockHash == bytes32(0) || op.raisedAt >= r.blockNumber || r.totalWeight == 0) return false;
        bytes32 seed = keccak256(abi.encode(blockHash, r.id));
        return uint256(keccak256(abi.encode(seed, operator))) % r.totalWeight < (2 * uint256(r.quorum) + 1) * op.stake;
    }

    /// @dev The first `quorum` operators (ascending) entitled to `r` with free stake for `valueAtRisk`;
    ///      checks the oracle's isEntitled against the rule for every operator.
    function _honestSigners(IInferenceOracle.Request memory r, uint256 valueAtRisk)
        internal
        returns (uint256[] memory chosen)
    {
        uint256[] memory sorted = _sortedPositions();
        chosen = new uint256[](r.quorum);
        uint256 count;
        for (uint256 k; k < sorted.length; ++k) {
            address operator = operators[sorted[k]];
            bool entitled = _entitledByRule(r, operator);
            if (entitled != ORACLE.isEntitled(r, operator)) {
                _violate("isEntitled disagrees with the sortition rule", "");
            }
            IOperatorStaking.Operator memory op = STAKING.getOperator(operator);
            if (entitled && count < r.quorum && op.stake - op.locked >= valueAtRisk) chosen[count++] = sorted[k];
        }
        assembly ("memory-safe") {
            mstore(chosen, count)
        }
    }

    /// @dev Adds up to `extra` more pending ATTESTED requests of the same quorum that every chosen
    ///      signer may sign, with free stake for them all.
    function _extendBatch(Batch memory batch, uint256 requestSeed, uint256 extra) internal view {
        IInferenceOracle.Request memory head = batch.requests[0];
        for (uint256 k = 1; k < requestIds.length && batch.count < 1 + extra; ++k) {
            IInferenceOracle.Request memory r =
                _requests[requestIds[(requestSeed % requestIds.length + k) % requestIds.length]];
            if (
                r.id == head.id || r.mode != IInferenceOracle.Mode.ATTESTED || r.quorum != head.quorum
                    || ghostStatus[r.id] != IInferenceOracle.Status.Requested || block.timestamp > r.deadline
            ) continue;
            bool fits = true;
            for (uint256 j; j < batch.signers.length && fits; ++j) {
                address operator = operators[batch.signers[j]];
                IOperatorStaking.Operator memory op = STAKING.getOperator(operator);
                fits = _entitledByRule(r, operator) && op.stake - op.locked >= batch.valueAtRisk + r.valueAtRisk;
            }
            if (!fits) continue;
            batch.requests[batch.count++] = r;
            batch.valueAtRisk += r.valueAtRisk;
        }
    }

    /// @dev Replaces one signer with an operator not entitled to `r` (or slashed), if there is one.
    function _spoil(uint256[] memory signers, IInferenceOracle.Request memory r, uint256 seed)
        internal
        view
        returns (uint256[] memory)
    {
        if (signers.length == 0) return signers;
        for (uint256 k; k < operators.length; ++k) {
            uint256 candidate = (seed + k) % operators.length;
            bool taken;
            for (uint256 j; j < signers.length; ++j) {
                taken = taken || signers[j] == candidate;
            }
            if (taken || _entitledByRule(r, operators[candidate])) continue;
            signers[seed % signers.length] = candidate;
            return _sortByAddress(signers);
        }
        return signers;
    }

    /// @dev The operators whose bit is set in `mask`, ascending by address (slashed ones included).
    function _subset(uint256 mask) internal view returns (uint256[] memory chosen) {
        chosen = new uint256[](operators.length);
        uint256 count;
        for (uint256 i; i < operators.length; ++i) {
            if (mask & (1 << i) != 0) chosen[count++] = i;
        }
        assembly ("memory-safe") {
            mstore(chosen, count)
        }
        return _sortByAddress(chosen);
    }

    function _sortedPositions() internal view returns (uint256[] memory positions) {
        positions = new uint256[](operators.length);
        for (uint256 i; i < operators.length; ++i) {
            positions[i] = i;
        }
        return _sortByAddress(positions);
    }

    function _sortByAddress(uint256[] memory positions) internal view returns (uint256[] memory) {
        for (uint256 i = 1; i < positions.length; ++i) {
            for (uint256 j = i; j > 0 && operators[positions[j]] < operators[positions[j - 1]]; --j) {
                (positions[j], positions[j - 1]) = (positions[j - 1], positions[j]);
            }
        }
        return positions;
    }

    /// @dev The fee split settle must make: equal shares to the unslashed signers, the rounding
    ///      remainder to the first of them.
    function _payShares(address[] memory signers, uint256 fee, uint256 unslashed) internal {
        uint256 share = fee / unslashed;
        uint256 remainder = fee - share * unslashed;
        for (uint256 i; i < signers.length; ++i) {
            if (ghostSlashed[signers[i]]) continue;
            expectedRewards[signers[i]] += share + remainder;
            remainder = 0;
        }
    }

    /// @dev A dispute slashes every signer of the overturned attestation.
    function _slashSigners(uint256 requestId) internal {
        address[] memory signers = _signers[requestId];
        for (uint256 i; i < signers.length; ++i) {
            _expectSlashed(signers[i]);
        }
    }

    function _expectSlashed(address operator) internal {
        if (ghostSlashed[operator]) return;
        ghostSlashed[operator] = true;
        rewardsWhenSlashed[operator] = STAKING.getOperator(operator).rewards;
    }

    /// @dev The operators slashed are exactly those the model expects.
    function _checkSlashes() internal {
        for (uint256 i; i < operators.length; ++i) {
            if (STAKING.getOperator(operators[i]).slashed != ghostSlashed[operators[i]]) {
                _violate("an operator's slashing differs from the model", "");
            }
        }
    }

    function _final(uint256 requestId, IInferenceOracle.Status status) internal {
        ghostStatus[requestId] = status;
        ++finalTransitions[requestId];
    }

    function _challengeEnd(uint256 requestId) internal view returns (uint256) {
        return uint32(_records[requestId].packed);
    }

    function _violate(string memory what, bytes memory reason) internal {
        if (bytes(violation).length != 0) return;
        violation = reason.length == 0 ? what : string.concat(what, ": ", vm.toString(reason));
    }

    function _requestFromLogs(Vm.Log[] memory logs, uint256 requestId)
        internal
        returns (IInferenceOracle.Request memory r)
    {
        bool found;
        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].topics[0] == IInferenceOracle.InferenceRequested.selector
                    && uint256(logs[i].topics[1]) == requestId
            ) {
                (r,) = abi.decode(logs[i].data, (IInferenceOracle.Request, uint256[]));
                found = true;
            }
        }
        if (!found || r.id != requestId) _violate("no InferenceRequested for the new request", "");
    }

    function _recordFromLogs(Vm.Log[] memory logs, uint256 requestId)
        internal
        returns (IInferenceOracle.AttestationRecord memory record, address[] memory signers)
    {
        bool found;
        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].topics[0] == IInferenceOracle.AttestationSubmitted.selector
                    && uint256(logs[i].topics[1]) == requestId
            ) {
                (record,, signers,) =
                    abi.decode(logs[i].data, (IInferenceOracle.AttestationRecord, uint256[], address[], uint64));
                found = true;
            }
        }
        if (!found) _violate("no AttestationSubmitted for an attested request", "");
    }

    function _signedAlone(uint256 key, IInferenceOracle.Attestation memory attestation)
        internal
        view
        returns (IInferenceOracle.SignedAttestation memory)
    {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, ORACLE.hashAttestation(attestation));
        return IInferenceOracle.SignedAttestation({
            attestation: attestation, batch: new bytes32[](0), index: 0, signature: abi.encodePacked(r, s, v)
        });
    }

    /// @dev `attestation` signed in a batch of two, beside an attestation of another request.
    function _signedInBatch(uint256 key, IInferenceOracle.Attestation memory attestation, uint256 seed)
        internal
        view
        returns (IInferenceOracle.SignedAttestation memory)
    {
        uint256 index = seed % 2;
        IInferenceOracle.Attestation[] memory attestations = new IInferenceOracle.Attestation[](2);
        attestations[index] = attestation;
        attestations[1 - index] = IInferenceOracle.Attestation({
            requestId: attestation.requestId + 1000,
            modelId: attestation.modelId,
            inputHash: attestation.inputHash,
            outputHash: keccak256("filler"),
            traceRoot: keccak256("filler's trace")
        });
        bytes32[] memory items = new bytes32[](2);
        for (uint256 i; i < 2; ++i) {
            items[i] = keccak256(
                abi.encode(
                    ORACLE.ATTESTATION_TYPEHASH(),
                    attestations[i].requestId,
                    attestations[i].modelId,
                    attestations[i].inputHash,
                    attestations[i].outputHash,
                    attestations[i].traceRoot
                )
            );
        }
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, ORACLE.hashAttestationBatch(attestations));
        return IInferenceOracle.SignedAttestation({
            attestation: attestation, batch: items, index: index, signature: abi.encodePacked(r, s, v)
        });
    }

    function _lieOr(bool lie) internal view returns (uint256[] memory output) {
        output = _words(_squareOutput[0]);
        if (lie) output[0] += 1;
    }

    function _words(uint256 word) internal pure returns (uint256[] memory words) {
        words = new uint256[](1);
        words[0] = word;
    }

    function _hash(uint256[] memory words) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(words));
    }

    function _none() internal pure returns (IInferenceOracle.AttestationRecord memory) {
        return IInferenceOracle.AttestationRecord({outputHash: bytes32(0), traceRoot: bytes32(0), packed: 0});
    }

    /// @dev The trace root signed with `outputWords` (as VeridictTest's): one per output.
    function _traceOf(uint256[] memory outputWords) internal pure returns (bytes32) {
        return keccak256(abi.encode("veridict.test.trace", outputWords));
    }
}
